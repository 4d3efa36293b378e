"""SQL for routing: the rules (read and written), the groups and documents they name, and the
routes an approved item took. Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.moderation.domain import Rule, RuleKind

_RULE_COLUMNS = """
    r.id, r.kind, r.priority,
    coalesce((SELECT array_agg(g.group_id ORDER BY g.group_id) FROM routing_rule_groups g
              WHERE g.rule_id = r.id), '{}') AS group_ids,
    r.document_id, r.section_key, r.category, r.keyword, r.keep_owner, r.active
"""


def _rule(row: asyncpg.Record) -> Rule:
    return Rule(
        id=row["id"],
        kind=RuleKind(row["kind"]),
        priority=row["priority"],
        group_ids=tuple(row["group_ids"]),
        document_id=row["document_id"],
        section_key=row["section_key"],
        category=row["category"],
        keyword=row["keyword"],
        keep_owner=row["keep_owner"],
        active=row["active"],
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
    SELECT {_RULE_COLUMNS}, r.name, d.slug AS document_slug, d.title AS document_title,
           coalesce((SELECT array_agg(sg.name ORDER BY sg.name) FROM routing_rule_groups g
                     JOIN subject_groups sg ON sg.id = g.group_id WHERE g.rule_id = r.id), '{{}}')
             AS group_names,
           r.updated_at
    FROM routing_rules r LEFT JOIN guidance_documents d ON d.id = r.document_id
"""


def _rule_view(row: asyncpg.Record) -> RuleView:
    return RuleView(
        rule=_rule(row),
        name=row["name"],
        document_slug=row["document_slug"],
        document_title=row["document_title"],
        group_names=list(row["group_names"]),
        updated_at=row["updated_at"],
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


_DOCUMENT_COLUMNS = "id, slug, title, subject_group_id AS owner_group_id"


async def documents(conn: asyncpg.Connection) -> list[DocumentRef]:
    rows = await conn.fetch(f"SELECT {_DOCUMENT_COLUMNS} FROM guidance_documents ORDER BY title")
    return [DocumentRef(**row) for row in rows]


async def document_by_slug(conn: asyncpg.Connection, slug: str) -> DocumentRef | None:
    row = await conn.fetchrow(
        f"SELECT {_DOCUMENT_COLUMNS} FROM guidance_documents WHERE slug = $1", slug
    )
    return None if row is None else DocumentRef(**row)


async def section_exists(conn: asyncpg.Connection, document_id: int, key: str) -> bool:
    """The key is a section of some version of the document (keys are stable across them)."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT FROM sections s JOIN document_versions v ON v.id = s.version_id "
        "WHERE v.document_id = $1 AND s.key = $2)",
        document_id,
        key,
    )


class RuleFields(msgspec.Struct, frozen=True):
    """A checked rule, as it is stored."""

    name: str
    kind: RuleKind
    document_id: int | None
    section_key: str | None
    category: str | None
    keyword: str | None
    priority: int
    group_ids: list[int]
    keep_owner: bool
    active: bool


def _rule_values(rule: RuleFields) -> tuple[object, ...]:
    """A rule's columns in the order both the INSERT and the UPDATE name them."""
    return (
        rule.name,
        rule.kind,
        rule.document_id,
        rule.section_key,
        rule.category,
        rule.keyword,
        rule.priority,
        rule.keep_owner,
        rule.active,
    )


async def insert_rule(conn: asyncpg.Connection, rule: RuleFields, at: dt.datetime) -> int:
    rule_id = await conn.fetchval(
        "INSERT INTO routing_rules (name, kind, document_id, section_key, category, "
        "keyword, priority, keep_owner, active, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        *_rule_values(rule),
        at,
    )
    await _insert_groups(conn, rule_id, rule.group_ids)
    return rule_id


async def lock_rule(conn: asyncpg.Connection, rule_id: int) -> bool | None:
    """Whether the rule is active, with its row locked; None if there is no such rule."""
    return await conn.fetchval("SELECT active FROM routing_rules WHERE id = $1 FOR UPDATE", rule_id)


async def update_rule(
    conn: asyncpg.Connection, rule_id: int, rule: RuleFields, at: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE routing_rules SET name = $2, kind = $3, document_id = $4, "
        "section_key = $5, category = $6, keyword = $7, priority = $8, keep_owner = $9, "
        "active = $10, updated_at = $11 WHERE id = $1",
        rule_id,
        *_rule_values(rule),
        at,
    )
    await conn.execute("DELETE FROM routing_rule_groups WHERE rule_id = $1", rule_id)
    await _insert_groups(conn, rule_id, rule.group_ids)


async def _insert_groups(conn: asyncpg.Connection, rule_id: int, group_ids: list[int]) -> None:
    await conn.execute(
        "INSERT INTO routing_rule_groups (rule_id, group_id) SELECT $1, unnest($2::bigint[])",
        rule_id,
        group_ids,
    )


async def set_rule_active(
    conn: asyncpg.Connection, rule_id: int, active: bool, at: dt.datetime
) -> None:
    await conn.execute(
        "UPDATE routing_rules SET active = $2, updated_at = $3 WHERE id = $1",
        rule_id,
        active,
        at,
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
        "SELECT g.id AS group_id, g.slug AS group_slug, g.name AS group_name, r.rule_id, "
        "rr.name AS rule_name, r.routed_at FROM feedback_routes r "
        "JOIN subject_groups g ON g.id = r.group_id "
        "LEFT JOIN routing_rules rr ON rr.id = r.rule_id "
        "WHERE r.feedback_id = $1 ORDER BY g.name",
        feedback_id,
    )
    return [RouteView(**row) for row in rows]


async def insert_route(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    group_id: int,
    rule_id: int | None,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO feedback_routes (feedback_id, group_id, rule_id, routed_at) "
        "VALUES ($1, $2, $3, $4)",
        feedback_id,
        group_id,
        rule_id,
        at,
    )


async def group_names(conn: asyncpg.Connection, group_ids: list[int]) -> list[str]:
    names = await conn.fetchval(
        "SELECT array_agg(name ORDER BY name) FROM subject_groups WHERE id = ANY($1)",
        group_ids,
    )
    return list(names)


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
    return [row["user_id"] for row in rows]
