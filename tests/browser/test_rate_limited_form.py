"""A submitter past the submission limit, in a real browser without JavaScript: the form comes
back with everything typed still in it and says in Swedish until when to wait. With JavaScript
(htmx) the form stays on the page and says so too; axe-core clean."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import VIEWPORT, _serve

pytestmark = pytest.mark.slow

DOC = "hjartsvikt-nyupptackt"
FIRST = "Min första synpunkt: avsnittet om uppföljning är svårt att förstå."
SECOND = "Min andra synpunkt: tabellen över läkemedel saknar enheter för doserna."


@pytest_asyncio.fixture(loop_scope="session")
async def limited_server(database_url: str) -> AsyncIterator[str]:
    async with _serve("limited server", database_url, {"MEDSKAPA_SUBMIT_LIMIT": "1"}) as url:
        yield url


async def fill_and_send(page: Page, text: str) -> None:
    form = page.locator("form.feedback-form")
    await form.locator("input[name=role][value=relative]").check()
    await form.locator("input[name=category][value=incorrect_or_outdated]").check()
    await form.locator("textarea[name=text]").fill(text)
    await form.get_by_role("button", name="Skicka synpunkt").click()


@pytest.mark.parametrize("javascript", [False, True], ids=["without js", "with htmx"])
async def test_a_limited_submission_keeps_the_text_and_says_when(
    browser: Browser, limited_server: str, javascript: bool
) -> None:
    context = await browser.new_context(
        viewport=VIEWPORT, locale="sv-SE", java_script_enabled=javascript, bypass_csp=True
    )
    page = await context.new_page()
    try:
        form_page = f"{limited_server}/kunskapsstod/{DOC}/synpunkt"
        await page.goto(form_page)
        await fill_and_send(page, FIRST)
        await expect(page.locator(".receipt")).to_contain_text("Din kvittokod är")

        await page.goto(form_page)
        await fill_and_send(page, SECOND)
        form = page.locator("form.feedback-form")
        alert = form.get_by_role("alert")
        if javascript:
            await expect(alert).to_contain_text("Vänta några minuter")
        else:
            await expect(alert).to_contain_text(
                re.compile(r"Vänta till klockan \d\d\.\d\d och skicka sedan igen")
            )
        await expect(form.locator("textarea[name=text]")).to_have_value(SECOND)
        await expect(form.locator("input[name=role][value=relative]")).to_be_checked()
        await expect(page.locator(".receipt")).to_have_count(0)
        if javascript:  # axe runs as a script in the page
            await assert_accessible(page, "rate-limited")
        if shots := os.environ.get("MEDSKAPA_SCREENSHOTS"):
            await page.screenshot(path=f"{shots}/limited-{javascript}.png", full_page=True)
    finally:
        await context.close()
