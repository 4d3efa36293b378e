"""`medskapa audit verify`: an untouched trail verifies; any tampering is found and named.

Tampering is done as a database superuser would: the append-only trigger is switched off for the
statement, which is exactly what the trigger cannot prevent and the hash chain must reveal.
"""

from __future__ import annotations

import asyncpg
import msgspec
import pytest

from medskapa.audit.domain import event_hash
from medskapa.audit.service import events_for
from medskapa.audit.verify import verify
from tests.factories import make_feedback, service
from tests.test_cli import run_cli


async def _trail(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Three items; the second is withdrawn and then erased, so its chain has three events."""
    await make_feedback(conn)
    second = await make_feedback(conn)
    await make_feedback(conn)
    feedback = await service(conn)
    await feedback.withdraw(second.receipt_code)
    await feedback.erase(second.receipt_code)
    return await conn.fetch(
        "SELECT id, subject_id, seq FROM audit_events WHERE subject_id = $1 ORDER BY seq",
        str(second.id),
    )


async def _as_superuser(conn: asyncpg.Connection, sql: str, *args: object) -> None:
    async with conn.transaction():
        await conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
        await conn.execute(sql, *args)
        await conn.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")


async def test_untouched_trail_verifies(conn: asyncpg.Connection) -> None:
    await _trail(conn)
    report = await verify(conn)
    assert report.intact, report.first_break
    assert report.chains == 3
    assert report.events == 5


async def test_the_app_cannot_edit_or_delete_events(conn: asyncpg.Connection) -> None:
    chain = await _trail(conn)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute(
            "UPDATE audit_events SET reason_code = 'x' WHERE id = $1", chain[0]["id"]
        )
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("DELETE FROM audit_events WHERE id = $1", chain[0]["id"])


@pytest.mark.parametrize(
    ("column", "value"),
    [("to_state", "changed"), ("actor", "moderator"), ("reason_code", "spam")],
)
async def test_an_edited_event_is_named(conn: asyncpg.Connection, column: str, value: str) -> None:
    chain = await _trail(conn)
    target = chain[1]
    await _as_superuser(
        conn, f"UPDATE audit_events SET {column} = $2 WHERE id = $1", target["id"], value
    )
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id == target["id"]
    assert "does not match its hash" in report.first_break.problem


async def test_a_removed_event_in_the_middle_is_found(conn: asyncpg.Connection) -> None:
    chain = await _trail(conn)
    await _as_superuser(conn, "DELETE FROM audit_events WHERE id = $1", chain[1]["id"])
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id == chain[2]["id"]
    assert "missing" in report.first_break.problem


async def test_a_rehashed_edit_still_breaks_the_next_link(conn: asyncpg.Connection) -> None:
    """Someone who edits an event and recomputes its hash still breaks the event after it."""
    chain = await _trail(conn)
    first = (await events_for(conn, "feedback", chain[0]["subject_id"]))[0]
    forged = msgspec.structs.replace(first, actor="moderator")
    await _as_superuser(
        conn,
        "UPDATE audit_events SET actor = $2, hash = $3 WHERE id = $1",
        chain[0]["id"],
        forged.actor,
        event_hash(forged),
    )
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id == chain[1]["id"]
    assert "does not follow the event before it" in report.first_break.problem


async def test_removed_newest_events_show_against_the_item_status(
    conn: asyncpg.Connection,
) -> None:
    chain = await _trail(conn)
    newest = [row["id"] for row in chain if row["seq"] > 1]
    await _as_superuser(conn, "DELETE FROM audit_events WHERE id = ANY($1::bigint[])", newest)
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.event_id is None
    assert report.first_break.subject_id == chain[0]["subject_id"]
    assert "trail ends at received" in report.first_break.problem


async def test_an_item_without_trail_is_found(conn: asyncpg.Connection) -> None:
    submitted = await make_feedback(conn)
    await _as_superuser(conn, "DELETE FROM audit_events WHERE subject_id = $1", str(submitted.id))
    report = await verify(conn)
    assert report.first_break is not None
    assert report.first_break.problem == "the item has no audit trail"


async def test_command_names_the_broken_event(conn: asyncpg.Connection, database_url: str) -> None:
    chain = await _trail(conn)
    intact = run_cli("audit", "verify", env={"MEDSKAPA_DATABASE_URL": database_url})
    assert intact.returncode == 0, intact.stderr
    assert "intact: 5 events in 3 chains" in intact.stdout

    await _as_superuser(
        conn, "UPDATE audit_events SET to_state = 'changed' WHERE id = $1", chain[2]["id"]
    )
    broken = run_cli("audit", "verify", env={"MEDSKAPA_DATABASE_URL": database_url})
    assert broken.returncode == 1
    assert f"broken at event {chain[2]['id']} (feedback {chain[2]['subject_id']}, seq 3)" in (
        broken.stderr
    )
    assert "Traceback" not in broken.stderr
