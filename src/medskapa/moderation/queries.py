"""SQL for moderation: the queue, claims, decisions, redaction originals and routes. Rows map to
Structs by column name (the routing rules' SQL is in routing_queries.py)."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.feedback.personal_data import Finding


class QueueFilter(msgspec.Struct, frozen=True, kw_only=True):
    document: str | None = None
    """Document slug."""
    category: str | None = None
    older_than_days: int | None = None
    limit: int = 100


class ModerationItem(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    status: str
    created_at: dt.datetime
    document_slug: str
    document_title: str
    version_label: str
    section_key: str | None
    section_heading: str | None
    quote: str | None
    category: str
    submitter_role: str
    body: str | None
    personal_data: list[Finding]
    consent_public: bool
    consent_contact: bool
    has_contact: bool
    language: str
    urgent: bool
    original_destroyed_at: dt.datetime | None
    has_original: bool
    claimed_by: int | None
    claim_expires_at: dt.datetime | None
    care_region_name: str | None = None
    """The region where the care took place, if the submitter said."""
    organisation_name: str | None = None
    """A joint statement's organisation, and the others that signed it."""
    cosigner_names: str | None = None


_ITEM = """
    SELECT f.id, f.status, f.created_at, d.slug AS document_slug, d.title AS document_title,
           v.label AS version_label, f.section_key, s.heading AS section_heading,
           f.quote_exact AS quote, f.category, f.submitter_role, f.body, f.personal_data,
           f.consent_public, f.consent_contact, f.contact_id IS NOT NULL AS has_contact,
           f.language, f.urgent, f.redaction_original_destroyed_at AS original_destroyed_at,
           EXISTS (SELECT FROM redaction_originals o WHERE o.feedback_id = f.id) AS has_original,
           c.moderator_id AS claimed_by, c.expires_at AS claim_expires_at,
           (SELECT o.name FROM statements st JOIN organisations o ON o.id = st.organisation_id
             WHERE st.feedback_id = f.id) AS organisation_name,
           (SELECT string_agg(o.name, ', ' ORDER BY o.name)
              FROM statements st
              JOIN statement_cosigners sc ON sc.statement_id = st.id AND sc.signed_at IS NOT NULL
              JOIN organisations o ON o.id = sc.organisation_id
             WHERE st.feedback_id = f.id) AS cosigner_names,
           (SELECT name FROM regions WHERE code = f.care_region) AS care_region_name
    FROM feedback f
    JOIN guidance_documents d ON d.id = f.document_id
    JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
    LEFT JOIN moderation_claims c ON c.feedback_id = f.id AND c.expires_at > $1
"""


def _with_findings(row: asyncpg.Record) -> dict[str, object]:
    values = dict(row)
    values["personal_data"] = msgspec.convert(values["personal_data"], list[Finding])
    return values


def _item(row: asyncpg.Record) -> ModerationItem:
    return ModerationItem(**_with_findings(row))


def _queue_where(filters: QueueFilter, now: dt.datetime) -> tuple[str, list[object]]:
    where = ["f.status = 'received'"]
    params: list[object] = [now]
    if filters.document:
        params.append(filters.document)
        where.append(
            f"f.document_id = (SELECT id FROM guidance_documents WHERE slug = ${len(params)})"
        )
    if filters.category:
        params.append(filters.category)
        where.append(f"f.category = ${len(params)}")
    if filters.older_than_days:
        params.append(now - dt.timedelta(days=filters.older_than_days))
        where.append(f"f.created_at <= ${len(params)}")
    return " AND ".join(where), params


async def queue(
    conn: asyncpg.Connection, filters: QueueFilter, now: dt.datetime
) -> list[ModerationItem]:
    """The items waiting for moderation: those flagged urgent (a possible safety signal) first,
    then the oldest first. Each part is a walk of an index that stops at the limit, however
    long the queue (how many match comes from ``queue_counts``).

    The page's items are chosen from the feedback table alone, and only they are joined to
    what the page shows of them. With everything joined first, a plan made on statistics that
    had not caught up with a growing queue (a fresh database, a burst) joined and sorted every
    waiting item on each view: 34-56 ms a view at 4,000-17,000 waiting under bench/mixed.py,
    where the walk takes ~2 ms however long the queue."""
    where, params = _queue_where(filters, now)
    limit = int(filters.limit)

    def part(urgent: str) -> str:
        return (
            f"(SELECT f.id, f.urgent, f.created_at FROM feedback f WHERE {where} AND {urgent} "
            f"ORDER BY f.created_at, f.id LIMIT {limit})"
        )

    rows = await conn.fetch(
        f"WITH page AS ({part('f.urgent')} UNION ALL {part('NOT f.urgent')} "
        f"ORDER BY urgent DESC, created_at, id LIMIT {limit}) "
        f"{_ITEM} JOIN page ON page.id = f.id "
        "ORDER BY page.urgent DESC, page.created_at, page.id",
        *params,
    )
    return [_item(row) for row in rows]


class CountedOption(msgspec.Struct, frozen=True):
    value: str
    label: str
    count: int


class QueueCounts(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    older_than_1_day: int
    older_than_3_days: int
    older_than_7_days: int
    oldest_at: dt.datetime | None
    documents: list[CountedOption]
    categories: list[CountedOption]
    matching: int = 0
    """How many waiting items match the queue's filters (all of them without filters)."""


async def queue_counts(
    conn: asyncpg.Connection, now: dt.datetime, filters: QueueFilter | None = None
) -> QueueCounts:
    """Everything the queue's summary and filters count, from one pass over the waiting items'
    counting index (sql/0012_moderation_counts.sql) grouped by document and category: the
    totals, the age buckets, the counts per document and per category, and how many match
    ``filters``. A backlog of tens of thousands costs milliseconds, not a join per item."""
    filters = filters or QueueFilter()
    cutoff = now - dt.timedelta(days=filters.older_than_days) if filters.older_than_days else None
    rows = await conn.fetch(
        "SELECT d.slug, d.title, g.category, g.items, g.older_1, g.older_3, g.older_7, "
        "g.oldest, g.matching_age FROM ("
        "  SELECT document_id, category, count(*) AS items, "
        "         count(*) FILTER (WHERE created_at <= $1) AS older_1, "
        "         count(*) FILTER (WHERE created_at <= $2) AS older_3, "
        "         count(*) FILTER (WHERE created_at <= $3) AS older_7, "
        "         min(created_at) AS oldest, "
        "         count(*) FILTER (WHERE $4::timestamptz IS NULL OR created_at <= $4) "
        "           AS matching_age "
        "  FROM feedback WHERE status = 'received' GROUP BY document_id, category) AS g "
        "JOIN guidance_documents d ON d.id = g.document_id",
        now - dt.timedelta(days=1),
        now - dt.timedelta(days=3),
        now - dt.timedelta(days=7),
        cutoff,
    )
    documents: dict[tuple[str, str], int] = {}
    categories: dict[str, int] = {}
    for row in rows:
        key = (row["slug"], row["title"])
        documents[key] = documents.get(key, 0) + row["items"]
        categories[row["category"]] = categories.get(row["category"], 0) + row["items"]
    matching = sum(
        row["matching_age"]
        for row in rows
        if (not filters.document or row["slug"] == filters.document)
        and (not filters.category or row["category"] == filters.category)
    )
    return QueueCounts(
        total=sum(row["items"] for row in rows),
        older_than_1_day=sum(row["older_1"] for row in rows),
        older_than_3_days=sum(row["older_3"] for row in rows),
        older_than_7_days=sum(row["older_7"] for row in rows),
        oldest_at=min((row["oldest"] for row in rows), default=None),
        documents=[
            CountedOption(slug, title, n)
            for (slug, title), n in sorted(documents.items(), key=lambda kv: kv[0][1])
        ],
        categories=[CountedOption(c, c, n) for c, n in sorted(categories.items())],
        matching=matching,
    )


async def item(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, now: dt.datetime
) -> ModerationItem | None:
    row = await conn.fetchrow(f"{_ITEM} WHERE f.id = $2", now, feedback_id)
    return None if row is None else _item(row)


class LockedItem(msgspec.Struct, frozen=True):
    """What a decision needs, read under the item's row lock."""

    id: uuid.UUID
    status: str
    document_id: int
    document_title: str
    owner_group_id: int
    section_key: str | None
    category: str
    body: str | None
    personal_data: list[Finding]
    contact_id: int | None
    consent_contact: bool
    language: str


async def lock_item(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> LockedItem | None:
    row = await conn.fetchrow(
        "SELECT f.id, f.status, f.document_id, d.title AS document_title, "
        "d.subject_group_id AS owner_group_id, f.section_key, f.category, f.body, "
        "f.personal_data, f.contact_id, f.consent_contact, f.language "
        "FROM feedback f JOIN guidance_documents d ON d.id = f.document_id "
        "WHERE f.id = $1 FOR UPDATE OF f",
        feedback_id,
    )
    return None if row is None else LockedItem(**_with_findings(row))


class DecisionRecord(msgspec.Struct, frozen=True):
    decision: str
    reason_code: str | None
    message: str | None
    urgent: bool
    moderator: str
    decided_at: dt.datetime


async def decision(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> DecisionRecord | None:
    row = await conn.fetchrow(
        "SELECT decision, reason_code, message, urgent, moderator, decided_at "
        "FROM moderation_decisions WHERE feedback_id = $1",
        feedback_id,
    )
    return None if row is None else DecisionRecord(**row)


async def insert_decision(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    *,
    decision: str,
    reason_code: str | None,
    message: str | None,
    urgent: bool,
    moderator_id: int,
    moderator: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO moderation_decisions (feedback_id, decision, reason_code, message, "
        "urgent, moderator_id, moderator, decided_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        feedback_id,
        decision,
        reason_code,
        message,
        urgent,
        moderator_id,
        moderator,
        at,
    )


async def set_decided(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    status: str,
    *,
    urgent: bool,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "UPDATE feedback SET status = $2, urgent = $3, updated_at = $4 WHERE id = $1",
        feedback_id,
        status,
        urgent,
        at,
    )


class Claim(msgspec.Struct, frozen=True):
    moderator_id: int
    expires_at: dt.datetime


async def live_claim(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, now: dt.datetime
) -> Claim | None:
    row = await conn.fetchrow(
        "SELECT moderator_id, expires_at FROM moderation_claims "
        "WHERE feedback_id = $1 AND expires_at > $2",
        feedback_id,
        now,
    )
    return None if row is None else Claim(**row)


async def take_claim(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    moderator_id: int,
    now: dt.datetime,
    until: dt.datetime,
) -> Claim:
    """Claim the item for this moderator unless another holds a live claim; the claim in force
    afterwards is returned (this moderator's, or the other's)."""
    while True:
        row = await _claim(conn, feedback_id, moderator_id, now, until)
        if row is not None:
            return row
        # Another moderator's claim stood; unless it ended just now, that is the answer.
        claim = await live_claim(conn, feedback_id, now)
        if claim is not None:
            return claim


async def _claim(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    moderator_id: int,
    now: dt.datetime,
    until: dt.datetime,
) -> Claim | None:
    row = await conn.fetchrow(
        "INSERT INTO moderation_claims (feedback_id, moderator_id, claimed_at, expires_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (feedback_id) DO UPDATE "
        "SET moderator_id = EXCLUDED.moderator_id, claimed_at = EXCLUDED.claimed_at, "
        "expires_at = EXCLUDED.expires_at "
        "WHERE moderation_claims.moderator_id = EXCLUDED.moderator_id "
        "OR moderation_claims.expires_at <= EXCLUDED.claimed_at "
        "RETURNING moderator_id, expires_at",
        feedback_id,
        moderator_id,
        now,
        until,
    )
    return None if row is None else Claim(**row)


async def release_claim(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, moderator_id: int | None = None
) -> None:
    await conn.execute(
        "DELETE FROM moderation_claims WHERE feedback_id = $1 "
        "AND ($2::bigint IS NULL OR moderator_id = $2)",
        feedback_id,
        moderator_id,
    )


class Original(msgspec.Struct, frozen=True):
    body: str
    personal_data: list[Finding]
    created_at: dt.datetime


async def original(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> Original | None:
    row = await conn.fetchrow(
        "SELECT body, personal_data, created_at FROM redaction_originals WHERE feedback_id = $1",
        feedback_id,
    )
    return None if row is None else Original(**_with_findings(row))


async def redact(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    *,
    original: str | None,
    original_findings: list[Finding],
    body: str,
    findings: list[Finding],
    at: dt.datetime,
) -> None:
    """Keep the original text apart (until the retention job destroys it) and give the item
    its redacted text."""
    await conn.execute(
        "INSERT INTO redaction_originals (feedback_id, body, personal_data, created_at) "
        "VALUES ($1, $2, $3, $4)",
        feedback_id,
        original,
        msgspec.to_builtins(original_findings),
        at,
    )
    await conn.execute(
        "UPDATE feedback SET body = $2, personal_data = $3 WHERE id = $1",
        feedback_id,
        body,
        msgspec.to_builtins(findings),
    )


class OriginalState(msgspec.Struct, frozen=True):
    destroyed_at: dt.datetime | None


async def lock_original_state(
    conn: asyncpg.Connection, feedback_id: uuid.UUID
) -> OriginalState | None:
    """Whether the item's original was destroyed, with the item locked; None if no item."""
    row = await conn.fetchrow(
        "SELECT redaction_original_destroyed_at AS destroyed_at FROM feedback "
        "WHERE id = $1 FOR UPDATE",
        feedback_id,
    )
    return None if row is None else OriginalState(**row)


async def destroy_originals(
    conn: asyncpg.Connection, cutoff: dt.datetime, batch: int, at: dt.datetime
) -> list[uuid.UUID]:
    """Destroy up to ``batch`` originals kept since before ``cutoff``; returns their items'
    ids. Locked items are skipped, not waited for."""
    # Lock the items first, as a decision or an erasure does, so that the two never wait on
    # each other in opposite order.
    ids = await conn.fetchval(
        "WITH due AS (SELECT f.id FROM feedback f "
        "  JOIN redaction_originals o ON o.feedback_id = f.id "
        "  WHERE o.created_at <= $1 ORDER BY o.created_at LIMIT $2 "
        "  FOR UPDATE OF f SKIP LOCKED), "
        "gone AS (DELETE FROM redaction_originals o USING due "
        "  WHERE o.feedback_id = due.id RETURNING o.feedback_id) "
        "SELECT coalesce(array_agg(feedback_id), '{}') FROM gone",
        cutoff,
        batch,
    )
    if ids:
        await conn.execute(
            "UPDATE feedback SET redaction_original_destroyed_at = $2 WHERE id = ANY($1::uuid[])",
            ids,
            at,
        )
    return list(ids)


class TrailUser(msgspec.Struct, frozen=True):
    id: int
    email: str | None
    role: str


async def trail_users(conn: asyncpg.Connection, user_ids: list[int]) -> list[TrailUser]:
    """The accounts named on an item's trail, with their role (the page decides who is named
    by address)."""
    rows = await conn.fetch(
        "SELECT id, email, role FROM users WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL",
        user_ids,
    )
    return [TrailUser(**dict(row)) for row in rows]


class GroupName(msgspec.Struct, frozen=True):
    id: int
    name: str


async def group_names_by_id(conn: asyncpg.Connection, group_ids: list[int]) -> list[GroupName]:
    """Groups by id, archived ones too: a trail names where an item went, then and now."""
    rows = await conn.fetch(
        "SELECT id, name FROM subject_groups WHERE id = ANY($1::bigint[])", group_ids
    )
    return [GroupName(**dict(row)) for row in rows]


class RuleName(msgspec.Struct, frozen=True):
    id: int
    name: str


async def rule_names_by_id(conn: asyncpg.Connection, rule_ids: list[int]) -> list[RuleName]:
    rows = await conn.fetch(
        "SELECT id, name FROM routing_rules WHERE id = ANY($1::bigint[])", rule_ids
    )
    return [RuleName(**dict(row)) for row in rows]
