"""`medskapa moderation purge`: the retention job for an external scheduler."""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg

from medskapa.moderation.service import DecisionInput
from tests.factories import make_feedback
from tests.moderation.conftest import moderation, moderator
from tests.test_cli import run_cli

TEXT = "Jag heter Agneta Fredriksdotter och avsnittet är svårt att förstå."


async def test_purge_command_destroys_old_originals(
    conn: asyncpg.Connection, database_url: str
) -> None:
    mod = await moderator(conn)
    weeks_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    item = await make_feedback(conn, now=weeks_ago, text=TEXT)
    await moderation(conn, weeks_ago).decide(
        mod,
        item.id,
        DecisionInput(
            decision="redact",
            reason="personal_data",
            text=TEXT.replace("Agneta Fredriksdotter", ""),
        ),
    )
    env = {"MEDSKAPA_DATABASE_URL": database_url}
    # The original is 40 days old: a retention of 3650 days keeps it, the default of 30 does not.
    kept = await asyncio.to_thread(
        run_cli, "moderation", "purge", env={**env, "MEDSKAPA_REDACTION_RETENTION_DAYS": "3650"}
    )
    assert kept.returncode == 0, kept.stderr
    assert "Destroyed 0 redaction original(s) older than 3650 days." in kept.stdout
    assert await conn.fetchval("SELECT count(*) FROM redaction_originals") == 1

    bad = await asyncio.to_thread(
        run_cli, "moderation", "purge", env={**env, "MEDSKAPA_REDACTION_RETENTION_DAYS": "0"}
    )
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        "medskapa: MEDSKAPA_REDACTION_RETENTION_DAYS must be from 1 to 3650."
    )

    done = await asyncio.to_thread(run_cli, "moderation", "purge", env=env)
    assert done.returncode == 0, done.stderr
    assert "Destroyed 1 redaction original(s) older than 30 days." in done.stdout
    assert await conn.fetchval("SELECT count(*) FROM redaction_originals") == 0
    assert await conn.fetchval(
        "SELECT redaction_original_destroyed_at IS NOT NULL FROM feedback WHERE id = $1", item.id
    )
