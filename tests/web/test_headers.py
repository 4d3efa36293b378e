from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.web.templating import HTMX_PATH


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/kunskapsstod"),
        ("GET", "/kunskapsstod/finns-inte"),
        ("GET", "/finns/inte/alls"),
        ("GET", HTMX_PATH),
        ("GET", "/static/finns-inte.css"),
        ("GET", "/healthz"),
        ("GET", "/api/v1/documents"),
        ("GET", "/api/v1/documents/finns-inte"),
        ("POST", "/api/v1/feedback"),
        ("DELETE", "/kunskapsstod"),
        ("GET", "/schema/openapi.json"),
    ],
)
async def test_every_response_carries_the_security_headers(
    client: AsyncTestClient[Litestar], method: str, path: str
) -> None:
    response = await client.request(method, path)
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert "server" not in headers


async def test_pages_have_no_inline_script(client: AsyncTestClient[Litestar]) -> None:
    page = (await client.get("/kunskapsstod")).text
    assert "<script>" not in page
    assert " on" + "click=" not in page
