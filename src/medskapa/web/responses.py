"""Answers every area's pages share."""

from __future__ import annotations

from typing import Any

from litestar.response import Template
from litestar.status_codes import HTTP_200_OK


def private_page(template: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    """A page no cache may keep (``Cache-Control: no-store``): it shows what is one signed-in
    person's, feedback not yet public, or a token in its URL or form. It sends no Referer, not
    even to this site (the other pages' policy is ``same-origin``, security/headers.py)."""
    return Template(
        template,
        context=context,
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
