"""The follow-up dashboard and the public statistics in a real browser: axe-core clean on a
desktop and a phone, no sideways scrolling on the phone, the chart described in words."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.accounts.admin import RoleChoice
from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.sessions import create_session
from tests.browser.axe import assert_accessible
from tests.factories import make_staff
from tests.followup.fixture import DOC, GROUP, make_items

pytestmark = pytest.mark.slow

WEEKS = "from=2026-03-02&to=2026-03-15&per=week"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


async def sign_in(page: Page, conn: asyncpg.Connection, base_url: str, role: RoleChoice) -> None:
    email = f"{role.value}@region.se"
    user_id = await make_staff(conn, email, GROUP if role != RoleChoice.ADMIN else None, role=role)
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def no_sideways_scroll(page: Page) -> None:
    wide = await page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= await page.evaluate("() => window.innerWidth"), "the page scrolls sideways"


async def test_dashboard_for_a_lead_and_the_national_overview(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    await make_items(conn)
    await sign_in(page, conn, live_server, RoleChoice.GROUP_LEAD)
    await page.goto(f"{live_server}/mina-uppgifter")
    await (
        page.get_by_role("navigation", name="Mina sidor")
        .get_by_role("link", name="Uppföljning")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning")
    for name, size in SIZES.items():
        await page.set_viewport_size(size)
        await page.goto(f"{live_server}/uppfoljning?{WEEKS}")
        chart = page.get_by_role("img", name="Synpunkter per period")
        await expect(chart).to_be_visible()
        await expect(page.locator("#per-period-beskrivning")).to_contain_text(
            "5 synpunkter kom in under 2 perioder"
        )
        table = page.get_by_role("table", name="Synpunkter per vecka")
        await expect(table.get_by_role("row", name="v. 10 2026")).to_contain_text("3")
        await assert_accessible(page, f"followup-lead-{name}")
        await no_sideways_scroll(page)

    # A filter that cannot be used is named beside it, and the link in the summary leads there.
    await page.set_viewport_size(SIZES["desktop"])
    await page.goto(f"{live_server}/uppfoljning?from=2026-03-10&to=2026-03-01")
    await expect(page.get_by_role("alert")).to_contain_text("Slutdatumet ligger före")
    await expect(page.get_by_label("Till och med")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "followup-errors")

    await page.context.clear_cookies()
    await sign_in(page, conn, live_server, RoleChoice.ADMIN)
    await page.goto(f"{live_server}/uppfoljning?{WEEKS}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning: hela landet")
    await expect(page.locator("dl.figures")).to_contain_text("6")
    await assert_accessible(page, "followup-national")


async def test_public_statistics_and_open_data(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    await make_items(conn)
    for name, size in SIZES.items():
        await page.set_viewport_size(size)
        await page.goto(f"{live_server}/kunskapsstod/{DOC}/statistik?{WEEKS}&version=1.1")
        await expect(page.locator("dl.figures dd").first).to_have_text("2")
        await assert_accessible(page, f"followup-public-{name}")
        await no_sideways_scroll(page)
        await page.goto(f"{live_server}/programomraden/hjart-och-karlsjukdomar/statistik")
        await assert_accessible(page, f"followup-area-{name}")
        await no_sideways_scroll(page)
        await page.goto(f"{live_server}/oppna-data")
        await assert_accessible(page, f"open-data-{name}")
        await no_sideways_scroll(page)
