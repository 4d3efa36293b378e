"""The staff second factor cannot be walked around (issue 12, findings 1–4 and 6).

Each test drives the running app over HTTP against real PostgreSQL, as an attacker who knows a
staff member's password (but not their second factor) would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from urllib.parse import quote

import asyncpg
import httpx
import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, set_role
from medskapa.accounts.second_factor_service import TOTP_FAILURE_LIMITS
from medskapa.app import create_app
from medskapa.security.factors import FactorBox, seal_plain_secrets
from medskapa.settings import Settings
from tests.factories import (
    FIXED_NOW,
    STAFF_PASSWORD,
    TEST_SECRET,
    csrf_follows_cookie,
    enrol_totp,
    make_feedback,
    make_person,
    make_staff,
    route_to,
    sign_in_staff,
)

Client = AsyncTestClient[Litestar]
GROUP = "nag-hjartsvikt"


async def fresh_browser(settings: Settings) -> Client:
    """A second browser, served by an app instance of its own (as a second worker)."""
    client = AsyncTestClient(app=create_app(settings), base_url="https://127.0.0.1")
    await client.__aenter__()
    csrf_follows_cookie(client)
    await client.get("/")
    return client


async def password_only(client: Client, email: str) -> None:
    response = await client.post(
        "/logga-in", data={"email": email, "password": STAFF_PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] in ("/logga-in/kod", "/konto/tvastegsverifiering")


def code_at(secret: str, moment: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def shown_secret(page: httpx.Response) -> str:
    return page.text.split('<code class="secret">')[1].split("<")[0]


async def stored_secret(conn: asyncpg.Connection, user_id: int) -> str | None:
    """The enrolled secret, opened with the service's key (the database holds it sealed)."""
    stored = await conn.fetchval("SELECT totp_secret FROM users WHERE id = $1", user_id)
    return FactorBox(TEST_SECRET).open(stored, user_id)


# ------------------------------------------------------------------ finding 1


async def test_enrolled_secret_is_never_shown_to_a_password_only_session(
    client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_staff(conn, "lead@exempel.se", GROUP, RoleChoice.GROUP_LEAD)
    secret = await enrol_totp(conn, user_id)
    await password_only(client, "lead@exempel.se")

    page = await client.get("/konto/tvastegsverifiering", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/logga-in/kod"
    assert secret not in (await client.get("/konto/tvastegsverifiering")).text
    # Trying to enrol anew (to replace the factor) is sent to the second step too.
    again = await client.post(
        "/konto/tvastegsverifiering",
        data={"code": code_at(secret, dt.datetime.now(dt.UTC))},
        follow_redirects=False,
    )
    assert again.headers["location"] == "/logga-in/kod"
    assert await stored_secret(conn, user_id) == secret
    assert (await client.get("/arbetsgrupp")).status_code == 401


async def test_enrolment_shows_each_session_a_secret_of_its_own(
    settings: Settings, client: Client, conn: asyncpg.Connection
) -> None:
    await make_staff(conn, "ny@exempel.se", GROUP)
    other = await fresh_browser(settings)
    try:
        await password_only(client, "ny@exempel.se")
        await password_only(other, "ny@exempel.se")
        mine = await conn.fetchval(
            "SELECT totp_pending_secret FROM sessions WHERE totp_pending_secret IS NOT NULL"
        )
        assert mine is None  # nothing is made before the page is opened
        first = await client.get("/konto/tvastegsverifiering")
        second = await other.get("/konto/tvastegsverifiering")
        stored = await conn.fetch(
            "SELECT totp_pending_secret FROM sessions WHERE totp_pending_secret IS NOT NULL"
        )
        assert len({r[0] for r in stored}) == 2
        own, theirs = shown_secret(first), shown_secret(second)
        assert own != theirs
        # Sealed in the database: neither secret can be read from it.
        assert not any(own in r[0] or theirs in r[0] for r in stored)
        # A mistyped code keeps the same secret on the page.
        mistyped = await client.post("/konto/tvastegsverifiering", data={"code": "000000"})
        assert mistyped.status_code == 422
        assert own in mistyped.text
        done = await client.post(
            "/konto/tvastegsverifiering", data={"code": code_at(own, dt.datetime.now(dt.UTC))}
        )
        assert "Spara reservkoderna nu" in done.text
        user_id = await conn.fetchval("SELECT id FROM users WHERE email = 'ny@exempel.se'")
        assert await stored_secret(conn, user_id) == own
        # The owner is told, in case it was someone else with their session.
        told = await conn.fetchval(
            "SELECT context->>'how' FROM outbox_messages WHERE user_id = $1 "
            "AND template = 'second_factor_changed'",
            user_id,
        )
        assert told == "enabled"
        assert (await client.get("/arbetsgrupp")).status_code == 200
        # The other session's secret was never enrolled; it now has to pass the second step.
        assert (await other.get("/konto/tvastegsverifiering", follow_redirects=False)).headers[
            "location"
        ] == "/logga-in/kod"
    finally:
        await other.__aexit__(None, None, None)


async def test_moving_the_factor_needs_the_current_one_and_ends_everything_else(
    settings: Settings, client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    old = await enrol_totp(conn, user_id)
    await sign_in_staff(client, conn, user_id)
    elsewhere = await fresh_browser(settings)
    try:
        await sign_in_staff(elsewhere, conn, user_id)
        token_page = await client.post("/konto/api-nycklar", data={"name": "skript"})
        assert token_page.status_code == 200

        page = await client.get("/konto/tvastegsverifiering")
        assert 'name="current_code"' in page.text
        assert old not in page.text
        new = shown_secret(page)
        now = dt.datetime.now(dt.UTC)
        wrong = await client.post(
            "/konto/tvastegsverifiering",
            data={"current_code": "123456", "code": code_at(new, now)},
        )
        assert wrong.status_code == 422
        assert "nuvarande app" in wrong.text
        assert await stored_secret(conn, user_id) == old

        moved = await client.post(
            "/konto/tvastegsverifiering",
            data={"current_code": code_at(old, now), "code": code_at(new, now)},
        )
        assert "Spara reservkoderna nu" in moved.text
        assert await stored_secret(conn, user_id) == new
        assert (await elsewhere.get("/moderering")).status_code == 401
        assert (
            await conn.fetchval("SELECT ended_reason FROM api_tokens WHERE user_id = $1", user_id)
            == "second_factor_changed"
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM outbox_messages WHERE user_id = $1 "
                "AND template = 'second_factor_changed'",
                user_id,
            )
            == 1
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM audit_events WHERE subject_id = $1 "
                "AND action = 'user.totp_changed'",
                str(user_id),
            )
            == 1
        )
    finally:
        await elsewhere.__aexit__(None, None, None)


async def test_an_admin_resets_a_lost_factor_audited(
    client: Client, conn: asyncpg.Connection
) -> None:
    admin = await make_staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
    member = await make_staff(conn, "glomsk@exempel.se", GROUP)
    await enrol_totp(conn, member)
    await sign_in_staff(client, conn, admin)
    unknown = await client.post(
        "/admin/anvandare/tvastegsverifiering", data={"email": "ingen@exempel.se"}
    )
    assert unknown.status_code == 422
    assert "Det finns inget konto" in unknown.text
    done = await client.post(
        "/admin/anvandare/tvastegsverifiering",
        data={"email": "glomsk@exempel.se"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert await conn.fetchval("SELECT totp_confirmed_at FROM users WHERE id = $1", member) is None
    event = await conn.fetchrow(
        "SELECT actor FROM audit_events WHERE subject_id = $1 "
        "AND action = 'user.second_factor_reset'",
        str(member),
    )
    assert event["actor"] == f"user:{admin}"
    assert (
        await conn.fetchval(
            "SELECT context->>'how' FROM outbox_messages WHERE user_id = $1", member
        )
        == "reset"
    )


# ------------------------------------------------------------------ finding 2


async def test_a_password_only_staff_session_cannot_make_an_api_token(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await enrol_totp(conn, user_id)
    await password_only(client, "mod@exempel.se")
    made = await client.post("/konto/api-nycklar", data={"name": "stöld"})
    assert made.status_code == 401
    assert "mks_" not in made.text
    assert await conn.fetchval("SELECT count(*) FROM api_tokens") == 0


async def test_a_token_says_what_it_may_do_and_carries_no_more_than_its_session(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, user_id)
    page = await client.post("/konto/api-nycklar", data={"name": "kö"})
    token = page.text.split('id="api-nyckel">')[1].split("<")[0]
    headers = {"Authorization": f"Bearer {token}"}
    me = (await bare_client.get("/api/v1/me", headers=headers)).json()
    assert me["via"] == "token"
    assert me["token"]["name"] == "kö"
    assert me["second_factor"] is True
    assert "moderate" in me["permissions"]
    assert "administer" not in me["permissions"]
    assert (await bare_client.get("/api/v1/moderation/queue", headers=headers)).status_code == 200

    # A token made with the second factor stops when the roles it was made under change.
    await set_role(conn, email="mod@exempel.se", role=RoleChoice.PATIENT, now=FIXED_NOW)
    assert (await bare_client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_a_patients_token_does_not_become_a_staff_token(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    """Made by a patient's session (no second factor needed then): when the patient later
    joins a subject group, the token ends instead of reading the group's inbox."""
    user_id = await make_person(conn, "pat@exempel.se")
    from tests.factories import sign_in

    await sign_in(client, conn, user_id)
    page = await client.post("/konto/api-nycklar", data={"name": "mitt"})
    token = page.text.split('id="api-nyckel">')[1].split("<")[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await bare_client.get("/api/v1/me", headers=headers)).json()["permissions"] == [
        "signed_in"
    ]
    await conn.execute(
        "INSERT INTO group_memberships (user_id, group_id, role) "
        "SELECT $1, id, 'member' FROM subject_groups WHERE slug = $2",
        user_id,
        GROUP,
    )
    inbox = await bare_client.get(f"/api/v1/groups/{GROUP}/inbox", headers=headers)
    assert inbox.status_code == 401
    assert await conn.fetchval("SELECT ended_reason FROM api_tokens") == "role_changed"


# ------------------------------------------------------------------ finding 3


async def test_wrong_codes_lock_the_second_step_and_tell_the_owner(
    client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_staff(conn, "lead@exempel.se", GROUP, RoleChoice.GROUP_LEAD)
    secret = await enrol_totp(conn, user_id)
    await password_only(client, "lead@exempel.se")
    limit = TOTP_FAILURE_LIMITS[0][0]
    right = code_at(secret, dt.datetime.now(dt.UTC))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    # Guesses sent all at once are counted one by one (the account's row is locked).
    answers = await asyncio.gather(
        *(client.post("/logga-in/kod", data={"code": wrong}) for _ in range(3 * limit))
    )
    assert {a.status_code for a in answers} == {422, 429}
    assert sum(a.status_code == 422 for a in answers) == limit - 1
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM second_factor_failures WHERE user_id = $1", user_id
        )
        == limit
    )

    locked = await client.post("/logga-in/kod", data={"code": right})
    assert locked.status_code == 429
    assert "För många felaktiga koder" in locked.text
    assert "spärrat till klockan" in locked.text
    assert (await client.get("/arbetsgrupp")).status_code == 401
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE subject_id = $1 "
            "AND action = 'user.second_factor_locked'",
            str(user_id),
        )
        == 1
    )
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM outbox_messages WHERE user_id = $1 "
            "AND template = 'second_factor_locked'",
            user_id,
        )
        == 1
    )

    # When the lock has passed the right code works again.
    await conn.execute(
        "UPDATE second_factor_failures SET failed_at = failed_at - interval '16 minutes'"
    )
    ok = await client.post("/logga-in/kod", data={"code": right}, follow_redirects=False)
    assert ok.status_code == 303
    assert (await client.get("/arbetsgrupp")).status_code == 200


async def test_a_code_works_once_even_in_two_sessions(
    settings: Settings, client: Client, conn: asyncpg.Connection
) -> None:
    user_id = await make_staff(conn, "lead@exempel.se", GROUP, RoleChoice.GROUP_LEAD)
    secret = await enrol_totp(conn, user_id)
    other = await fresh_browser(settings)
    try:
        await password_only(client, "lead@exempel.se")
        await password_only(other, "lead@exempel.se")
        code = code_at(secret, dt.datetime.now(dt.UTC))
        first = await client.post("/logga-in/kod", data={"code": code}, follow_redirects=False)
        assert first.status_code == 303
        replayed = await other.post("/logga-in/kod", data={"code": code})
        assert replayed.status_code == 422
        assert "En kod går bara att använda en gång" in replayed.text
        assert (await other.get("/arbetsgrupp")).status_code == 401
        # Someone else has seen a code: recorded, and the owner is told (ASVS 2.8.5).
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM audit_events WHERE subject_id = $1 "
                "AND action = 'user.second_factor_replayed'",
                str(user_id),
            )
            == 1
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM outbox_messages WHERE user_id = $1 "
                "AND template = 'second_factor_replayed'",
                user_id,
            )
            == 1
        )
    finally:
        await other.__aexit__(None, None, None)


# ------------------------------------------------------------------ finding 4


async def test_a_password_only_group_session_reads_nothing_and_changes_nothing(
    client: Client, conn: asyncpg.Connection
) -> None:
    """The reported case: the consultation's response table, and the password change."""
    member = await make_staff(conn, "medlem@exempel.se", GROUP)
    await enrol_totp(conn, member)
    item = await make_feedback(conn)
    await route_to(conn, item.id, GROUP)

    await password_only(client, "medlem@exempel.se")
    for path in (
        f"/arbetsgrupp/synpunkt/{item.id}",
        "/arbetsgrupp",
        f"/api/v1/groups/{GROUP}/inbox",
        "/konto",
        "/remisser/ny",
        # The reported table, with a real consultation: tests/organisations/test_web.py.
        "/remisser/1/svarssammanstallning",
    ):
        response = await client.get(path)
        assert response.status_code == 401, path
        if not path.startswith("/api/"):
            # The page says what is missing and links to it (and back here), in Swedish.
            assert "inte koden från din app" in response.text
            assert f'href="/logga-in/kod?tillbaka={quote(path, safe="")}"' in response.text
        assert "Avsnittet om uppföljning" not in response.text
    new = "ett helt nytt lösenord i december"
    changed = await client.post(
        "/konto/losenord",
        data={
            "current_password": STAFF_PASSWORD,
            "new_password": new,
            "new_password_again": new,
        },
    )
    assert changed.status_code == 401
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE action = 'user.password_changed'"
        )
        == 0
    )


@pytest.mark.parametrize("second_step", ["/logga-in/kod", "/konto/tvastegsverifiering"])
async def test_second_step_pages_answer_the_pending_session(
    client: Client, conn: asyncpg.Connection, second_step: str
) -> None:
    await make_staff(conn, "ny@exempel.se", GROUP)
    await password_only(client, "ny@exempel.se")
    response = await client.get(second_step)
    assert response.status_code == 200
    logout = await client.post("/logga-ut", follow_redirects=False)
    assert logout.status_code == 303
    assert await conn.fetchval("SELECT count(*) FROM sessions") == 0


async def test_second_factor_secrets_are_sealed_at_rest(
    client: Client, conn: asyncpg.Connection
) -> None:
    """A copy of the database gives neither TOTP secrets nor recovery codes, and someone who
    can write it cannot copy their own secret into another account (ASVS 2.6.3, 2.8.2)."""
    victim = await make_staff(conn, "offer@exempel.se", GROUP)
    attacker = await make_staff(conn, "angripare@exempel.se", GROUP)
    enrolled = {}
    for user_id, email in ((victim, "offer@exempel.se"), (attacker, "angripare@exempel.se")):
        await password_only(client, email)
        secret = shown_secret(await client.get("/konto/tvastegsverifiering"))
        codes_page = await client.post(
            "/konto/tvastegsverifiering", data={"code": code_at(secret, dt.datetime.now(dt.UTC))}
        )
        recovery = codes_page.text.split("<code>")[1].split("</code>")[0]
        stored = await conn.fetchval("SELECT totp_secret FROM users WHERE id = $1", user_id)
        assert secret not in stored
        hashes = [
            r[0]
            for r in await conn.fetch(
                "SELECT code_hash FROM recovery_codes WHERE user_id = $1", user_id
            )
        ]
        assert len(hashes) == 10
        assert hashlib.sha256(recovery.replace("-", "").encode()).digest() not in hashes
        # Each code has a salt of its own (ASVS 2.6.2): 4 random bytes, then the keyed hash.
        assert {len(h) for h in hashes} == {36}
        assert len({h[:4] for h in hashes}) == 10
        await client.post("/logga-ut")
        enrolled[user_id] = secret
    # Someone who can write the database copies the attacker's sealed secret to the victim.
    await conn.execute(
        "UPDATE users SET totp_secret = (SELECT totp_secret FROM users WHERE id = $2), "
        "totp_last_step = NULL WHERE id = $1",
        victim,
        attacker,
    )
    await password_only(client, "offer@exempel.se")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    forged = await client.post("/logga-in/kod", data={"code": code_at(enrolled[attacker], later)})
    assert forged.status_code == 422
    assert (await client.get("/arbetsgrupp")).status_code == 401


async def test_secrets_stored_before_sealing_are_sealed_once(conn: asyncpg.Connection) -> None:
    """What `medskapa serve` and `medskapa db migrate` do with a trail of plain secrets."""
    user_id = await make_staff(conn, "gammal@exempel.se", GROUP)
    plain = pyotp.random_base32()
    await conn.execute(
        "UPDATE users SET totp_secret = $2, totp_confirmed_at = now() WHERE id = $1",
        user_id,
        plain,
    )
    box = FactorBox(TEST_SECRET)
    assert await seal_plain_secrets(conn, box) == 1
    stored = await conn.fetchval("SELECT totp_secret FROM users WHERE id = $1", user_id)
    assert plain not in stored
    assert box.open(stored, user_id) == plain
    assert await seal_plain_secrets(conn, box) == 0


async def test_a_code_of_digits_that_are_not_0_to_9_is_a_wrong_code_not_a_crash(
    client: Client, conn: asyncpg.Connection
) -> None:
    """Six superscript or Arabic-Indic digits pass str.isdigit(); they are still no code. The
    second step says the code is wrong (and counts it), it does not fail with a server error."""
    user_id = await make_staff(conn, "lead@exempel.se", GROUP, RoleChoice.GROUP_LEAD)
    await enrol_totp(conn, user_id)
    await password_only(client, "lead@exempel.se")
    for code in ("\u00b2" * 6, "\u0663" * 6):
        answer = await client.post("/logga-in/kod", data={"code": code})
        assert answer.status_code == 422, code
        assert "Koden stämmer inte" in answer.text
    assert (await client.get("/arbetsgrupp")).status_code == 401


async def test_a_forged_device_cookie_with_odd_characters_is_no_device_not_a_crash(
    client: Client, conn: asyncpg.Connection
) -> None:
    """The device cookie is the browser's to send, so anything may come back in it: one whose
    signature holds characters outside ASCII is simply not a known device, and signing in
    goes on to the second step."""
    user_id = await make_staff(conn, "lead@exempel.se", GROUP, RoleChoice.GROUP_LEAD)
    await enrol_totp(conn, user_id)
    forged = f"{user_id}.{int(FIXED_NOW.timestamp())}.{'0' * 16}.{'é' * 32}"
    cookie = f"__Host-medskapa-device={forged}".encode()
    response = await client.post(
        "/logga-in",
        data={"email": "lead@exempel.se", "password": STAFF_PASSWORD},
        headers={"Cookie": cookie},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/logga-in/kod"
