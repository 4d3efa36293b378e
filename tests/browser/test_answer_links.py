"""Public answers can be found in a real browser, by following links only: from the document
page to its answers, from the receipt to the answers, and from the status page of a changed
item to the answers and to the version the text changed in. axe-core clean, at desktop and
phone size, and nothing scrolls sideways."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.feedback.lifecycle import GroupStep
from medskapa.triage.service import TriageService
from tests.browser.axe import assert_accessible
from tests.factories import FIXED_NOW, make_feedback, make_staff, principal_for, route_to

pytestmark = pytest.mark.slow

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
PLAN = "Tack! Vi skriver om avsnittet i nästa version så att uppföljningen blir tydligare."
SIZES = [(1280, 900), (390, 844)]


async def fits(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], page.url


async def changed_code(conn: asyncpg.Connection) -> str:
    submitted = await make_feedback(
        conn,
        document=DOC,
        consent_public=True,
        text="Jag förstår inte när uppföljningen sker. Skriv gärna antal veckor.",
    )
    await route_to(conn, submitted.id, GROUP)
    member = await principal_for(
        conn, await make_staff(conn, "anna@region.se", GROUP), second_factor=True
    )
    triage = TriageService(conn, lambda: FIXED_NOW)
    await triage.transition(member, submitted.id, GroupStep(target="in_review"))
    await triage.transition(member, submitted.id, GroupStep(target="change_planned", answer=PLAN))
    await conn.execute(
        "INSERT INTO document_versions (document_id, label, published_on, change_summary) "
        "SELECT id, '1.2', '2026-11-20', 'Tydligare om uppföljning' FROM guidance_documents "
        "WHERE slug = $1",
        DOC,
    )
    await triage.transition(member, submitted.id, GroupStep(target="changed", version="1.2"))
    return submitted.receipt_code


@pytest.mark.parametrize(("width", "height"), SIZES, ids=["desktop", "phone"])
async def test_answers_are_found_from_document_receipt_and_status(
    page: Page, live_server: str, conn: asyncpg.Connection, width: int, height: int
) -> None:
    await page.set_viewport_size({"width": width, "height": height})
    code = await changed_code(conn)

    await page.goto(f"{live_server}/kunskapsstod/{DOC}")
    await fits(page)
    await page.get_by_role("link", name="Synpunkter och arbetsgruppens svar").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Synpunkter och svar")
    await expect(page.get_by_role("link", name="version 1.2")).to_be_visible()
    await assert_accessible(page, f"answers-{width}")
    await fits(page)

    # The receipt, from the form without JavaScript's help (its own page).
    await page.goto(f"{live_server}/kunskapsstod/{DOC}")
    await page.get_by_role("link", name="Lämna synpunkt på hela kunskapsstödet").click()
    form = page.locator("form.feedback-form")
    await form.get_by_label("Patient").check()
    await form.get_by_label("Svårt att förstå").check()
    await form.locator("textarea[name=text]").fill("Vad betyder ordet uppföljning här?")
    await form.get_by_role("button", name="Skicka synpunkt").click()
    receipt = page.locator(".receipt")
    await expect(receipt).to_contain_text("Din kvittokod är")
    await assert_accessible(page, f"receipt-{width}")
    await fits(page)
    await page.get_by_role("link", name="Läs andras synpunkter och arbetsgruppens svar").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Synpunkter och svar")

    # The status page of the changed item.
    await page.goto(f"{live_server}/folj")
    await page.get_by_label("Kvittokod").fill(code)
    await page.get_by_role("button", name="Visa status").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Status för din synpunkt")
    await assert_accessible(page, f"status-{width}")
    await fits(page)
    await expect(page.get_by_role("link", name="Alla synpunkter och svar på")).to_have_attribute(
        "href", f"/kunskapsstod/{DOC}/svar"
    )
    await page.get_by_role("link", name="version 1.2").click()
    await expect(page.locator(".facts")).to_contain_text("1.2")
    await expect(page).to_have_url(f"{live_server}/kunskapsstod/{DOC}?version=1.2")
