"""Upgrading a trail written before the audit key: `medskapa audit rekey` re-chains it once,
after checking it as the old verify did, and refuses whenever that would hide tampering."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from medskapa.accounts.admin import RoleChoice, set_role
from medskapa.audit.domain import plain_event_hash
from medskapa.audit.verify import verify
from medskapa.db.roles import grant_app_role
from tests.audit.conftest import as_superuser, rehash_chain, trail, user_chain
from tests.factories import FIXED_NOW
from tests.test_cli import run_cli


async def _written_before_the_key(conn: asyncpg.Connection) -> str:
    """The trail as the previous version left it: every event with a plain SHA-256. Returns the
    user whose chain then grows after the upgrade."""
    await trail(conn)
    user_id = await user_chain(conn)
    chains = await conn.fetch("SELECT DISTINCT subject_type, subject_id FROM audit_events")
    for subject_type, subject_id in chains:
        await rehash_chain(conn, subject_type, subject_id, plain_event_hash)
    return user_id


async def _hashes(conn: asyncpg.Connection) -> list[tuple[int, bytes]]:
    return [tuple(r) for r in await conn.fetch("SELECT id, hash FROM audit_events ORDER BY id")]


async def test_rekey_brings_an_old_trail_under_the_key(
    conn: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    user_id = await _written_before_the_key(conn)
    # After the upgrade, before the rekey: a new event, keyed, on an old chain.
    await set_role(conn, email="anna@exempel.se", role=RoleChoice.PATIENT, now=FIXED_NOW)
    report = await verify(conn)
    assert report.first_break is not None
    assert "unkeyed hash: forged, or written before the audit key existed" in (
        report.first_break.problem
    )
    chains = await conn.fetchval(
        "SELECT count(DISTINCT (subject_type, subject_id)) FROM audit_events"
    )
    assert report.breaks == chains  # every chain, once

    env = {
        "MEDSKAPA_DATABASE_URL": database_url,
        "MEDSKAPA_AUDIT_CHECKPOINTS": str(tmp_path / "checkpoints.jsonl"),
    }
    done = run_cli("audit", "rekey", env=env)
    assert done.returncode == 0, done.stderr
    events = await conn.fetchval("SELECT count(*) FROM audit_events")
    assert done.stdout.strip() == f"Re-chained {events} of {events} events under the audit key."
    assert (await verify(conn)).intact
    again = run_cli("audit", "rekey", env=env)
    assert again.stdout.strip() == f"Re-chained 0 of {events} events under the audit key."

    # From now on checkpoints can be written, and rekey refuses for good.
    assert run_cli("audit", "checkpoint", env=env).returncode == 0
    await rehash_chain(
        conn, "user", user_id, plain_event_hash, edit={4: {"reason_code": "admin"}}, from_seq=4
    )
    report = await verify(conn, against=tmp_path / "checkpoints.jsonl")
    assert report.first_break is not None
    assert "although the trail has checkpoints (forged)" in report.first_break.problem
    refused = run_cli("audit", "rekey", env=env)
    assert refused.returncode == 1
    assert "an unkeyed event now is forged, and rekey would hide it" in refused.stderr


async def test_rekey_leaves_a_broken_trail_as_it_is(
    conn: asyncpg.Connection, database_url: str
) -> None:
    await _written_before_the_key(conn)
    event_id = await conn.fetchval("SELECT max(id) FROM audit_events WHERE subject_type = 'user'")
    await as_superuser(
        conn, "UPDATE audit_events SET reason_code = 'patient' WHERE id = $1", event_id
    )
    before = await _hashes(conn)
    result = run_cli("audit", "rekey", env={"MEDSKAPA_DATABASE_URL": database_url})
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"medskapa: nothing was changed: the audit trail is broken at event {event_id} "
    )
    assert await _hashes(conn) == before


async def test_rekey_needs_the_owner(conn: asyncpg.Connection, database_url: str) -> None:
    """The web processes' own role cannot rewrite the trail, not even to re-chain it."""
    await _written_before_the_key(conn)
    role = f"medskapa_app_{secrets.token_hex(4)}"
    await grant_app_role(conn, role)
    parts = urlsplit(database_url)
    limited = urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}"))
    before = await _hashes(conn)
    try:
        result = run_cli("audit", "rekey", env={"MEDSKAPA_DATABASE_URL": limited})
    finally:
        await conn.execute(f'DROP OWNED BY "{role}"')
        await conn.execute(f'DROP ROLE "{role}"')
    assert result.returncode == 1
    assert "rekey runs as the role that owns the tables" in result.stderr
    assert await _hashes(conn) == before
