"""Signing in, the second-factor setup, signing out, registration and password reset in a real
browser, by keyboard, each page axe-core clean (WCAG 2.1 AA)."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.accounts.admin import RoleChoice
from tests.browser.axe import assert_accessible
from tests.factories import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.slow


async def test_sign_in_set_up_second_factor_and_sign_out(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    await make_staff(conn, "moderator@region.se", role=RoleChoice.MODERATOR)
    await page.goto(f"{live_server}/logga-in")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    await assert_accessible(page, "login")

    await page.get_by_label("E-postadress").fill("moderator@region.se")
    await page.get_by_label("Lösenord").fill("fel lösenord helt och hållet")
    await page.get_by_label("Lösenord").press("Enter")
    await expect(page.get_by_role("alert")).to_be_visible()
    await assert_accessible(page, "login-error")

    await page.get_by_label("Lösenord").fill(STAFF_PASSWORD)
    await page.get_by_label("Lösenord").press("Enter")
    # Staff without a second factor are sent to set one up before anything else.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Slå på tvåstegsverifiering")
    await assert_accessible(page, "totp-setup")
    await page.get_by_label("Kod från appen").fill("000000")
    await page.get_by_label("Kod från appen").press("Enter")
    await expect(page.get_by_role("alert")).to_be_visible()
    await assert_accessible(page, "totp-setup-error")

    await page.get_by_role("button", name="Logga ut").press("Enter")
    await expect(page.get_by_role("link", name="Logga in")).to_be_visible()
    await assert_accessible(page, "logged-out")


async def test_register_and_reset_pages(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/konto/registrera")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Skapa konto")
    await assert_accessible(page, "register")
    await page.get_by_label("E-postadress").fill("ny@exempel.se")
    await page.get_by_label("Lösenord", exact=True).fill("kort")
    await page.get_by_label("Samma lösenord igen").fill("kort")
    await page.get_by_role("button", name="Skapa konto").press("Enter")
    await expect(page.get_by_role("alert").first).to_be_visible()
    await assert_accessible(page, "register-error")

    await page.goto(f"{live_server}/konto/glomt-losenord")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Glömt lösenord")
    await assert_accessible(page, "forgot")
    await page.get_by_label("E-postadress").fill("ny@exempel.se")
    await page.get_by_role("button", name="Skicka länk").press("Enter")
    await assert_accessible(page, "forgot-sent")

    await page.goto(f"{live_server}/konto/nytt-losenord?token=finns-inte")
    await assert_accessible(page, "reset-unknown-token")


async def test_user_admin_page_by_keyboard(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    import datetime as dt

    from medskapa.security.auth import DEV_SESSION_COOKIE
    from medskapa.security.sessions import create_session

    admin = await make_staff(conn, "admin@region.se", role=RoleChoice.ADMIN)
    await make_staff(conn, "eva@region.se", role=RoleChoice.PATIENT)
    token, _ = await create_session(conn, admin, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies(
        [{"name": DEV_SESSION_COOKIE, "value": token, "url": live_server}]
    )
    await page.goto(f"{live_server}/admin/anvandare")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Användare och roller")
    await assert_accessible(page, "user-admin")

    await page.get_by_label("E-postadress", exact=True).fill("eva@region.se")
    await page.get_by_label("Roll", exact=True).select_option("group-member")
    await page.get_by_role("button", name="Ge rollen").press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text("Välj vilken arbetsgrupp")
    await assert_accessible(page, "user-admin-error")

    await page.get_by_label("Arbetsgrupp (för roller i en arbetsgrupp)").select_option(index=1)
    await page.get_by_role("button", name="Ge rollen").press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Rollen är given")
