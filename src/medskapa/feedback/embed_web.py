"""The widget guidance websites embed: the script (``/widget.js``) and what it reads (the
document's sections, ``/api/v1/widget/{slug}``). security/embedding.py says which sites may
read it (CORS) and frame the form pages it opens (under /inbaddad/)."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from medskapa.errors import NotFound
from medskapa.feedback import queries
from medskapa.i18n import N_, SOURCE, Labels, current_language, language_or_none
from medskapa.resources import resource_dir
from medskapa.security.embedding import EMBED_PAGES, WIDGET_SCRIPT
from medskapa.security.permissions import Permission, requires
from medskapa.web.deps import Conn

SCRIPT_MAX_AGE = 3600
"""Seconds browsers and caches may keep the script and a document's sections."""

WIDGET_LABELS = Labels(
    {
        "open": N_("Lämna synpunkt på avsnittet"),
        "dialog_title": N_("Lämna synpunkt på avsnittet"),
        "close": N_("Stäng"),
        "frame_title": N_("Formulär för synpunkter från medskapa"),
    }
)
"""The widget's own words (static/widget.js shows them), in the request's language."""


class WidgetSection(msgspec.Struct, frozen=True):
    key: Annotated[str, msgspec.Meta(description="The section's stable key.")]
    number: Annotated[str, msgspec.Meta(description='The heading\'s number ("4.1"), or "".')]
    heading: Annotated[str, msgspec.Meta(description="The heading's words, without its number.")]
    level: Annotated[int, msgspec.Meta(description="2 for a section, 3 for a subsection.")]
    form_url: Annotated[
        str, msgspec.Meta(description="The embeddable feedback form on this section.")
    ]


class WidgetDocument(msgspec.Struct, frozen=True):
    document: Annotated[str, msgspec.Meta(description="The document's slug.")]
    title: str
    version: Annotated[str, msgspec.Meta(description="The version label the forms name.")]
    language: str
    sections: list[WidgetSection]
    labels: Annotated[
        dict[str, str], msgspec.Meta(description="The widget's own words, in `language`.")
    ]


@cache
def _script() -> tuple[bytes, str]:
    body = (resource_dir("static") / "widget.js").read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class WidgetApi(Controller):
    path = "/api/v1/widget"
    tags = ("widget",)

    @get(
        "/{slug:str}",
        summary="A guidance document's sections, for the feedback widget on guidance websites",
        description="Readable across origins by the sites in MEDSKAPA_EMBED_ORIGINS only.",
        permission=Permission.PUBLIC,
    )
    async def sections(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        slug: FromPath[str],
        version: Annotated[
            str | None,
            QueryParameter(max_length=20, description="Version label; default: the current."),
        ] = None,
        lang: Annotated[
            str | None,
            QueryParameter(
                max_length=5,
                description='"sv" or "en"; without it, the first of the browser\'s languages '
                "(Accept-Language) that is one of them, else Swedish.",
            ),
        ] = None,
    ) -> Response[WidgetDocument]:
        document = await queries.form_document(conn, slug)
        shown = document.version(version) if document is not None else None
        if document is None or shown is None:
            raise NotFound("No version of that guidance document takes feedback.")
        # The language middleware (web/language.py) has read ``lang`` or Accept-Language.
        language = current_language()
        # The form the widget opens speaks the widget's language: in the frame, the browser's
        # languages decide only where the widget's did not ask for one.
        carry = language != SOURCE or language_or_none(lang) is not None
        base = request.app.state.settings.base_url.rstrip("/")

        def form_url(section: str) -> str:
            query = {"version": shown.label, "avsnitt": section}
            if carry:
                query["lang"] = language
            return f"{base}{EMBED_PAGES}{slug}/synpunkt?{urlencode(query)}"

        return Response(
            WidgetDocument(
                document=slug,
                title=document.title,
                version=shown.label,
                language=language,
                sections=[
                    WidgetSection(s.key, s.number, s.heading, s.level, form_url(s.key))
                    for s in shown.sections
                ],
                labels=dict(WIDGET_LABELS),
            ),
            headers={"Cache-Control": f"public, max-age={SCRIPT_MAX_AGE // 12}"},
        )


class WidgetScript(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)

    @get(WIDGET_SCRIPT, name="widget-script")
    async def script(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        body, etag = _script()
        headers = {"Cache-Control": f"public, max-age={SCRIPT_MAX_AGE}", "ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)
