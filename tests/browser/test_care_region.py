"""The region where the care took place, chosen in a real browser: in the form opened in place
(htmx) and in the form as a page of its own (no JavaScript); a region the list does not have is
refused next to its field, and every state passes axe-core."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import SharedServer

pytestmark = pytest.mark.slow

LABEL = "I vilken region fick du vården? (valfritt)"
SEND = "Skicka synpunkt"


@pytest_asyncio.fixture(loop_scope="session")
async def db(shared_server: SharedServer) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(shared_server.database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest_asyncio.fixture(loop_scope="session")
async def document_url(db: asyncpg.Connection, shared_server: SharedServer) -> str:
    slug = await db.fetchval(
        "SELECT slug FROM guidance_documents WHERE status = 'published' ORDER BY slug LIMIT 1"
    )
    return f"{shared_server.url}/kunskapsstod/{slug}"


async def regions_stored(db: asyncpg.Connection, word: str) -> list[str | None]:
    rows = await db.fetch("SELECT care_region FROM feedback WHERE strpos(body, $1) > 0", word)
    return [row["care_region"] for row in rows]


async def test_a_region_chosen_in_the_form_in_place_is_stored(
    page: Page, db: asyncpg.Connection, document_url: str
) -> None:
    word = f"region{secrets.token_hex(5)}"
    await page.goto(document_url)
    await page.get_by_role("link", name="Lämna synpunkt på hela kunskapsstödet").click()
    form = page.locator("#synpunkt-dokument form.feedback-form")
    await expect(form).to_be_visible()
    region = form.get_by_label(LABEL)
    await expect(region).to_have_value("")
    await expect(region.locator("option:checked")).to_have_text("Vill inte ange / inte aktuellt")
    await expect(region.locator("optgroup")).to_have_count(6)
    await region.select_option(label="Region Skåne")
    await form.get_by_role("radio", name="Patient", exact=True).check()
    await form.get_by_role("radio", name="Egen erfarenhet", exact=True).check()
    await form.get_by_label("Din synpunkt").fill(f"Uppföljningen skedde annorlunda ({word}).")
    await region.scroll_into_view_if_needed()
    await assert_accessible(page, "care-region-form-inline")
    await form.get_by_role("button", name=SEND).click()
    await expect(page.locator(".receipt")).to_be_focused()
    assert await regions_stored(db, word) == ["12"]


async def test_without_javascript_a_region_is_stored_and_an_unknown_one_refused(
    page: Page, db: asyncpg.Connection, document_url: str
) -> None:
    word = f"region{secrets.token_hex(5)}"
    await page.goto(f"{document_url}/synpunkt")
    form = page.locator("form.feedback-form")
    await form.get_by_role("radio", name="Närstående", exact=True).check()
    await form.get_by_role("radio", name="Något saknas", exact=True).check()
    await form.get_by_label("Din synpunkt").fill(f"Det saknas något om eftervård ({word}).")
    # A value the list does not offer, as a tampered or stale form would send it.
    await form.get_by_label(LABEL).evaluate(
        "(select) => { select.add(new Option('Län 02', '02')); select.value = '02'; }"
    )
    async with page.expect_navigation():
        await form.evaluate("(form) => form.submit()")
    summary = page.locator(".error-summary")
    await expect(summary).to_be_visible()
    link = summary.get_by_role("link", name="Den regionen finns inte bland Sveriges 21 regioner.")
    await expect(link).to_be_visible()
    await link.click()
    region = page.get_by_label(LABEL)
    await expect(region).to_be_focused()
    await expect(region).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Din synpunkt")).to_have_value(
        f"Det saknas något om eftervård ({word})."
    )
    await assert_accessible(page, "care-region-form-page-error")
    assert await regions_stored(db, word) == []

    await region.select_option(label="Region Halland (Halmstad, Hylte, Laholm)")
    async with page.expect_navigation():
        await page.locator("form.feedback-form").evaluate("(form) => form.submit()")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Synpunkten är mottagen")
    assert await regions_stored(db, word) == ["13"]
