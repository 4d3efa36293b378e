"""Guidance content end to end in Chromium: a lead imports a Markdown document and publishes
1.0; a patient comments on a selected passage; someone follows the document; the lead edits
that section and another, sees the re-anchoring report (one changed, one the same), publishes
1.1; the patient's status page says where the passage went; "what changed" shows the
difference; the follower gets exactly one e-mail and unsubscribes with one click (RFC 8058).
axe-core on every authoring page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage

import asyncpg
import httpx
import pytest
from playwright.async_api import Page, expect

from medskapa.accounts.admin import RoleChoice
from medskapa.outbox.relay import Relay
from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.sessions import create_session
from tests.browser.axe import assert_accessible
from tests.factories import make_feedback, make_staff, route_to
from tests.relaying import drain, relay_to
from tests.smtp import SmtpServer, smtp_server

pytestmark = pytest.mark.slow

GROUP = "nag-hjartsvikt"
SLUG = "yrsel-hos-vuxna"
PATIENT = "Patient.Yrsel@exempel.se"
FOLLOWER = "Folke.Bevakare@exempel.se"
PASSAGE = "res dig långsamt när du har legat ned länge"
DOCUMENT = f"""+++
slug = "{SLUG}"
title = "Yrsel hos vuxna"
kind = "patient_information"
group = "{GROUP}"
version = "1.0"
summary = "Om yrsel, egenvård och när du ska söka vård."
+++

# Yrsel hos vuxna

## 1 Inledning
Yrsel är ett vanligt besvär som oftast går över av sig själv inom några dagar.
<script>alert("hej")</script>

## 2 Egenvård
Drick mycket vatten under dagen och {PASSAGE}. Undvik att köra bil när du känner dig yr.

## 3 När du ska söka vård
Sök vård direkt om du får svårt att prata, domningar i ansiktet eller plötslig svår huvudvärk.
"""


@pytest.fixture
def smtp() -> AsyncIterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def relay(database_url: str, live_server: str, smtp: SmtpServer) -> AsyncIterator[Relay]:
    """The outbox relay as the worker runs it, its links under the live server's address."""
    async with relay_to(database_url, smtp, live_server) as relay:
        yield relay


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def link_in(mail: EmailMessage, base_url: str, path: str) -> str:
    found = re.search(rf"{re.escape(base_url)}{re.escape(path)}\S*", text_of(mail))
    assert found, text_of(mail)
    return found.group(0)


async def act_as(page: Page, conn: asyncpg.Connection, base_url: str, user_id: int) -> None:
    await page.context.clear_cookies()
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def select_text(page: Page, key: str, words: str) -> None:
    """Select ``words`` in a section as a reader's drag would, and let go of the mouse."""
    await page.evaluate(
        """([key, words]) => {
          const root = document.querySelector(`#avsnitt-${key} .section-text`);
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const at = walker.currentNode.data.indexOf(words);
            if (at >= 0) {
              const range = document.createRange();
              range.setStart(walker.currentNode, at);
              range.setEnd(walker.currentNode, at + words.length);
              const selection = window.getSelection();
              selection.removeAllRanges();
              selection.addRange(range);
              document.dispatchEvent(new PointerEvent("pointerup", {bubbles: true}));
              return;
            }
          }
          throw new Error("words not found");
        }""",
        [key, words],
    )


async def test_import_comment_edit_reanchor_publish_follow(
    page: Page,
    live_server: str,
    conn: asyncpg.Connection,
    relay: Relay,
    smtp: SmtpServer,
) -> None:
    lead = await make_staff(conn, "lena.lead@region.se", GROUP, RoleChoice.GROUP_LEAD)

    # 1. The lead imports the Markdown file and publishes 1.0 at once.
    await act_as(page, conn, live_server, lead)
    await page.goto(f"{live_server}/admin/dokument")
    await assert_accessible(page, "authoring-list")
    await page.get_by_label("Fil", exact=True).set_input_files(
        {"name": "yrsel.md", "mimeType": "text/markdown", "buffer": DOCUMENT.encode()}
    )
    await page.get_by_label("Publicera direkt").check()
    await page.get_by_role("button", name="Lägg in filen").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Filen är inlagd")
    await expect(page.locator(".import-removed")).to_contain_text("Elementet <script> togs bort.")
    await expect(page.get_by_role("status")).to_contain_text("Den är publicerad.")
    await assert_accessible(page, "authoring-imported")

    # 2. A patient comments on a selected passage, with an address and consent to contact.
    await page.context.clear_cookies()
    await page.goto(f"{live_server}/kunskapsstod/{SLUG}")
    await select_text(page, "2-egenvard", PASSAGE)
    await (
        page.locator("#avsnitt-2-egenvard")
        .get_by_role("button", name="Kommentera markerad text")
        .click()
    )
    form = page.locator("#synpunkt-2-egenvard form.feedback-form")
    await expect(form).to_be_visible()
    await form.get_by_role("radio", name="Patient", exact=True).check()
    await form.get_by_role("radio", name="Svårt att förstå", exact=True).check()
    await form.get_by_label("Din synpunkt").fill(
        "Hur länge är länge? Skriv gärna hur många minuter man bör sitta först."
    )
    await form.get_by_label(re.compile("Arbetsgruppen får kontakta mig")).check()
    await form.get_by_label(re.compile("E-postadress")).fill(PATIENT)
    await form.get_by_role("button", name="Skicka synpunkt").click()
    code_text = await page.locator(".receipt-code").inner_text()
    code = re.search(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}", code_text)
    assert code, code_text
    item = await conn.fetchrow(
        "SELECT id, quote_exact FROM feedback WHERE document_id = "
        "(SELECT id FROM guidance_documents WHERE slug = $1)",
        SLUG,
    )
    assert item["quote_exact"] == PASSAGE
    # Another reader's item on the first section, which the edit leaves alone.
    other = await make_feedback(
        conn,
        document=SLUG,
        section="1-inledning",
        quote="oftast går över av sig själv inom några dagar",
        text="Bra att veta att det går över.",
    )
    # Moderation approves both into the group's inbox (tested on its own in test_moderation).
    await route_to(conn, item["id"], GROUP)
    await route_to(conn, other.id, GROUP)

    # 3. Someone follows the document and confirms from the e-mail.
    await page.goto(f"{live_server}/kunskapsstod/{SLUG}")
    await page.get_by_text("Bevaka kunskapsstödet med e-post").click()
    await page.get_by_label("Din e-postadress").fill(FOLLOWER)
    await page.get_by_role("button", name=re.compile("^Bevaka")).click()
    await expect(page.get_by_role("status")).to_be_visible()
    await drain(relay)
    confirm = link_in(smtp.mailbox.to(FOLLOWER)[-1], live_server, "/bevaka/bekrafta/")
    await page.goto(confirm)
    await page.get_by_role("button", name="Ja, bevaka kunskapsstödet").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Du bevakar kunskapsstödet")
    mails_before = len(smtp.mailbox.to(FOLLOWER))

    # 4. The lead drafts 1.1 and edits the commented passage a little, and another section.
    await act_as(page, conn, live_server, lead)
    await page.goto(f"{live_server}/admin/dokument/{SLUG}")
    await assert_accessible(page, "authoring-document")
    await expect(page.get_by_label("Nytt versionsnummer")).to_have_value("1.1")
    await page.get_by_role("button", name="Skapa nytt utkast").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Utkast 1.1 av Yrsel hos vuxna")
    await assert_accessible(page, "authoring-editor")
    egenvard = page.get_by_label("Text").nth(1)
    await egenvard.fill(
        "Drick mycket vatten under dagen och res dig sakta när du har legat ned en längre "
        "stund. Undvik att köra bil när du känner dig yr."
    )
    await (
        page.get_by_label("Text")
        .nth(2)
        .fill(
            "Ring 112 om du får svårt att prata, domningar i ansiktet eller plötslig svår "
            "huvudvärk. Kontakta annars din vårdcentral."
        )
    )
    await page.get_by_role("button", name="Spara utkastet").first.click()
    await expect(page.get_by_role("status")).to_have_text("Utkastet är sparat.")

    await page.get_by_role("link", name="Förhandsgranska").click()
    await expect(page.locator("#avsnitt-3-nar-du-ska-soka-vard")).to_contain_text("Ring 112")
    await assert_accessible(page, "authoring-preview")
    await page.go_back()

    # 5. The re-anchoring report: the commented passage changed, the other the same.
    await page.get_by_role("link", name="Se var synpunkterna hamnar och publicera").click()
    await expect(page.locator('[data-count="changed"]')).to_have_text("1")
    await expect(page.locator('[data-count="same"]')).to_have_text("1")
    changed = page.locator('tr[data-outcome="changed"]')
    await expect(changed).to_contain_text(re.compile(r"Ändrad \(säkerhet \d+ %\)"))
    await expect(changed).to_contain_text("res dig sakta när du har legat ned en längre")
    await expect(page.locator('tr[data-outcome="same"]')).to_contain_text("På samma ställe")
    await assert_accessible(page, "authoring-publish")

    # Publishing without a change summary is refused in Swedish; nothing is published.
    await page.get_by_role("button", name="Publicera version 1.1").click()
    await expect(page.locator(".error-summary")).to_contain_text(
        "Skriv en sammanfattning av ändringarna."
    )
    await assert_accessible(page, "authoring-publish-error")
    await page.get_by_label(re.compile("Sammanfattning av ändringarna")).fill(
        "Tydligare råd om att resa sig och när man ska ringa 112."
    )
    await page.get_by_role("button", name="Publicera version 1.1").click()
    await expect(page.get_by_role("status")).to_contain_text("Version 1.1 är publicerad.")
    await assert_accessible(page, "authoring-published")
    await expect(page.locator("textarea")).to_have_count(0)

    # 6. "What changed", from the link on the published version's page.
    await page.get_by_role("link", name="Se vad som ändrades från version 1.0").click()
    await expect(page).to_have_url(re.compile(r"/andringar\?fran=1\.0&till=1\.1"))
    await expect(page.locator("main")).to_contain_text("Ring 112")
    await expect(page.locator(".diff ins", has_text="sakta").first).to_be_visible()
    await expect(page.locator(".diff del", has_text="långsamt").first).to_be_visible()

    # 7. The patient's status page says where the passage went.
    await page.context.clear_cookies()
    await page.goto(f"{live_server}/folj")
    await page.get_by_label("Kvittokod").fill(code.group(0))
    await page.get_by_role("button", name="Visa status").click()
    placement = page.locator('[data-passage-outcome="changed"]')
    await expect(placement).to_contain_text("I version 1.1:")
    await expect(placement).to_contain_text("stycket har skrivits om")

    # 8. The follower gets exactly one e-mail about 1.1, and leaves with one click.
    await drain(relay)
    new_mails = smtp.mailbox.to(FOLLOWER)[mails_before:]
    assert len(new_mails) == 1
    mail = new_mails[0]
    assert "1.1" in text_of(mail)
    assert "Tydligare råd om att resa sig" in text_of(mail)
    unsubscribe = re.search(r"<(http[^>]+)>", mail["List-Unsubscribe"])
    assert unsubscribe, mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    async with httpx.AsyncClient() as mail_program:
        response = await mail_program.post(
            unsubscribe.group(1),
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM followers f JOIN guidance_documents d ON d.id = f.document_id "
            "WHERE d.slug = $1 AND f.unsubscribed_at IS NULL AND f.confirmed_at IS NOT NULL",
            SLUG,
        )
        == 0
    )
