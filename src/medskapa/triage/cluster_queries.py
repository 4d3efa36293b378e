"""SQL for similar items and the clusters a group merges them into. Rows map to Structs by
column name; every value is a bound parameter."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.triage.domain import SIMILAR_CANDIDATES, SIMILAR_SHOWN, SIMILAR_THRESHOLD


class Similar(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    created_at: dt.datetime
    body: str | None
    score: float
    cluster_id: int | None


async def has_trigrams(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')"
    )


# Candidates: the document's newest items in the same group that still have text.
_CANDIDATES = """
    WITH me AS (SELECT id, document_id, body, search FROM feedback WHERE id = $1),
    candidates AS (
        SELECT f.id, f.status, f.created_at, f.body, f.search
        FROM feedback f JOIN feedback_routes r ON r.feedback_id = f.id AND r.group_id = $2
        WHERE f.document_id = (SELECT document_id FROM me) AND f.id <> $1
          AND f.body IS NOT NULL
        ORDER BY f.created_at DESC LIMIT $3)
"""
# What both ways of scoring return: the candidates that score high enough, best first.
_RANKED = """
    SELECT s.id, s.status, s.created_at, left(s.body, 400) AS body, s.score, cm.cluster_id
    FROM scored s
    LEFT JOIN feedback_cluster_members cm ON cm.feedback_id = s.id AND cm.group_id = $2
    WHERE s.score >= $4
    ORDER BY s.score DESC, s.created_at DESC LIMIT $5
"""
# With pg_trgm: trigram similarity of the texts.
_SIMILAR_TRIGRAM = f"""
    {_CANDIDATES}
    , scored AS (
        SELECT c.id, c.status, c.created_at, c.body, similarity(c.body, me.body) AS score
        FROM candidates c CROSS JOIN me)
    {_RANKED}
"""
# Without it: the share of Swedish word stems the texts have in common (Jaccard), which the
# full-text column already holds.
_SIMILAR_LEXEMES = f"""
    {_CANDIDATES},
    scored AS (
        SELECT c.id, c.status, c.created_at, c.body,
               cardinality(ARRAY(SELECT unnest(tsvector_to_array(c.search))
                                 INTERSECT SELECT unnest(tsvector_to_array(me.search))))::float8
               / greatest(1, cardinality(ARRAY(
                     SELECT unnest(tsvector_to_array(c.search))
                     UNION SELECT unnest(tsvector_to_array(me.search))))) AS score
        FROM candidates c CROSS JOIN me)
    {_RANKED}
"""


async def similar(conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int) -> list[Similar]:
    sql = _SIMILAR_TRIGRAM if await has_trigrams(conn) else _SIMILAR_LEXEMES
    rows = await conn.fetch(
        sql, feedback_id, group_id, SIMILAR_CANDIDATES, SIMILAR_THRESHOLD, SIMILAR_SHOWN
    )
    return [Similar(**dict(row)) for row in rows]


class ClusterItem(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    created_at: dt.datetime
    body: str | None


async def routed_to_group(
    conn: asyncpg.Connection, ids: list[uuid.UUID], group_id: int
) -> set[uuid.UUID]:
    """Those of ``ids`` that are routed to the group."""
    rows = await conn.fetch(
        "SELECT feedback_id FROM feedback_routes "
        "WHERE feedback_id = ANY($1::uuid[]) AND group_id = $2",
        ids,
        group_id,
    )
    return {row["feedback_id"] for row in rows}


async def clusters_of(conn: asyncpg.Connection, group_id: int, ids: list[uuid.UUID]) -> list[int]:
    """The group's clusters that any of ``ids`` is in, oldest first."""
    rows = await conn.fetch(
        "SELECT DISTINCT cluster_id FROM feedback_cluster_members "
        "WHERE group_id = $1 AND feedback_id = ANY($2::uuid[]) ORDER BY cluster_id",
        group_id,
        ids,
    )
    return [row["cluster_id"] for row in rows]


async def join_clusters(conn: asyncpg.Connection, into: int, others: list[int]) -> None:
    """Move every member of ``others`` into the cluster ``into``."""
    await conn.execute(
        "UPDATE feedback_cluster_members SET cluster_id = $1 WHERE cluster_id = ANY($2::bigint[])",
        into,
        others,
    )


async def new_cluster(conn: asyncpg.Connection, group_id: int, *, by: str, at: dt.datetime) -> int:
    return await conn.fetchval(
        "INSERT INTO feedback_clusters (group_id, created_by, created_at) "
        "VALUES ($1, $2, $3) RETURNING id",
        group_id,
        by,
        at,
    )


async def add_to_cluster(
    conn: asyncpg.Connection,
    cluster_id: int,
    group_id: int,
    ids: list[uuid.UUID],
    *,
    by: str,
    at: dt.datetime,
) -> list[uuid.UUID]:
    """Put ``ids`` into the cluster; returns those that were in none of the group's before."""
    rows = await conn.fetch(
        "INSERT INTO feedback_cluster_members (cluster_id, group_id, feedback_id, "
        "added_by, added_at) SELECT $1, $2, i, $3, $4 FROM unnest($5::uuid[]) AS i "
        "ON CONFLICT (group_id, feedback_id) DO NOTHING RETURNING feedback_id",
        cluster_id,
        group_id,
        by,
        at,
        ids,
    )
    return [row["feedback_id"] for row in rows]


async def cluster_member_ids(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int
) -> list[uuid.UUID]:
    """The other items in the group's cluster of ``feedback_id`` that are still routed to the
    group (one forwarded away since is no longer the group's to answer)."""
    rows = await conn.fetch(
        "SELECT other.feedback_id FROM feedback_cluster_members me "
        "JOIN feedback_cluster_members other ON other.cluster_id = me.cluster_id "
        "JOIN feedback_routes r ON r.feedback_id = other.feedback_id AND r.group_id = $2 "
        "WHERE me.feedback_id = $1 AND me.group_id = $2 AND other.feedback_id <> $1 "
        "ORDER BY other.feedback_id",
        feedback_id,
        group_id,
    )
    return [row["feedback_id"] for row in rows]


async def one_contact_per_address(conn: asyncpg.Connection, contact_ids: list[int]) -> list[int]:
    """Of ``contact_ids``, one per e-mail address, in the order given: the submitter of
    several merged items hears of their step once, at the address as they first left it
    (the oldest contact; the order of the items given is not their age, so it cannot say)."""
    rows = await conn.fetch(
        "SELECT id FROM (SELECT DISTINCT ON (lower(email)) id, "
        "  array_position($1::bigint[], id) AS position FROM contacts "
        "  WHERE id = ANY($1::bigint[]) "
        "  ORDER BY lower(email), id) first "
        "ORDER BY position",
        contact_ids,
    )
    return [row["id"] for row in rows]
