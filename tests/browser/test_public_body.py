"""In a real browser: the pages a public body must publish and the accessibility-report form
(axe on each, at desktop and phone size, in both languages), the easy-to-read toggle (mouse,
keyboard, without JavaScript) and the safety signal's live check on the feedback form."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from medskapa.accounts.admin import RoleChoice
from medskapa.audit.keys import AuditKeys, bind
from medskapa.db.pool import init_connection
from medskapa.feedback.safety import client_rules, find_signals
from tests.browser.axe import assert_accessible
from tests.browser.conftest import SharedServer
from tests.browser.test_staff_words import look, sign_in
from tests.factories import TEST_SECRET, make_staff
from tests.feedback.test_safety import FALSE_POSITIVES, TRUE_POSITIVES

pytestmark = pytest.mark.slow

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LEGAL = [
    ("/tillganglighet", "Tillgänglighet för medskapa", "Accessibility of medskapa"),
    (
        "/personuppgifter",
        "Så behandlar vi dina personuppgifter",
        "How we handle your personal data",
    ),
    ("/kakor", "Kakor på medskapa", "Cookies on medskapa"),
    (
        "/tillganglighet/rapportera",
        "Rapportera ett tillgänglighetsproblem",
        "Report an accessibility problem",
    ),
]


async def _page(browser: Browser, size: str, *, javascript: bool = True) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport=SIZES[size], locale="sv-SE", bypass_csp=True, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        await context.close()
    assert not errors, f"uncaught script errors on the page: {errors}"


@pytest_asyncio.fixture(loop_scope="session", params=list(SIZES))
async def sized(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    async for page in _page(browser, request.param):
        page.size_name = request.param  # type: ignore[attr-defined]
        yield page


@pytest_asyncio.fixture(loop_scope="session")
async def no_script(browser: Browser) -> AsyncIterator[Page]:
    async for page in _page(browser, "phone", javascript=False):
        yield page


@pytest.mark.parametrize("lang", ["sv", "en"])
async def test_the_legal_pages_pass_axe_and_are_reached_from_the_footer(
    shared_server: SharedServer, sized: Page, lang: str
) -> None:
    size = sized.size_name  # type: ignore[attr-defined]
    await sized.goto(f"{shared_server.url}/kunskapsstod" + ("?lang=en" if lang == "en" else ""))
    footer = sized.locator("footer")
    for path, sv, en in LEGAL:
        if lang == "en":
            await sized.goto(f"{shared_server.url}{path}?lang=en")
        else:
            await footer.locator(f'a[href="{path}"]').click()
        await expect(sized.get_by_role("heading", level=1)).to_have_text(sv if lang == "sv" else en)
        await expect(sized.locator("html")).to_have_attribute("lang", lang)
        name = path.strip("/").replace("/", "-")
        await assert_accessible(sized, f"public-{name}-{lang}-{size}")


async def test_the_report_form_explains_errors_then_thanks(
    shared_server: SharedServer, sized: Page
) -> None:
    size = sized.size_name  # type: ignore[attr-defined]
    word = secrets.token_hex(4)
    await sized.goto(f"{shared_server.url}/tillganglighet/rapportera")
    await sized.get_by_label("Din e-postadress (valfritt)").fill("eva@exempel")
    await sized.get_by_role("button", name="Skicka rapporten").click()
    summary = sized.get_by_role("alert")
    await expect(summary).to_contain_text("Beskriv problemet du stötte på.")
    await expect(summary).to_be_focused()
    await expect(sized.get_by_label("Din e-postadress (valfritt)")).to_have_value("eva@exempel")
    await assert_accessible(sized, f"public-report-errors-{size}")
    await sized.get_by_label("Vad var problemet?").fill(f"Fokus syns inte i menyn {word}.")
    await sized.get_by_label("Din e-postadress (valfritt)").fill("")
    await sized.get_by_role("button", name="Skicka rapporten").click()
    await expect(sized.get_by_role("heading", level=1)).to_have_text("Tack för din rapport")
    # The report is a feedback item: its receipt code is shown once, with the way to follow it.
    await expect(sized.locator("#kvittokod")).to_contain_text("-")
    await expect(sized.get_by_role("link", name="Följ din rapport")).to_be_visible()
    await assert_accessible(sized, f"public-report-done-{size}")
    conn = await asyncpg.connect(shared_server.database_url)
    try:
        stored = await conn.fetchval(
            "SELECT count(*) FROM feedback WHERE subject = 'site' AND body LIKE $1", f"%{word}%"
        )
    finally:
        await conn.close()
    assert stored == 1


async def test_the_easy_to_read_summary_opens_by_mouse_and_keyboard(
    shared_server: SharedServer, sized: Page
) -> None:
    size = sized.size_name  # type: ignore[attr-defined]
    await sized.goto(f"{shared_server.url}/kunskapsstod/leva-med-kol")
    toggle = sized.get_by_text("Läs en lättläst sammanfattning")
    text = sized.get_by_text("KOL är en sjukdom i lungorna.")
    await expect(text).to_be_hidden()
    await toggle.click()
    await expect(text).to_be_visible()
    await assert_accessible(sized, f"public-easy-read-open-{size}")
    await toggle.click()
    await expect(text).to_be_hidden()
    await toggle.focus()
    await sized.keyboard.press("Enter")
    await expect(text).to_be_visible()


async def test_the_easy_to_read_summary_opens_without_javascript(
    shared_server: SharedServer, no_script: Page
) -> None:
    await no_script.goto(f"{shared_server.url}/kunskapsstod/leva-med-kol")
    text = no_script.get_by_text("KOL är en sjukdom i lungorna.")
    await expect(text).to_be_hidden()
    await no_script.get_by_text("Läs en lättläst sammanfattning").click()
    await expect(text).to_be_visible()


async def test_the_live_check_shows_help_while_typing_and_sends_at_once(
    shared_server: SharedServer, sized: Page
) -> None:
    size = sized.size_name  # type: ignore[attr-defined]
    word = secrets.token_hex(4)
    await sized.goto(f"{shared_server.url}/kunskapsstod/leva-med-kol/synpunkt")
    panel = sized.locator(".help-now")
    text = sized.get_by_label("Din synpunkt")
    await text.fill(f"Avsnittet om livet med KOL är bra. {word}")
    await text.press("End")
    await expect(panel).to_be_hidden()
    await text.press_sequentially(" Men jag vill inte leva längre.")
    await expect(panel).to_be_visible()
    await expect(panel.get_by_role("link", name="90101")).to_have_attribute("href", "tel:90101")
    await expect(sized.locator('input[name="hjalp_visad"]')).to_have_value("ja")
    await assert_accessible(sized, f"public-safety-live-{size}")
    await sized.get_by_role("radio", name="Patient", exact=True).check()
    await sized.get_by_role("radio", name="Egen erfarenhet", exact=True).check()
    await sized.get_by_role("button", name="Skicka synpunkt").click()
    receipt = sized.locator(".receipt")
    await expect(receipt).to_contain_text("Tack! Vi har tagit emot din synpunkt")
    await expect(receipt.locator(".help-now")).to_contain_text("Självmordslinjen")
    conn = await asyncpg.connect(shared_server.database_url)
    try:
        urgent = await conn.fetchval("SELECT urgent FROM feedback WHERE body LIKE $1", f"%{word}%")
    finally:
        await conn.close()
    assert urgent is True


def _shipped_matcher_source() -> str:
    """safetyMatcher() exactly as static/js/medskapa.js ships it."""
    script = (Path(__file__).resolve().parents[2] / "static/js/medskapa.js").read_text()
    start = script.index("  function safetyMatcher(rules) {")
    end = script.index("\n  }\n", start) + len("\n  }\n")
    return script[start:end]


async def test_the_browsers_check_agrees_with_the_server_on_every_sentence(page: Page) -> None:
    sentences = [s for s, _ in TRUE_POSITIVES] + FALSE_POSITIVES
    await page.set_content("<!doctype html><title>check</title>")
    found = await page.evaluate(
        "(args) => { " + _shipped_matcher_source() + " const matches = safetyMatcher(args.rules);"
        " return args.texts.map((t) => matches(t)); }",
        {"rules": client_rules(), "texts": sentences},
    )
    server = [bool(find_signals(s)) for s in sentences]
    assert found == server
    assert sum(found) == len(TRUE_POSITIVES)


async def test_an_admin_takes_up_and_answers_a_report_in_plain_words(
    shared_server: SharedServer, page: Page
) -> None:
    """The admins' side of a report: the list and the item page pass axe at desktop and phone
    size, nothing scrolls sideways, and the trail is in words (no actor or event codes)."""
    word = secrets.token_hex(4)
    await page.goto(f"{shared_server.url}/tillganglighet/rapportera")
    await page.get_by_label("Vad var problemet?").fill(f"Knappen syns inte i mörkt läge {word}.")
    await page.get_by_role("button", name="Skicka rapporten").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tack för din rapport")
    conn = await asyncpg.connect(shared_server.database_url)
    await init_connection(conn)
    bind(conn, AuditKeys.from_secret(TEST_SECRET))
    try:
        item_id = await conn.fetchval(
            "SELECT id FROM feedback WHERE subject = 'site' AND body LIKE $1", f"%{word}%"
        )
        admin = await make_staff(conn, f"forvaltare-{word}@exempel.se", role=RoleChoice.ADMIN)
        await sign_in(page, conn, shared_server.url, admin)
    finally:
        await conn.close()
    await page.goto(f"{shared_server.url}/admin/tillganglighet")
    await look(page, "admin-site-reports")
    await page.goto(f"{shared_server.url}/admin/tillganglighet/{item_id}")
    await page.get_by_role("button", name="Ta upp rapporten").click()
    await page.get_by_label("Svar till avsändaren").fill(
        "Tack! Knappen har nu tydlig kontrast i mörkt läge."
    )
    await page.get_by_role("button", name="Skicka svaret").click()
    text = await look(page, "admin-site-report-answered")
    assert "Tack! Knappen har nu tydlig kontrast i mörkt läge." in text
    # The trail in words: the fellow administrator by address, the sender as such.
    assert f"Besvarad (forvaltare-{word}@exempel.se)" in text
    assert "(den som skrev)" in text
