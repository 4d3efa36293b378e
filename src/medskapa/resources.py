"""Where the SQL migrations, templates and static files are.

In a checkout (editable install) they sit at the top of the repository; a built wheel carries
them in ``medskapa/_data``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    bundled = _PACKAGE / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent.parent / name
