"""The API reference at /schema in a real browser, under the app's own strict policy: it
renders every operation from vendored files, fetches nothing from another host and breaks no
rule of the Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, ConsoleMessage, Request, expect

pytestmark = pytest.mark.slow


async def test_api_reference_renders_offline_without_csp_violations(
    browser: Browser, live_server: str
) -> None:
    # Not the shared `page` fixture: that one bypasses the CSP for axe-core.
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    try:
        await context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = await context.new_page()
        problems: list[str] = []
        elsewhere: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
                problems.append(f"console: {message.text} ({message.location['url']})")

        def on_request(request: Request) -> None:
            if not request.url.startswith((f"{live_server}/", "data:")):
                elsewhere.append(request.url)

        page.on("console", on_console)
        page.on("request", on_request)
        response = await page.goto(f"{live_server}/schema")
        assert response is not None
        assert response.status == 200
        await expect(page.locator(".opblock").first).to_be_visible()
        await expect(page.get_by_text("/api/v1/auth/login").first).to_be_visible()
        assert await page.locator(".opblock").count() >= 20
        # Open one operation: its schema and answers render too.
        await page.locator(".opblock-summary").first.click()
        await expect(page.locator(".responses-wrapper").first).to_be_visible()
        await page.wait_for_load_state("networkidle")
        assert await page.evaluate("() => window.__csp") == []
        assert elsewhere == [], "the reference fetched from another host"
        assert problems == []
    finally:
        await context.close()
