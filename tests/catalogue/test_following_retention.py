"""An address that never confirmed a follow is erased once the link to confirm it has expired."""

from __future__ import annotations

import datetime as dt

import asyncpg

from medskapa.catalogue.following import CONFIRM_VALID, FollowingService, erase_lapsed
from medskapa.security.secrets import RECEIPT_KEY, instance_secret

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
CONFIRM_MAILS = "SELECT count(*) FROM outbox_messages WHERE template = 'follow_confirm'"


async def follow(conn: asyncpg.Connection, email: str, at: dt.datetime) -> None:
    key = await instance_secret(conn, RECEIPT_KEY)
    await FollowingService(conn, lambda: at, key).follow("kol", email, client=email)


async def addresses(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch(
        "SELECT c.email FROM contacts c JOIN followers f ON f.contact_id = c.id"
    )
    return {row["email"] for row in rows}


async def test_unconfirmed_addresses_go_when_their_link_expires(conn: asyncpg.Connection) -> None:
    await follow(conn, "glomde@exempel.se", NOW)
    await follow(conn, "bekraftade@exempel.se", NOW)
    token_row = await conn.fetchrow(
        "SELECT f.id FROM followers f JOIN contacts c ON c.id = f.contact_id "
        "WHERE c.email = 'bekraftade@exempel.se'"
    )
    await conn.execute("UPDATE followers SET confirmed_at = $2 WHERE id = $1", token_row["id"], NOW)
    # A week later a third person asks; the first two links are now past their time.
    later = NOW + CONFIRM_VALID + dt.timedelta(minutes=1)
    await follow(conn, "ny@exempel.se", later - dt.timedelta(days=1))

    assert await erase_lapsed(conn, NOW) == 0  # nothing has expired yet
    assert await conn.fetchval(CONFIRM_MAILS) == 3
    assert await erase_lapsed(conn, later) == 1
    assert await addresses(conn) == {"bekraftade@exempel.se", "ny@exempel.se"}
    # The address is gone from the database with its unsent mail, and the trail says so.
    assert not await conn.fetchval(
        "SELECT count(*) FROM contacts WHERE email = 'glomde@exempel.se'"
    )
    assert await conn.fetchval(CONFIRM_MAILS) == 2
    event = await conn.fetchrow(
        "SELECT actor, from_state, to_state FROM audit_events WHERE action = 'follower.lapsed'"
    )
    assert tuple(event) == ("retention", "pending", "erased")
    assert await erase_lapsed(conn, later) == 0


async def test_asking_again_renews_the_time(conn: asyncpg.Connection) -> None:
    await follow(conn, "igen@exempel.se", NOW)
    await follow(conn, "igen@exempel.se", NOW + dt.timedelta(days=6))
    assert await erase_lapsed(conn, NOW + CONFIRM_VALID + dt.timedelta(days=1)) == 0
    assert await addresses(conn) == {"igen@exempel.se"}
