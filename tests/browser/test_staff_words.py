"""An item's history as staff read it, in a real browser at desktop and phone size: plain
Swedish, people named only as the privacy rule allows, times on Swedish time; axe-core clean,
nothing wider than the phone."""

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

pytestmark = pytest.mark.slow

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
NAME = "Agneta Fredriksdotter"
TEXT = (
    f"Jag heter {NAME} och bor på Storgatan 3 i Lund. Min läkare sa att jag skulle sluta med "
    "medicinen. Avsnittet om vätska är svårt att förstå."
)
CODES = re.compile(r"moderation\.|feedback\.|group:\d|user:\d|\bUTC\b")
PHONE = {"width": 390, "height": 844}


async def sign_in(page: Page, conn: asyncpg.Connection, base_url: str, user_id: int) -> None:
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.clear_cookies()
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def look(page: Page, name: str) -> str:
    """The page checked by axe and photographed at desktop size, then at phone size (where
    nothing may scroll sideways); returns its visible text."""
    await assert_accessible(page, name)
    await page.set_viewport_size(PHONE)
    await assert_accessible(page, f"{name}-phone")
    wide = await page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{name}: {wide} px wide at 390"
    await page.set_viewport_size({"width": 1280, "height": 900})
    text = await page.locator("main").inner_text()
    assert not CODES.search(text), CODES.search(text)
    return text


async def test_the_history_of_an_item_in_words(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    item = await make_feedback(conn, document=DOC, text=TEXT, consent_public=True)
    moderator = await make_staff(conn, "mod@region.se", role=RoleChoice.MODERATOR)
    await sign_in(page, conn, live_server, moderator)
    await page.goto(f"{live_server}/moderering/synpunkter/{item.id}")
    await page.get_by_label("Godkänn med maskning").check()
    # The name and the address overwritten, a sentence deleted.
    await page.get_by_label("Texten som den ska visas").fill(
        "Jag heter xxx och bor på xxx xxx i Lund. Avsnittet om vätska är svårt att förstå."
    )
    await page.get_by_label("Skäl till maskningen").select_option("personal_data")
    await page.get_by_label(re.compile("Möjlig patientsäkerhetsrisk")).check()
    await page.get_by_role("button", name="Spara beslutet").click()
    await expect(page.locator(".notice-ok")).to_contain_text("maskad")

    await page.goto(f"{live_server}/moderering/synpunkter/{item.id}")
    history = page.locator("ol.timeline")
    await expect(history).to_contain_text("Godkänd av mod@region.se, med text borttagen")
    await expect(history).to_contain_text("Skickad till Nationell arbetsgrupp hjärtsvikt")
    text = await look(page, "words-moderation-item")
    assert "Jag heter [borttaget] och bor på [borttaget] i Lund. [borttaget] Avsnittet" in text
    assert "(svensk tid)" in text

    member = await make_staff(conn, "anna@region.se", GROUP)
    await sign_in(page, conn, live_server, member)
    await page.goto(f"{live_server}/arbetsgrupp/synpunkt/{item.id}")
    await page.get_by_role("button", name="Börja behandla").click()
    await page.get_by_label("Ny anteckning").fill("Jag tar den här.")
    await page.get_by_role("button", name="Spara anteckning").click()
    history = page.locator("ol.timeline")
    await expect(history).to_contain_text("Godkänd av en moderator, med text borttagen")
    await expect(history).to_contain_text("Behandlingen påbörjades av anna@region.se")
    await expect(history).to_contain_text("Intern anteckning skriven av anna@region.se")
    text = await look(page, "words-triage-item")
    assert "mod@region.se" not in text
