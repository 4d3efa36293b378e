"""Numeric ids as they arrive in URLs and forms.

`str.isdigit()` is true for far more than 0-9: "²" passes it and then `int()` raises, while
"٣" (an Arabic-Indic three) passes both and would quietly name item 3. An id here is one to
eighteen ASCII digits (a PostgreSQL bigint holds eighteen nines), anything else is no id.
"""

MAX_ID_DIGITS = 18


def parse_id(value: str | int | None) -> int | None:
    """The id that `value` spells, or None when it spells none."""
    if isinstance(value, int):
        return value
    text = (value or "").strip()
    if 0 < len(text) <= MAX_ID_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None
