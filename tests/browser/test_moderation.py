"""The moderation queue and a decision in a real browser, by keyboard; axe-core clean. And the
routing-rule admin page with its preview."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.accounts.admin import RoleChoice
from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.sessions import create_session
from tests.browser.axe import assert_accessible
from tests.factories import make_feedback, make_staff

pytestmark = pytest.mark.slow

DOC = "hjartsvikt-nyupptackt"
NAME = "Agneta Fredriksdotter"
TEXT = (
    f"Jag heter {NAME} och mitt personnummer är 19121212-1212. "
    "Avsnittet om vätska är svårt att förstå."
)


async def sign_in(page: Page, conn: asyncpg.Connection, base_url: str, role: RoleChoice) -> None:
    user_id = await make_staff(conn, f"{role.value}@region.se", role=role)
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def test_queue_and_redaction_by_keyboard(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    item = await make_feedback(conn, document=DOC, text=TEXT, consent_public=True)
    await sign_in(page, conn, live_server, RoleChoice.MODERATOR)

    await page.goto(f"{live_server}/moderering")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Moderering")
    await expect(page.locator(".queue-summary")).to_contain_text("1 synpunkt väntar")
    await expect(page.locator("mark.pd")).to_contain_text("19121212-1212")
    await assert_accessible(page, "moderation-queue")

    # Filters update the list in place (htmx) and the address.
    await page.get_by_label("Kategori").select_option("suggestion")
    await expect(page.locator("#ko")).to_contain_text("Ingen synpunkt väntar med de här filtren")
    await expect(page).to_have_url(
        f"{live_server}/moderering?dokument=&kategori=suggestion&aldre-an="
    )
    await page.get_by_label("Kategori").select_option("")
    await expect(page.locator("#ko .moderation-item")).to_have_count(1)

    await page.get_by_role("link", name="Granska och besluta").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Granska synpunkt")
    await assert_accessible(page, "moderation-item")

    # Saving without a decision: a clear error summary that links to the choice.
    await page.get_by_role("button", name="Spara beslutet").focus()
    await page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Välj ett beslut")
    await assert_accessible(page, "moderation-item-error")
    await alert.get_by_role("link").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#beslut-approve")).to_be_focused()

    # Approve with redaction, by keyboard only.
    await page.keyboard.press("ArrowDown")  # radio group: to "Godkänn med maskning"
    await expect(page.get_by_label("Godkänn med maskning")).to_be_checked()
    text = page.get_by_label("Texten som den ska visas")
    await text.focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.type(TEXT.replace(NAME, "").replace("19121212-1212", "[borttaget]"))
    await page.get_by_label("Skäl till maskningen").focus()
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_label("Skäl till maskningen")).to_have_value("personal_data")
    await page.get_by_role("button", name="Spara beslutet").focus()
    await page.keyboard.press("Enter")

    await expect(page.locator(".notice-ok")).to_contain_text("Synpunkten är maskad, godkänd")
    await expect(page.locator("#ko")).to_contain_text("Ingen synpunkt väntar")
    await assert_accessible(page, "moderation-queue-done")
    body = await conn.fetchval("SELECT body FROM feedback WHERE id = $1", item.id)
    assert body == (
        "Jag heter [borttaget] och mitt personnummer är [borttaget]. "
        "Avsnittet om vätska är svårt att förstå."
    )

    # The original, behind a stated reason.
    await page.goto(f"{live_server}/moderering/synpunkter/{item.id}/original")
    await assert_accessible(page, "moderation-original-form")
    await page.get_by_label("Kontrollera att maskningen blev rätt").check()
    await page.get_by_role("button", name="Visa originaltexten").press("Enter")
    await expect(page.locator(".feedback-text")).to_contain_text(NAME)
    await assert_accessible(page, "moderation-original")


async def test_routing_rules_page_and_preview(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    await sign_in(page, conn, live_server, RoleChoice.ADMIN)
    await page.goto(f"{live_server}/admin/dirigering")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dirigeringsregler")
    await assert_accessible(page, "routing-rules")

    await page.get_by_role("button", name="Skapa regeln").press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text("Ge regeln ett namn.")
    await assert_accessible(page, "routing-rules-error")

    await page.get_by_label("Namn på regeln").fill("Läkemedel även till diabetes")
    await page.get_by_label("Matcha på").select_option("keyword")
    await page.get_by_label("Nyckelord (för regler på nyckelord)").fill("läkemedel")
    await page.get_by_label("Prioritet (1 går först)").fill("10")
    await page.get_by_label("Nationell arbetsgrupp diabetes").check()
    await page.get_by_label("Skicka även till gruppen som äger kunskapsstödet").check()
    await page.get_by_role("button", name="Skapa regeln").press("Enter")
    await expect(page.locator(".notice-ok")).to_contain_text("Regeln är skapad.")
    await expect(page.locator("table.data")).to_contain_text("Läkemedel även till diabetes")

    preview = page.locator("#forhandsvisning")
    form = page.locator("form[action='/admin/dirigering/forhandsgranska']")
    await form.get_by_label("Kunskapsstöd").select_option(DOC)
    await form.get_by_label("Kategori").select_option("other")
    await form.get_by_label("Exempeltext (valfritt)").fill("Vilka läkemedel gäller?")
    await form.get_by_role("button", name="Visa vart den går").press("Enter")
    await expect(preview).to_contain_text("Nationell arbetsgrupp diabetes")
    await expect(preview).to_contain_text("enligt regeln ”Läkemedel även till diabetes”")
    await expect(preview).to_contain_text("gruppen äger kunskapsstödet")
    await assert_accessible(page, "routing-preview")


async def test_outbox_dead_letters_page_by_keyboard(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    await make_feedback(conn, document=DOC, email="anna@exempel.se")
    letter = await conn.fetchval(
        "UPDATE outbox_messages SET status = 'dead', last_error = 'SMTP 550', dead_at = now() "
        "RETURNING id"
    )
    await sign_in(page, conn, live_server, RoleChoice.ADMIN)
    await page.goto(f"{live_server}/admin/utskick")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Utskick (e-post)")
    await assert_accessible(page, "outbox-admin")

    await page.get_by_role("button", name=f"Skicka igen brev nr {letter}").press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("ligger i kön igen")
    await expect(page.get_by_text("Inga olevererbara brev.")).to_be_visible()
    await assert_accessible(page, "outbox-admin-retried")
    assert await conn.fetchval("SELECT status FROM outbox_messages WHERE id = $1", letter) == (
        "pending"
    )
