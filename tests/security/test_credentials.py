"""Credentials end when they should, and nothing can be asked for without limit (issue 12,
findings 6, 7, 8, 11 and the CSRF binding of 12)."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, set_role
from medskapa.accounts.registration_service import MAIL_ACCOUNT_LIMIT, MAIL_CLIENT_LIMIT
from medskapa.accounts.signin_service import ACCOUNT_SLOWDOWN_AFTER, SLOWDOWN
from medskapa.security.proxies import client_address, parse_networks
from medskapa.settings import Settings, SettingsError
from tests.factories import (
    FIXED_NOW,
    MEMBER_PASSWORD,
    csrf_follows_cookie,
    make_person,
    sign_in,
)
from tests.live import running_server

Client = AsyncTestClient[Litestar]
NEW_PASSWORD = "ett helt nytt lösenord i december"


async def login(client: Client, email: str, password: str = MEMBER_PASSWORD) -> int:
    response = await client.post(
        "/logga-in", data={"email": email, "password": password}, follow_redirects=False
    )
    return response.status_code


async def new_token(client: Client, name: str = "skript") -> dict[str, str]:
    page = await client.post("/konto/api-nycklar", data={"name": name})
    assert page.status_code == 200
    token = page.text.split('id="api-nyckel">')[1].split("<")[0]
    return {"Authorization": f"Bearer {token}"}


async def still_works(client: Client, headers: dict[str, str]) -> bool:
    return (await client.get("/api/v1/me", headers=headers)).status_code == 200


async def reset_link(client: Client, conn: asyncpg.Connection, email: str) -> str:
    await client.post("/konto/glomt-losenord", data={"email": email})
    link = await conn.fetchval(
        "SELECT context->>'link' FROM outbox_messages WHERE template = 'password_reset' "
        "ORDER BY id DESC LIMIT 1"
    )
    return link.split("token=")[1]


async def use_reset(client: Client, token: str, password: str = NEW_PASSWORD) -> httpx.Response:
    return await client.post(
        "/konto/nytt-losenord",
        data={"token": token, "new_password": password, "new_password_again": password},
    )


# ------------------------------------------------------------------ finding 6


@pytest.mark.parametrize(
    "ending", ["logout_everywhere", "password_change", "password_reset", "role_change"]
)
async def test_api_tokens_end_with_the_credentials_they_came_from(
    client: Client, bare_client: Client, conn: asyncpg.Connection, ending: str
) -> None:
    user_id = await make_person(conn, "pat@exempel.se")
    await sign_in(client, conn, user_id)
    headers = await new_token(client)
    assert await still_works(bare_client, headers)

    if ending == "logout_everywhere":
        await client.post("/konto/sessioner/avsluta-alla")
        expected = "du loggade ut överallt"
    elif ending == "password_change":
        changed = await client.post(
            "/konto/losenord",
            data={
                "current_password": MEMBER_PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_again": NEW_PASSWORD,
            },
            follow_redirects=False,
        )
        assert changed.status_code == 303
        expected = "lösenordet byttes"
    elif ending == "password_reset":
        done = await use_reset(client, await reset_link(client, conn, "pat@exempel.se"))
        assert "Lösenordet är bytt" in done.text
        expected = "lösenordet återställdes"
    else:
        await set_role(
            conn,
            email="pat@exempel.se",
            role=RoleChoice.ORGANISATION_MEMBER,
            organisation=await _an_organisation(conn),
            now=FIXED_NOW,
        )
        expected = "dina roller har ändrats"
    assert not await still_works(bare_client, headers)
    if ending in ("password_change", "password_reset"):
        told = await conn.fetchval(
            "SELECT context->>'how' FROM outbox_messages WHERE template = 'password_changed' "
            "AND user_id = $1",
            user_id,
        )
        assert told == ("reset" if ending == "password_reset" else "changed")

    # The token list says which keys work and why the others ended.
    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    password = MEMBER_PASSWORD if ending in ("logout_everywhere", "role_change") else NEW_PASSWORD
    assert await login(bare_client, "pat@exempel.se", password) == 303
    page = await bare_client.get("/konto")
    assert "skript" in page.text
    assert f"Nej – {expected}" in page.text
    fresh = await new_token(bare_client, "ny")
    assert await still_works(client, fresh)
    assert "<td>Ja, till " in (await bare_client.get("/konto")).text


async def _an_organisation(conn: asyncpg.Connection) -> str:
    await conn.execute(
        "INSERT INTO organisations (slug, name, verified_at) VALUES ('forening', 'Förening', now())"
    )
    return "forening"


async def test_api_tokens_expire_after_ninety_days(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_person(conn, "pat@exempel.se")
    await sign_in(client, conn, user_id)
    headers = await new_token(client)
    me = (await bare_client.get("/api/v1/me", headers=headers)).json()
    expires = dt.datetime.fromisoformat(me["token"]["expires_at"])
    created = dt.datetime.fromisoformat(me["token"]["created_at"])
    assert expires - created == dt.timedelta(days=90)
    await conn.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second'")
    assert not await still_works(bare_client, headers)
    assert "Nej – giltighetstiden (90 dagar) har gått ut" in (await client.get("/konto")).text


# ------------------------------------------------------------------ finding 7


async def test_a_reset_ends_every_other_reset_link_and_every_session(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_person(conn, "pat@exempel.se")
    await sign_in(bare_client, conn, user_id)
    older = await reset_link(client, conn, "pat@exempel.se")
    newer = await reset_link(client, conn, "pat@exempel.se")
    assert older != newer
    assert "Lösenordet är bytt" in (await use_reset(client, newer)).text
    again = await use_reset(client, older, "ännu ett nytt lösenord för kontot")
    assert again.status_code == 422
    assert "Länken är ogiltig" in again.text
    assert await login(client, "pat@exempel.se", NEW_PASSWORD) == 303
    assert (await bare_client.get("/konto")).status_code == 401
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM email_tokens WHERE user_id = $1 AND used_at IS NULL", user_id
        )
        == 0
    )


async def test_a_password_change_ends_outstanding_reset_links(
    client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_person(conn, "pat@exempel.se")
    link = await reset_link(client, conn, "pat@exempel.se")
    await sign_in(client, conn, user_id)
    await client.post(
        "/konto/losenord",
        data={
            "current_password": MEMBER_PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert (await use_reset(client, link, "ett lösenord som angriparen valde")).status_code == 422


# ------------------------------------------------------------------ finding 8


async def test_reset_mail_is_limited_per_address_without_telling_which_exist(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_person(conn, "pat@exempel.se")
    answers = []
    for email in ["pat@exempel.se"] * 6 + ["ingen@exempel.se"] * 4:
        response = await client.post("/konto/glomt-losenord", data={"email": email})
        answers.append((response.status_code, "Om adressen har ett konto" in response.text))
    assert set(answers) == {(200, True)}
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM outbox_messages WHERE template = 'password_reset'"
        )
        == MAIL_ACCOUNT_LIMIT.hits
    )
    # Counted in PostgreSQL under keyed hashes: no address is stored with the counts.
    buckets = [r[0] for r in await conn.fetch("SELECT bucket FROM rate_limits")]
    assert buckets
    assert not any("exempel" in b for b in buckets)


async def test_reset_and_registration_mail_is_limited_per_client(
    client: Client, conn: asyncpg.Connection
) -> None:
    statuses = []
    for i in range(MAIL_CLIENT_LIMIT.hits):
        response = await client.post("/konto/glomt-losenord", data={"email": f"x{i}@exempel.se"})
        statuses.append(response.status_code)
    assert set(statuses) == {200}
    refused = await client.post("/konto/glomt-losenord", data={"email": "pat@exempel.se"})
    assert refused.status_code == 429
    assert "Du har bett om många brev" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    registered = await client.post(
        "/konto/registrera",
        data={
            "email": "ny@exempel.se",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert registered.status_code == 429
    assert await conn.fetchval("SELECT count(*) FROM users WHERE email = 'ny@exempel.se'") == 0


async def test_registration_mail_to_a_taken_address_is_limited(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_person(conn, "pat@exempel.se")
    for _ in range(MAIL_ACCOUNT_LIMIT.hits + 3):
        response = await client.post(
            "/konto/registrera",
            data={
                "email": "pat@exempel.se",
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
        )
        assert "Kontrollera din e-post" in response.text
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM outbox_messages WHERE template = 'account_exists'"
        )
        == MAIL_ACCOUNT_LIMIT.hits
    )


# ------------------------------------------------------------------ CSRF bound to the session


async def test_a_csrf_token_works_only_for_its_own_session(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    victim = await make_person(conn, "offer@exempel.se")
    attacker = await make_person(conn, "angripare@exempel.se")
    await sign_in(client, conn, victim)
    await sign_in(bare_client, conn, attacker)
    attackers_token = bare_client.cookies.get("__Host-csrf", domain="127.0.0.1")
    forged = await client.post(
        "/konto/api-nycklar",
        data={"name": "stöld", "_csrf_token": attackers_token},
        headers={"x-csrf-token": ""},
    )
    assert forged.status_code == 403
    # A token the browser held before signing in (e.g. one planted by someone) is refused too.
    before_login = secrets.token_urlsafe(32)
    refused = await client.post(
        "/konto/api-nycklar", data={"name": "stöld"}, headers={"x-csrf-token": before_login}
    )
    assert refused.status_code == 403
    assert await conn.fetchval("SELECT count(*) FROM api_tokens") == 0
    # The session's own token, as its pages render it, works.
    page = await client.get("/konto")
    own = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    made = await client.post(
        "/konto/api-nycklar",
        data={"name": "eget", "_csrf_token": own},
        headers={"x-csrf-token": ""},
    )
    assert made.status_code == 200


async def test_a_planted_csrf_cookie_does_not_let_a_forged_form_through(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    """The attack the binding stops: a token the attacker knows is planted as the victim's CSRF
    cookie (cookie tossing from a sibling host, or a plain-http response), then a form on
    another site sends it. Before, the double-submit check compared the form with that cookie
    and let it through."""
    victim = await make_person(conn, "offer@exempel.se")
    await sign_in(client, conn, victim)
    known = secrets.token_urlsafe(32)
    client.cookies.set("__Host-csrf", known, domain="127.0.0.1", path="/")
    forged = await client.post(
        "/konto/api-nycklar",
        data={"name": "stöld", "_csrf_token": known},
        headers={"x-csrf-token": ""},
    )
    assert forged.status_code == 403
    assert await conn.fetchval("SELECT count(*) FROM api_tokens") == 0


# ------------------------------------------------------------------ finding 11


def test_forwarded_for_is_read_only_from_trusted_proxies() -> None:
    proxies = parse_networks("10.0.0.0/8, 192.0.2.1")
    assert client_address("203.0.113.9", "127.0.0.1", ()) == "203.0.113.9"
    assert client_address("127.0.0.1", "198.51.100.7", ()) == "127.0.0.1"
    assert client_address("10.1.2.3", "198.51.100.7", proxies) == "198.51.100.7"
    # A client's own header is to the left of what the proxies appended.
    assert client_address("10.1.2.3", "127.0.0.1, 198.51.100.7, 192.0.2.1", proxies) == (
        "198.51.100.7"
    )
    assert client_address("10.1.2.3", "not-an-address", proxies) == "10.1.2.3"
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        parse_networks("10.0.0.300")


async def test_a_client_cannot_choose_its_identity_with_x_forwarded_for(
    conn: asyncpg.Connection, database_url: str
) -> None:
    """Over real TCP from 127.0.0.1: without trusted proxies every X-Forwarded-For is one and
    the same client, so the limit holds; behind a trusted proxy, the proxy's view counts."""

    async def lookups_from_five_addresses(env: dict[str, str]) -> list[int]:
        with running_server(database_url, env=env) as (base_url, _):
            async with httpx.AsyncClient(base_url=base_url) as http:
                return [
                    (
                        await http.post(
                            "/api/v1/receipts/lookup",
                            json={"code": "0000-0000-0000-0000"},
                            headers={"X-Forwarded-For": f"198.51.100.{i}"},
                        )
                    ).status_code
                    for i in range(5)
                ]

    limit = {"MEDSKAPA_RECEIPT_LOOKUP_LIMIT": "3"}
    assert await lookups_from_five_addresses(limit) == [404, 404, 404, 429, 429]
    await conn.execute("DELETE FROM rate_limits")
    proxied = {**limit, "MEDSKAPA_TRUSTED_PROXIES": "127.0.0.1"}
    assert await lookups_from_five_addresses(proxied) == [404] * 5


# ------------------------------------------------------------------ reporting a vulnerability


async def test_security_txt_says_where_to_report(client: Client) -> None:
    response = await client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    fields = dict(
        line.split(": ", 1) for line in response.text.splitlines() if line and line[0] != "#"
    )
    assert fields["Contact"] == "mailto:sakerhet@medskapa.invalid"
    expires = dt.datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert dt.timedelta(days=30) < expires - dt.datetime.now(dt.UTC) < dt.timedelta(days=365)
    assert fields["Canonical"].endswith("/.well-known/security.txt")


def test_a_security_contact_must_be_a_uri() -> None:
    with pytest.raises(SettingsError, match="MEDSKAPA_SECURITY_CONTACT"):
        Settings.from_env({"MEDSKAPA_SECURITY_CONTACT": "sakerhet@region.se"})


async def test_guesses_sent_all_at_once_do_not_slip_past_the_slowdown(
    client: Client, conn: asyncpg.Connection
) -> None:
    """After the account has had its share of failures, forty guesses sent at the same moment
    get one password check between them (attempts take turns on the account's lock), so no
    more than ACCOUNT_SLOWDOWN_AFTER + 60 guesses an hour are ever checked (ASVS 2.2.1)."""
    await make_person(conn, "pat@exempel.se")
    for i in range(ACCOUNT_SLOWDOWN_AFTER):
        assert await login(client, "pat@exempel.se", f"fel gissning nummer {i}") == 401
    await conn.execute("UPDATE login_failures SET failed_at = failed_at - interval '61 seconds'")
    answers = await asyncio.gather(
        *(
            client.post(
                "/logga-in", data={"email": "pat@exempel.se", "password": f"gissning {i} av 40"}
            )
            for i in range(40)
        )
    )
    assert sum("Fel e-postadress eller lösenord" in a.text for a in answers) == 1
    assert sum("Vänta en minut" in a.text for a in answers) == 39
    assert await conn.fetchval("SELECT count(*) FROM login_failures") == (
        ACCOUNT_SLOWDOWN_AFTER + 1
    )
    assert ACCOUNT_SLOWDOWN_AFTER + 3600 // SLOWDOWN.total_seconds() <= 100
