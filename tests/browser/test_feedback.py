"""A patient gives feedback in a real browser: on a section, on a selected passage and on the
whole document, with JavaScript (htmx opens the form in place) and without it (the form is a
page of its own); then follows it with the receipt code, withdraws it and erases it.

Also: the same by keyboard alone, axe-core on every state of the form and the receipt and status
pages, errors next to their fields, a double-click that sends once, and the personal-data warning.

All tests share one server and one database (``shared_server``); each finds its own feedback by
a unique word in its text.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from typing import Literal

import asyncpg
import msgspec
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, Request, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import SharedServer

pytestmark = pytest.mark.slow

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
CONTEXT = 32  # characters of prefix and suffix the app keeps around a quote
SEND = "Skicka synpunkt"
Target = Literal["section", "passage", "document"]


class Doc(msgspec.Struct, frozen=True):
    slug: str
    url: str
    section_key: str
    section_heading: str
    section_title: str
    """The heading as the page writes it, with its number: "3 Utredning"."""


class Stored(msgspec.Struct, frozen=True):
    id: str
    section_key: str | None
    quote_exact: str | None
    quote_prefix: str | None
    quote_suffix: str | None
    category: str
    submitter_role: str
    body: str | None
    consent_public: bool
    consent_contact: bool
    has_contact: bool
    status: str
    personal_data: list[str]


@pytest.fixture(scope="module")
def server(shared_server: SharedServer) -> SharedServer:
    return shared_server


@pytest_asyncio.fixture(loop_scope="session")
async def db(server: SharedServer) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(server.database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest_asyncio.fixture(loop_scope="session")
async def doc(db: asyncpg.Connection, server: SharedServer) -> Doc:
    """A published demo document and its third section (the first ones sit near the top, so
    the third also proves that the form opens where the reader is)."""
    row = await db.fetchrow(
        "SELECT d.slug, s.key, s.heading, concat_ws(' ', nullif(s.number, ''), s.heading) "
        "AS title FROM guidance_documents d "
        "JOIN current_versions cv ON cv.document_id = d.id "
        "JOIN sections s ON s.version_id = cv.version_id AND s.position = 3 "
        "WHERE d.status = 'published' ORDER BY d.slug LIMIT 1"
    )
    assert row is not None
    return Doc(
        row["slug"],
        f"{server.url}/kunskapsstod/{row['slug']}",
        row["key"],
        row["heading"],
        row["title"],
    )


def marker() -> str:
    """A word no other test writes, to find this test's feedback in the shared database."""
    return f"kontroll{secrets.token_hex(5)}"


async def stored(db: asyncpg.Connection, word: str) -> list[Stored]:
    rows = await db.fetch(
        "SELECT id::text, section_key, quote_exact, quote_prefix, quote_suffix, category, "
        "submitter_role, body, consent_public, consent_contact, contact_id IS NOT NULL, status, "
        "ARRAY(SELECT f ->> 'kind' FROM jsonb_array_elements(personal_data) f) "
        "FROM feedback WHERE strpos(body, $1) > 0",
        word,
    )
    return [Stored(*row.values()) for row in rows]


async def stored_by_id(db: asyncpg.Connection, feedback_id: str) -> asyncpg.Record:
    return await db.fetchrow(
        "SELECT status, body, quote_exact, contact_id, erased_at FROM feedback WHERE id = $1",
        feedback_id,
    )


def collapse(text: str) -> str:
    return " ".join(text.split())


async def section_text(page: Page, key: str) -> str:
    """The section's text as the app anchors quotes in it: paragraphs, whitespace collapsed."""
    paragraphs = await page.locator(f"#avsnitt-{key} .section-text p").all_inner_texts()
    return collapse(" ".join(paragraphs))


def expected_anchor(haystack: str, exact: str) -> tuple[str, str, str]:
    needle = collapse(exact)
    start = haystack.index(needle)
    end = start + len(needle)
    return needle, haystack[max(0, start - CONTEXT) : start], haystack[end : end + CONTEXT]


async def receipt_code(page: Page) -> str:
    code = await page.locator(".receipt-code").inner_text()
    found = CODE.search(code)
    assert found, code
    return found.group(0)


async def focused(page: Page) -> str:
    """A short description of the focused element, for assertion messages."""
    return await page.evaluate(
        """() => {
          const a = document.activeElement;
          if (!a || a === document.body) return "body";
          const name = (a.getAttribute("aria-label") || a.labels?.[0]?.textContent
            || a.textContent || a.value || "").trim().replace(/\\s+/g, " ").slice(0, 60);
          return `${a.tagName.toLowerCase()}${a.id ? "#" + a.id : ""} "${name}"`;
        }"""
    )


async def assert_focus_visible(page: Page) -> None:
    """The focused element is not the page itself and shows a focus indicator of at least
    2 px: an outline, since every control's indicator here is an outline."""
    style = await page.evaluate(
        """() => {
          const a = document.activeElement;
          if (!a || a === document.body) return null;
          const s = getComputedStyle(a);
          return {visible: a.matches(":focus-visible"), style: s.outlineStyle,
                  width: parseFloat(s.outlineWidth)};
        }"""
    )
    where = await focused(page)
    assert style is not None, "focus was lost to the page"
    assert style["visible"], f"{where} is focused but not :focus-visible"
    assert style["style"] != "none", f"{where} has no focus outline"
    assert style["width"] >= 2, f"{where}: focus outline only {style['width']} px"


async def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 80) -> int:
    """Press Tab (or Shift+Tab) until ``target`` has focus, checking the focus indicator of
    every element passed on the way. Returns the number of presses."""
    key = "Shift+Tab" if backwards else "Tab"
    for presses in range(1, limit + 1):
        await page.keyboard.press(key)
        await assert_focus_visible(page)
        if await target.evaluate("(el) => el === document.activeElement"):
            return presses
    pytest.fail(f"{limit} × {key} never reached the target; focus is on {await focused(page)}")


async def fill_form(
    form: Locator,
    word: str,
    *,
    role: str = "Patient",
    category: str = "Svårt att förstå",
    text: str | None = None,
) -> None:
    await form.get_by_role("radio", name=role, exact=True).check()
    await form.get_by_role("radio", name=category, exact=True).check()
    await form.get_by_label("Din synpunkt").fill(
        text or f"Jag förstår inte vad som menas här ({word}). Kan ni skriva enklare?"
    )


async def open_inline_form(page: Page, doc: Doc, target: Target) -> Locator:
    """With JavaScript: open the form in place on the document page, as a reader does."""
    if target == "document":
        await page.get_by_role("link", name="Lämna synpunkt på hela kunskapsstödet").click()
        slot = page.locator("#synpunkt-dokument")
    elif target == "section":
        await page.get_by_role(
            "link", name=f"Lämna synpunkt på avsnittet {doc.section_title}"
        ).click()
        slot = page.locator(f"#synpunkt-{doc.section_key}")
    else:
        await (
            page.locator(f"#avsnitt-{doc.section_key}")
            .get_by_role("button", name="Kommentera markerad text")
            .click()
        )
        slot = page.locator(f"#synpunkt-{doc.section_key}")
    form = slot.locator("form.feedback-form")
    await expect(form).to_be_visible()
    # Opened when it has settled: focus moves into it (its heading, or the quote) after htmx's
    # settle step, a moment after it shows. A test that moved focus before then had it taken
    # away again (the cancel test pressed Enter on the heading, not on "Avbryt").
    await expect(form.locator(":focus")).to_have_count(1)
    assert page.url == doc.url, "with JavaScript the form opens on the document page"
    return form


async def select_passage_with_mouse(page: Page, key: str) -> str:
    """Drag the mouse across part of the first line of the section's second paragraph (or its
    first, if it has one); return the selected text as the browser has it."""
    paragraphs = page.locator(f"#avsnitt-{key} .section-text p")
    paragraph = paragraphs.nth(1 if await paragraphs.count() > 1 else 0)
    await paragraph.scroll_into_view_if_needed()
    box = await paragraph.bounding_box()
    assert box is not None
    line_y = box["y"] + 10  # inside the first line
    await page.mouse.move(box["x"] + box["width"] * 0.15, line_y)
    await page.mouse.down()
    await page.mouse.move(box["x"] + box["width"] * 0.55, line_y, steps=8)
    await page.mouse.up()
    selected = await page.evaluate("() => window.getSelection().toString()")
    assert len(selected.strip()) > 10, f"the drag selected only {selected!r}"
    return selected.strip()


async def follow_withdraw_erase(
    page: Page, base_url: str, code: str, section_heading: str | None, *, axe: bool = False
) -> None:
    """Enter the receipt code on "Följ din synpunkt"; see status and timeline; withdraw (the
    confirmation box first left empty); erase."""
    await page.goto(f"{base_url}/")
    await (
        page.get_by_role("navigation", name="Huvudmeny")
        .get_by_role("link", name="Följ din synpunkt")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Följ din synpunkt")
    if axe:
        await assert_accessible(page, "feedback-follow")
    # Lower case and spaces instead of hyphens, as someone reads a code aloud and types it.
    await page.get_by_label("Kvittokod").fill(code.lower().replace("-", " "))
    await page.get_by_role("button", name="Visa status").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Status för din synpunkt")
    assert code not in page.url
    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text("Mottagen – väntar på granskning")
    await expect(facts).to_contain_text(section_heading or "Hela kunskapsstödet")
    timeline = page.locator("ol.timeline li")
    await expect(timeline).to_have_count(1)
    await expect(timeline.first).to_contain_text("Vi tog emot din synpunkt.")
    if axe:
        await assert_accessible(page, "feedback-status")

    withdraw = page.get_by_role("button", name="Ta tillbaka synpunkten")
    await withdraw.click()
    confirm = page.get_by_label("Jag vill ta tillbaka synpunkten. Den behandlas då inte vidare.")
    error_id = await confirm.get_attribute("aria-describedby")
    assert error_id, "the unconfirmed checkbox is not described by an error"
    await expect(page.locator(f"#{error_id}")).to_have_text("Kryssa i rutan för att bekräfta.")
    await expect(confirm).to_have_attribute("aria-invalid", "true")
    await expect(facts).to_contain_text("Mottagen – väntar på granskning")
    if axe:
        await assert_accessible(page, "feedback-status-confirm-error")
    await confirm.check()
    await withdraw.click()
    await expect(page.get_by_role("status")).to_contain_text("Synpunkten är tillbakatagen")
    await expect(facts).to_contain_text("Återtagen av dig")
    await expect(timeline).to_have_count(2)
    await expect(timeline.nth(1)).to_contain_text("Du tog tillbaka synpunkten.")
    await expect(page.get_by_role("button", name="Ta tillbaka synpunkten")).to_have_count(0)

    await page.get_by_label("Jag vill radera min text och min e-postadress.").check()
    await page.get_by_role("button", name="Radera texten").click()
    await expect(page.get_by_role("status")).to_contain_text("e-postadressen är raderade")
    await expect(page.get_by_text("Texten är raderad.")).to_be_visible()
    await expect(timeline.nth(2)).to_contain_text("raderades på din begäran")
    await expect(page.get_by_role("button", name="Radera texten")).to_have_count(0)


# ---------------------------------------------------------------- the whole journey, six ways


@pytest.mark.parametrize("target", ["section", "passage", "document"])
async def test_submit_follow_withdraw_erase_with_javascript(
    page: Page, server: SharedServer, db: asyncpg.Connection, doc: Doc, target: Target
) -> None:
    word = marker()
    await page.goto(doc.url)
    haystack = await section_text(page, doc.section_key)
    quote = await select_passage_with_mouse(page, doc.section_key) if target == "passage" else ""

    form = await open_inline_form(page, doc, target)
    section = form.get_by_label("Avsnitt", exact=True)
    quote_field = form.get_by_label("Citera text ur avsnittet (valfritt)")
    # Focus moves into the form that opened: to its heading, or for a passage to the quote.
    heading = form.get_by_role("heading", level=2 if target == "document" else 3)
    await expect(quote_field if target == "passage" else heading).to_be_focused()
    if target == "document":
        await expect(section).to_have_value("")
    else:
        await expect(section).to_have_value(doc.section_key)
    if target == "passage":
        await expect(quote_field).to_have_value(quote)
    else:
        await expect(quote_field).to_have_value("")

    await fill_form(form, word)
    if target == "document":
        await form.get_by_label("Synpunkten får visas öppet på webbplatsen").check()
        await form.get_by_label("Arbetsgruppen får kontakta mig").check()
        await form.get_by_label("E-postadress för besked (valfritt)").fill("anna@exempel.se")
    await form.get_by_role("button", name=SEND).click()

    receipt = page.locator(".receipt")
    await expect(receipt).to_be_focused()
    assert page.url == doc.url
    await expect(receipt.get_by_role("heading")).to_have_text(
        "Tack! Vi har tagit emot din synpunkt"
    )
    code = await receipt_code(page)

    [row] = await stored(db, word)
    assert (row.category, row.submitter_role, row.status) == (
        "hard_to_understand",
        "patient",
        "received",
    )
    if target == "document":
        assert row.section_key is None
        assert (row.consent_public, row.consent_contact, row.has_contact) == (True, True, True)
        assert "anna@exempel.se" not in (row.body or "")
    else:
        assert row.section_key == doc.section_key
        assert (row.consent_public, row.consent_contact, row.has_contact) == (False, False, False)
    if target == "passage":
        exact, prefix, suffix = expected_anchor(haystack, quote)
        assert (row.quote_exact, row.quote_prefix, row.quote_suffix) == (exact, prefix, suffix)
        assert prefix, "the passage is mid-paragraph: it has text before it"
        assert suffix, "the passage is mid-paragraph: it has text after it"
    else:
        assert row.quote_exact is None

    await follow_withdraw_erase(
        page, server.url, code, doc.section_heading if target != "document" else None
    )
    after = await stored_by_id(db, row.id)
    assert after["status"] == "withdrawn"
    assert after["body"] is None
    assert after["quote_exact"] is None
    assert after["contact_id"] is None
    assert after["erased_at"] is not None


@pytest.mark.parametrize("target", ["section", "passage", "document"])
async def test_submit_follow_withdraw_erase_without_javascript(
    nojs_page: Page, server: SharedServer, db: asyncpg.Connection, doc: Doc, target: Target
) -> None:
    page = nojs_page
    word = marker()
    await page.goto(doc.url)
    haystack = await section_text(page, doc.section_key)
    # Without JavaScript nothing reacts to a selection: the button stays hidden, and the
    # reader copies the passage into the quote field instead.
    await expect(page.get_by_role("button", name="Kommentera markerad text")).to_have_count(0)
    if target == "document":
        await page.get_by_role("link", name="Lämna synpunkt på hela kunskapsstödet").click()
    else:
        await page.get_by_role(
            "link", name=f"Lämna synpunkt på avsnittet {doc.section_title}"
        ).click()
    await page.wait_for_url(re.compile(r"/synpunkt\?"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Lämna synpunkt")
    form = page.locator("form.feedback-form")

    quote = ""
    if target == "passage":
        # A passage from the middle of the section, pasted with the line breaks and double
        # spaces a copy from the page brings along.
        words = haystack.split(" ")
        quote = "  ".join(words[5:9]) + "\n" + " ".join(words[9:14])
        await form.get_by_label("Citera text ur avsnittet (valfritt)").fill(quote)
    await fill_form(form, word)
    await form.get_by_role("button", name=SEND).click()

    await page.wait_for_url(f"{doc.url}/synpunkt")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Synpunkten är mottagen")
    await expect(page).to_have_title(re.compile("^Synpunkten är mottagen"))
    code = await receipt_code(page)
    [row] = await stored(db, word)
    assert row.status == "received"
    assert row.section_key == (None if target == "document" else doc.section_key)
    if target == "passage":
        exact, prefix, suffix = expected_anchor(haystack, quote)
        assert (row.quote_exact, row.quote_prefix, row.quote_suffix) == (exact, prefix, suffix)
    else:
        assert row.quote_exact is None

    await follow_withdraw_erase(
        page, server.url, code, doc.section_heading if target != "document" else None
    )
    after = await stored_by_id(db, row.id)
    assert (after["status"], after["body"]) == ("withdrawn", None)


# ---------------------------------------------------------------- keyboard alone


async def test_the_whole_flow_by_keyboard_alone(
    page: Page, server: SharedServer, db: asyncpg.Connection, doc: Doc
) -> None:
    word = marker()
    await page.goto(doc.url)
    opener = page.get_by_role("link", name=f"Lämna synpunkt på avsnittet {doc.section_title}")
    await tab_to(page, opener)
    await page.keyboard.press("Enter")

    form = page.locator(f"#synpunkt-{doc.section_key} form.feedback-form")
    heading = form.get_by_role("heading", name=re.compile("^Lämna synpunkt på avsnittet"))
    await expect(heading).to_be_focused()
    assert page.url == doc.url

    # No trap: Shift+Tab leaves the form backwards, to the link that opened it.
    section = form.get_by_label("Avsnitt", exact=True)
    await tab_to(page, section)
    await page.keyboard.press("Shift+Tab")
    await expect(opener).to_be_focused()
    # Enter on the opener again goes back to the open form; it does not empty it.
    await tab_to(page, form.get_by_label("Citera text ur avsnittet (valfritt)"))
    await page.keyboard.type("inte ordagrant ur texten")
    await tab_to(page, opener, backwards=True)
    await page.keyboard.press("Enter")
    await expect(heading).to_be_focused()
    await expect(form.get_by_label("Citera text ur avsnittet (valfritt)")).to_have_value(
        "inte ordagrant ur texten"
    )

    # Nor forwards: Tab after the last control of the form goes on to the next section.
    await tab_to(page, form.get_by_role("link", name="Avbryt"))
    await page.keyboard.press("Tab")
    await assert_focus_visible(page)
    assert await form.evaluate("(f) => !f.contains(document.activeElement)"), await focused(page)
    next_section = page.locator(f"#avsnitt-{doc.section_key} + section.section")
    assert await next_section.evaluate("(s) => s.contains(document.activeElement)"), await focused(
        page
    )

    # Send with nothing chosen: the error summary takes focus; its links lead to the fields.
    send = form.get_by_role("button", name=SEND)
    await tab_to(page, send, backwards=True)
    await page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    await expect(summary).to_be_focused()
    await expect(summary.get_by_role("link")).to_have_count(4)  # quote, role, category, text
    await tab_to(page, summary.get_by_role("link", name="Välj om du är patient"))
    await page.keyboard.press("Enter")
    await expect(form.get_by_role("radio", name="Patient", exact=True)).to_be_focused()
    await page.keyboard.press("Space")
    await tab_to(page, form.get_by_role("radio", name="Svårt att förstå"))
    await page.keyboard.press("Space")

    # The quote is not in the section: clear it (select all + delete is still keyboard).
    await tab_to(page, form.get_by_label("Citera text ur avsnittet (valfritt)"), backwards=True)
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await tab_to(page, form.get_by_label("Din synpunkt"))
    await page.keyboard.type(f"Ring mig på 070-123 45 67 om det behövs ({word}).")
    await tab_to(page, form.get_by_label("Synpunkten får visas öppet på webbplatsen"))
    await page.keyboard.press("Space")
    await tab_to(page, send)
    await page.keyboard.press("Enter")

    # The personal-data warning takes focus; the box to send anyway is the next stop.
    warning = page.locator(".pd-warning")
    await expect(warning).to_be_focused()
    await expect(warning).to_contain_text("Ett telefonnummer: 070-123 45 67")
    await page.keyboard.press("Tab")
    await expect(warning.get_by_label("Jag har kontrollerat texten. Skicka ändå.")).to_be_focused()
    await page.keyboard.press("Space")
    await tab_to(page, send)
    await page.keyboard.press("Enter")

    receipt = page.locator(".receipt")
    await expect(receipt).to_be_focused()
    code = await receipt_code(page)
    [row] = await stored(db, word)
    assert (row.section_key, row.submitter_role, row.category) == (
        doc.section_key,
        "patient",
        "hard_to_understand",
    )
    assert row.consent_public is True
    assert row.personal_data == ["phone_number"]

    # From the receipt to "Följ din synpunkt", the code, the status; withdraw and erase.
    await tab_to(page, receipt.get_by_role("link", name="Följ din synpunkt"))
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{server.url}/folj")
    await tab_to(page, page.get_by_label("Kvittokod"))
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Status för din synpunkt")
    await expect(page.locator("dl.facts")).to_contain_text("Mottagen – väntar på granskning")
    await tab_to(page, page.get_by_label(re.compile("^Jag vill ta tillbaka synpunkten")))
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Ta tillbaka synpunkten")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("dl.facts")).to_contain_text("Återtagen av dig")
    await tab_to(page, page.get_by_label(re.compile("^Jag vill radera min text")))
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Texten är raderad.")).to_be_visible()
    after = await stored_by_id(db, row.id)
    assert (after["status"], after["body"]) == ("withdrawn", None)


async def test_cancel_closes_the_form_in_place_and_returns_to_its_opener(
    page: Page, doc: Doc
) -> None:
    await page.goto(doc.url)
    form = await open_inline_form(page, doc, "section")
    await form.get_by_role("link", name="Avbryt").focus()
    await page.keyboard.press("Enter")
    await expect(form).to_have_count(0)
    assert page.url == doc.url
    await expect(
        page.get_by_role("link", name=f"Lämna synpunkt på avsnittet {doc.section_title}")
    ).to_be_focused()


# ---------------------------------------------------------------- accessibility of every state


async def test_every_state_of_the_form_has_no_axe_violation(
    page: Page, server: SharedServer, db: asyncpg.Connection, doc: Doc
) -> None:
    """In place (htmx): document page, empty form, errors, personal-data warning, receipt.
    Then the same form as a page of its own (submitted natively, as without JavaScript)."""
    word = marker()
    await page.goto(doc.url)
    await assert_accessible(page, "feedback-document")

    form = await open_inline_form(page, doc, "section")
    await assert_accessible(page, "feedback-form-inline")
    # Two forms open at once on one page: their labels and descriptions stay their own.
    whole = await open_inline_form(page, doc, "document")
    await whole.get_by_label("Din synpunkt").click()
    await page.keyboard.type("hela")
    await expect(form.get_by_label("Din synpunkt")).to_have_value("")
    await expect(whole.get_by_label("Din synpunkt")).to_have_value("hela")
    await assert_accessible(page, "feedback-two-forms")
    await whole.get_by_role("link", name="Avbryt").click()

    await form.get_by_role("button", name=SEND).click()
    await expect(page.locator(".error-summary")).to_be_focused()
    await assert_accessible(page, "feedback-form-inline-errors")

    await fill_form(form, word, text=f"Mitt personnummer är 19121212-1212 ({word}).")
    await form.get_by_role("button", name=SEND).click()
    await expect(page.locator(".pd-warning")).to_be_focused()
    await assert_accessible(page, "feedback-form-inline-warnings")

    await form.get_by_label("Jag har kontrollerat texten. Skicka ändå.").check()
    await form.get_by_role("button", name=SEND).click()
    await expect(page.locator(".receipt")).to_be_focused()
    await assert_accessible(page, "feedback-receipt-inline")

    # The form as its own page, submitted by the browser itself (no htmx).
    await page.goto(f"{doc.url}/synpunkt?avsnitt={doc.section_key}")
    await assert_accessible(page, "feedback-form-page")
    page_form = page.locator("form.feedback-form")

    async def submit_natively() -> None:
        async with page.expect_navigation():
            await page_form.evaluate("(form) => form.submit()")

    await submit_natively()
    await expect(page).to_have_title(re.compile("^Fel: Lämna synpunkt"))
    await expect(page.locator(".error-summary")).to_be_visible()
    await assert_accessible(page, "feedback-form-page-errors")
    await fill_form(page_form, word, text=f"Ring 08-123 456 78 eller 19121212-1212 ({word}).")
    await submit_natively()
    await expect(page.locator(".pd-warning")).to_be_visible()
    await assert_accessible(page, "feedback-form-page-warnings")
    await page_form.get_by_label("Jag har kontrollerat texten. Skicka ändå.").check()
    await submit_natively()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Synpunkten är mottagen")
    await assert_accessible(page, "feedback-receipt-page")
    code = await receipt_code(page)
    assert len(await stored(db, word)) == 2

    await follow_withdraw_erase(page, server.url, code, doc.section_heading, axe=True)
    await page.goto(f"{server.url}/folj")
    await page.get_by_label("Kvittokod").fill("ABCD-EFGH-JKMN-PQRS")
    await page.get_by_role("button", name="Visa status").click()
    await expect(page).to_have_title(re.compile("^Fel: Följ din synpunkt"))
    await assert_accessible(page, "feedback-follow-unknown-code")


# ---------------------------------------------------------------- bad input


async def test_errors_stand_next_to_their_fields_and_keep_the_text(
    page: Page, db: asyncpg.Connection, doc: Doc
) -> None:
    word = marker()
    text = f'<b>Min text</b> {{{{ 7*7 }}}} hx-get="/" ({word})'
    await page.goto(doc.url)
    form = await open_inline_form(page, doc, "section")
    await form.get_by_label("Citera text ur avsnittet (valfritt)").fill("finns inte i avsnittet")
    await form.get_by_role("radio", name="Närstående").check()
    await form.get_by_label("Din synpunkt").fill(text)
    await form.get_by_label("E-postadress för besked (valfritt)").fill("anna@exempel")
    await form.get_by_role("button", name=SEND).click()
    await expect(page.locator(".error-summary")).to_be_focused()

    expected = {
        "Citera text ur avsnittet (valfritt)": "Vi hittar inte den citerade texten i avsnittet.",
        "E-postadress för besked (valfritt)": "Det ser inte ut som en e-postadress.",
    }
    for label, message in expected.items():
        field = form.get_by_label(label)
        await expect(field).to_have_attribute("aria-invalid", "true")
        await expect(field).to_have_accessible_description(re.compile(re.escape(message)))
        # Next to the field: the message is in the field's own block, just above it.
        block = field.locator("xpath=ancestor::div[contains(@class, 'field')][1]")
        await expect(block.locator(".field-error")).to_contain_text(message)
    category = form.get_by_role("group", name="Vad gäller din synpunkt?")
    await expect(category).to_have_accessible_description("Välj vad din synpunkt gäller.")
    await expect(category.locator(".field-error")).to_have_text("Välj vad din synpunkt gäller.")
    await expect(form.get_by_role("group", name="Jag är")).to_have_accessible_description("")

    # What was typed and chosen is all still there, and shown as text, not as markup.
    await expect(form.get_by_label("Din synpunkt")).to_have_value(text)
    await expect(form.get_by_label("E-postadress för besked (valfritt)")).to_have_value(
        "anna@exempel"
    )
    await expect(form.get_by_label("Citera text ur avsnittet (valfritt)")).to_have_value(
        "finns inte i avsnittet"
    )
    await expect(form.get_by_role("radio", name="Närstående")).to_be_checked()
    assert await stored(db, word) == []

    # The summary lists the errors in the order of the fields, each a link to its field.
    links = page.locator(".error-summary a")
    await expect(links).to_have_text(
        [
            "Vi hittar inte den citerade texten i avsnittet. Kopiera den ordagrant eller lämna "
            "fältet tomt.",
            "Välj vad din synpunkt gäller.",
            "Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se.",
        ]
    )
    await links.nth(2).click()
    await expect(form.get_by_label("E-postadress för besked (valfritt)")).to_be_focused()


async def test_a_double_click_on_send_sends_once(
    page: Page, db: asyncpg.Connection, doc: Doc
) -> None:
    word = marker()
    await page.goto(doc.url)
    form = await open_inline_form(page, doc, "document")
    await fill_form(form, word)
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    await form.get_by_role("button", name=SEND).dblclick()
    await expect(page.locator(".receipt")).to_be_visible()
    await page.wait_for_timeout(300)  # a second request would have been sent by now
    assert len(posts) == 1
    assert len(await stored(db, word)) == 1


async def test_a_double_click_without_javascript_stores_one_feedback_and_one_receipt(
    nojs_page: Page, db: asyncpg.Connection, doc: Doc
) -> None:
    page = nojs_page
    word = marker()
    await page.goto(f"{doc.url}/synpunkt")
    form = page.locator("form.feedback-form")
    await fill_form(form, word)
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    await form.get_by_role("button", name=SEND).dblclick()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Synpunkten är mottagen")
    assert len(posts) >= 1
    assert len(await stored(db, word)) == 1


async def test_errors_without_javascript_keep_the_text(
    nojs_page: Page, db: asyncpg.Connection, doc: Doc
) -> None:
    page = nojs_page
    word = marker()
    await page.goto(f"{doc.url}/synpunkt?avsnitt={doc.section_key}")
    form = page.locator("form.feedback-form")
    await form.get_by_label("Din synpunkt").fill(f"Bara text, inget valt ({word}).")
    await form.get_by_role("button", name=SEND).click()
    await expect(page).to_have_title(re.compile("^Fel: Lämna synpunkt"))
    await expect(page.locator(".error-summary li")).to_have_text(
        ["Välj om du är patient, närstående eller annan.", "Välj vad din synpunkt gäller."]
    )
    await expect(form.get_by_label("Din synpunkt")).to_have_value(
        f"Bara text, inget valt ({word})."
    )
    await expect(form.get_by_label("Avsnitt", exact=True)).to_have_value(doc.section_key)
    assert await stored(db, word) == []


# ---------------------------------------------------------------- personal data


async def test_personal_data_is_shown_before_sending_and_may_be_sent_anyway(
    page: Page, db: asyncpg.Connection, doc: Doc
) -> None:
    word = marker()
    text = f"Jag heter Anna, 19121212-1212, ring mig på 070-123 45 67 ({word})."
    await page.goto(doc.url)
    form = await open_inline_form(page, doc, "section")
    await fill_form(form, word, text=text)
    await form.get_by_role("button", name=SEND).click()

    warning = page.locator(".pd-warning")
    await expect(warning).to_be_focused()
    await expect(warning.get_by_role("heading")).to_have_text(
        "Kontrollera din text innan du skickar"
    )
    await expect(warning.locator("li")).to_have_text(
        ["Ett personnummer: 19121212-1212", "Ett telefonnummer: 070-123 45 67"]
    )
    textarea = form.get_by_label("Din synpunkt")
    await expect(textarea).to_have_value(text)
    await expect(textarea).to_have_accessible_description(re.compile("Ett personnummer"))
    assert await stored(db, word) == [], "nothing is stored before the submitter decides"

    await form.get_by_label("Jag har kontrollerat texten. Skicka ändå.").check()
    await form.get_by_role("button", name=SEND).click()
    await expect(page.locator(".receipt")).to_be_focused()
    await expect(page.locator(".receipt")).to_contain_text("Texten kan innehålla personuppgifter")
    [row] = await stored(db, word)
    assert row.body == text
    assert row.personal_data == ["personal_identity_number", "phone_number"]


async def test_removing_the_personal_data_sends_without_asking_again(
    page: Page, db: asyncpg.Connection, doc: Doc
) -> None:
    word = marker()
    await page.goto(doc.url)
    form = await open_inline_form(page, doc, "document")
    await fill_form(form, word, text=f"Skriv till anna@exempel.se ({word}).")
    await form.get_by_role("button", name=SEND).click()
    await expect(page.locator(".pd-warning li")).to_have_text(["En e-postadress: anna@exempel.se"])
    await form.get_by_label("Din synpunkt").fill(f"Skriv till mig ({word}).")
    await form.get_by_role("button", name=SEND).click()
    await expect(page.locator(".receipt")).to_be_focused()
    [row] = await stored(db, word)
    assert row.personal_data == []


# ---------------------------------------------------------------- a send that fails


async def test_a_send_that_fails_says_why_and_keeps_the_text(
    page: Page, live_server: str, doc: Doc
) -> None:
    """No connection, then the server's limit on sends (a server of its own with the default
    limit): each time the form says what happened, takes focus, and keeps what was typed."""
    word = marker()
    text = f"Min text får inte försvinna ({word})."
    url = f"{live_server}/kunskapsstod/{doc.slug}"
    await page.goto(url)
    form = await open_inline_form(page, msgspec.structs.replace(doc, url=url), "section")
    await fill_form(form, word, text=text)

    await page.context.set_offline(True)
    await form.get_by_role("button", name=SEND).click()
    alert = form.locator("[data-send-error]")
    await expect(alert).to_be_focused()
    await expect(alert).to_have_text(re.compile("^Vi får ingen kontakt med webbplatsen"))
    await expect(form.get_by_label("Din synpunkt")).to_have_value(text)
    await page.context.set_offline(False)

    # Use up this client's attempts with empty submissions (refused, nothing stored). They do
    # not use up the limit on sends (20 by default), but a stream of them is stopped too.
    statuses = await page.evaluate(
        """async (form) => {
          const statuses = [];
          for (let i = 0; i < 400 && !statuses.includes(429); i++) {
            const data = new FormData(form);
            data.set("text", "");
            const body = new URLSearchParams(data);
            statuses.push((await fetch(form.action, {method: "POST", body})).status);
          }
          return statuses;
        }""",
        await form.element_handle(),
    )
    assert set(statuses[:-1]) == {422}, statuses
    assert statuses[-1] == 429, statuses
    assert len(statuses) > 20 + 1, statuses  # more than the default limit on sends

    await form.get_by_role("button", name=SEND).click()
    await expect(alert).to_be_focused()
    await expect(alert).to_have_text(re.compile("^Du har skickat många synpunkter på kort tid"))
    await expect(form.get_by_label("Din synpunkt")).to_have_value(text)
    await expect(form.get_by_role("radio", name="Patient", exact=True)).to_be_checked()
    await assert_accessible(page, "feedback-form-send-failed")


# ---------------------------------------------------------------- the real policy, English


async def test_feedback_in_place_works_under_the_real_content_security_policy(
    browser: Browser, db: asyncpg.Connection, doc: Doc
) -> None:
    """The ``page`` fixture bypasses CSP to inject axe; here the app's own policy is enforced
    through opening the form in place, the personal-data warning and the receipt."""
    word = marker()
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    try:
        await context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(doc.url)
        form = await open_inline_form(page, doc, "section")
        await expect(form.get_by_role("heading", level=3)).to_be_focused()
        await fill_form(form, word, text=f"Ring 070-123 45 67 ({word}).")
        await expect(form.locator(".counter")).to_have_text(re.compile(r"^\d+ tecken kvar$"))
        await form.get_by_role("button", name=SEND).click()
        await expect(page.locator(".pd-warning")).to_be_focused()
        await form.get_by_label("Jag har kontrollerat texten. Skicka ändå.").check()
        await form.get_by_role("button", name=SEND).click()
        await expect(page.locator(".receipt")).to_be_focused()
        assert await page.evaluate("() => window.__csp") == []
        assert errors == []
        assert len(await stored(db, word)) == 1
    finally:
        await context.close()


async def test_the_form_in_english_is_marked_as_english(page: Page, doc: Doc) -> None:
    await page.goto(f"{doc.url}/synpunkt?avsnitt={doc.section_key}&lang=en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Give feedback")
    # The site's own header and footer are in English too, and the switch leads back.
    await expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()
    await expect(page.locator("footer.site-footer")).to_contain_text("call 1177")
    await expect(page.locator(".lang-switch a")).to_have_attribute("hreflang", "sv")
    await expect(page.get_by_role("button", name="Send feedback")).to_be_visible()
    async with page.expect_navigation():  # as without JavaScript: the page comes back
        await page.locator("form.feedback-form").evaluate("(form) => form.submit()")
    await expect(page).to_have_title(re.compile("^Error: Give feedback"))
    await expect(page.locator(".error-summary li")).to_have_text(
        [
            "Please choose whether you are a patient, a relative or other.",
            "Please choose what your feedback is about.",
            "Please write your feedback before sending.",
        ]
    )
    await assert_accessible(page, "feedback-form-english-errors")
