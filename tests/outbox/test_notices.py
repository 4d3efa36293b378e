"""Daily digests for members who chose them, and the old-queue notice to moderators."""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg
from litestar import Litestar

from medskapa.accounts.admin import RoleChoice
from medskapa.db.pool import create_pool
from medskapa.moderation.service import DecisionInput
from medskapa.outbox.jobs import item_path
from medskapa.outbox.notices import send_digests, send_queue_notice
from medskapa.settings import Settings
from tests.factories import FIXED_NOW, TEST_SECRET, make_feedback, make_staff
from tests.moderation.conftest import Place, moderation, moderator


async def mail(conn: asyncpg.Connection, template: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT user_id, context FROM outbox_messages WHERE template = $1 ORDER BY user_id",
        template,
    )


async def test_daily_members_get_one_digest_instead_of_each_item(
    conn: asyncpg.Connection, place: Place, app: Litestar
) -> None:
    await conn.execute("UPDATE users SET new_item_mail = 'daily' WHERE id = $1", place.member_id)
    mod = await moderator(conn)
    for _ in range(3):
        item = await make_feedback(conn)
        await moderation(conn).decide(mod, item.id, DecisionInput(decision="approve"))
    immediate = [row[0] for row in await mail(conn, "group_new_item")]
    assert immediate == [place.lead_id] * 3, "the daily member got no mail per item"

    later = FIXED_NOW + dt.timedelta(hours=2)
    links = item_path(app)
    assert await send_digests(conn, later, links) == 1
    (digest,) = await mail(conn, "group_digest")
    assert digest[0] == place.member_id
    assert len(digest[1]["items"]) == 3
    assert digest[1]["items"][0]["item_url"].startswith("/arbetsgrupp/synpunkt/")

    assert await send_digests(conn, later + dt.timedelta(hours=1), links) == 0, "once a day"
    nothing_new = later + dt.timedelta(days=1, minutes=1)
    assert await send_digests(conn, nothing_new, links) == 0, "no digest without news"


async def test_the_old_queue_notice_goes_to_moderators_once_a_day(
    conn: asyncpg.Connection,
) -> None:
    first = await make_staff(conn, "mod1@exempel.se", role=RoleChoice.MODERATOR)
    second = await make_staff(conn, "mod2@exempel.se", role=RoleChoice.MODERATOR)
    await make_feedback(conn)
    await make_feedback(conn)
    alert = dt.timedelta(hours=48)

    assert await send_queue_notice(conn, alert, FIXED_NOW + dt.timedelta(hours=47)) == 0
    later = FIXED_NOW + dt.timedelta(hours=49)
    assert await send_queue_notice(conn, alert, later) == 2
    rows = await mail(conn, "moderation_queue_old")
    assert [r[0] for r in rows] == [first, second]
    assert rows[0][1] == {"waiting": 2, "oldest_hours": 49}
    assert await send_queue_notice(conn, alert, later + dt.timedelta(hours=23)) == 0
    assert await send_queue_notice(conn, alert, later + dt.timedelta(hours=25)) == 2


async def test_workers_running_the_schedule_at_once_send_each_notice_once(
    conn: asyncpg.Connection, database_url: str
) -> None:
    await make_staff(conn, "mod1@exempel.se", role=RoleChoice.MODERATOR)
    await make_feedback(conn)
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET)
    pool = await create_pool(settings, database_url, size=4)
    try:

        async def worker() -> int:
            async with pool.acquire() as worker_conn:
                return await send_queue_notice(
                    worker_conn, dt.timedelta(hours=1), FIXED_NOW + dt.timedelta(hours=2)
                )

        told = await asyncio.gather(*(worker() for _ in range(4)))
    finally:
        await pool.close()
    assert sorted(told) == [0, 0, 0, 1]
    assert len(await mail(conn, "moderation_queue_old")) == 1
