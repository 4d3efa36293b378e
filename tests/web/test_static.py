from __future__ import annotations

import hashlib

from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.resources import resource_dir
from medskapa.web.templating import HTMX_PATH

# htmx 2.0.11 from the npm registry (package htmx.org, dist/htmx.min.js).
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_vendored_htmx_is_the_pinned_release() -> None:
    folder = resource_dir("static") / "vendor" / "htmx-2.0.11"
    assert hashlib.sha256((folder / "htmx.min.js").read_bytes()).hexdigest() == HTMX_SHA256
    assert "Zero-Clause BSD" in (folder / "LICENSE").read_text()


async def test_pages_load_the_vendored_htmx(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/")
    assert f'<script src="{HTMX_PATH}" defer></script>' in page.text
    script = await client.get(HTMX_PATH)
    assert script.status_code == 200
    assert hashlib.sha256(script.content).hexdigest() == HTMX_SHA256
