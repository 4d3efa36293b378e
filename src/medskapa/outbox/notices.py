"""Scheduled e-mail: the daily digest of new items for group members who chose it, and the
notice to moderators when their queue has grown old.

Both are safe to run from every worker at once: the digest locks each recipient's row (skipping
rows another process holds) and moves ``digest_sent_at`` in the same transaction as the mail;
the queue notice takes a row lock on its ``scheduled_notices`` row and goes out at most once a
day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import asyncpg

from . import queries
from .queue import enqueue

DAY = dt.timedelta(days=1)
DIGEST_MAX_ITEMS = 50
QUEUE_OLD = "moderation_queue_old"

ItemPath = Callable[[uuid.UUID], str]
"""The path where a group member opens an item, made from the app's routes (outbox/jobs.py)."""


async def send_digests(conn: asyncpg.Connection, now: dt.datetime, item_path: ItemPath) -> int:
    """One digest to each 'daily' member whose last digest is a day old and who has news."""
    sent = 0
    while True:
        async with conn.transaction():
            user = await queries.next_digest_recipient(conn, now - DAY)
            if user is None:
                return sent
            since = user.digest_sent_at or now - DAY
            items = await queries.digest_items(conn, user.id, since, now, DIGEST_MAX_ITEMS)
            if items:
                await enqueue(
                    conn,
                    "group_digest",
                    now=now,
                    user_id=user.id,
                    context={
                        "items": [
                            {
                                "document_title": item.document_title,
                                "item_url": item_path(item.feedback_id),
                            }
                            for item in items
                        ]
                    },
                )
                sent += 1
            await queries.set_digest_sent(conn, user.id, now)


async def send_queue_notice(
    conn: asyncpg.Connection, alert_after: dt.timedelta, now: dt.datetime
) -> int:
    """Tell every moderator, once a day at most, when the oldest item waiting for moderation
    is older than ``alert_after``. Returns how many were told."""
    async with conn.transaction():
        last = await queries.lock_notice(conn, QUEUE_OLD)
        if last > now - DAY:
            return 0
        queue = await queries.moderation_queue(conn)
        if queue.oldest is None or now - queue.oldest < alert_after:
            return 0
        moderators = await queries.moderator_ids(conn)
        context = {
            "waiting": queue.waiting,
            "oldest_hours": int((now - queue.oldest).total_seconds() // 3600),
        }
        for user_id in moderators:
            await enqueue(conn, QUEUE_OLD, now=now, user_id=user_id, context=context)
        await queries.set_notice_sent(conn, QUEUE_OLD, now)
        return len(moderators)
