"""The "what changed" page in a real browser: readable, keyboard-usable, no axe violations."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.catalogue.test_changes import SLUG, versions  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


@pytest.mark.usefixtures("versions")
async def test_changes_page_is_accessible_and_the_unchanged_sections_open(
    page: Page, live_server: str
) -> None:
    response = await page.goto(f"{live_server}/kunskapsstod/{SLUG}/andringar")
    assert response is not None
    assert response.status == 200
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vad har ändrats i Hjärtsvikt – ändringar?"
    )
    added = page.locator(".change-changed ins").first
    await expect(added).to_have_text("Tillagt: ska")
    # Not colour alone: added text is underlined, removed text struck through.
    assert "underline" in await added.evaluate("e => getComputedStyle(e).textDecorationLine")
    removed = page.locator(".change-changed del").first
    assert "line-through" in await removed.evaluate("e => getComputedStyle(e).textDecorationLine")
    # The collapsed unchanged section opens from the keyboard.
    summary = page.locator(".change-unchanged summary")
    await summary.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(".change-unchanged").get_by_role("link")).to_have_text("1 Inledning")
    await assert_accessible(page, "changes")
    await page.set_viewport_size({"width": 375, "height": 800})
    await assert_accessible(page, "changes-phone")
