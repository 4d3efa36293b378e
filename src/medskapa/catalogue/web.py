"""Public catalogue pages and the read-only catalogue API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_201_CREATED

from medskapa.catalogue import queries, search
from medskapa.catalogue.authoring import AuthoringService
from medskapa.catalogue.authoring_api import AUTHORING_DEPENDENCIES, DocumentIn, create_document
from medskapa.catalogue.domain import MAX_QUERY_LENGTH, Document, DocumentSummary
from medskapa.feedback import helpfulness
from medskapa.i18n import current_language, gettext
from medskapa.security.permissions import Permission, requires
from medskapa.web.caching import CATALOGUE_ONLY, Cached, page_cache, render
from medskapa.web.connection import request_conn
from medskapa.web.deps import Conn

SearchQuery = Annotated[
    str | None,
    QueryParameter(
        name="q",
        max_length=MAX_QUERY_LENGTH,
        description="Words to search for in titles, summaries and section texts.",
    ),
]
# The list page takes any length and says in Swedish when a search is too long; the API
# refuses it with a named 422.
PageSearchQuery = Annotated[
    str | None,
    QueryParameter(name="q", description="Words to search for."),
]
AreaFilter = Annotated[
    str | None,
    QueryParameter(
        name="programomrade",
        max_length=100,
        description="Slug of a programme area (NPO) to list documents from.",
    ),
]
VersionParam = Annotated[
    str | None,
    QueryParameter(name="version", max_length=20, description="Version label, e.g. 2.0."),
]


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _catalogue_link(query: str, area: str | None = None) -> str:
    params = {"q": query} | ({"programomrade": area} if area else {})
    return f"/kunskapsstod?{urlencode(params)}"


def _search_notice(query: str | None, found: search.SearchResult | None) -> str | None:
    """What the list page says about a search that could not be made as typed."""
    if query is None:
        return None
    if found is None:
        return gettext(
            "Sökningen är för lång. Skriv högst {max} tecken, till exempel ett eller ett par ord."
        ).format(max=MAX_QUERY_LENGTH)
    if found.no_words:
        return gettext("Skriv ett eller flera ord att söka efter, med bokstäver eller siffror.")
    return None


# Public reads a shared cache may keep (web/caching.py).
SHARED = {"shared_cache": True}
# A document as a reader without a credential sees it is the catalogue's alone: the whole answer
# is kept by the process until the catalogue changes (web/caching.py).
KEPT = {"shared_cache": True, CATALOGUE_ONLY: True}


def _cached(hit: Cached) -> Response[bytes]:
    return Response(hit.body, media_type=hit.media_type, headers={"ETag": hit.etag.decode()})


def _document_not_found(slug: str) -> NotFoundException:
    return NotFoundException(detail=f"No guidance document is published at {slug!r}.")


class CataloguePages(Controller):
    include_in_schema = False
    opt = requires(Permission.PUBLIC)

    @get("/", name="home", opt=SHARED)
    async def home(self, conn: Conn) -> Template:
        areas = await queries.programme_areas(conn)
        documents = await queries.list_documents(conn)
        return Template(
            "catalogue/home.html",
            context={"areas": areas, "document_count": len(documents)},
        )

    @get("/kunskapsstod", name="catalogue", opt=SHARED)
    async def catalogue(
        self, conn: Conn, q: PageSearchQuery = None, area: AreaFilter = None
    ) -> Template:
        areas = await queries.programme_areas(conn)
        query, area_slug = search.clean_query(q), _clean(area)
        error = None
        if area_slug is not None and area_slug not in {a.slug for a in areas}:
            error = gettext("Det finns inget programområde med det namnet. Alla dokument visas.")
            area_slug = None
        if query is not None and len(query) > MAX_QUERY_LENGTH:
            found = None  # not searched: the page says why and keeps the text to shorten
        else:
            found = await search.find(conn, query, area_slug)
        result = found or search.SearchResult([])
        return Template(
            "catalogue/list.html",
            context={
                "areas": areas,
                "documents": result.documents,
                "query": query or "",
                "area": area_slug,
                "area_name": next((a.name for a in areas if a.slug == area_slug), None),
                "error": error,
                "notice": _search_notice(query, found),
                "corrected": result.corrected,
                "suggestions": [(s, _catalogue_link(s, area_slug)) for s in result.suggestions],
                "elsewhere": result.elsewhere,
                "elsewhere_link": _catalogue_link(result.elsewhere_query or ""),
            },
        )

    @get("/kunskapsstod/{slug:str}", name="document", opt=KEPT)
    async def document(
        self, request: Request[Any, Any, Any], slug: FromPath[str], version: VersionParam = None
    ) -> Template | Response[bytes]:
        label = _clean(version)
        cache = page_cache(request)
        key = ("document-page", slug, label, current_language())
        if cache is not None and (hit := cache.get(key)) is not None:
            return _cached(hit)
        generation = cache.generation if cache is not None else 0
        # The connection only on a miss: a page served from the cache takes none.
        document = await queries.get_document(await request_conn(request), slug)
        if document is None:
            raise _document_not_found(slug)
        shown = document.version(label)
        if shown is None:
            raise NotFoundException(detail=f"Version {version!r} of this document does not exist.")
        context = {
            "document": document,
            "version": shown,
            "helpful": helpfulness.question(slug, shown.label, None),
        }
        if cache is None:
            return Template("catalogue/document.html", context=context)
        body = render(request, "catalogue/document.html", context)
        return _cached(cache.put(key, generation, body, MediaType.HTML))


class DocumentList(msgspec.Struct):
    documents: list[DocumentSummary]
    corrected_query: Annotated[
        str | None,
        msgspec.Meta(
            description="When the search as given found nothing and had typing mistakes, "
            "the corrected search the documents match (e.g. 'diabetes' for 'diabetis')."
        ),
    ] = None
    suggestions: Annotated[
        list[str],
        msgspec.Meta(
            description="When nothing was found: up to three near searches that find "
            "something, best first."
        ),
    ] = msgspec.field(default_factory=list)


class CatalogueApi(Controller):
    """Each route names its permission: reading is public, creating is for authors."""

    path = "/api/v1/documents"
    tags = ("catalogue",)

    @get(
        "/",
        summary="List guidance documents",
        permission=Permission.PUBLIC,
        opt=SHARED,
    )
    async def list_documents(
        self,
        conn: Conn,
        q: SearchQuery = None,
        programme_area: Annotated[
            str | None,
            QueryParameter(max_length=100, description="Slug of a programme area (NPO)."),
        ] = None,
    ) -> DocumentList:
        area_slug = _clean(programme_area)
        if area_slug is not None:
            areas = {a.slug for a in await queries.programme_areas(conn)}
            if area_slug not in areas:
                raise ValidationException(
                    detail="Some values are not valid.",
                    extra=[{"key": "programme_area", "message": "No such programme area."}],
                )
        found = await search.find(conn, search.clean_query(q), area_slug)
        return DocumentList(found.documents, found.corrected, found.suggestions)

    @post(
        "/",
        summary="Create a guidance document with its first draft version",
        status_code=HTTP_201_CREATED,
        tags=["content"],
        permission=Permission.AUTHOR_DOCUMENTS,
        dependencies=AUTHORING_DEPENDENCIES,
        opt={"problems": [409, 422]},
    )
    async def create_document(
        self,
        request: Request[Any, Any, Any],
        authoring: NamedDependency[AuthoringService],
        data: JSONBody[DocumentIn],
    ) -> Response[Any]:
        return await create_document(request, authoring, data)

    @get(
        "/{slug:str}",
        summary="One guidance document with its versions and sections",
        permission=Permission.PUBLIC,
        opt=KEPT,
        # No made-up example: Litestar would make one with polyfactory (and Faker) when the
        # app is built, which took about a third of every process's start.
        responses={
            200: ResponseSpec(Document, description="The document.", generate_examples=False)
        },
    )
    async def get_document(
        self, request: Request[Any, Any, Any], slug: FromPath[str]
    ) -> Response[bytes]:
        cache = page_cache(request)
        key = ("document-json", slug)
        if cache is not None and (hit := cache.get(key)) is not None:
            return _cached(hit)
        generation = cache.generation if cache is not None else 0
        document = await queries.get_document(await request_conn(request), slug)
        if document is None:
            raise _document_not_found(slug)
        body = msgspec.json.encode(document)
        if cache is None:
            return Response(body, media_type=MediaType.JSON)
        return _cached(cache.put(key, generation, body, MediaType.JSON))
