"""A group member's inbox, item and answer in a real browser, by keyboard; axe-core clean."""

from __future__ import annotations

import datetime as dt
import re

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.sessions import create_session
from tests.browser.axe import assert_accessible
from tests.factories import make_feedback, make_staff, route_to

pytestmark = pytest.mark.slow

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
ANSWER = "Tack! Vi ändrar inte texten, eftersom avsnittet redan beskriver vätskeintaget."


async def sign_in(page: Page, conn: asyncpg.Connection, base_url: str) -> None:
    user_id = await make_staff(conn, "anna@region.se", GROUP)
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def test_inbox_item_and_answer_by_keyboard(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    submitted = await make_feedback(
        conn,
        document=DOC,
        consent_public=True,
        section="3-utredning",
        quote="Vid misstanke om hjärtsvikt bör NT-proBNP analyseras tidigt.",
        text="Jag förstår inte vad NT-proBNP är. Förklara gärna ordet för oss patienter.",
    )
    await route_to(conn, submitted.id, GROUP)
    await sign_in(page, conn, live_server)

    await page.goto(f"{live_server}/arbetsgrupp/{GROUP}/inkorg")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Inkorg")
    await assert_accessible(page, "triage-inbox")

    # Search with htmx: the results update without a page load.
    search = page.get_by_label("Sök i texten")
    await search.focus()
    await page.keyboard.type("förklara")
    await page.keyboard.press("Enter")
    await expect(page.locator("#inkorg-resultat .result-count")).to_contain_text("”förklara”")
    await expect(page.locator("#inkorg-resultat")).to_contain_text("NT-proBNP")
    await expect(page).to_have_url(re.compile(r"q=f(%C3%B6|ö)rklara"))

    link = page.locator("#inkorg-resultat a", has_text="NT-proBNP")
    await link.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Synpunkt på")
    await expect(page.locator("mark")).to_have_text(
        "Vid misstanke om hjärtsvikt bör NT-proBNP analyseras tidigt."
    )
    await assert_accessible(page, "triage-item")

    await page.get_by_role("button", name="Börja behandla").first.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("under behandling")

    answer = page.get_by_label("Svar till den som skrev: varför texten inte ändras")
    await answer.focus()
    await page.keyboard.type("För kort")
    await page.get_by_role("button", name="Svara (texten ändras inte)").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text("Svaret är för kort")
    await assert_accessible(page, "triage-item-error")

    answer = page.get_by_label("Svar till den som skrev: varför texten inte ändras")
    await answer.fill("")
    await answer.focus()
    await page.keyboard.type(ANSWER)
    await page.get_by_role("button", name="Svara (texten ändras inte)").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("besvarad")
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", submitted.id) == (
        "answered"
    )

    await page.goto(f"{live_server}/arbetsgrupp/{GROUP}/planerade")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Planerade ändringar")
    await assert_accessible(page, "triage-planned")

    await page.goto(f"{live_server}/kunskapsstod/{DOC}/svar")
    await expect(page.locator("table.data")).to_contain_text(ANSWER)
    await assert_accessible(page, "public-responses")
