"""The journeys walked in English, in a real browser, from the language switch in the header:
reading a document, giving feedback, following it by code, and a moderator approving an item.
Every page is checked with axe-core and for Swedish interface text (tests/i18n_check.py)."""

from __future__ import annotations

import datetime as dt
import re

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.accounts.admin import RoleChoice
from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.sessions import create_session
from tests.browser.axe import assert_accessible
from tests.factories import make_feedback, make_staff
from tests.i18n_check import swedish_left

pytestmark = pytest.mark.slow

DOC = "hjartsvikt-nyupptackt"


async def _titles(conn: asyncpg.Connection) -> tuple[str, ...]:
    """The documents' titles: Swedish content, also in a page's <title>."""
    return tuple(r["title"] for r in await conn.fetch("SELECT title FROM guidance_documents"))


async def _check(page: Page, name: str, titles: tuple[str, ...]) -> None:
    """The page is in English, has no Swedish interface text, and passes axe."""
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert swedish_left(await page.content(), titles) == [], name
    await assert_accessible(page, f"english-{name}")


async def _switch_to_english(page: Page) -> None:
    """The header's language switch, by keyboard: a plain link to the page in English."""
    switch = page.locator(".lang-switch a")
    await expect(switch).to_have_text("English")
    await expect(switch).to_have_attribute("hreflang", "en")
    await switch.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("html")).to_have_attribute("lang", "en")


async def test_reading_giving_and_following_feedback_in_english(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    titles = await _titles(conn)
    await page.goto(live_server)
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await _switch_to_english(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Help improve the guidance that healthcare follows"
    )
    await _check(page, "home", titles)

    # Read a document: from the menu to the list, then the document.
    await (
        page.get_by_role("navigation", name="Main menu")
        .get_by_role("link", name="Guidance")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Guidance")
    await _check(page, "list", titles)
    await page.locator(f'a[href="/kunskapsstod/{DOC}"]').first.click()
    await expect(page.get_by_role("heading", name="Contents")).to_be_visible()
    await _check(page, "document", titles)

    # Give feedback on the whole document (the form opens in place).
    await page.locator(".feedback-whole a.button").click()
    form = page.locator("#synpunkt-dokument form")
    await expect(form.get_by_role("button", name="Send feedback")).to_be_visible()
    await _check(page, "form", titles)
    await form.get_by_role("button", name="Send feedback").click()
    await expect(form.get_by_role("alert").first).to_contain_text(
        "Please correct the following before sending"
    )
    await _check(page, "form-errors", titles)
    await page.get_by_label("A patient").check()
    await page.get_by_label("Hard to understand").check()
    await page.get_by_label("Your feedback").fill("The part about fluid is hard to follow.")
    await page.get_by_role("button", name="Send feedback").click()
    receipt = page.locator(".receipt")
    await expect(receipt).to_contain_text("Thank you! We have received your feedback")
    code = (await page.locator("#kvittokod").inner_text()).replace("Receipt code:", "").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code), code
    await _check(page, "receipt", titles)

    # Follow it by code.
    await receipt.get_by_role("link", name="Follow your feedback").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Follow your feedback")
    await _check(page, "follow", titles)
    await page.get_by_label("Receipt code").fill("AAAA-BBBB-CCCC-DDDD")
    await page.get_by_role("button", name="Show status").click()
    await expect(page.locator("#fel-kod")).to_contain_text("We find no feedback with that code")
    await _check(page, "follow-unknown", titles)
    await page.get_by_label("Receipt code").fill(code)
    await page.get_by_role("button", name="Show status").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Status of your feedback")
    await expect(page.locator(".facts")).to_contain_text("Received – waiting for review")
    await _check(page, "status", titles)

    # The choice is remembered: a new visit is in English, and the switch goes back.
    await page.goto(f"{live_server}/kunskapsstod")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.locator(".lang-switch a").click()
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kunskapsstöd")


async def test_a_moderator_approves_an_item_in_english(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    titles = await _titles(conn)
    item = await make_feedback(
        conn, document=DOC, text="The part on fluid intake is hard to follow."
    )
    user_id = await make_staff(conn, "moderator@region.se", role=RoleChoice.MODERATOR)
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies(
        [{"name": DEV_SESSION_COOKIE, "value": token, "url": live_server}]
    )

    await page.goto(f"{live_server}/moderering")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Moderering")
    await _switch_to_english(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Moderation")
    await expect(page.locator(".queue-summary")).to_contain_text(
        "1 piece of feedback waiting for review"
    )
    await _check(page, "moderation-queue", titles)

    await page.get_by_role("link", name="Review and decide").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Review feedback")
    await _check(page, "moderation-item", titles)
    await page.get_by_role("button", name="Save the decision").click()
    await expect(page.get_by_role("alert").first).to_be_visible()
    await _check(page, "moderation-item-error", titles)
    await page.get_by_label("Approve", exact=True).check()
    await page.get_by_role("button", name="Save the decision").click()
    await expect(page.locator(".notice-ok")).to_contain_text(
        "The feedback is approved and sent to the responsible group."
    )
    await _check(page, "moderation-done", titles)
    status = await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item.id)
    assert status == "routed"
