"""Searching the catalogue in a real browser the way people type: without å, ä and ö, with a
typo, and with nothing found but a near match offered. At desktop and phone size, with axe."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import SharedServer

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
HJARTSVIKT = "Hjärtsvikt – nyupptäckt"
DIABETES = "Typ 2-diabetes i primärvården"


async def search_from_home(page: Page, base_url: str, words: str) -> None:
    await page.goto(f"{base_url}/")
    search = page.get_by_label(re.compile(r"^Sök bland \d+ kunskapsstöd$"))
    await search.click()
    await page.keyboard.type(words)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/kunskapsstod\?q="))


async def test_hjartsvikt_without_diacritics_finds_hjartsvikt(
    page: Page, shared_server: SharedServer
) -> None:
    await search_from_home(page, shared_server.url, "hjartsvikt")
    await expect(page.locator(".result-count")).to_contain_text("som matchar ”hjartsvikt”")
    first = page.locator(".document-list > li h2 a").first
    await expect(first).to_have_text(HJARTSVIKT)
    await expect(page.get_by_label("Sök", exact=True)).to_have_value("hjartsvikt")
    await assert_accessible(page, "search-without-diacritics")
    await first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(HJARTSVIKT)


async def test_a_typo_shows_what_was_searched_instead(
    page: Page, shared_server: SharedServer
) -> None:
    await page.goto(f"{shared_server.url}/kunskapsstod")
    box = page.get_by_label("Sök", exact=True)
    await box.fill("diabetis")
    await box.press("Enter")
    await expect(page.locator(".search-correction")).to_have_text(
        "Inga kunskapsstöd matchade ”diabetis”. Därför visas träffar för ”diabetes”."
    )
    await expect(page.get_by_role("link", name=DIABETES, exact=True)).to_be_visible()
    await expect(box).to_have_value("diabetis")
    await assert_accessible(page, "search-corrected")


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_nothing_found_offers_a_near_match_that_works(
    page: Page, shared_server: SharedServer, size: str
) -> None:
    if size == "phone":
        await page.set_viewport_size(PHONE)
    await page.goto(f"{shared_server.url}/kunskapsstod")
    box = page.get_by_label("Sök", exact=True)
    await box.fill("diabts")
    await box.press("Enter")
    await page.wait_for_url(re.compile(r"q=diabts"))
    await expect(page.get_by_text("Inga kunskapsstöd matchar din sökning.")).to_be_visible()
    await expect(page.locator(".document-list")).to_have_count(0)
    suggestions = page.locator(".suggestions")
    await expect(suggestions).to_have_text(re.compile(r"^Menade du\s+diabetes\?$"))
    assert await page.evaluate("document.documentElement.scrollWidth") <= (
        await page.evaluate("window.innerWidth")
    )
    await assert_accessible(page, f"search-no-results-suggestion-{size}")

    await suggestions.get_by_role("link", name="diabetes").click()
    await page.wait_for_url(re.compile(r"/kunskapsstod\?q=diabetes$"))
    await expect(page.locator(".result-count")).to_contain_text("som matchar ”diabetes”")
    await expect(page.get_by_role("link", name=DIABETES, exact=True)).to_be_visible()
    await expect(page.get_by_label("Sök", exact=True)).to_have_value("diabetes")


async def test_only_punctuation_says_what_to_type(page: Page, shared_server: SharedServer) -> None:
    await page.goto(f"{shared_server.url}/kunskapsstod?q=%21%21%21")
    await expect(page.get_by_role("alert")).to_have_text(
        "Skriv ett eller flera ord att söka efter, med bokstäver eller siffror."
    )
    await assert_accessible(page, "search-only-punctuation")


async def test_nothing_in_the_chosen_area_links_to_all_areas(
    page: Page, shared_server: SharedServer
) -> None:
    await page.goto(f"{shared_server.url}/kunskapsstod")
    select = page.get_by_label("Programområde")
    await select.select_option(label="Cancersjukdomar")
    await page.get_by_label("Sök", exact=True).fill("diabetes")
    await page.get_by_role("button", name="Visa").click()
    await expect(
        page.get_by_text("Inga kunskapsstöd matchar din sökning inom Cancersjukdomar.")
    ).to_be_visible()
    await assert_accessible(page, "search-no-results-other-area")
    await page.get_by_role("link", name="Sök i alla programområden").click()
    await expect(page.get_by_role("link", name=DIABETES, exact=True)).to_be_visible()
    await expect(page.get_by_label("Programområde")).to_have_value("")
