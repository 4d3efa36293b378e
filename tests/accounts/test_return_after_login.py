"""Signed-out people who open a staff page get the login form there, in Swedish, and after the
password (and the second step where it is needed) come back to the page they asked for; a
return path that is not a path on this site sends them to their own start page instead."""

from __future__ import annotations

import html
import re

import asyncpg
import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from tests.factories import (
    MEMBER_PASSWORD,
    STAFF_PASSWORD,
    enrol_totp,
    make_person,
    make_staff,
    sign_in,
    sign_in_staff,
)
from tests.web.test_return_to import ATTACKS

Client = AsyncTestClient[Litestar]
START = "/mina-uppgifter"


def hidden_return(page: str) -> str | None:
    found = re.search(r'<input type="hidden" name="tillbaka" value="([^"]*)"', page)
    return html.unescape(found[1]) if found else None


async def password(client: Client, email: str, secret: str, **extra: str) -> str:
    response = await client.post(
        "/logga-in", data={"email": email, "password": secret, **extra}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def test_a_signed_out_staff_page_shows_the_login_form_that_comes_back_to_it(
    client: Client, conn: asyncpg.Connection
) -> None:
    asked = "/arbetsgrupp/nag-hjartsvikt/inkorg?status=routed"
    page = await client.get(asked)
    assert page.status_code == 401
    assert '<html lang="sv">' in page.text
    assert "<h1>Du behöver logga in</h1>" in page.text
    assert "Logga in, så kommer du tillbaka till sidan du ville öppna." in page.text
    assert 'action="/logga-in"' in page.text
    assert 'autocomplete="current-password"' in page.text
    assert hidden_return(page.text) == asked
    assert "Sign in to continue" not in page.text

    member = await make_staff(conn, "medlem@exempel.se", "nag-hjartsvikt")
    secret = await enrol_totp(conn, member)
    # The page's own form, as the browser sends it.
    second_step = await password(
        client, "medlem@exempel.se", STAFF_PASSWORD, tillbaka=hidden_return(page.text) or ""
    )
    assert (
        second_step
        == "/logga-in/kod?tillbaka=%2Farbetsgrupp%2Fnag-hjartsvikt%2Finkorg%3Fstatus%3Drouted"
    )
    form = await client.get(second_step)
    assert form.status_code == 200
    assert hidden_return(form.text) == asked
    done = await client.post(
        "/logga-in/kod",
        data={"code": pyotp.TOTP(secret).now(), "tillbaka": asked},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == asked
    assert (await client.get(asked)).status_code == 200


async def test_a_wrong_password_keeps_the_return_path(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_person(conn, "pat@exempel.se")
    wrong = await client.post(
        "/logga-in",
        data={"email": "pat@exempel.se", "password": "fel lösenord", "tillbaka": "/konto"},
    )
    assert wrong.status_code == 401
    assert hidden_return(wrong.text) == "/konto"
    assert await password(client, "pat@exempel.se", MEMBER_PASSWORD, tillbaka="/konto") == "/konto"


async def test_the_login_page_takes_the_return_path_from_its_address(client: Client) -> None:
    page = await client.get("/logga-in", params={"tillbaka": "/moderering"})
    assert hidden_return(page.text) == "/moderering"
    plain = await client.get("/logga-in")
    assert hidden_return(plain.text) is None


async def test_without_a_return_path_everyone_lands_on_their_start_page(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_person(conn, "pat@exempel.se")
    assert await password(client, "pat@exempel.se", MEMBER_PASSWORD) == START


async def test_a_new_staff_member_enrols_and_then_comes_back(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    setup = await password(client, "mod@exempel.se", STAFF_PASSWORD, tillbaka="/moderering")
    assert setup == "/konto/tvastegsverifiering?tillbaka=%2Fmoderering"
    page = await client.get(setup)
    assert hidden_return(page.text) == "/moderering"
    secret = page.text.split('<code class="secret">')[1].split("<")[0]
    codes = await client.post(
        "/konto/tvastegsverifiering",
        data={"code": pyotp.TOTP(secret).now(), "tillbaka": "/moderering"},
    )
    assert "Spara reservkoderna nu" in codes.text
    assert '<a href="/moderering">Fortsätt till sidan du ville öppna</a>' in codes.text


async def test_no_return_path_leads_to_another_site(
    client: Client, conn: asyncpg.Connection
) -> None:
    """After the password, after the second step, after signing out, and on the pages that
    carry the path on: each attack value gives the start page (checked by breaking
    safe_return: this test then fails)."""
    await make_person(conn, "pat@exempel.se")
    for n, attack in enumerate(ATTACKS):
        form = await client.get("/logga-in", params={"tillbaka": attack})
        # (A NUL in the address is refused before any page: web/boundary.py.)
        assert form.status_code in (200, 400), repr(attack)
        assert hidden_return(form.text) is None, repr(attack)
        landed = await password(client, "pat@exempel.se", MEMBER_PASSWORD, tillbaka=attack)
        assert landed == START, repr(attack)
        out = await client.post("/logga-ut", data={"tillbaka": attack}, follow_redirects=False)
        assert out.headers["location"] == "/", repr(attack)

        # A code works once per account: a moderator of its own for each value.
        email = f"mod{n}@exempel.se"
        secret = await enrol_totp(conn, await make_staff(conn, email, role=RoleChoice.MODERATOR))
        second_step = await password(client, email, STAFF_PASSWORD, tillbaka=attack)
        assert second_step == "/logga-in/kod", repr(attack)
        step_form = await client.get("/logga-in/kod", params={"tillbaka": attack})
        assert step_form.status_code in (200, 400), repr(attack)
        assert hidden_return(step_form.text) is None, repr(attack)
        done = await client.post(
            "/logga-in/kod",
            data={"code": pyotp.TOTP(secret).now(), "tillbaka": attack},
            follow_redirects=False,
        )
        assert done.headers["location"] == START, repr(attack)
        await client.post("/logga-ut")


async def test_the_403_page_says_in_swedish_what_to_do(
    client: Client, conn: asyncpg.Connection
) -> None:
    member = await make_staff(conn, "medlem@exempel.se", "nag-hjartsvikt")
    await sign_in_staff(client, conn, member)
    page = await client.get("/moderering?dokument=x")
    assert page.status_code == 403
    assert "<h1>Du har inte behörighet</h1>" in page.text
    assert "Ditt konto har inte behörighet att öppna den här sidan." in page.text
    assert "be en administratör för medskapa" in page.text
    assert "logga ut och logga in med det" in page.text
    assert '<a href="/mina-uppgifter">Till Mina uppgifter</a>' in page.text
    assert hidden_return(page.text) == "/moderering?dokument=x"
    assert "You do not have access" not in page.text
    # Signing out from there leads to the login form, which comes back to the page.
    out = await client.post(
        "/logga-ut", data={"tillbaka": "/moderering?dokument=x"}, follow_redirects=False
    )
    assert out.headers["location"] == "/logga-in?tillbaka=%2Fmoderering%3Fdokument%3Dx"

    # The API answers as before: problem details, in English.
    await sign_in_staff(client, conn, member)
    api = await client.get("/api/v1/moderation/queue")
    assert api.status_code == 403
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["title"] == "Forbidden"


async def test_a_patient_on_a_staff_page_is_told_it_is_staff_work(
    client: Client, conn: asyncpg.Connection
) -> None:
    """A session without the second factor gets 401 from a staff page (security/permissions.py
    asks for the factor first); the page says what that means for someone who is not staff."""
    await sign_in(client, conn, await make_person(conn, "pat@exempel.se"))
    page = await client.get("/moderering")
    assert page.status_code == 401
    assert "<h1>Du behöver logga in i två steg</h1>" in page.text
    assert "Den här sidan är för personal" in page.text
    assert "be en administratör för medskapa" in page.text
    assert "Logga ut och logga in med ett annat konto" in page.text
    assert "inte koden från din app" not in page.text


async def test_the_401_answer_of_the_api_stays_problem_details(client: Client) -> None:
    api = await client.get("/api/v1/moderation/queue")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["title"] == "Unauthorized"


async def test_a_signed_out_form_post_shows_the_login_form_without_a_return_path(
    bare_client: Client,
) -> None:
    """Only a page one can open again is gone back to: not a form that was sent."""
    await bare_client.get("/")
    response = await bare_client.post(
        "/arbetsgrupp/nag-hjartsvikt/planerade",
        data={"_csrf_token": ""},
        headers={"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 401
    assert 'action="/logga-in"' in response.text
    assert hidden_return(response.text) is None
