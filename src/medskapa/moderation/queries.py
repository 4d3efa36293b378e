"""SQL for moderation and routing. Rows map to Structs in the order the SELECT names them."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.feedback.personal_data import Finding
from medskapa.moderation.domain import Rule, RuleKind


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


_ITEM = """
    SELECT f.id, f.status, f.created_at, d.slug, d.title, v.label, f.section_key, s.heading,
           f.quote_exact, f.category, f.submitter_role, f.body, f.personal_data,
           f.consent_public, f.consent_contact, f.contact_id IS NOT NULL, f.language, f.urgent,
           f.redaction_original_destroyed_at,
           EXISTS (SELECT FROM redaction_originals o WHERE o.feedback_id = f.id),
           c.moderator_id, c.expires_at, (SELECT name FROM regions WHERE code = f.care_region)
    FROM feedback f
    JOIN guidance_documents d ON d.id = f.document_id
    JOIN document_versions v ON v.id = f.version_id
    LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
    LEFT JOIN moderation_claims c ON c.feedback_id = f.id AND c.expires_at > $1
"""


def _item(row: asyncpg.Record) -> ModerationItem:
    values = list(row)
    values[12] = msgspec.convert(values[12], list[Finding])
    names = msgspec.structs.fields(ModerationItem)
    return ModerationItem(**{f.name: v for f, v in zip(names, values, strict=True)})


def _queue_where(filters: QueueFilter, now: dt.datetime) -> tuple[str, list[object]]:
    where = ["f.status = 'received'"]
    params: list[object] = [now]
    if filters.document:
        params.append(filters.document)
        where.append(f"d.slug = ${len(params)}")
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
    """The oldest items waiting for moderation first: a walk of the waiting items' index that
    stops at the limit, however long the queue (how many match comes from ``queue_counts``)."""
    where, params = _queue_where(filters, now)
    rows = await conn.fetch(
        _ITEM + f" WHERE {where} ORDER BY f.created_at, f.id LIMIT {int(filters.limit)}",
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
    for slug, title, category, items, *_ in rows:
        documents[(slug, title)] = documents.get((slug, title), 0) + items
        categories[category] = categories.get(category, 0) + items
    matching = sum(
        row[8]
        for row in rows
        if (not filters.document or row[0] == filters.document)
        and (not filters.category or row[2] == filters.category)
    )
    return QueueCounts(
        total=sum(row[3] for row in rows),
        older_than_1_day=sum(row[4] for row in rows),
        older_than_3_days=sum(row[5] for row in rows),
        older_than_7_days=sum(row[6] for row in rows),
        oldest_at=min((row[7] for row in rows), default=None),
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
        "SELECT f.id, f.status, f.document_id, d.title, d.subject_group_id, f.section_key, "
        "f.category, f.body, f.personal_data, f.contact_id, f.consent_contact, f.language "
        "FROM feedback f JOIN guidance_documents d ON d.id = f.document_id "
        "WHERE f.id = $1 FOR UPDATE OF f",
        feedback_id,
    )
    if row is None:
        return None
    values = list(row)
    values[8] = msgspec.convert(values[8], list[Finding])
    return LockedItem(*values)


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
    return None if row is None else DecisionRecord(*row)


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
    return None if row is None else Claim(*row)


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
    return None if row is None else Claim(*row)


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
    if row is None:
        return None
    return Original(row[0], msgspec.convert(row[1], list[Finding]), row[2])


# ---------------------------------------------------------------------- routing


_RULE_COLUMNS = """
    r.id, r.kind, r.priority,
    coalesce((SELECT array_agg(g.group_id ORDER BY g.group_id) FROM routing_rule_groups g
              WHERE g.rule_id = r.id), '{}'),
    r.document_id, r.section_key, r.category, r.keyword, r.keep_owner, r.active
"""


def _rule(row: asyncpg.Record) -> Rule:
    return Rule(
        id=row[0],
        kind=RuleKind(row[1]),
        priority=row[2],
        group_ids=tuple(row[3]),
        document_id=row[4],
        section_key=row[5],
        category=row[6],
        keyword=row[7],
        keep_owner=row[8],
        active=row[9],
    )


async def active_rules(conn: asyncpg.Connection) -> list[Rule]:
    rows = await conn.fetch(
        f"SELECT {_RULE_COLUMNS} FROM routing_rules r WHERE r.active ORDER BY r.priority, r.id"
    )
    return [_rule(row) for row in rows]


class GroupRef(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str


async def groups(conn: asyncpg.Connection, *, live: bool = False) -> list[GroupRef]:
    """Every group, or with ``live`` only those not archived (the ones a new rule may name)."""
    rows = await conn.fetch(
        "SELECT id, slug, name FROM subject_groups WHERE NOT $1 OR archived_at IS NULL "
        "ORDER BY name",
        live,
    )
    return [GroupRef(id=row["id"], slug=row["slug"], name=row["name"]) for row in rows]


class RuleView(msgspec.Struct, frozen=True, kw_only=True):
    rule: Rule
    name: str
    document_slug: str | None
    document_title: str | None
    group_names: list[str]
    updated_at: dt.datetime


_RULE_VIEW = f"""
    SELECT {_RULE_COLUMNS}, r.name, d.slug, d.title,
           coalesce((SELECT array_agg(sg.name ORDER BY sg.name) FROM routing_rule_groups g
                     JOIN subject_groups sg ON sg.id = g.group_id WHERE g.rule_id = r.id), '{{}}'),
           r.updated_at
    FROM routing_rules r LEFT JOIN guidance_documents d ON d.id = r.document_id
"""


def _rule_view(row: asyncpg.Record) -> RuleView:
    return RuleView(
        rule=_rule(row),
        name=row[10],
        document_slug=row[11],
        document_title=row[12],
        group_names=list(row[13]),
        updated_at=row[14],
    )


async def rule_views(conn: asyncpg.Connection) -> list[RuleView]:
    rows = await conn.fetch(f"{_RULE_VIEW} ORDER BY NOT r.active, r.priority, r.id")
    return [_rule_view(row) for row in rows]


async def rule_view(conn: asyncpg.Connection, rule_id: int) -> RuleView | None:
    row = await conn.fetchrow(f"{_RULE_VIEW} WHERE r.id = $1", rule_id)
    return None if row is None else _rule_view(row)


class DocumentRef(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    owner_group_id: int


async def documents(conn: asyncpg.Connection) -> list[DocumentRef]:
    rows = await conn.fetch(
        "SELECT id, slug, title, subject_group_id FROM guidance_documents ORDER BY title"
    )
    return [DocumentRef(*row) for row in rows]


async def document_by_slug(conn: asyncpg.Connection, slug: str) -> DocumentRef | None:
    row = await conn.fetchrow(
        "SELECT id, slug, title, subject_group_id FROM guidance_documents WHERE slug = $1", slug
    )
    return None if row is None else DocumentRef(*row)


async def section_exists(conn: asyncpg.Connection, document_id: int, key: str) -> bool:
    """The key is a section of some version of the document (keys are stable across them)."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT FROM sections s JOIN document_versions v ON v.id = s.version_id "
        "WHERE v.document_id = $1 AND s.key = $2)",
        document_id,
        key,
    )


class RouteView(msgspec.Struct, frozen=True):
    group_id: int
    group_slug: str
    group_name: str
    rule_id: int | None
    rule_name: str | None
    routed_at: dt.datetime


async def routes(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> list[RouteView]:
    rows = await conn.fetch(
        "SELECT g.id, g.slug, g.name, r.rule_id, rr.name, r.routed_at FROM feedback_routes r "
        "JOIN subject_groups g ON g.id = r.group_id "
        "LEFT JOIN routing_rules rr ON rr.id = r.rule_id "
        "WHERE r.feedback_id = $1 ORDER BY g.name",
        feedback_id,
    )
    return [RouteView(*row) for row in rows]


async def group_recipients(
    conn: asyncpg.Connection, group_ids: list[int], *, leads_only: bool = False
) -> list[int]:
    """Users in any of the groups, each once (an account that is gone gets nothing). New-item
    mail goes only to those who want it at once (the others get the daily digest, or nothing);
    the urgent notice to the leads goes whatever they chose."""
    rows = await conn.fetch(
        "SELECT DISTINCT m.user_id FROM group_memberships m "
        "JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL "
        "WHERE m.group_id = ANY($1::bigint[]) AND (NOT $2 OR m.role = 'lead') "
        "AND ($2 OR u.new_item_mail = 'immediately') "
        "ORDER BY m.user_id",
        group_ids,
        leads_only,
    )
    return [row[0] for row in rows]
