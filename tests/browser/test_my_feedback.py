""" "Mina synpunkter" in a real browser: a patient signs in, finds the page from the account
page, reads each item's status, text, answer and timeline by keyboard, and downloads their
data; axe-core clean (WCAG 2.1 AA) at 1280 and 390 px, and no sideways scrolling on a phone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.feedback.lifecycle import GroupStep
from medskapa.moderation.service import DecisionInput
from medskapa.security.principal import Principal
from medskapa.triage.service import TriageService
from tests.browser.axe import assert_accessible
from tests.factories import FIXED_NOW, MEMBER_PASSWORD, make_feedback, make_person, make_staff
from tests.moderation.conftest import moderation, moderator

pytestmark = pytest.mark.slow

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
ANSWER = "Tack! Råd om hur mycket du får dricka finns i avsnittet om egenvård."
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


async def sideways_scroll(page: Page) -> int:
    return await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


async def test_my_feedback_page_at_desktop_and_phone_size(
    page: Page, live_server: str, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    member_id = await make_staff(conn, "anna@region.se", GROUP)
    group_id = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", GROUP)
    member = Principal(user_id=member_id, groups={group_id: "member"}, second_factor=True)
    mod = await moderator(conn)
    answered = await make_feedback(
        conn,
        document=DOC,
        text="Jag saknar råd om hur mycket jag får dricka när jag har hjärtsvikt.",
        user_id=person,
    )
    await moderation(conn).decide(mod, answered.id, DecisionInput(decision="approve"))
    triage = TriageService(conn, lambda: FIXED_NOW + dt.timedelta(days=3))
    await triage.transition(member, answered.id, GroupStep(target="in_review"))
    await triage.transition(member, answered.id, GroupStep(target="answered", answer=ANSWER))
    await make_feedback(
        conn,
        document=DOC,
        text="Ordet diuretika förklaras inte.",
        now=FIXED_NOW + dt.timedelta(days=5),
        user_id=person,
    )

    await page.goto(f"{live_server}/logga-in")
    await page.get_by_label("E-postadress").fill("pat@exempel.se")
    await page.get_by_label("Lösenord").fill(MEMBER_PASSWORD)
    await page.get_by_label("Lösenord").press("Enter")
    # Signed in, everyone starts on their own page; the account page is in the menu.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mina uppgifter")
    await page.get_by_role("link", name="Mitt konto").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mitt konto")
    # A patient's account page: their feedback and data, no staff things.
    await expect(page.get_by_role("heading", name="API-nycklar")).to_have_count(0)
    await expect(page.locator("main")).not_to_contain_text("Tvåstegsverifiering")
    await assert_accessible(page, "my-feedback-account-page")
    await page.locator("main").get_by_role("link", name="Mina synpunkter").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mina synpunkter")

    items = page.get_by_role("article")
    await expect(items).to_have_count(2)
    newest, older = items.nth(0), items.nth(1)
    await expect(newest).to_contain_text("Mottagen – väntar på granskning")
    await expect(newest).to_contain_text("27 november 2026")
    await expect(older).to_contain_text("Besvarad")
    await expect(older).to_contain_text(ANSWER)
    await expect(older.locator("ol.timeline li")).to_contain_text(
        ["Vi tog emot din synpunkt.", "Arbetsgruppen svarade."]
    )
    # The text is folded away; the keyboard opens it.
    text = older.get_by_text("Jag saknar råd om hur mycket jag får dricka")
    await expect(text).to_be_hidden()
    await older.get_by_text("Din text").focus()
    await page.keyboard.press("Enter")
    await expect(text).to_be_visible()

    await page.set_viewport_size(DESKTOP)
    await assert_accessible(page, "my-feedback")
    await page.set_viewport_size(PHONE)
    assert await sideways_scroll(page) <= 0, "Mina synpunkter scrolls sideways on a phone"
    await assert_accessible(page, "my-feedback-phone")
    await page.set_viewport_size(DESKTOP)

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Ladda ner allt vi har sparat om dig").press("Enter")
    download = await waiting.value
    assert download.suggested_filename.startswith("medskapa-mina-data-")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert [item["text"] for item in data["feedback"]] == [
        "Ordet diuretika förklaras inte.",
        "Jag saknar råd om hur mycket jag får dricka när jag har hjärtsvikt.",
    ]


async def test_my_feedback_without_any_says_what_to_do(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    await make_person(conn, "ny@exempel.se")
    await page.goto(f"{live_server}/logga-in")
    await page.get_by_label("E-postadress").fill("ny@exempel.se")
    await page.get_by_label("Lösenord").fill(MEMBER_PASSWORD)
    await page.get_by_label("Lösenord").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mina uppgifter")
    await page.goto(f"{live_server}/mina-synpunkter")
    main = page.locator("main")
    await expect(main).to_contain_text("Du har inte lämnat någon synpunkt")
    await expect(main.get_by_role("link", name="kunskapsstöd", exact=True)).to_have_attribute(
        "href", "/kunskapsstod"
    )
    await assert_accessible(page, "my-feedback-empty")
    await page.set_viewport_size(PHONE)
    assert await sideways_scroll(page) <= 0
    await assert_accessible(page, "my-feedback-empty-phone")
