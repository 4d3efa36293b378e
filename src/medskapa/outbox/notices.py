"""Scheduled e-mail: the daily digest of new items for group members who chose it, and the
notice to moderators when their queue has grown old.

Both are safe to run from every worker at once: the digest locks each recipient's row (skipping
rows another process holds) and moves ``digest_sent_at`` in the same transaction as the mail;
the queue notice takes a row lock on its ``scheduled_notices`` row and goes out at most once a
day.
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from medskapa.moderation.domain import ITEM_PATH

from .queue import enqueue

DAY = dt.timedelta(days=1)
DIGEST_MAX_ITEMS = 50


async def send_digests(conn: asyncpg.Connection, now: dt.datetime) -> int:
    """One digest to each 'daily' member whose last digest is a day old and who has news."""
    sent = 0
    while True:
        async with conn.transaction():
            user = await conn.fetchrow(
                "SELECT id, digest_sent_at FROM users u WHERE new_item_mail = 'daily' "
                "AND deleted_at IS NULL AND (digest_sent_at IS NULL OR digest_sent_at <= $1) "
                "AND EXISTS (SELECT FROM group_memberships m WHERE m.user_id = u.id) "
                "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                now - DAY,
            )
            if user is None:
                return sent
            since = user["digest_sent_at"] or now - DAY
            items = await conn.fetch(
                "SELECT DISTINCT ON (r.routed_at, f.id) f.id, d.title FROM feedback_routes r "
                "JOIN group_memberships m ON m.group_id = r.group_id AND m.user_id = $1 "
                "JOIN feedback f ON f.id = r.feedback_id "
                "JOIN guidance_documents d ON d.id = f.document_id "
                "WHERE r.routed_at > $2 AND r.routed_at <= $3 "
                "ORDER BY r.routed_at, f.id LIMIT $4",
                user["id"],
                since,
                now,
                DIGEST_MAX_ITEMS,
            )
            if items:
                await enqueue(
                    conn,
                    "group_digest",
                    now=now,
                    user_id=user["id"],
                    context={
                        "items": [
                            {
                                "document_title": row[1],
                                "item_url": ITEM_PATH.format(id=row[0]),
                            }
                            for row in items
                        ]
                    },
                )
                sent += 1
            await conn.execute(
                "UPDATE users SET digest_sent_at = $2 WHERE id = $1", user["id"], now
            )


async def send_queue_notice(
    conn: asyncpg.Connection, alert_after: dt.timedelta, now: dt.datetime
) -> int:
    """Tell every moderator, once a day at most, when the oldest item waiting for moderation
    is older than ``alert_after``. Returns how many were told."""
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO scheduled_notices (kind, sent_at) VALUES ('moderation_queue_old', "
            "'epoch') ON CONFLICT (kind) DO NOTHING"
        )
        last = await conn.fetchval(
            "SELECT sent_at FROM scheduled_notices WHERE kind = 'moderation_queue_old' FOR UPDATE"
        )
        if last > now - DAY:
            return 0
        waiting, oldest = await conn.fetchrow(
            "SELECT count(*), min(created_at) FROM feedback WHERE status = 'received'"
        )
        if oldest is None or now - oldest < alert_after:
            return 0
        moderators = await conn.fetch(
            "SELECT id FROM users WHERE role = 'moderator' AND deleted_at IS NULL ORDER BY id"
        )
        context = {"waiting": waiting, "oldest_hours": int((now - oldest).total_seconds() // 3600)}
        for row in moderators:
            await enqueue(conn, "moderation_queue_old", now=now, user_id=row[0], context=context)
        await conn.execute(
            "UPDATE scheduled_notices SET sent_at = $1 WHERE kind = 'moderation_queue_old'", now
        )
        return len(moderators)
