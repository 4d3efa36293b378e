"""Following a document (Bevaka) in a real browser: the form on the document page, the
confirm and unsubscribe pages behind the links in the mail, keyboard and axe-core on each."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.catalogue.following import notify_new_version
from medskapa.db.pool import init_connection
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.slow

SLUG = "kol"


async def outbox_path(database_url: str, template: str, key: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(
            "SELECT context->>$2 FROM outbox_messages WHERE template = $1 ORDER BY id DESC LIMIT 1",
            template,
            key,
        )
    finally:
        await conn.close()


async def publish_and_notify(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    try:
        async with conn.transaction():
            doc = await conn.fetchval("SELECT id FROM guidance_documents WHERE slug = $1", SLUG)
            version = await conn.fetchval(
                "INSERT INTO document_versions (document_id, label, change_summary, "
                "published_on, published_at) VALUES ($1, '9.1', 'Nytt om andning.', "
                "current_date, now()) RETURNING id",
                doc,
            )
            sent = await notify_new_version(
                conn, document_id=doc, version_id=version, now=dt.datetime.now(dt.UTC)
            )
            assert sent == 1
    finally:
        await conn.close()


async def test_follow_confirm_and_unsubscribe_in_the_browser(
    page: Page, live_server: str, database_url: str
) -> None:
    await page.goto(f"{live_server}/kunskapsstod/{SLUG}")
    await page.get_by_text("Bevaka kunskapsstödet med e-post").click()
    field = page.get_by_label("Din e-postadress")
    await expect(field).to_be_visible()
    await assert_accessible(page, "follow-document-open")

    # A mistake first: the error is next to the field, in Swedish, and the field says so.
    await field.fill("inte en adress")
    await page.get_by_role("button", name="Bevaka").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bevaka kunskapsstödet")
    await expect(page).to_have_title("Fel: Bevaka Kroniskt obstruktiv lungsjukdom (KOL) – medskapa")
    field = page.get_by_label("Din e-postadress")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#bevaka-fel")).to_contain_text("Det ser inte ut som en e-postadress")
    await assert_accessible(page, "follow-error")

    await field.fill("bevakare@exempel.se")
    await field.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Titta i din e-post")
    await assert_accessible(page, "follow-sent")

    confirm = await outbox_path(database_url, "follow_confirm", "link")
    await page.goto(f"{live_server}{confirm}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta bevakning")
    await assert_accessible(page, "follow-confirm")
    await page.get_by_role("button", name="Ja, bevaka kunskapsstödet").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Du bevakar kunskapsstödet")
    await assert_accessible(page, "follow-confirmed")

    await publish_and_notify(database_url)
    unsubscribe = await outbox_path(database_url, "follow_new_version", "unsubscribe")
    await page.goto(f"{live_server}{unsubscribe}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sluta bevaka")
    await assert_accessible(page, "follow-unsubscribe")
    await page.get_by_role("button", name="Sluta bevaka").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Du bevakar inte längre kunskapsstödet"
    )
    await assert_accessible(page, "follow-unsubscribed")

    await page.goto(f"{live_server}/bevaka/bekrafta/{'A' * 43}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Länken fungerar inte")
    await assert_accessible(page, "follow-unknown-link")
