"""What the triage tests share: the demo document and groups, the answers they write, a member
as the app sees them, the service on a fixed clock and an item routed to a group."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import pytest

from medskapa.security.principal import Principal
from medskapa.triage.service import TriageService
from tests.factories import FIXED_NOW, make_feedback, make_staff, route_to

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
OTHER = "nag-diabetes"
ANSWER = (
    "Tack. Texten ändras inte, eftersom avsnittet redan beskriver uppföljningen efter sex veckor."
)
PLAN = "Tack. Vi skriver om avsnittet i nästa version så att uppföljningen blir tydligare."


async def principal(conn: asyncpg.Connection, user_id: int) -> Principal:
    rows = await conn.fetch(
        "SELECT group_id, role FROM group_memberships WHERE user_id = $1", user_id
    )
    return Principal(user_id=user_id, groups={r[0]: r[1] for r in rows}, second_factor=True)


def triage(conn: asyncpg.Connection, now: dt.datetime = FIXED_NOW) -> TriageService:
    return TriageService(conn, lambda: now)


async def routed_item(conn: asyncpg.Connection, group: str = GROUP, **values: object) -> uuid.UUID:
    submitted = await make_feedback(conn, document=DOC, **values)
    await route_to(conn, submitted.id, group)
    return submitted.id


@pytest.fixture
async def member(conn: asyncpg.Connection) -> Principal:
    """A member of GROUP, signed in with a second factor."""
    return await principal(conn, await make_staff(conn, "anna@region.se", GROUP))
