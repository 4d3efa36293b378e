"""The public catalogue in a real browser: pages, search, filter, navigation, accessibility."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, expect

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.slow


async def first_document(page: Page, base_url: str) -> tuple[str, str]:
    """Slug and title of the first document the catalogue list shows."""
    await page.goto(f"{base_url}/kunskapsstod")
    link = page.locator(".document-list li h2 a").first
    href = await link.get_attribute("href")
    assert href is not None
    match = re.fullmatch(r"/kunskapsstod/([a-z0-9-]+)", href)
    assert match, href
    return match.group(1), (await link.inner_text()).strip()


async def test_home_page(page: Page, live_server: str) -> None:
    response = await page.goto(f"{live_server}/")
    assert response is not None
    assert response.status == 200
    await expect(page).to_have_title(re.compile(r"medskapa"))
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await expect(page.get_by_role("search").get_by_role("searchbox")).to_be_visible()
    assert await page.locator(".area-list a").count() > 0
    await assert_accessible(page, "home")


async def test_catalogue_list(page: Page, live_server: str) -> None:
    response = await page.goto(f"{live_server}/kunskapsstod")
    assert response is not None
    assert response.status == 200
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kunskapsstöd")
    await expect(page.get_by_role("link", name="Kunskapsstöd", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    count = await page.locator(".document-list > li").count()
    assert count >= 8
    await expect(page.locator(".result-count")).to_contain_text(f"{count} kunskapsstöd")
    await assert_accessible(page, "catalogue")


async def test_search_by_typing_and_pressing_enter(page: Page, live_server: str) -> None:
    _, title = await first_document(page, live_server)
    word = max(re.findall(r"\w+", title), key=len)
    await page.goto(f"{live_server}/")
    search = page.get_by_label(re.compile(r"^Sök bland \d+ kunskapsstöd$"))
    await search.click()
    await page.keyboard.type(word)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/kunskapsstod\?q="))
    await expect(page.locator(".result-count")).to_contain_text(f"som matchar ”{word}”")
    await expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    await expect(page.get_by_label("Sök", exact=True)).to_have_value(word)
    await assert_accessible(page, "search-results")


async def test_search_without_results_says_so(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/kunskapsstod")
    await page.get_by_label("Sök", exact=True).fill("xyzzyqwerty")
    await page.get_by_label("Sök", exact=True).press("Enter")
    await expect(page.get_by_text("Inga kunskapsstöd matchar din sökning")).to_be_visible()
    await expect(page.locator(".document-list")).to_have_count(0)
    await assert_accessible(page, "search-no-results")


async def test_filter_by_programme_area(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/kunskapsstod")
    total = await page.locator(".document-list > li").count()
    select = page.get_by_label("Programområde")
    options = select.locator("option")
    assert await options.count() > 1
    area_slug = await options.nth(1).get_attribute("value")
    area_name = (await options.nth(1).inner_text()).strip()
    assert area_slug
    await select.select_option(area_slug)
    await page.get_by_role("button", name="Visa").click()
    await page.wait_for_url(re.compile(rf"programomrade={re.escape(area_slug)}"))
    await expect(page.get_by_label("Programområde")).to_have_value(area_slug)
    items = page.locator(".document-list > li")
    shown = await items.count()
    assert 0 < shown < total
    for meta in await items.locator(".meta").all_inner_texts():
        assert area_name in meta
    await assert_accessible(page, "catalogue-filtered")


async def test_document_page(page: Page, live_server: str) -> None:
    slug, title = await first_document(page, live_server)
    await page.get_by_role("link", name=title, exact=True).click()
    await page.wait_for_url(f"{live_server}/kunskapsstod/{slug}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)
    await expect(page).to_have_title(re.compile(re.escape(title)))
    toc = page.get_by_role("navigation", name="Innehåll")
    sections = page.locator("section.section")
    assert await sections.count() >= 5
    await expect(toc.get_by_role("link")).to_have_count(await sections.count())
    await assert_accessible(page, "document")


async def test_quote_button_shows_only_for_selected_text(page: Page, live_server: str) -> None:
    slug, _ = await first_document(page, live_server)
    await page.goto(f"{live_server}/kunskapsstod/{slug}")
    buttons = page.get_by_role("button", name="Kommentera markerad text")
    await expect(buttons).to_have_count(0)  # all hidden, none in the accessibility tree

    first = page.locator("section.section").first
    await first.locator(".section-text p").first.select_text()
    button = first.get_by_role("button", name="Kommentera markerad text")
    await expect(button).to_be_visible()
    await expect(buttons).to_have_count(1)

    await page.evaluate("() => window.getSelection().removeAllRanges()")
    await expect(buttons).to_have_count(0)


async def test_table_of_contents_link_moves_to_the_section(page: Page, live_server: str) -> None:
    slug, _ = await first_document(page, live_server)
    await page.goto(f"{live_server}/kunskapsstod/{slug}")
    link = page.get_by_role("navigation", name="Innehåll").get_by_role("link").last
    target = await link.get_attribute("href")
    assert target is not None
    assert target.startswith("#avsnitt-")
    heading = (await link.inner_text()).strip()
    section = page.locator(target)
    await expect(section).not_to_be_in_viewport()

    # As a keyboard user does it: focus the link, press Enter.
    await link.focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/kunskapsstod/{slug}{target}")
    await expect(section).to_be_in_viewport()
    await expect(section.get_by_role("heading", level=2)).to_have_text(heading)
    await expect(section.get_by_role("heading", level=2)).to_be_in_viewport()

    # The next Tab continues from the section, not from the table of contents.
    await page.keyboard.press("Tab")
    in_or_after = await page.evaluate(
        """(selector) => {
          const section = document.querySelector(selector);
          const active = document.activeElement;
          return section.contains(active)
            || Boolean(section.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""",
        target,
    )
    assert in_or_after, "Tab after following the link did not continue from the section"
    await assert_accessible(page, "document-section")


async def test_unknown_document_is_a_404_page(page: Page, live_server: str) -> None:
    response = await page.goto(f"{live_server}/kunskapsstod/finns-inte-{secrets.token_hex(4)}")
    assert response is not None
    assert response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    await expect(page.get_by_role("link", name="Alla kunskapsstöd")).to_be_visible()
    await assert_accessible(page, "not-found")


async def test_skip_link_is_first_and_moves_to_main_content(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/")
    skip_link = page.get_by_role("link", name="Hoppa till innehållet")
    await expect(skip_link).not_to_be_in_viewport()

    await page.keyboard.press("Tab")
    await expect(skip_link).to_be_focused()
    await expect(skip_link).to_be_in_viewport()
    await assert_accessible(page, "home-skip-link")

    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live_server}/#innehall")
    await expect(page.get_by_role("main")).to_be_focused()
    # The next Tab goes to the first control in the main content: the search field.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("search").get_by_role("searchbox")).to_be_focused()


async def test_pages_work_under_the_real_content_security_policy(
    browser: Browser, live_server: str
) -> None:
    """The `page` fixture bypasses CSP to inject axe; here the app's own policy is enforced."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    try:
        await context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = await context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

        def on_console(message: ConsoleMessage) -> None:
            # The browser asks for /favicon.ico by itself; the app has none, and no page links one.
            if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
                problems.append(f"console: {message.text} ({message.location['url']})")

        page.on("console", on_console)
        slug, _ = await first_document(page, live_server)
        for path in ("/", "/kunskapsstod", f"/kunskapsstod/{slug}"):
            await page.goto(f"{live_server}{path}")
            await page.wait_for_load_state("load")
            assert await page.evaluate("() => typeof window.htmx") == "object", path
            violations = await page.evaluate("() => window.__csp")
            assert violations == [], f"{path}: {violations}"
        assert problems == []
    finally:
        await context.close()
