"""The interactive API reference at /schema: Swagger UI from vendored files, started by a script
file. Nothing comes from a CDN and nothing runs inline, so the page keeps the same strict
Content-Security-Policy as every other page (security/headers.py).

Swagger UI 5.35.0 from the npm registry (``npm pack swagger-ui-dist@5.35.0``): the bundle, its
stylesheet and its licence files in ``static/vendor/swagger-ui-5.35.0``, checked against the
pinned release by tests/web/test_api_reference.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_DIR = f"/static/vendor/swagger-ui-{SWAGGER_UI_VERSION}"
STARTER = "/static/js/api-reference.js"


class VendoredSwaggerPlugin(OpenAPIRenderPlugin):
    """Litestar's SwaggerRenderPlugin starts Swagger UI with an inline script; this one
    passes the document's address in a data attribute to a script file instead."""

    def __init__(self, *, path: str | Sequence[str] = "/swagger", **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema["info"]["title"]))
        document = escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{SWAGGER_UI_DIR}/swagger-ui.css">
<script src="{SWAGGER_UI_DIR}/swagger-ui-bundle.js" defer></script>
<script src="{STARTER}" defer></script>
</head>
<body>
<main id="swagger-ui" data-url="{document}">
<noscript><p>The interactive reference needs JavaScript. The OpenAPI document itself is at
<a href="{document}">{document}</a>.</p></noscript>
</main>
</body>
</html>
""".encode()
