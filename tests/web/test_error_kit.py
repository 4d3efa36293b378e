"""The shared error kit (medskapa.errors) is mapped to HTTP once, for pages and the API.

A handler that raises NotFound, Refused or Invalid needs no try/except of its own: the reader
gets a Swedish page that says what happened, and an API client gets problem details that name
the field, the code and the reason in English.
"""

from __future__ import annotations

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.testing import TestClient

from medskapa.errors import FieldError, Invalid, NotFound, Refused, describe
from medskapa.resources import resource_dir
from medskapa.web import templating
from medskapa.web.errors import exception_handlers

TEXTS = {
    "closed": {"sv": "Remissen är stängd.", "en": "The consultation is closed."},
    "title_required": {"sv": "Skriv en rubrik.", "en": "Write a title."},
}


def _raising(exc: Exception):
    async def handler() -> None:
        raise exc

    return handler


def _app() -> Litestar:
    cases = {
        "missing": NotFound(),
        "closed": Refused("closed", TEXTS),
        "forbidden": Refused("closed", TEXTS, status=403),
        "invalid": Invalid([FieldError("title", "title_required"), FieldError("x", "odd")], TEXTS),
    }
    handlers = []
    for name, exc in cases.items():
        handlers.append(get(f"/sida/{name}", name=f"page-{name}")(_raising(exc)))
        handlers.append(get(f"/api/v1/{name}", name=f"api-{name}")(_raising(exc)))
    return Litestar(
        route_handlers=handlers,
        exception_handlers=exception_handlers(),
        template_config=TemplateConfig(
            directory=resource_dir("templates"),
            engine=JinjaTemplateEngine,
            engine_callback=templating.configure,
        ),
    )


def test_api_answers_are_problem_details_with_codes_and_english_reasons() -> None:
    with TestClient(_app()) as client:
        missing = client.get("/api/v1/missing")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert missing.json()["detail"] == "Nothing with that id is available to you."

        closed = client.get("/api/v1/closed")
        assert closed.status_code == 409
        assert closed.json()["detail"] == "The consultation is closed."
        assert closed.json()["errors"] == [
            {"code": "closed", "message": "The consultation is closed."}
        ]
        assert client.get("/api/v1/forbidden").status_code == 403

        invalid = client.get("/api/v1/invalid")
        assert invalid.status_code == 422
        assert invalid.json()["errors"] == [
            {"field": "title", "code": "title_required", "message": "Write a title."},
            # A code without a text is never shown as the code itself.
            {"field": "x", "code": "odd", "message": "Invalid value."},
        ]


def test_pages_say_it_in_swedish() -> None:
    with TestClient(_app()) as client:
        missing = client.get("/sida/missing")
        assert missing.status_code == 404
        assert "Sidan finns inte" in missing.text

        closed = client.get("/sida/closed")
        assert closed.status_code == 409
        assert "Remissen är stängd." in closed.text

        forbidden = client.get("/sida/forbidden")
        assert forbidden.status_code == 403
        assert "Remissen är stängd." in forbidden.text
        # The page is in Swedish only: the API's English reason is not listed under it.
        assert "The consultation is closed." not in forbidden.text

        invalid = client.get("/sida/invalid")
        assert invalid.status_code == 400
        assert "Skriv en rubrik." in invalid.text
        assert "Värdet kan inte användas." in invalid.text
        assert "title_required" not in invalid.text


def test_invalid_gives_a_form_one_message_per_field() -> None:
    exc = Invalid([FieldError("title", "title_required"), FieldError("title", "closed")], TEXTS)
    assert exc.by_field() == {"title": "Skriv en rubrik."}
    assert exc.by_field("en") == {"title": "Write a title."}
    assert describe(TEXTS, "closed", "en") == "The consultation is closed."
