"""Where a person goes back to after signing in: the page they asked for, never another site.

The path travels through the login form and the second step as a form field or query
parameter (``tillbaka``), so anyone can put anything in it. It is used only if it is a path on
this site as the request named it (percent-encoded, printable ASCII); anything else, and the
sign-in pages themselves, give the start page of one's own work.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

RETURN_PARAM = "tillbaka"
START = "/mina-uppgifter"
MAX_LENGTH = 2048

# One "/", then printable ASCII without a backslash: no scheme ("https:", "javascript:"), no
# host ("//evil.example"; browsers read "/\\evil.example" as a host too), no spaces or control
# characters (browsers drop a tab or a line break, so "/\t/evil.example" would become a host).
_LOCAL = re.compile(r"/(?![/\\])[\x21-\x5b\x5d-\x7e]*")
# A path that stops being local when decoded once more ("/%2F%2Fevil.example").
_ENCODED_HOST = re.compile(r"/[/\\]")
# Going back to these would only show the sign-in again, or sign out.
_NOT_BACK_TO = ("/logga-in", "/logga-ut")


def safe_return(value: object) -> str:
    """``value`` if it is a path on this site to go back to, else the start page."""
    if not isinstance(value, str) or len(value) > MAX_LENGTH or not _LOCAL.fullmatch(value):
        return START
    decoded = unquote(value)
    if _ENCODED_HOST.match(decoded) or "\\" in decoded or any(ord(c) < 0x20 for c in decoded):
        return START
    path = value.split("?", 1)[0]
    if any(path == p or path.startswith(p + "/") for p in _NOT_BACK_TO):
        return START
    return value


def carried(value: object) -> str | None:
    """The return path a page carries on (in a hidden field), or None when there is none to
    carry: without one the next step leads to the start page anyway."""
    back_to = safe_return(value)
    return None if back_to == START else back_to


def requested_path(scope: Any) -> str:
    """The path and query of this request as the browser sent them (still percent-encoded)."""
    raw = scope.get("raw_path") or quote(scope.get("path", "/")).encode()
    query = scope.get("query_string") or b""
    # Some servers (and test clients) put the query into raw_path as well.
    path = raw.decode("latin-1").split("?", 1)[0]
    return f"{path}?{query.decode('latin-1')}" if query else path


def with_return(path: str, back_to: object) -> str:
    """``path`` with the return path as its query, when there is one to carry."""
    carry = carried(back_to)
    return path if carry is None else f"{path}?{RETURN_PARAM}={quote(carry, safe='')}"
