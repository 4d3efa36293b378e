"""Login CSRF in a real browser: a page on another site posts the attacker's credentials to the
JSON login as a text/plain form (a "simple" request: no preflight, and a top-level navigation,
whose Set-Cookie a browser keeps). The victim's browser must come away without a session, and
the database without a session row. (A no-cors fetch from such a page does not even reach a
loopback server in Chromium, which blocks it as a private-network request.)"""

from __future__ import annotations

import html
import json

import asyncpg
import pytest
from playwright.async_api import Browser, Route

from medskapa.accounts.admin import RoleChoice, create_user
from medskapa.security.auth import DEV_SESSION_COOKIE
from tests.factories import FIXED_NOW

# The full browser: what it keeps of another site's frame or form (tests/browser/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.full_browser]

ATTACKER = "http://angripare.test"


def _attack_page(login_url: str, credentials: dict[str, str]) -> str:
    # The classic JSON-in-a-text/plain-form trick: the body is name=value, and the attacker's
    # own password holds the "=", so the body is exactly {"email": ..., "password": ...}.
    name, _, value = json.dumps(credentials).partition("=")
    return f"""<!doctype html><html><body>
<form id="f" method="post" enctype="text/plain" action="{login_url}">
<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">
</form>
<script>document.getElementById("f").submit();</script>
</body></html>"""


async def test_a_foreign_page_cannot_log_the_browser_in(
    browser: Browser, live_server: str, conn: asyncpg.Connection
) -> None:
    password = "rabarber och vinbär=i juli hela sommaren"
    await create_user(
        conn,
        email="angripare@exempel.se",
        password=password,
        role=RoleChoice.PATIENT,
        now=FIXED_NOW,
    )
    credentials = {"email": "angripare@exempel.se", "password": password}
    login_url = f"{live_server}/api/v1/auth/login"
    context = await browser.new_context()
    try:

        async def serve_attack(route: Route) -> None:
            await route.fulfill(
                status=200, content_type="text/html", body=_attack_page(login_url, credentials)
            )

        await context.route(f"{ATTACKER}/**", serve_attack)
        page = await context.new_page()
        sent: list[dict[str, str]] = []
        page.on(
            "request",
            lambda request: sent.append(request.headers) if request.url == login_url else None,
        )
        async with page.expect_navigation(url=login_url) as navigation:
            await page.goto(f"{ATTACKER}/")
        answer = await navigation.value
        assert answer is not None
        assert answer.status in (403, 415), answer.status
        (headers,) = sent
        assert headers["origin"] == ATTACKER
        assert headers["content-type"] == "text/plain"
        cookies = await context.cookies(live_server)
        assert DEV_SESSION_COOKIE not in {cookie["name"] for cookie in cookies}
        assert await conn.fetchval("SELECT count(*) FROM sessions") == 0
    finally:
        await context.close()
