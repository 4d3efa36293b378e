"""Each role finds its work by following links only: from the home page to the login form,
through the second step where staff need it, to the start page ("Mina uppgifter") and on to
the role's main page. On a desktop and on a phone; every page axe-clean and without sideways
scrolling."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pyotp
import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.axe import _screenshot_path, assert_accessible
from tests.factories import MEMBER_PASSWORD, STAFF_PASSWORD, first_document
from tests.wayfinding.cast import GROUP, ORGANISATION, ROUND_TITLE, Cast, Person, cast

pytestmark = pytest.mark.slow

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}


async def check(page: Page, name: str) -> None:
    """axe-clean, and no sideways scrolling at this width: neither the page nor anything in
    it (a wide table on a phone becomes stacked rows, it does not scroll in a box)."""
    await assert_accessible(page, name)
    wide, room = await page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert wide <= room, f"{name}: the page is {wide}px wide in a {room}px window"
    scrolling = await page.evaluate(
        """() => [...document.querySelectorAll("main *")]
            .filter(e => e.scrollWidth > e.clientWidth + 1
                && ["auto", "scroll"].includes(getComputedStyle(e).overflowX))
            .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}: `
                + `${e.scrollWidth}px in ${e.clientWidth}px`)"""
    )
    assert scrolling == [], f"{name}: parts of the page scroll sideways: {scrolling}"


@dataclass
class Walk:
    page: Page
    name: str

    async def at(self, heading: str, step: str) -> None:
        await expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        await check(self.page, f"wayfinding-{self.name}-{step}")

    def mine(self) -> Locator:
        return self.page.get_by_role("navigation", name="Mina sidor")

    def main(self) -> Locator:
        return self.page.get_by_role("main")


async def sign_in(walk: Walk, base_url: str, person: Person) -> None:
    """From the home page, by its links and the keyboard, to the start page."""
    page = walk.page
    await page.goto(base_url)
    await (
        page.get_by_role("navigation", name="Huvudmeny")
        .get_by_role("link", name="Logga in")
        .click()
    )
    await walk.at("Logga in", "login")
    await page.get_by_label("E-postadress").fill(person.email)
    await page.get_by_label("Lösenord").fill(STAFF_PASSWORD if person.secret else MEMBER_PASSWORD)
    await page.get_by_label("Lösenord").press("Enter")
    if person.secret:
        await expect(page.get_by_role("heading", level=1)).to_have_text("Kod från din app")
        await page.get_by_label("Kod", exact=True).fill(pyotp.TOTP(person.secret).at(time.time()))
        await page.get_by_label("Kod", exact=True).press("Enter")
    await walk.at("Mina uppgifter", "start")
    assert page.url == f"{base_url}/mina-uppgifter"
    header = page.locator("header.site-header")
    await header.screenshot(path=_screenshot_path(f"wayfinding-{walk.name}-header"))


async def menu_is(walk: Walk, *names: str) -> None:
    links = walk.mine().get_by_role("link")
    await expect(links).to_have_text(["Mina uppgifter", "Mina synpunkter", *names])


async def moderator(walk: Walk, people: Cast) -> None:
    await menu_is(walk, "Moderering")
    await walk.main().get_by_text("3 synpunkter väntar på granskning").wait_for()
    await walk.main().get_by_role("link", name="Modereringskön").click()
    await walk.at("Moderering", "queue")
    await expect(walk.page.locator(".queue-summary")).to_contain_text("3 synpunkter väntar")


async def member(walk: Walk, people: Cast) -> None:
    await menu_is(walk, "Arbetsgrupp", "Remisser")
    await expect(walk.main().get_by_role("link", name="Ny: 2")).to_be_visible()
    await walk.main().get_by_role("link", name=f"Inkorg: {people.group_name}").click()
    await walk.at(f"Inkorg: {people.group_name}", "inbox")
    assert walk.page.url.endswith(f"/arbetsgrupp/{GROUP}/inkorg")


async def coordinator(walk: Walk, people: Cast) -> None:
    await menu_is(walk, "Remisser", "Organisationer")
    await walk.main().get_by_role("link", name=ROUND_TITLE).click()
    await walk.at(ROUND_TITLE, "round")
    await walk.page.get_by_role("link", name="Mina uppgifter").click()
    await walk.main().get_by_role("link", name=ORGANISATION).click()
    await walk.at(ORGANISATION, "organisation")


async def admin(walk: Walk, people: Cast) -> None:
    await menu_is(walk, "Moderering", "Uppföljning", "Administration")
    await walk.mine().get_by_role("link", name="Administration").click()
    await walk.at("Administration", "index")
    await walk.main().get_by_role("link", name="Användare och roller").click()
    await walk.at("Användare och roller", "users")


async def patient(walk: Walk, people: Cast) -> None:
    await menu_is(walk)
    await expect(walk.page.get_by_role("heading", name="Moderering")).to_have_count(0)
    await walk.main().get_by_role("link", name="Mina synpunkter").click()
    await walk.at("Mina synpunkter", "my-feedback")
    await expect(walk.mine().get_by_role("link", name="Mina synpunkter")).to_have_attribute(
        "aria-current", "page"
    )
    await (
        walk.page.get_by_role("navigation", name="Huvudmeny")
        .get_by_role("link", name="Kunskapsstöd")
        .click()
    )
    await walk.at("Kunskapsstöd", "catalogue")


ROLES: dict[str, tuple[Callable[[Cast], Person], Callable[[Walk, Cast], Awaitable[None]]]] = {
    "moderator": (lambda c: c.moderator, moderator),
    "member": (lambda c: c.member, member),
    "coordinator": (lambda c: c.coordinator, coordinator),
    "admin": (lambda c: c.admin, admin),
    "patient": (lambda c: c.patient, patient),
}


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("role", list(ROLES))
async def test_each_role_follows_links_from_login_to_its_work(
    page: Page, live_server: str, conn: asyncpg.Connection, role: str, size: str
) -> None:
    people = await cast(conn)
    await page.set_viewport_size(VIEWPORTS[size])
    person, walk_on = ROLES[role]
    walk = Walk(page, f"{role}-{size}")
    await sign_in(walk, live_server, person(people))
    await walk_on(walk, people)


async def test_a_refused_page_says_what_to_do_and_another_account_comes_back_to_it(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    """A group member who opens the admin index (a link shared by a colleague) is told in
    Swedish what to do; signing out there and in as an admin leads back to the page."""
    people = await cast(conn)
    walk = Walk(page, "refused")
    await sign_in(walk, live_server, people.member)
    answer = await page.goto(f"{live_server}/admin")
    assert answer is not None
    assert answer.status == 403
    await walk.at("Du har inte behörighet", "403")
    await expect(walk.main()).to_contain_text("be en administratör för medskapa")
    await page.set_viewport_size(VIEWPORTS["phone"])
    await check(page, "wayfinding-refused-403-phone")
    await page.set_viewport_size(VIEWPORTS["desktop"])

    await (
        walk.main().get_by_role("button", name="Logga ut och logga in med ett annat konto").click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    await page.get_by_label("E-postadress").fill(people.admin.email)
    await page.get_by_label("Lösenord").fill(STAFF_PASSWORD)
    await page.get_by_label("Lösenord").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kod från din app")
    assert people.admin.secret is not None
    await page.get_by_label("Kod", exact=True).fill(pyotp.TOTP(people.admin.secret).now())
    await page.get_by_label("Kod", exact=True).press("Enter")
    await walk.at("Administration", "back")
    assert page.url == f"{live_server}/admin"


async def test_every_table_page_fits_a_phone(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    """The pages with tables, opened by an admin on a phone: nothing scrolls sideways and each
    table is a column of stacked rows, every cell naming its column."""
    people = await cast(conn)
    document, _, _ = await first_document(conn)
    await page.set_viewport_size(VIEWPORTS["phone"])
    walk = Walk(page, "tables")
    await sign_in(walk, live_server, people.admin)
    # (page, whether the cast's data gives it a table)
    for path, has_table in (
        ("/admin/anvandare", True),
        ("/admin/utskick", True),
        ("/admin/dirigering", False),
        ("/admin/struktur", True),
        ("/admin/dokument", True),
        (f"/admin/dokument/{document}", True),
        ("/konto", True),
        (f"/organisationer/{people.organisation_slug}", False),  # members: coordinators only
    ):
        await page.goto(f"{live_server}{path}")
        await check(page, "tables" + path.replace("/", "-").replace("_", "-"))
        tables = page.locator("table.data")
        assert (await tables.count() > 0) == has_table, path
        for table in await tables.all():
            assert "stack" in (await table.get_attribute("class") or ""), path
            cells = table.locator("tbody td")
            for cell in (await cells.all())[:12]:
                if not await cell.is_visible():  # an empty cell takes no line of its own
                    assert (await cell.inner_html()).strip() == "", path
                    continue
                assert await cell.evaluate("e => getComputedStyle(e).display") == "block", path
                label = await cell.get_attribute("data-label")
                assert label or await cell.locator("button, form").count(), path
