"""The API reference's vendored Swagger UI is the pinned release, and /schema serves it."""

from __future__ import annotations

import hashlib

from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.resources import resource_dir
from medskapa.web.api_reference import STARTER, SWAGGER_UI_DIR, SWAGGER_UI_VERSION

# swagger-ui-dist 5.35.0 from the npm registry (`npm pack swagger-ui-dist@5.35.0`, whose
# tarball matched the registry's sha512 integrity), files copied unchanged.
PINNED = {
    "swagger-ui-bundle.js": "e6a898692f2d768e807c3ba4626068a69a2c5dd960dd6c76f3e4d3a3de180af2",
    "swagger-ui.css": "5ed08757e53da3e026d6cbecc61fe5d43585c9560b302d534ad56692519a273d",
}


def test_vendored_swagger_ui_is_the_pinned_release() -> None:
    folder = resource_dir("static") / "vendor" / f"swagger-ui-{SWAGGER_UI_VERSION}"
    for name, digest in PINNED.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "SmartBear" in (folder / "NOTICE").read_text()
    assert (folder / "swagger-ui-bundle.js.LICENSE.txt").is_file()


async def test_the_reference_page_loads_the_vendored_files(
    client: AsyncTestClient[Litestar],
) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert f'<script src="{SWAGGER_UI_DIR}/swagger-ui-bundle.js" defer></script>' in page.text
    assert f'<script src="{STARTER}" defer></script>' in page.text
    assert 'data-url="/schema/openapi.json"' in page.text
    for name, digest in PINNED.items():
        served = await client.get(f"{SWAGGER_UI_DIR}/{name}")
        assert served.status_code == 200
        assert hashlib.sha256(served.content).hexdigest() == digest
    assert (await client.get(STARTER)).status_code == 200
    assert (await client.get("/schema/swagger")).text == page.text
