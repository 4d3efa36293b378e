"""The admin outbox page (dead letters, send again) and the debug-only development mailbox."""

from __future__ import annotations

import asyncpg
import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.app import create_app
from medskapa.settings import Settings
from tests.factories import TEST_SECRET, make_feedback, make_staff, sign_in_staff
from tests.live import running_server

Client = AsyncTestClient[Litestar]
ADDRESS = "anna.andersson@exempel.se"


async def dead_letter(conn: asyncpg.Connection) -> int:
    await make_feedback(conn, email=ADDRESS)
    return await conn.fetchval(
        "UPDATE outbox_messages SET status = 'dead', attempts = 1, last_error = 'SMTP 550', "
        "dead_at = now() RETURNING id"
    )


async def test_admin_sees_dead_letters_without_addresses_and_sends_one_again(
    client: Client, conn: asyncpg.Connection
) -> None:
    letter = await dead_letter(conn)
    admin = await make_staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
    await sign_in_staff(client, conn, admin)

    page = await client.get("/admin/utskick")
    assert page.status_code == 200
    assert "feedback_received" in page.text
    assert "SMTP 550" in page.text
    assert ADDRESS not in page.text, "the admin page never shows the recipient"
    assert "Ingen e-postserver är inställd" in page.text

    again = await client.post(f"/admin/utskick/{letter}/skicka-igen")
    assert again.status_code == 200
    assert "ligger i kön igen" in again.text
    row = await conn.fetchrow("SELECT status, attempts FROM outbox_messages WHERE id = $1", letter)
    assert tuple(row) == ("pending", 0)
    retried = await conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE action = 'outbox.retried' AND subject_id = $1",
        str(letter),
    )
    assert retried == 1

    twice = await client.post(f"/admin/utskick/{letter}/skicka-igen")
    assert "inget ändrades" in twice.text


async def test_only_admins_reach_the_outbox(client: Client, conn: asyncpg.Connection) -> None:
    letter = await dead_letter(conn)
    assert (await client.get("/admin/utskick")).status_code == 401
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    assert (await client.get("/admin/utskick")).status_code == 403
    refused = await client.post(f"/admin/utskick/{letter}/skicka-igen")
    assert refused.status_code == 403
    assert await conn.fetchval("SELECT status FROM outbox_messages") == "dead"


async def test_the_development_mailbox_exists_only_in_debug_mode(
    client: Client, conn: asyncpg.Connection, database_url: str
) -> None:
    await make_feedback(conn, email=ADDRESS)
    assert (await client.get("/dev/mailbox")).status_code == 404

    debug = Settings(database_url=database_url, secret_key=TEST_SECRET, debug=True)
    async with AsyncTestClient(app=create_app(debug), base_url="https://127.0.0.1") as dev:
        # The test client is not on this machine's loopback: like anyone on the network.
        assert (await dev.get("/dev/mailbox")).status_code == 404
        admin = await make_staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
        await sign_in_staff(dev, conn, admin)
        page = await dev.get("/dev/mailbox")
    assert page.status_code == 200
    assert "Vi har tagit emot din synpunkt" in page.text
    assert ADDRESS in page.text


async def test_the_development_mailbox_answers_only_this_machine(
    conn: asyncpg.Connection, database_url: str
) -> None:
    """Over real TCP: a browser on 127.0.0.1 reads it; a client behind a trusted proxy does
    not, and a forged X-Forwarded-For does not make a remote client local."""
    await make_feedback(conn, email=ADDRESS)
    forged_remote = {"X-Forwarded-For": "203.0.113.9"}
    with running_server(database_url, env={"MEDSKAPA_DEBUG": "true"}) as (base_url, _):
        async with httpx.AsyncClient(base_url=base_url) as http:
            local = await http.get("/dev/mailbox", headers=forged_remote)
        assert local.status_code == 200
        assert ADDRESS in local.text
    proxied = {"MEDSKAPA_DEBUG": "true", "MEDSKAPA_TRUSTED_PROXIES": "127.0.0.1"}
    with running_server(database_url, env=proxied) as (base_url, _):
        async with httpx.AsyncClient(base_url=base_url) as http:
            remote = await http.get("/dev/mailbox", headers=forged_remote)
            forged = await http.get(
                "/dev/mailbox", headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}
            )
        assert remote.status_code == 404
        assert ADDRESS not in remote.text
        assert forged.status_code == 404


async def test_a_group_member_chooses_how_new_items_are_mailed(
    client: Client, conn: asyncpg.Connection
) -> None:
    group = await conn.fetchval("SELECT slug FROM subject_groups ORDER BY slug LIMIT 1")
    member = await make_staff(conn, "medlem@exempel.se", group)
    await sign_in_staff(client, conn, member)
    page = await client.get("/konto")
    assert 'value="immediately" checked' in page.text

    bad = await client.post("/konto/nya-synpunkter", data={"new_item_mail": "hourly"})
    assert bad.status_code == 422
    assert "Välj ett av alternativen" in bad.text
    stored = "SELECT new_item_mail FROM users WHERE id = $1"
    assert await conn.fetchval(stored, member) == "immediately"

    saved = await client.post("/konto/nya-synpunkter", data={"new_item_mail": "daily"})
    assert saved.status_code == 200
    assert 'value="daily" checked' in saved.text
    assert await conn.fetchval(stored, member) == "daily"


async def test_someone_outside_the_groups_has_no_such_choice(
    client: Client, conn: asyncpg.Connection
) -> None:
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    assert "E-post om nya synpunkter" not in (await client.get("/konto")).text
    refused = await client.post("/konto/nya-synpunkter", data={"new_item_mail": "never"})
    assert refused.status_code == 403
