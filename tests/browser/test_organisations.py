"""A patient organisation's round, member input and joint statement in a real browser, by
keyboard; every page axe-core clean."""

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
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.slow

INPUT = "Jag förstod inte när jag skulle börja träna efter operationen."


async def act_as(page: Page, conn: asyncpg.Connection, base_url: str, user_id: int) -> None:
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=False)
    await page.context.clear_cookies()
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def press(page: Page, name: str) -> None:
    await page.get_by_role("button", name=name, exact=True).focus()
    await page.keyboard.press("Enter")


async def test_round_member_input_and_statement_by_keyboard(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    slug, coordinator = await make_organisation(conn, "Höftföreningen", "samordnare@exempel.se")
    member = await make_person(
        conn, "medlem@exempel.se", organisation=slug, role=RoleChoice.ORGANISATION_MEMBER
    )
    await act_as(page, conn, live_server, coordinator)
    await page.goto(f"{live_server}/organisationer/{slug}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Höftföreningen")
    await assert_accessible(page, "organisation")

    # A round without a title: the error is announced and named, nothing is lost.
    await page.get_by_label("Kunskapsstöd", exact=True).select_option("hoftfraktur")
    deadline = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    await page.locator("#round-deadline").fill(deadline)
    await press(page, "Starta insamlingen")
    await expect(page.locator("#felsammanfattning")).to_contain_text("Skriv en rubrik")
    await assert_accessible(page, "organisation-round-error")
    title = page.locator("#round-title")
    await title.focus()
    await page.keyboard.type("Vad tycker ni om höftfrakturvården?")
    await press(page, "Starta insamlingen")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vad tycker ni om höftfrakturvården?"
    )
    round_url = page.url

    await act_as(page, conn, live_server, member)
    await page.goto(round_url)
    await assert_accessible(page, "organisation-round")
    await page.get_by_label("Egen erfarenhet").focus()
    await page.keyboard.press("Space")
    await page.get_by_label("Din synpunkt").focus()
    await page.keyboard.type(INPUT)
    await page.get_by_label("Samordnarna får se att det är jag som skrivit").focus()
    await page.keyboard.press("Space")
    await press(page, "Spara min synpunkt")
    await expect(page.get_by_role("status")).to_contain_text("Din synpunkt är sparad")
    await expect(page.locator(".input-list")).to_contain_text(INPUT)
    await assert_accessible(page, "organisation-round-sent")

    await act_as(page, conn, live_server, coordinator)
    await page.goto(round_url)
    await expect(page.locator(".input-list")).to_contain_text("medlem@exempel.se")
    await page.goto(f"{live_server}/organisationer/{slug}")
    await page.locator("#statement-title").focus()
    await page.keyboard.type("Yttrande om höftfraktur")
    await page.get_by_label("Bygger på insamlingen").select_option(
        label="Vad tycker ni om höftfrakturvården?"
    )
    await press(page, "Skapa utkast")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Yttrande om höftfraktur")
    await assert_accessible(page, "statement-draft")

    await page.locator("#heading-new").focus()
    await page.keyboard.type("Rehabilitering")
    await page.locator("#body-new").focus()
    await page.keyboard.type("Patienter behöver veta när träningen börjar.")
    await press(page, "Lägg till avsnittet")
    await expect(page.get_by_role("status")).to_contain_text("Avsnittet är sparat")
    await page.get_by_role("button", name="Citera synpunkten").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Synpunkten är citerad")
    await expect(page.locator("blockquote.citation")).to_contain_text(INPUT)
    await assert_accessible(page, "statement-cited")

    await press(page, "Skicka yttrandet")
    await expect(page.locator("#kvittokod")).to_have_text(
        re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")
    )
    await expect(page.locator("#yttrande-status")).to_contain_text("Mottagen")
    await assert_accessible(page, "statement-submitted")
    assert await conn.fetchval("SELECT submitter_role FROM feedback") == "organisation"
