"""The error answers every API operation can give, documented in one place.

Litestar documents a 400 for validation errors; this app answers 422 with RFC 9457 problem
details instead (400 only for a body that cannot be parsed at all). A few more problems follow
from how a route is built rather than from its code: a guarded route can say 401/403, a route
with path parameters 404, a route that takes a body 413/415/422, a state-changing route 403 (sent
from another site) and 429 (the write routes are rate limited), and every route 400 (a control
character in the URL, or a body that cannot be parsed), 431 (oversized headers) and 503 when the
database is away (web/boundary.py answers the first three before any route). Handlers that
can say something else (409, say) declare it with ``responses=``, or name the code in
``opt={"problems": [409]}`` to get the standard problem answer for it; what they declare is kept.
Bodies that refuse unknown fields are marked ``additionalProperties: false``.
"""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute

from medskapa.security.permissions import Permission, declared_permission
from medskapa.web.errors import PROBLEM_JSON

PROBLEM_SCHEMA = "Problem"

_DESCRIPTIONS = {
    "400": "The request is malformed: a control character in the path or query, or a body "
    "that is not well-formed (not JSON, or not UTF-8).",
    "401": "Not signed in (or the API token is not valid).",
    "403": "Refused: this needs another role, membership or a second factor, or (for a write) "
    "the request came from another site (its Origin).",
    "404": "No such resource, or not one you may see.",
    "409": "Conflicts with the current state (someone else changed it first).",
    "413": "The body is larger than this route accepts.",
    "415": "The body is not of a content type this route accepts.",
    "422": "Some values are not valid; `errors` names each field.",
    "429": "Too many requests from this client; see Retry-After.",
    "431": "A request header is larger than 8 KiB, or all of them larger than 32 KiB.",
    "503": "The database is not reachable right now; see Retry-After. Nothing is lost.",
}
_WRITES = ("post", "put", "patch", "delete")


def _problem_schema() -> Schema:
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["title", "status"],
        properties={
            "type": Schema(type=OpenAPIType.STRING),
            "title": Schema(type=OpenAPIType.STRING),
            "status": Schema(type=OpenAPIType.INTEGER),
            "detail": Schema(type=OpenAPIType.STRING),
            "errors": Schema(
                type=OpenAPIType.ARRAY,
                items=Schema(type=OpenAPIType.OBJECT, additional_properties=Schema()),
            ),
        },
        description="RFC 9457 problem details.",
    )


def _problem(code: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=_DESCRIPTIONS[code],
        content={
            PROBLEM_JSON: OpenAPIMediaType(
                schema=Reference(ref=f"#/components/schemas/{PROBLEM_SCHEMA}")
            )
        },
    )


def _codes(
    method: str, operation: Operation, permission: Permission | None, declared: list[str]
) -> list[str]:
    codes = ["400", "431", "503", *declared]
    if permission is not Permission.PUBLIC:
        codes += ["401", "403"]
    if method in _WRITES:
        codes += ["403", "429"]
    parameters = operation.parameters or []
    if any(getattr(p, "param_in", None) == "path" for p in parameters):
        codes.append("404")
    if parameters or operation.request_body is not None:
        codes.append("422")
    if operation.request_body is not None:
        codes += ["413", "415"]
    return codes


def _strict_struct_names() -> set[str]:
    """Names of the msgspec Structs that refuse unknown fields (our request bodies)."""
    names: set[str] = set()
    pending = list(msgspec.Struct.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__struct_config__.forbid_unknown_fields:
            names.add(cls.__name__)
    return names


def document_problems(app: Litestar) -> None:
    """Add the problem answers to every operation of the app's OpenAPI document, and say
    which request bodies refuse fields they do not know."""
    openapi = app.openapi_schema
    handlers: dict[tuple[str, str], tuple[Permission | None, list[str]]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                declared = [str(code) for code in handler.opt.get("problems", ())]
                for method in handler.http_methods:
                    handlers[(route.path_format, method.lower())] = (
                        declared_permission(handler),
                        declared,
                    )

    if openapi.components.schemas is None:
        openapi.components.schemas = {}
    strict = _strict_struct_names()
    for name, component in openapi.components.schemas.items():
        if name in strict and isinstance(component, Schema):
            component.additional_properties = False
    openapi.components.schemas[PROBLEM_SCHEMA] = _problem_schema()
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            # Validation errors are answered with 422; Litestar's generic 400 makes way for ours.
            responses.pop("400", None)
            permission, declared = handlers.get((path, method), (None, []))
            for code in _codes(method, operation, permission, declared):
                responses.setdefault(code, _problem(code))
            operation.responses = responses
