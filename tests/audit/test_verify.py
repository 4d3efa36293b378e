"""`medskapa audit verify`: an untouched trail verifies under the audit key; any tampering with
the chains is found and named, even when the attacker recomputes every hash."""

from __future__ import annotations

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.audit import service as audit
from medskapa.audit.domain import event_hash, plain_event_hash
from medskapa.audit.keys import AuditKeyMissing, AuditKeys
from medskapa.audit.service import events_for
from medskapa.audit.verify import verify
from tests.audit.conftest import KEYS, as_superuser, rehash_chain, trail
from tests.factories import FIXED_NOW, first_document
from tests.test_cli import run_cli


async def counted(conn: asyncpg.Connection) -> tuple[int, int]:
    """(events, chains) already on the trail: the demo catalogue's import is audited too."""
    row = await conn.fetchrow(
        "SELECT count(*), count(DISTINCT (subject_type, subject_id)) FROM audit_events"
    )
    return row[0], row[1]


async def test_untouched_trail_verifies(conn: asyncpg.Connection) -> None:
    events, chains = await counted(conn)
    await trail(conn)
    report = await verify(conn)
    assert report.intact, report.first_break
    assert report.chains == chains + 3
    assert report.events == events + 5


async def test_the_app_cannot_edit_or_delete_events(conn: asyncpg.Connection) -> None:
    chain = await trail(conn)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute(
            "UPDATE audit_events SET reason_code = 'x' WHERE id = $1", chain[0]["id"]
        )
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("DELETE FROM audit_events WHERE id = $1", chain[0]["id"])


async def test_events_written_through_the_app_are_keyed(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    """The web app's pooled connections carry the key: what it writes verifies with it and
    with nothing else."""
    slug, _, _ = await first_document(conn)
    response = await client.post(
        "/api/v1/feedback",
        json={
            "document": slug,
            "category": "suggestion",
            "role": "patient",
            "text": "Det saknas en mening om vad jag själv kan göra hemma.",
        },
    )
    assert response.status_code == 201, response.text
    assert (await verify(conn)).intact
    other = await verify(conn, keys=AuditKeys.from_secret("another-secret-key-" + "x" * 32))
    assert other.first_break is not None
    assert "written with another MEDSKAPA_SECRET_KEY" in other.first_break.problem


async def test_a_connection_without_the_key_writes_no_event(database_url: str) -> None:
    """A writer someone forgot to wire fails loudly instead of writing what cannot verify."""
    bare = await asyncpg.connect(database_url)
    try:
        before = await bare.fetchval("SELECT count(*) FROM audit_events")
        with pytest.raises(AuditKeyMissing):
            await audit.record(
                bare, at=FIXED_NOW, actor="x", action="x", subject_type="x", subject_id="1"
            )
        with pytest.raises(AuditKeyMissing):
            await verify(bare)
        assert await bare.fetchval("SELECT count(*) FROM audit_events") == before
    finally:
        await bare.close()


@pytest.mark.parametrize(
    ("column", "value"),
    [("to_state", "changed"), ("actor", "moderator"), ("reason_code", "spam")],
)
async def test_an_edited_event_is_named(conn: asyncpg.Connection, column: str, value: str) -> None:
    chain = await trail(conn)
    target = chain[1]
    await as_superuser(
        conn, f"UPDATE audit_events SET {column} = $2 WHERE id = $1", target["id"], value
    )
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id == target["id"]
    assert "does not match its hash" in report.first_break.problem


async def test_an_edit_with_the_whole_chain_rehashed_is_named(conn: asyncpg.Connection) -> None:
    """Attack (a): edit an event and recompute the plain SHA-256 of it and of every event
    after it, so each link holds. The old verify passed this; without the key the new hashes
    cannot be made."""
    chain = await trail(conn)
    await rehash_chain(
        conn,
        "feedback",
        chain[0]["subject_id"],
        plain_event_hash,
        edit={2: {"actor": "moderator"}},
        from_seq=2,
    )
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id == chain[1]["id"]
    assert "unkeyed hash" in report.first_break.problem
    assert report.breaks == 1  # the chain is named once, at its first forged event


async def test_a_rehashed_edit_still_breaks_the_next_link(conn: asyncpg.Connection) -> None:
    """Even with the key, rehashing one edited event breaks the event after it."""
    chain = await trail(conn)
    first = (await events_for(conn, "feedback", chain[0]["subject_id"]))[0]
    forged = msgspec.structs.replace(first, actor="moderator")
    await as_superuser(
        conn,
        "UPDATE audit_events SET actor = $2, hash = $3 WHERE id = $1",
        chain[0]["id"],
        forged.actor,
        event_hash(forged, KEYS.chain),
    )
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id == chain[1]["id"]
    assert "does not follow the event before it" in report.first_break.problem


async def test_a_removed_event_in_the_middle_is_found(conn: asyncpg.Connection) -> None:
    chain = await trail(conn)
    await as_superuser(conn, "DELETE FROM audit_events WHERE id = $1", chain[1]["id"])
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id == chain[2]["id"]
    assert "missing" in report.first_break.problem


async def test_removed_newest_events_show_against_the_item_status(
    conn: asyncpg.Connection,
) -> None:
    chain = await trail(conn)
    newest = [row["id"] for row in chain if row["seq"] > 1]
    await as_superuser(conn, "DELETE FROM audit_events WHERE id = ANY($1::bigint[])", newest)
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id is None
    assert report.first_break.subject_id == chain[0]["subject_id"]
    assert "trail ends at received" in report.first_break.problem


async def test_an_item_without_trail_is_found(conn: asyncpg.Connection) -> None:
    chain = await trail(conn)
    await as_superuser(
        conn, "DELETE FROM audit_events WHERE subject_id = $1", chain[0]["subject_id"]
    )
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.problem == "the item has no audit trail"


async def test_command_names_the_broken_event(conn: asyncpg.Connection, database_url: str) -> None:
    events, chains = await counted(conn)
    chain = await trail(conn)
    env = {"MEDSKAPA_DATABASE_URL": database_url}
    intact = run_cli("audit", "verify", env=env)
    assert intact.returncode == 0, intact.stderr
    assert (
        f"intact: {events + 5} events in {chains + 3} chains; there is no checkpoint file"
        in intact.stdout
    )

    other_key = run_cli(
        "audit", "verify", env={**env, "MEDSKAPA_SECRET_KEY": "another-secret-" + "y" * 32}
    )
    assert other_key.returncode == 1
    assert "written with another MEDSKAPA_SECRET_KEY" in other_key.stderr

    await as_superuser(
        conn, "UPDATE audit_events SET to_state = 'changed' WHERE id = $1", chain[2]["id"]
    )
    broken = run_cli("audit", "verify", env=env)
    assert broken.returncode == 1
    assert f"broken at event {chain[2]['id']} (feedback {chain[2]['subject_id']}, seq 3)" in (
        broken.stderr
    )
    assert "Traceback" not in broken.stderr
