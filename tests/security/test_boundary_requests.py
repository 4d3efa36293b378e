"""The request boundary: what the app refuses before a route handler sees the request.

Each test plays the attacker (or the broken client) against the running app over HTTP with a
real PostgreSQL, and checks what they would notice: a status, a cookie, a stored row.
"""

from __future__ import annotations

import re

import asyncpg
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from medskapa.security.permissions import Permission, declared_permission
from tests.factories import MEMBER_PASSWORD, first_document, make_person, sign_in

Client = AsyncTestClient[Litestar]
PROBLEM = "application/problem+json"
LOGIN = "/api/v1/auth/login"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _session_cookie_set(response: object) -> bool:
    cookies = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return any(c.startswith(("__Host-medskapa=", "medskapa_session=")) for c in cookies)


async def _sessions(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM sessions")


# ------------------------------------------------------------------ login CSRF (finding 9)


async def test_json_login_sent_as_text_plain_from_another_site_sets_no_session(
    bare_client: Client, conn: asyncpg.Connection
) -> None:
    """A foreign page can send a "simple" cross-site POST (text/plain, no preflight) whose
    body is JSON. It must not log the victim's browser in to the attacker's account."""
    await make_person(conn, "angripare@exempel.se")
    body = f'{{"email": "angripare@exempel.se", "password": "{MEMBER_PASSWORD}"}}'
    for headers in (
        {"Content-Type": "text/plain", "Origin": "https://evil.example"},
        {"Content-Type": "text/plain;charset=UTF-8", "Sec-Fetch-Site": "cross-site"},
        {"Content-Type": "text/plain"},  # even with no Origin at all
    ):
        response = await bare_client.post(LOGIN, content=body, headers=headers)
        assert response.status_code in (403, 415), (headers, response.status_code)
        assert response.headers["content-type"] == PROBLEM
        assert not _session_cookie_set(response)
    assert await _sessions(conn) == 0


async def test_json_login_from_a_foreign_origin_is_refused(
    bare_client: Client, conn: asyncpg.Connection
) -> None:
    await make_person(conn, "angripare@exempel.se")
    credentials = {"email": "angripare@exempel.se", "password": MEMBER_PASSWORD}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "https://127.0.0.1.evil.example"},
        {"Origin": "http://127.0.0.1:8080"},
        {"Origin": "garbage"},
        # A sandboxed frame or a data: URL sends Origin: null; the browser still says where
        # the request comes from.
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # another subdomain is another site too
    ):
        response = await bare_client.post(LOGIN, json=credentials, headers=headers)
        assert response.status_code == 403, (headers, response.status_code)
        assert response.headers["content-type"] == PROBLEM
        assert "another site" in response.json()["detail"]
        assert not _session_cookie_set(response)
    assert await _sessions(conn) == 0

    # The same login from the app's own origin (and from a client that sends none) works.
    for headers in ({"Origin": "https://127.0.0.1"}, {"Sec-Fetch-Site": "same-origin"}, {}):
        bare_client.cookies.clear()
        ok = await bare_client.post(LOGIN, json=credentials, headers=headers)
        assert ok.status_code == 200, (headers, ok.text)
        assert _session_cookie_set(ok)
    assert await _sessions(conn) == 3


async def test_forms_posted_from_another_site_are_refused(
    client: Client, conn: asyncpg.Connection
) -> None:
    """Defence in depth for every unsafe request, not only the JSON login: a page form posted
    from a foreign origin is refused even when it carries a valid CSRF token."""
    await make_person(conn, "offer@exempel.se")
    refused = await client.post(
        "/konto/glomt-losenord",
        data={"email": "offer@exempel.se"},
        headers={"Origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    assert "en annan webbplats" in refused.text
    assert await conn.fetchval("SELECT count(*) FROM outbox_messages") == 0
    # What a browser sends for a form on our own page: the pages' Referrer-Policy
    # (same-origin) gives its real Origin; a token page (no-referrer) sends "null", and
    # Sec-Fetch-Site tells the truth.
    for headers in (
        {"Origin": "https://127.0.0.1", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    ):
        own_page = await client.post(
            "/konto/glomt-losenord", data={"email": "offer@exempel.se"}, headers=headers
        )
        assert own_page.status_code == 200, headers
    assert await conn.fetchval("SELECT count(*) FROM outbox_messages") == 2


def _api_routes_with_bodies(app: Litestar) -> list[tuple[str, str, bool]]:
    """(method, path, public) of every unsafe /api/ operation, with ids filled in."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        for handler in route.route_handlers:
            for method in sorted(set(handler.http_methods) & set(UNSAFE)):
                path = route.path_format.replace(
                    "{feedback_id}", "0" * 8 + "-0000-0000-0000-" + "0" * 12
                )
                path = path.replace("{", "").replace("}", "")
                found.append((method, path, declared_permission(handler) is Permission.PUBLIC))
    return found


async def test_every_json_route_takes_only_json(
    app: Litestar, bare_client: Client, conn: asyncpg.Connection
) -> None:
    routes = _api_routes_with_bodies(app)
    assert len(routes) >= 20, routes
    for method, path, _ in routes:
        for content_type in (
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "text/json",
        ):
            response = await bare_client.request(
                method, path, content=b'{"x": 1}', headers={"Content-Type": content_type}
            )
            assert response.status_code == 415, (method, path, content_type, response.status_code)
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["title"] == "Unsupported media type"
        # A body with no content type at all is not JSON either.
        untyped = await bare_client.request(method, path, content=b'{"x": 1}')
        assert untyped.status_code == 415, (method, path)
    assert await _sessions(conn) == 0

    # JSON under any of its names is let through to the handler (which then judges it).
    for content_type in (
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ):
        response = await bare_client.post(
            LOGIN,
            content=b'{"email": "ingen@exempel.se", "password": "fel"}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 401, (content_type, response.text)
    # A POST without a body needs no content type (log out, claim, co-sign).
    assert (await bare_client.post("/api/v1/auth/logout")).status_code != 415


# ------------------------------------------------------------------ caching (finding 12)


async def test_responses_to_signed_in_requests_are_never_stored(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    anonymous = await bare_client.get("/kunskapsstod")
    assert "no-store" not in anonymous.headers.get("cache-control", "")

    user = await make_person(conn, "inloggad@exempel.se")
    await sign_in(client, conn, user)
    for path in ("/api/v1/me", "/kunskapsstod", "/konto", "/api/v1/documents", "/finns-inte"):
        response = await client.get(path)
        assert response.headers.get("cache-control") == "no-store", path
    # An API token (valid or not) is a credential too.
    for path in ("/api/v1/me", "/api/v1/documents"):
        response = await bare_client.get(path, headers={"Authorization": "Bearer mks_nej"})
        assert response.headers.get("cache-control") == "no-store", path
    # A response that says how it may be cached keeps its own word.
    health = await client.get("/healthz")
    assert health.headers.get("cache-control") == "no-store"


# ------------------------------------------------------------------ malformed requests


@pytest.mark.parametrize(
    "target",
    [
        "/static/css/site.css%00.png",
        "/kunskapsstod?q=%00",
        "/kunskapsstod?q=abc%00def",
        "/kunskapsstod?q=%1b%5b31m",
        "/kunskapsstod?q=%7F",
        "/kunskapsstod/%00",
        "/kunskapsstod/kol%0a",
        "/konto/nytt-losenord?token=%00",
        "/moderering?status=%00",
    ],
)
async def test_control_characters_in_the_path_or_query_are_a_clear_400(
    client: Client, target: str
) -> None:
    page = await client.get(target)
    assert page.status_code == 400, page.status_code
    assert "text/html" in page.headers["content-type"]
    assert "tecken som inte hör hemma i en webbadress" in page.text


@pytest.mark.parametrize(
    "target", ["/api/v1/documents?q=%00", "/api/v1/documents/%00", "/api/v1/groups/x/inbox?q=%08"]
)
async def test_control_characters_in_api_urls_are_problem_json(
    bare_client: Client, target: str
) -> None:
    response = await bare_client.get(target)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "control character" in response.json()["detail"]


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/static/css/" + "a" * 300 + ".css", 404),
        ("/kunskapsstod/" + "k" * 256, 404),
        ("/api/v1/documents/" + "d" * 300, 404),
        ("/static/" + "/".join(["a" * 200] * 25), 414),
    ],
)
async def test_overlong_paths_are_refused_not_a_crash(
    client: Client, target: str, status: int
) -> None:
    """A file name over 255 bytes made the file system fail under /static/ (a 500)."""
    response = await client.get(target)
    assert response.status_code == status
    assert response.status_code < 500


async def test_line_breaks_in_a_query_still_work(client: Client) -> None:
    """A GET form with a text area (the routing preview) sends line breaks and tabs."""
    assert (await client.get("/kunskapsstod?q=tv%C3%A5%0D%0Arader%09tab")).status_code == 200


async def test_nul_in_form_and_json_fields_is_refused_not_a_crash(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    text = "Avsnittet om uppföljning är svårt att förstå för mig som patient."
    feedback = {"category": "hard_to_understand", "role": "patient", "pd_confirmed": "ja"}
    cases = [
        ("form", f"/kunskapsstod/{slug}/synpunkt", {**feedback, "text": f"{text}\x00"}),
        (
            "form",
            f"/kunskapsstod/{slug}/synpunkt",
            {**feedback, "text": text, "email": "a\x00@b.se"},
        ),
        ("form", f"/kunskapsstod/{slug}/synpunkt", {**feedback, "text": text, "section": "\x00"}),
        ("form", "/logga-in", {"email": "a\x00@exempel.se", "password": "x"}),
        # A password is never stored as typed: with a NUL it is just a wrong one (401).
        ("form", "/logga-in", {"email": "a@exempel.se", "password": "x\x00"}),
        ("form", "/konto/glomt-losenord", {"email": "a\x00@exempel.se"}),
        (
            "form",
            "/konto/registrera",
            {"email": "a\x00@exempel.se", "password": "x", "password_again": "x"},
        ),
        ("form", "/folj", {"kod": "\x00"}),
        ("json", "/api/v1/feedback", {**feedback, "document": slug, "text": f"{text}\x00"}),
        ("json", "/api/v1/feedback", {**feedback, "document": f"{slug}\x00", "text": text}),
        (
            "json",
            "/api/v1/feedback",
            {**feedback, "document": slug, "text": text, "section": "\x00"},
        ),
        ("json", LOGIN, {"email": "a\x00@exempel.se", "password": "x"}),
        ("json", LOGIN, {"email": "a@exempel.se", "password": "\x00"}),
        ("json", "/api/v1/receipts/lookup", {"code": "\x00"}),
    ]
    for kind, path, values in cases:
        if kind == "form":
            response = await client.post(path, data=values)
        else:
            response = await bare_client.post(path, json=values)
        expected = (400, 401, 422) if values.get("password", "").endswith("\x00") else (400, 422)
        assert response.status_code in expected, (path, values, response.status_code)
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0
    assert await _sessions(conn) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Big": "a" * 1_000_000},
        {"X-Big": "a" * (9 * 1024)},
        {"Cookie": "x=" + "a" * (9 * 1024)},
        {f"X-Many-{i}": "a" * 1000 for i in range(40)},
    ],
    ids=["one-megabyte", "nine-kib", "nine-kib-cookie", "forty-kib-in-all"],
)
async def test_oversized_request_headers_get_431(
    client: Client, bare_client: Client, headers: dict[str, str]
) -> None:
    page = await client.get("/kunskapsstod", headers=headers)
    assert page.status_code == 431
    assert "text/html" in page.headers["content-type"]
    assert "för stora" in page.text
    api = await bare_client.get("/api/v1/documents", headers=headers)
    assert api.status_code == 431
    assert api.headers["content-type"] == PROBLEM
    health = await bare_client.get("/healthz", headers=headers)
    assert health.status_code == 431


async def test_headers_of_a_normal_size_pass(client: Client) -> None:
    """A browser with a few cookies and a long user agent is nowhere near the limits."""
    headers = {"User-Agent": "Mozilla/5.0 " + "x" * 500, "X-Some": "a" * 7000}
    assert (await client.get("/kunskapsstod", headers=headers)).status_code == 200


# ------------------------------------------------------------------ the API reference


async def test_api_reference_uses_no_cdn_and_no_inline_script(client: Client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "http" not in policy, "no CDN or other host in the policy"
    html = page.text
    assert "cdn." not in html
    assert "https://" not in html
    assert "http://" not in html
    assert "<script>" not in html.replace(" ", "")
    assert "<style" not in html
    for asset in ("/static/vendor/", "/static/js/api-reference.js"):
        assert asset in html
    for reference in _local_references(html):
        assert (await client.get(reference)).status_code == 200, reference
    assert (await client.get("/schema/openapi.json")).status_code == 200


def _local_references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/[^"]+)"', html)
