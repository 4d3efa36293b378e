"""The pages of the second security round in a real browser, reached as a user reaches them:
the password typed into the login form, a real TOTP code typed into the second step, by
keyboard; each page axe-core clean (WCAG 2.1 AA) and without sideways scrolling."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

import asyncpg
import pyotp
import pytest
import zxingcpp
from playwright.async_api import Locator, Page, Response, expect

from medskapa.accounts.admin import RoleChoice
from medskapa.accounts.registration_service import MAIL_CLIENT_LIMIT
from medskapa.accounts.second_factor_service import TOTP_FAILURE_LIMITS
from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.sessions import create_session
from tests.browser.axe import assert_accessible
from tests.factories import STAFF_PASSWORD, enrol_totp, make_staff

pytestmark = pytest.mark.slow

GROUP = "nag-hjartsvikt"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


async def enrolled_staff(conn: asyncpg.Connection, email: str) -> str:
    """A group member whose second factor is set up (as after enrolment); returns the secret
    the member's app holds."""
    return await enrol_totp(conn, await make_staff(conn, email, GROUP))


def code(secret: str, steps_ahead: int = 0) -> str:
    """What the app shows now, or (for a second login within the same 30 s) what it shows next:
    each code works once, and the server accepts the next step for clock drift."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps_ahead)


async def scanned(image: Locator) -> str:
    """The text of the QR code in an <img>, decoded by a real barcode reader (zxing-cpp) from
    the pixels the browser draws, as a phone's camera would see them."""
    width, height, pixels = await image.evaluate(
        """img => {
            const canvas = document.createElement("canvas");
            canvas.width = img.naturalWidth + 40;
            canvas.height = img.naturalHeight + 40;
            const ctx = canvas.getContext("2d");
            ctx.fillStyle = "#fff";
            ctx.fillRect(0, 0, canvas.width, canvas.height);
            ctx.drawImage(img, 20, 20);
            const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let grey = "";
            for (let i = 0; i < rgba.length; i += 4) {
                grey += String.fromCharCode(Math.round((rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3));
            }
            return [canvas.width, canvas.height, btoa(grey)];
        }"""
    )
    view = memoryview(base64.b64decode(pixels)).cast("B", (height, width))
    found = zxingcpp.read_barcodes(view, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"{len(found)} QR codes in the image"
    return found[0].text


def wrong_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time(), counter_offset=offset) for offset in range(-2, 3)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in valid)


async def type_password(page: Page, base_url: str, email: str) -> None:
    await page.goto(f"{base_url}/logga-in")
    await page.get_by_label("E-postadress").fill(email)
    await page.get_by_label("Lösenord").fill(STAFF_PASSWORD)
    await page.get_by_label("Lösenord").press("Enter")


async def type_code(page: Page, typed: str) -> Response:
    """Type a code into the second step; returns the server's answer to it."""
    async with page.expect_response(
        lambda r: r.url.endswith("/logga-in/kod") and r.request.method == "POST"
    ) as answer:
        await page.get_by_label("Kod", exact=True).fill(typed)
        await page.get_by_label("Kod", exact=True).press("Enter")
    return await answer.value


async def sign_in(page: Page, base_url: str, email: str, typed: str) -> None:
    await type_password(page, base_url, email)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kod från din app")
    await type_code(page, typed)
    # Everyone lands on their own start page; the account page is a link away.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mina uppgifter")
    await (
        page.get_by_role("navigation", name="Huvudmeny")
        .get_by_role("link", name="Mitt konto")
        .press("Enter")
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mitt konto")


async def assert_fits(page: Page, name: str) -> None:
    """axe-clean on a desktop and on a phone, and on a phone no sideways scrolling either."""
    await assert_accessible(page, name)
    await page.set_viewport_size(PHONE)
    try:
        overflow = await page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        await assert_accessible(page, f"{name}-phone")
        assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px on a phone"
    finally:
        await page.set_viewport_size(DESKTOP)


def token_row(page: Page, name: str) -> Locator:
    return (
        page.get_by_role("table", name="Dina API-nycklar")
        .get_by_role("row")
        .filter(has=page.get_by_role("cell", name=name, exact=True))
    )


async def create_token(page: Page, name: str) -> None:
    await page.get_by_label("Namn på nyckeln").fill(name)
    await page.get_by_role("button", name="Skapa API-nyckel").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ny API-nyckel")
    await expect(page.locator("#api-nyckel")).to_have_text(re.compile(r"^\S{40,}$"))
    await page.get_by_role("link", name="Tillbaka till mitt konto").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mitt konto")


async def test_account_page_tokens_end_with_logout_everywhere(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    secret = await enrolled_staff(conn, "anna@region.se")
    await sign_in(page, live_server, "anna@region.se", code(secret))

    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text("På, och gjord för den här inloggningen.")
    move = facts.get_by_role("link", name="Flytta till en ny app")
    await expect(move).to_have_attribute("href", "/konto/tvastegsverifiering")
    await create_token(page, "Rapportverktyg")
    await expect(
        page.get_by_role("table", name="Dina API-nycklar").get_by_role("columnheader")
    ).to_have_text(["Namn", "Skapad", "Senast använd", "Gäller", "Åtgärd"])
    await expect(token_row(page, "Rapportverktyg").get_by_role("cell").nth(3)).to_have_text(
        re.compile(r"^Ja, till \d{4}-\d{2}-\d{2}$")
    )
    await expect(
        token_row(page, "Rapportverktyg").get_by_role("button", name="Återkalla nyckeln")
    ).to_be_visible()
    await assert_fits(page, "security-account-token-alive")
    # On a phone the table becomes stacked rows that need no sideways scrolling, each cell
    # led by its column's name, and a screen reader still finds a table, rows and cells.
    await page.set_viewport_size(PHONE)
    region = page.get_by_role("region", name="Dina API-nycklar")
    assert await region.evaluate("e => e.scrollWidth <= e.clientWidth")
    alive = token_row(page, "Rapportverktyg").get_by_role("cell").nth(3)
    await expect(alive).to_have_text(re.compile(r"^Ja, till \d{4}-\d{2}-\d{2}$"))
    shown = await alive.evaluate("e => getComputedStyle(e, '::before').content")
    assert shown.startswith('"Gäller: "'), shown
    await assert_fits(page, "security-account-token-phone")
    await page.set_viewport_size(DESKTOP)

    await page.get_by_role("button", name="Logga ut överallt").press("Enter")
    await expect(page.get_by_role("link", name="Logga in")).to_be_visible()
    assert page.url == f"{live_server}/"

    await sign_in(page, live_server, "anna@region.se", code(secret, steps_ahead=1))
    ended = token_row(page, "Rapportverktyg")
    await expect(ended.get_by_role("cell").nth(3)).to_have_text("Nej – du loggade ut överallt")
    await expect(ended.get_by_role("button")).to_have_count(0)
    await assert_fits(page, "security-account-token-ended")


async def test_moving_the_second_factor_to_a_new_app(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    old_secret = await enrolled_staff(conn, "anna@region.se")
    await sign_in(page, live_server, "anna@region.se", code(old_secret))
    await create_token(page, "Rapportverktyg")

    await page.locator("dl.facts").get_by_role("link", name="Flytta till en ny app").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Flytta tvåstegsverifieringen till en ny app"
    )
    # A new secret for the new app; the enrolled one is never shown again.
    new_secret = (await page.locator("dl.facts code.secret").first.inner_text()).strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", new_secret)
    assert new_secret != old_secret
    await expect(page.locator("dl.facts code.secret").nth(1)).to_contain_text(
        f"secret={new_secret}"
    )
    current = page.get_by_label("Kod från din nuvarande app, eller en reservkod")
    new = page.get_by_label("Kod från den nya appen")
    await expect(current).to_be_visible()
    await expect(new).to_be_visible()
    await assert_fits(page, "security-totp-move")

    await current.fill(wrong_code(old_secret))
    await new.fill(code(new_secret))
    await new.press("Enter")
    await expect(page.get_by_role("alert")).to_have_text(
        "Koden från din nuvarande app (eller reservkoden) stämmer inte."
    )
    await expect(current).to_have_attribute("aria-invalid", "true")
    await expect(new).not_to_have_attribute("aria-invalid", "true")
    # A mistyped code keeps the same new secret: the app the user just set up stays right.
    await expect(page.locator("dl.facts code.secret").first).to_have_text(new_secret)
    qr = page.get_by_role("img", name=re.compile("QR-kod"))
    await expect(qr).to_be_visible()
    # What a phone's camera reads from the QR code: the same key, for this account.
    assert await scanned(qr) == (
        f"otpauth://totp/medskapa:anna%40region.se?secret={new_secret}&issuer=medskapa"
    )
    await assert_fits(page, "security-totp-move-error")

    await current.fill(code(old_secret, steps_ahead=1))
    await new.fill(code(new_secret))
    await page.get_by_role("button", name="Byt app").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tvåstegsverifieringen är flyttad till den nya appen"
    )
    await expect(page.locator(".recovery-codes li")).to_have_count(10)
    await assert_fits(page, "security-totp-moved")

    await page.goto(f"{live_server}/konto")
    await expect(token_row(page, "Rapportverktyg").get_by_role("cell").nth(3)).to_have_text(
        "Nej – tvåstegsverifieringen ändrades"
    )


async def test_second_step_locks_after_wrong_codes(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    secret = await enrolled_staff(conn, "anna@region.se")
    await type_password(page, live_server, "anna@region.se")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kod från din app")
    await assert_fits(page, "security-second-step")

    limit = TOTP_FAILURE_LIMITS[0][0]
    for _ in range(limit - 1):
        answer = await type_code(page, wrong_code(secret))
        assert answer.status == 422
        await expect(page.get_by_role("alert")).to_contain_text("Koden stämmer inte.")
    await expect(page.get_by_label("Kod", exact=True)).to_have_attribute("aria-invalid", "true")
    await assert_fits(page, "security-second-step-wrong")

    answer = await type_code(page, wrong_code(secret))
    assert answer.status == 429
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text(
        "För många felaktiga koder. Andra steget är spärrat till klockan"
    )
    await expect(alert).to_contain_text("Vi har skickat ett brev till dig om det.")
    shown = re.search(r"klockan (\d\d):(\d\d)", await alert.inner_text())
    assert shown is not None
    expected = dt.datetime.now(STOCKHOLM) + TOTP_FAILURE_LIMITS[0][1]
    apart = (int(shown[1]) * 60 + int(shown[2]) - expected.hour * 60 - expected.minute) % 1440
    assert min(apart, 1440 - apart) <= 2, f"{shown[0]}, expected about {expected:%H:%M}"
    await assert_fits(page, "security-second-step-locked")

    # While locked, even the right code is refused, with the same words.
    answer = await type_code(page, code(secret))
    assert answer.status == 429
    await expect(page.get_by_role("alert")).to_contain_text("spärrat till klockan")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kod från din app")


async def test_401_pages_say_what_is_missing(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    secret = await enrolled_staff(conn, "anna@region.se")
    menu = page.get_by_role("navigation", name="Huvudmeny")

    answer = await page.goto(f"{live_server}/arbetsgrupp")
    assert answer is not None
    assert answer.status == 401
    await expect(page.get_by_role("heading", level=1)).to_have_text("Du behöver logga in")
    main = page.get_by_role("main")
    # The login form is right there, and comes back to this page.
    await expect(main.get_by_role("button", name="Logga in")).to_be_visible()
    await expect(main.locator('input[name="tillbaka"]')).to_have_value("/arbetsgrupp")
    await expect(main.get_by_role("link", name="Skriv koden från din app")).to_have_count(0)
    await expect(menu.get_by_role("link", name="Logga in")).to_be_visible()
    await assert_fits(page, "security-401-anonymous")

    await type_password(page, live_server, "anna@region.se")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kod från din app")
    # Past the password only: the menu offers a way out and nothing to open.
    await expect(menu.get_by_role("button", name="Logga ut")).to_be_visible()
    await expect(menu.get_by_role("link", name="Mitt konto")).to_have_count(0)
    await expect(menu.get_by_role("link", name="Logga in")).to_have_count(0)

    answer = await page.goto(f"{live_server}/arbetsgrupp")
    assert answer is not None
    assert answer.status == 401
    await expect(page.get_by_role("heading", level=1)).to_have_text("Du behöver logga in")
    await expect(main).to_contain_text(
        "Du har skrivit ditt lösenord men inte koden från din app ännu."
    )
    await expect(main.get_by_role("link", name="Logga in")).to_have_count(0)
    await expect(menu.get_by_role("link", name="Mitt konto")).to_have_count(0)
    await expect(menu.get_by_role("button", name="Logga ut")).to_be_visible()
    next_step = main.get_by_role("link", name="Skriv koden från din app")
    await expect(next_step).to_have_attribute("href", "/logga-in/kod?tillbaka=%2Farbetsgrupp")
    await assert_fits(page, "security-401-password-only")

    # The enrolment page shows such a session no secret: it is sent to the second step.
    await page.goto(f"{live_server}/konto/tvastegsverifiering")
    assert page.url == f"{live_server}/logga-in/kod"
    await expect(page.locator("code.secret")).to_have_count(0)

    await page.goto(f"{live_server}/arbetsgrupp")
    await main.get_by_role("link", name="Skriv koden från din app").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kod från din app")
    await type_code(page, code(secret))
    # Back on the page that was asked for.
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Inkorg: "))
    assert page.url.startswith(f"{live_server}/arbetsgrupp/{GROUP}/inkorg")
    await expect(menu.get_by_role("link", name="Mitt konto")).to_be_visible()


async def test_admin_resets_a_second_factor(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    admin = await make_staff(conn, "admin@region.se", role=RoleChoice.ADMIN)
    await enrolled_staff(conn, "eva@region.se")
    token, _ = await create_session(conn, admin, dt.datetime.now(dt.UTC), second_factor=True)
    await page.context.add_cookies(
        [{"name": DEV_SESSION_COOKIE, "value": token, "url": live_server}]
    )
    await page.goto(f"{live_server}/admin/anvandare")
    eva = page.get_by_role("row").filter(has=page.get_by_role("cell", name="eva@region.se"))
    await expect(eva.get_by_role("cell").nth(2)).to_have_text("Ja")
    await expect(
        page.get_by_role("heading", level=2, name="Återställ tvåstegsverifiering")
    ).to_be_visible()

    field = page.get_by_label("Användarens e-postadress")
    await field.fill("finns.inte@region.se")
    await page.get_by_role("button", name="Återställ tvåstegsverifieringen").press("Enter")
    await expect(page.get_by_role("alert")).to_have_text(
        "Det finns inget konto med den e-postadressen."
    )
    await expect(field).to_have_value("finns.inte@region.se")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await assert_fits(page, "security-admin-reset-error")

    await field.fill("eva@region.se")
    await page.get_by_role("button", name="Återställ tvåstegsverifieringen").press("Enter")
    await expect(page.get_by_role("status")).to_have_text(
        "Tvåstegsverifieringen är återställd. Användarens inloggningar och API-nycklar är "
        "avslutade."
    )
    await expect(eva.get_by_role("cell").nth(2)).to_have_text("Nej")
    await assert_fits(page, "security-admin-reset-done")

    # Eva's next login sets up a new app.
    await type_password(page, live_server, "eva@region.se")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Slå på tvåstegsverifiering")


async def test_forgot_password_mail_limit(page: Page, live_server: str) -> None:
    answer = None
    for attempt in range(1, 2 * MAIL_CLIENT_LIMIT.hits + 2):
        await page.goto(f"{live_server}/konto/glomt-losenord")
        await page.get_by_label("E-postadress").fill(f"person{attempt}@exempel.se")
        async with page.expect_response(
            lambda r: r.url.endswith("/konto/glomt-losenord") and r.request.method == "POST"
        ) as info:
            await page.get_by_role("button", name="Skicka länk").press("Enter")
        answer = await info.value
        if answer.status == 429:
            break
        await expect(page.get_by_role("status")).to_contain_text("Om adressen har ett konto")
    assert answer is not None
    assert answer.status == 429
    # A fixed hourly window: all the first requests were answered, unless an hour began.
    assert attempt > MAIL_CLIENT_LIMIT.hits
    await expect(page.get_by_role("heading", level=1)).to_have_text("Glömt lösenord")
    await expect(page.get_by_role("alert")).to_have_text(
        "Du har bett om många brev på kort tid. Vänta en stund och försök igen."
    )
    await expect(page).to_have_title("Fel: Glömt lösenord – medskapa")
    await expect(page.get_by_label("E-postadress")).to_be_visible()
    await assert_fits(page, "security-forgot-limited")


async def test_a_typed_password_can_be_shown_and_hidden_again(page: Page, live_server: str) -> None:
    """ASVS 2.1.12: a long passphrase can be checked before it is sent; the button says what it
    does and whether it is on, and the field is hidden again when the form is sent."""
    await page.goto(f"{live_server}/konto/registrera")
    field = page.get_by_label("Lösenord", exact=True)
    await field.fill("tolv gröna äpplen i en korg")
    reveal = page.get_by_role("button", name="Visa lösenordet").first
    await reveal.press("Enter")
    await expect(field).to_have_attribute("type", "text")
    hide = page.get_by_role("button", name="Dölj lösenordet")
    await expect(hide).to_have_attribute("aria-pressed", "true")
    await assert_fits(page, "security-password-shown")
    await hide.press("Enter")
    await expect(field).to_have_attribute("type", "password")
    await expect(reveal).to_have_attribute("aria-pressed", "false")
    await page.get_by_role("button", name="Visa lösenordet").first.press("Enter")
    await page.get_by_label("E-postadress").fill("ny@exempel.se")
    await page.get_by_role("button", name="Skapa konto").press("Enter")
    await expect(page.get_by_role("alert").first).to_be_visible()
    await expect(page.get_by_label("Lösenord", exact=True)).to_have_attribute("type", "password")
