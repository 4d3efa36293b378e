"""CSV cells for the downloads (the open data, a group's export): one rule for what a value
becomes in a cell, and for the cell a spreadsheet would otherwise run as a formula."""

from __future__ import annotations

# A cell a spreadsheet would take for a formula is prefixed with an apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """Nothing for None, true/false, ISO 8601 for dates and times, a list (an item's themes) as
    one cell with its parts separated by semicolons; a text a spreadsheet would run as a formula
    starts with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = "; ".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
