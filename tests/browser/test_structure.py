"""The structure admin page in a real browser, by keyboard; axe-core clean with and without
errors; and the item page a patient representative sees."""

from __future__ import annotations

import datetime as dt
import os

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.accounts.admin import RoleChoice
from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.sessions import create_session
from tests.browser.axe import assert_accessible
from tests.factories import make_feedback, make_staff, route_to

pytestmark = pytest.mark.slow

SCREENSHOTS = os.environ.get("MEDSKAPA_SCREENSHOTS")


async def sign_in(
    page: Page, conn: asyncpg.Connection, base_url: str, role: RoleChoice, group: str | None = None
) -> None:
    user_id = await make_staff(conn, f"{role.value}@region.se", group, role=role)
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def test_structure_page_by_keyboard(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    await sign_in(page, conn, live_server, RoleChoice.ADMIN)
    await page.goto(f"{live_server}/admin/struktur")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Programområden och grupper")
    await assert_accessible(page, "structure")
    if SCREENSHOTS:
        await page.screenshot(path=f"{SCREENSHOTS}/struktur.png", full_page=True)

    form = page.locator("form[action='/admin/struktur/grupper']")
    await form.get_by_label("Kortadress").fill("NAG Njure")
    await form.get_by_role("button", name="Skapa gruppen").press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text("Kortadressen får bara ha små")
    await expect(page.get_by_role("alert")).to_contain_text("Skriv ett namn.")
    await assert_accessible(page, "structure-error")
    if SCREENSHOTS:
        await page.get_by_role("alert").scroll_into_view_if_needed()
        await page.screenshot(path=f"{SCREENSHOTS}/struktur-fel.png")

    form = page.locator("form[action='/admin/struktur/grupper']")
    await form.get_by_label("Namn").fill("Njursvikt")
    await form.get_by_label("Kortadress").fill("nsg-njursvikt")
    await form.get_by_label("Sort").select_option("nsg")
    await form.get_by_label("Nationellt programområde (NPO)").select_option("psykisk-halsa")
    await form.get_by_role("button", name="Skapa gruppen").press("Enter")
    await expect(page.locator(".notice-ok")).to_have_text("Gruppen är skapad.")
    await expect(page.locator("table.data").filter(has_text="nsg-njursvikt")).to_contain_text(
        "Nationell samverkansgrupp (NSG)"
    )


async def test_item_page_of_a_patient_representative(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    item = await make_feedback(conn, document="hjartsvikt-nyupptackt")
    await route_to(conn, item.id, "nag-hjartsvikt")
    await sign_in(
        page, conn, live_server, RoleChoice.GROUP_PATIENT_REPRESENTATIVE, "nag-hjartsvikt"
    )
    await page.goto(f"{live_server}/arbetsgrupp/synpunkt/{item.id}")
    await expect(page.locator("#patientforetradare")).to_contain_text("patientföreträdare")
    await expect(page.get_by_role("button", name="Spara anteckning")).to_be_visible()
    await expect(page.locator("form[action$='/status']")).to_have_count(0)
    await assert_accessible(page, "triage-item-patient-representative")
    if SCREENSHOTS:
        await page.locator("#patientforetradare").scroll_into_view_if_needed()
        await page.screenshot(path=f"{SCREENSHOTS}/patientforetradare.png")
