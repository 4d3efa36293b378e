"""Reading submitted forms and answering them: one way for every page.

A form field may arrive once, several times (a list) or not at all, and a hostile client may
send a file where text is expected: these readers return text and nothing else.
"""

from __future__ import annotations

from typing import Any

from litestar.response import Redirect


def field(form: dict[str, Any], name: str) -> str:
    """The field's (first) text value, or "" when it is missing or not text."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def fields(form: dict[str, Any], name: str) -> list[str]:
    """Every non-empty text value of a field that may be repeated (checkboxes, multi-selects)."""
    value = form.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v]


def see_other(path: str) -> Redirect:
    """After a successful POST: go to ``path`` with GET (303), so a reload does not resend."""
    return Redirect(path, status_code=303)
