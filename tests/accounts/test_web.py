from __future__ import annotations

import datetime as dt

import asyncpg
import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, create_user
from medskapa.accounts.signin_service import ACCOUNT_SLOWDOWN_AFTER
from medskapa.security.sessions import token_hash
from tests.factories import csrf_follows_cookie

Client = AsyncTestClient[Litestar]
COOKIE = "__Host-medskapa"
PATIENT_PASSWORD = "rabarber och vinbär i juli"
STAFF_PASSWORD = "sju sorters kakor till kaffet"
NOW = dt.datetime.now(dt.UTC)


async def make_user(
    conn: asyncpg.Connection,
    email: str = "pat@exempel.se",
    role: RoleChoice = RoleChoice.PATIENT,
    password: str = PATIENT_PASSWORD,
    group: str | None = None,
) -> int:
    return await create_user(conn, email=email, password=password, role=role, now=NOW, group=group)


async def login(client: Client, email: str, password: str) -> int:
    response = await client.post(
        "/logga-in", data={"email": email, "password": password}, follow_redirects=False
    )
    return response.status_code


async def test_register_confirm_and_log_in(client: Client, conn: asyncpg.Connection) -> None:
    response = await client.post(
        "/konto/registrera",
        data={
            "email": "ny@exempel.se",
            "password": PATIENT_PASSWORD,
            "password_again": PATIENT_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Kontrollera din e-post" in response.text
    message = await conn.fetchrow("SELECT template, context, user_id FROM outbox_messages")
    assert message["template"] == "confirm_email"
    link = message["context"]["link"]
    token = link.split("token=")[1]

    assert await login(client, "ny@exempel.se", PATIENT_PASSWORD) == 401  # not confirmed yet
    page = await client.get("/konto/bekrafta", params={"token": token})
    assert 'name="token"' in page.text
    confirmed = await client.post("/konto/bekrafta", data={"token": token})
    assert "E-postadressen är bekräftad" in confirmed.text
    again = await client.post("/konto/bekrafta", data={"token": token})
    assert again.status_code == 422  # single use

    assert await login(client, "ny@exempel.se", PATIENT_PASSWORD) == 303
    me = await client.get("/api/v1/me")
    assert me.json()["email"] == "ny@exempel.se"


async def test_registering_a_taken_address_looks_the_same(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_user(conn)
    response = await client.post(
        "/konto/registrera",
        data={
            "email": "pat@exempel.se",
            "password": PATIENT_PASSWORD,
            "password_again": PATIENT_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Kontrollera din e-post" in response.text
    assert await conn.fetchval("SELECT template FROM outbox_messages") == "account_exists"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort", "Lösenordet är för kort"),
        # ASVS V2.1.1: 12 characters, runs of spaces counted as one.
        ("elva tecken", "Lösenordet är för kort"),
        ("elva      tecken", "Lösenordet är för kort"),
        ("password1234", "för vanligt"),
        ("lösenord12345", "för lätt att gissa"),
        ("x" * 129, "högst 128 tecken"),
        # Variants of common passwords: a word, a year, a sign.
        ("Password123!", "för lätt att gissa"),
        ("Sommaren2024!", "för lätt att gissa"),
        ("Vintern2025?", "för lätt att gissa"),
        ("Medskapa2026!", "för lätt att gissa"),
    ],
)
async def test_weak_passwords_are_refused(client: Client, password: str, message: str) -> None:
    response = await client.post(
        "/konto/registrera",
        data={"email": "ny@exempel.se", "password": password, "password_again": password},
    )
    assert response.status_code == 422
    assert message in response.text


async def test_planted_session_cookie_is_replaced_at_login(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_user(conn)
    client.cookies.set(COOKIE, "planted-by-an-attacker", domain="127.0.0.1")
    assert await login(client, "pat@exempel.se", PATIENT_PASSWORD) == 303
    token = client.cookies[COOKIE]
    assert token != "planted-by-an-attacker"
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM sessions WHERE token_hash = $1",
            token_hash("planted-by-an-attacker"),
        )
        == 0
    )


async def test_each_login_gets_a_new_token_and_the_old_session_ends(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_user(conn)
    await login(client, "pat@exempel.se", PATIENT_PASSWORD)
    first = client.cookies[COOKIE]
    await login(client, "pat@exempel.se", PATIENT_PASSWORD)
    second = client.cookies[COOKIE]
    assert first != second
    assert await conn.fetchval("SELECT count(*) FROM sessions") == 1


async def test_logged_out_session_is_refused(client: Client, conn: asyncpg.Connection) -> None:
    await make_user(conn)
    await login(client, "pat@exempel.se", PATIENT_PASSWORD)
    token = client.cookies[COOKIE]
    assert (await client.get("/api/v1/me")).status_code == 200
    logout = await client.post("/logga-ut", follow_redirects=False)
    assert logout.status_code == 303
    client.cookies.set(COOKIE, token, domain="127.0.0.1")
    assert (await client.get("/api/v1/me")).status_code == 401
    page = await client.get("/konto")
    assert page.status_code == 401


async def test_revoked_session_is_refused(client: Client, conn: asyncpg.Connection) -> None:
    await make_user(conn)
    await login(client, "pat@exempel.se", PATIENT_PASSWORD)
    await conn.execute("DELETE FROM sessions")
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_login_errors_do_not_reveal_accounts(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_user(conn)
    wrong_password = await client.post(
        "/logga-in", data={"email": "pat@exempel.se", "password": "fel fel fel fel"}
    )
    no_account = await client.post(
        "/logga-in", data={"email": "ingen@exempel.se", "password": "fel fel fel fel"}
    )
    assert wrong_password.status_code == no_account.status_code == 401
    assert "Fel e-postadress eller lösenord." in wrong_password.text
    assert "Fel e-postadress eller lösenord." in no_account.text


async def test_many_wrong_passwords_slow_strangers_down_but_never_lock_out_the_owner(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    """An attacker's failures from many addresses do not lock the account: a browser that has
    signed in before gets straight in, a new one is slowed down (no password is checked while
    it must wait) and gets in once the pause has passed."""
    user_id = await make_user(conn)
    # The owner's browser has signed in before and keeps its device cookie.
    assert await login(client, "pat@exempel.se", PATIENT_PASSWORD) == 303
    await client.post("/logga-ut")
    from medskapa.security.secrets import RECEIPT_KEY, derive, instance_secret

    secret = await instance_secret(conn, RECEIPT_KEY)
    account_key = derive(secret, "login-account", "pat@exempel.se")
    # 100 failures from many clients within the hour, the last one just now.
    now = dt.datetime.now(dt.UTC)
    await conn.executemany(
        "INSERT INTO login_failures (account_key, client_key, failed_at) VALUES ($1, $2, $3)",
        [
            (
                account_key,
                derive(secret, "login-client", f"10.0.0.{i}"),
                now - dt.timedelta(seconds=100 - i),
            )
            for i in range(100)
        ],
    )
    assert ACCOUNT_SLOWDOWN_AFTER < 100
    assert await login(client, "pat@exempel.se", PATIENT_PASSWORD) == 303

    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    slowed = await bare_client.post(
        "/logga-in", data={"email": "pat@exempel.se", "password": PATIENT_PASSWORD}
    )
    assert slowed.status_code == 401
    assert "Vänta en minut" in slowed.text
    assert (
        await conn.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", user_id) == 1
    )  # the owner's only
    # The pause has passed: the right password works from the new browser too.
    await conn.execute("UPDATE login_failures SET failed_at = failed_at - interval '61 seconds'")
    ok = await bare_client.post(
        "/logga-in",
        data={"email": "pat@exempel.se", "password": PATIENT_PASSWORD},
        follow_redirects=False,
    )
    assert ok.status_code == 303


async def test_staff_need_a_second_factor(client: Client, conn: asyncpg.Connection) -> None:
    await make_user(conn, "mod@exempel.se", RoleChoice.MODERATOR, STAFF_PASSWORD)
    response = await client.post(
        "/logga-in",
        data={"email": "mod@exempel.se", "password": STAFF_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/konto/tvastegsverifiering"
    # Past the password only: signed in nowhere but on the second-step pages.
    assert (await client.get("/api/v1/me")).status_code == 401

    setup = await client.get("/konto/tvastegsverifiering")
    secret = setup.text.split('<code class="secret">')[1].split("<")[0]
    assert len(secret) == 32
    wrong = await client.post("/konto/tvastegsverifiering", data={"code": "000000"})
    assert wrong.status_code == 422
    codes_page = await client.post(
        "/konto/tvastegsverifiering", data={"code": pyotp.TOTP(secret).now()}
    )
    assert "Spara reservkoderna nu" in codes_page.text
    assert (await client.get("/api/v1/me")).json()["second_factor"] is True

    # Next login: the code (or a recovery code) is asked for.
    await client.post("/logga-ut")
    response = await client.post(
        "/logga-in",
        data={"email": "mod@exempel.se", "password": STAFF_PASSWORD},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/logga-in/kod"
    recovery = codes_page.text.split("<code>")[1].split("</code>")[0]
    ok = await client.post("/logga-in/kod", data={"code": recovery}, follow_redirects=False)
    assert ok.status_code == 303
    assert (await client.get("/api/v1/me")).json()["second_factor"] is True
    await client.post("/logga-ut")
    await client.post("/logga-in", data={"email": "mod@exempel.se", "password": STAFF_PASSWORD})
    reused = await client.post("/logga-in/kod", data={"code": recovery})
    assert reused.status_code == 422


async def test_api_login_and_csrf_for_cookie_sessions(
    client: Client, conn: asyncpg.Connection
) -> None:
    await make_user(conn)
    response = await client.post(
        "/api/v1/auth/login", json={"email": "pat@exempel.se", "password": PATIENT_PASSWORD}
    )
    assert response.status_code == 200
    csrf = response.json()["csrf_token"]
    assert response.json()["second_factor_required"] is False
    missing = await client.post("/api/v1/auth/logout", headers={"x-csrf-token": ""})
    assert missing.status_code == 403
    foreign = await client.post("/api/v1/auth/logout", headers={"x-csrf-token": "x" * 43})
    assert foreign.status_code == 403
    ok = await client.post("/api/v1/auth/logout", headers={"x-csrf-token": csrf})
    assert ok.status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_api_login_failure_is_problem_json(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": "x@exempel.se", "password": "fel"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_change_password_ends_other_sessions(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    await make_user(conn)
    await login(client, "pat@exempel.se", PATIENT_PASSWORD)
    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    await login(bare_client, "pat@exempel.se", PATIENT_PASSWORD)
    new = "ett helt nytt lösenord i november"
    response = await client.post(
        "/konto/losenord",
        data={"current_password": PATIENT_PASSWORD, "new_password": new, "new_password_again": new},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert (await client.get("/api/v1/me")).status_code == 200
    assert (await bare_client.get("/api/v1/me")).status_code == 401
    assert await login(client, "pat@exempel.se", new) == 303
    wrong = await client.post(
        "/konto/losenord",
        data={"current_password": "fel", "new_password": new, "new_password_again": new},
    )
    assert wrong.status_code == 422
    assert "Lösenordet stämmer inte" in wrong.text


async def test_password_reset_link_is_single_use(client: Client, conn: asyncpg.Connection) -> None:
    await make_user(conn)
    same = await client.post("/konto/glomt-losenord", data={"email": "ingen@exempel.se"})
    sent = await client.post("/konto/glomt-losenord", data={"email": "pat@exempel.se"})
    assert "Om adressen har ett konto" in same.text
    assert "Om adressen har ett konto" in sent.text
    link = await conn.fetchval(
        "SELECT context->>'link' FROM outbox_messages WHERE template = 'password_reset'"
    )
    token = link.split("token=")[1]
    new = "nytt lösenord efter återställning"
    done = await client.post(
        "/konto/nytt-losenord",
        data={"token": token, "new_password": new, "new_password_again": new},
    )
    assert "Lösenordet är bytt" in done.text
    again = await client.post(
        "/konto/nytt-losenord",
        data={"token": token, "new_password": new + "x", "new_password_again": new + "x"},
    )
    assert again.status_code == 422
    assert await login(client, "pat@exempel.se", new) == 303


async def test_api_token_works_without_csrf_and_stops_when_revoked(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    await make_user(conn)
    await login(client, "pat@exempel.se", PATIENT_PASSWORD)
    page = await client.post("/konto/api-nycklar", data={"name": "Mitt skript"})
    token = page.text.split('id="api-nyckel">')[1].split("<")[0]
    assert token.startswith("mks_")
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM api_tokens WHERE token_hash = $1", token_hash(token)
        )
        == 1
    )
    headers = {"Authorization": f"Bearer {token}"}
    me = await bare_client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["email"] == "pat@exempel.se"
    token_id = await conn.fetchval("SELECT id FROM api_tokens")
    await client.post("/konto/api-nycklar/aterkalla", data={"token_id": str(token_id)})
    assert (await bare_client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_list_and_revoke_own_sessions_and_logout_everywhere(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    await make_user(conn)
    await login(client, "pat@exempel.se", PATIENT_PASSWORD)
    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    await login(bare_client, "pat@exempel.se", PATIENT_PASSWORD)
    page = await client.get("/konto")
    assert page.text.count('action="/konto/sessioner/avsluta"') == 1  # not for this one
    other = token_hash(bare_client.cookies[COOKIE]).hex()[:16]
    assert other in page.text
    await client.post("/konto/sessioner/avsluta", data={"session": other})
    assert (await bare_client.get("/api/v1/me")).status_code == 401
    await client.post("/konto/sessioner/avsluta-alla")
    assert await conn.fetchval("SELECT count(*) FROM sessions") == 0


async def test_delete_account_removes_address_and_keeps_trail(
    client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_user(conn)
    await login(client, "pat@exempel.se", PATIENT_PASSWORD)
    response = await client.post("/konto/radera", data={"password": PATIENT_PASSWORD})
    assert "Kontot är raderat" in response.text
    row = await conn.fetchrow("SELECT email, deleted_at FROM users WHERE id = $1", user_id)
    assert "pat@exempel.se" not in row["email"]
    assert row["deleted_at"] is not None
    assert await conn.fetchval("SELECT count(*) FROM sessions") == 0
    actions = await conn.fetch(
        "SELECT action FROM audit_events WHERE subject_type = 'user' AND subject_id = $1",
        str(user_id),
    )
    assert actions[-1]["action"] == "user.deleted"
    assert await login(client, "pat@exempel.se", PATIENT_PASSWORD) == 401
