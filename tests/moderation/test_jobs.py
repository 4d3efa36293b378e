"""The retention job inside the server: every worker runs it from its lifespan."""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from medskapa.app import create_app
from medskapa.moderation import jobs
from medskapa.moderation.service import DecisionInput
from medskapa.settings import Settings
from tests.factories import make_feedback
from tests.moderation.conftest import moderation, moderator

TEXT = "Jag heter Agneta Fredriksdotter och avsnittet är svårt att förstå."


async def test_the_server_destroys_old_originals_by_itself(
    conn: asyncpg.Connection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = await moderator(conn)
    weeks_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    item = await make_feedback(conn, now=weeks_ago, text=TEXT)
    await moderation(conn, weeks_ago).decide(
        mod,
        item.id,
        DecisionInput(decision="redact", reason="personal_data", text=TEXT.replace("Agneta ", "")),
    )
    monkeypatch.setattr(jobs, "FIRST_RUN_AFTER_SECONDS", 0.0)
    monkeypatch.setattr(jobs, "EVERY_SECONDS", 0.2)
    async with AsyncTestClient(app=create_app(settings), base_url="https://127.0.0.1"):
        for _ in range(100):
            if not await conn.fetchval("SELECT count(*) FROM redaction_originals"):
                break
            await asyncio.sleep(0.1)
    assert await conn.fetchval("SELECT count(*) FROM redaction_originals") == 0
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE action = 'moderation.original_destroyed' "
            "AND subject_id = $1",
            str(item.id),
        )
        == 1
    )
