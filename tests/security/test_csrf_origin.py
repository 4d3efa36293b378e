"""CSRF without a per-visitor cookie: anonymous forms are protected by where the browser says
the request comes from (Origin, Sec-Fetch-Site, Referer), signed-in ones by their session's
token. Public pages set no cookie at all, so a shared cache may keep them and the feedback form
works in a frame on another site, where the browser blocks third-party cookies.

Each test posts as a browser would (or as an attacker's page would make it post) and checks
what anyone would notice: the status, the page's words, a stored row, a cookie.
"""

from __future__ import annotations

import re
import uuid

import asyncpg
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from medskapa.catalogue.following import UNSUBSCRIBE_PATH_PATTERN
from medskapa.security.permissions import Permission, declared_permission
from tests.factories import first_document, make_person, sign_in

Client = AsyncTestClient[Litestar]
# The test settings' MEDSKAPA_BASE_URL (Settings' default).
OWN = "http://127.0.0.1:8000"
REFUSED_WORDS = "Förfrågan kom från en annan webbplats"


def _form(slug: str, key: str) -> dict[str, str]:
    return {
        "lang": "sv",
        "role": "patient",
        "category": "hard_to_understand",
        "section": key,
        "text": "Jag förstår inte vad som menas med uppföljning efter sex veckor.",
        "formular_id": uuid.uuid4().hex,
    }


async def _items(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM feedback")


@pytest.fixture
async def doc(conn: asyncpg.Connection) -> tuple[str, str, str]:
    return await first_document(conn)


async def test_public_pages_set_no_cookie(bare_client: Client, doc: tuple[str, str, str]) -> None:
    slug, _, key = doc
    for path in (
        "/",
        "/kunskapsstod",
        f"/kunskapsstod/{slug}",
        f"/kunskapsstod/{slug}/synpunkt?avsnitt={key}",
        "/folj",
        "/logga-in",
    ):
        page = await bare_client.get(path)
        assert page.status_code == 200, path
        assert page.headers.get_list("set-cookie") == [], path
    assert not bare_client.cookies


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "https://evil.example"}, id="foreign-origin"),
        pytest.param({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, id="sandboxed-frame"),
        pytest.param({"Sec-Fetch-Site": "same-site"}, id="sibling-subdomain"),
        # An attacker's page with its own Referrer-Policy no-referrer, in a browser without
        # Fetch Metadata: "null" is all it says, which is not evidence of our own page.
        pytest.param({"Origin": "null"}, id="null-origin-alone"),
        pytest.param({"Referer": "https://evil.example/page"}, id="foreign-referer"),
        pytest.param({"Referer": "http://127.0.0.1:8000.evil.example/"}, id="lookalike-referer"),
        # A POST the user typed or bookmarked does not exist; nothing vouches for it.
        pytest.param({"Sec-Fetch-Site": "none"}, id="fetch-site-none"),
        pytest.param({}, id="no-provenance-at-all"),
    ],
)
async def test_anonymous_feedback_from_anywhere_but_our_pages_is_refused(
    bare_client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str], headers: dict
) -> None:
    slug, _, key = doc
    refused = await bare_client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=_form(slug, key), headers=headers
    )
    assert refused.status_code == 403
    assert REFUSED_WORDS in refused.text
    assert await _items(conn) == 0


@pytest.mark.parametrize(
    "headers",
    [
        # A current browser on our page: Origin (Referrer-Policy same-origin) and Fetch Metadata.
        pytest.param({"Origin": OWN, "Sec-Fetch-Site": "same-origin"}, id="browser"),
        # A browser without Fetch Metadata (Safari before 16.4): Origin alone.
        pytest.param({"Origin": OWN}, id="origin-only"),
        # A page whose own policy is no-referrer (a token page) in a current browser.
        pytest.param({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, id="no-referrer-page"),
        # An old browser that sends no Origin on a same-origin POST, but the Referer.
        pytest.param({"Referer": f"{OWN}/kunskapsstod"}, id="referer-only"),
        # The form in a frame on a host's page: the frame's own POST is same-origin to us, and
        # carries no cookie at all, since the browser blocks third-party cookies.
        pytest.param(
            {"Origin": OWN, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "iframe"},
            id="in-a-frame",
        ),
    ],
)
async def test_anonymous_feedback_from_our_own_page_needs_no_cookie(
    bare_client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str], headers: dict
) -> None:
    slug, _, key = doc
    sent = await bare_client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=_form(slug, key), headers=headers
    )
    assert sent.status_code == 200, sent.text
    assert "Tack! Vi har tagit emot din synpunkt" in sent.text
    assert not bare_client.cookies
    assert await _items(conn) == 1


async def test_signed_in_posts_still_need_their_sessions_token(
    bare_client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    """Where there is a session there is an ambient credential: the Origin is not enough."""
    slug, _, key = doc
    user_id = await make_person(conn, "pat@exempel.se")
    await sign_in(bare_client, conn, user_id)
    own = {"Origin": OWN, "Sec-Fetch-Site": "same-origin"}
    no_token = await bare_client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=_form(slug, key), headers=own
    )
    assert no_token.status_code == 403
    wrong = await bare_client.post(
        f"/kunskapsstod/{slug}/synpunkt",
        data=_form(slug, key),
        headers={**own, "X-CSRF-Token": "x" * 43},
    )
    assert wrong.status_code == 403
    assert await _items(conn) == 0
    page = await bare_client.get(f"/kunskapsstod/{slug}/synpunkt")
    token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    assert len(token) >= 40
    sent = await bare_client.post(
        f"/kunskapsstod/{slug}/synpunkt",
        data={**_form(slug, key), "_csrf_token": token},
        headers=own,
    )
    assert sent.status_code == 200, sent.text
    assert await _items(conn) == 1


async def test_pages_send_referer_and_origin_only_to_this_site(
    bare_client: Client, conn: asyncpg.Connection
) -> None:
    """Same-origin: our own form posts carry their real Origin in every browser, other sites
    get nothing. A page with a token in its address or form sends nothing even to us."""
    page = await bare_client.get("/kunskapsstod")
    assert page.headers["referrer-policy"] == "same-origin"
    token_page = await bare_client.get("/konto/nytt-losenord?token=abc")
    assert token_page.headers["referrer-policy"] == "no-referrer"


def _public_forms(app: Litestar) -> list[str]:
    """Every unsafe page route (not /api/) anyone may use without signing in."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(("/api/", "/static")):
            continue
        for handler in route.route_handlers:
            if not set(handler.http_methods) & {"POST", "PUT", "PATCH", "DELETE"}:
                continue
            if declared_permission(handler) is not Permission.PUBLIC:
                continue
            path = route.path_format.replace("{", "").replace("}", "")
            found.append(path)
    return found


async def test_every_anonymous_form_route_needs_our_origin(
    app: Litestar, bare_client: Client, conn: asyncpg.Connection
) -> None:
    """The same shape everywhere: login, registration, password reset, following a document,
    looking up a receipt, the feedback form. No cookie is needed, our origin is."""
    routes = [p for p in _public_forms(app) if not re.fullmatch(UNSUBSCRIBE_PATH_PATTERN, p)]
    assert len(routes) >= 6, routes
    for path in routes:
        for headers in ({}, {"Origin": "null"}, {"Referer": "https://evil.example/"}):
            refused = await bare_client.post(path, data={"x": "1"}, headers=headers)
            assert refused.status_code == 403, (path, headers, refused.status_code)
            assert REFUSED_WORDS in refused.text, path
        allowed = await bare_client.post(
            path, data={"x": "1"}, headers={"Origin": OWN, "Sec-Fetch-Site": "same-origin"}
        )
        assert allowed.status_code != 403, (path, allowed.text[:300])
    assert not bare_client.cookies
