"""SQL for one item as a group works on it: the item, its answers, notes, forwards, themes
and assignment, and the writes of each step. Rows map to Structs by column name; every value is
a bound parameter."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.triage.cluster_queries import ClusterItem
from medskapa.triage.group_queries import Group, Member, Theme


async def item_groups(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> list[int]:
    """The groups an item is routed to now."""
    rows = await conn.fetch(
        "SELECT group_id FROM feedback_routes WHERE feedback_id = $1 ORDER BY group_id",
        feedback_id,
    )
    return [row["group_id"] for row in rows]


class ItemRecord(msgspec.Struct, frozen=True):
    id: uuid.UUID
    status: str
    created_at: dt.datetime
    document_id: int
    document_slug: str
    document_title: str
    version_id: int
    version_label: str
    section_key: str | None
    section_heading: str | None
    section_body: str | None
    quote: str | None
    category: str
    submitter_role: str
    body: str | None
    consent_public: bool
    urgent: bool
    contact_id: int | None
    language: str
    changed_in_version: str | None
    erased_at: dt.datetime | None
    care_region_name: str | None = None
    organisation_name: str | None = None
    """A joint statement's organisation, and the others that signed it."""
    cosigner_names: str | None = None


_ITEM = """
    SELECT f.id, f.status, f.created_at, d.id AS document_id, d.slug AS document_slug,
           d.title AS document_title, v.id AS version_id, v.label AS version_label,
           f.section_key, s.heading AS section_heading, s.body AS section_body,
           f.quote_exact AS quote, f.category, f.submitter_role, f.body, f.consent_public,
           f.urgent, f.contact_id, f.language, cv.label AS changed_in_version, f.erased_at,
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
    LEFT JOIN document_versions cv ON cv.id = f.changed_in_version_id
    WHERE f.id = $1
"""


async def item(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, *, lock: bool = False
) -> ItemRecord | None:
    row = await conn.fetchrow(f"{_ITEM}{' FOR UPDATE OF f' if lock else ''}", feedback_id)
    return None if row is None else ItemRecord(**dict(row))


async def lock_items(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Lock several items in one order (so two merges cannot deadlock); returns those found."""
    rows = await conn.fetch(
        "SELECT id FROM feedback WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", ids
    )
    return [row["id"] for row in rows]


class VersionRef(msgspec.Struct, frozen=True):
    id: int
    label: str
    published_on: dt.date | None


async def document_version(
    conn: asyncpg.Connection, document_id: int, label: str
) -> VersionRef | None:
    row = await conn.fetchrow(
        "SELECT id, label, published_on FROM document_versions "
        "WHERE document_id = $1 AND label = $2",
        document_id,
        label,
    )
    return None if row is None else VersionRef(**dict(row))


class AnswerRecord(msgspec.Struct, frozen=True):
    status: str
    body: str | None
    will_change: bool | None
    reason_code: str | None
    version_label: str | None
    group_name: str | None
    """None for the admins' answer to a site item (a report about the service itself)."""
    author: str
    answered_at: dt.datetime
    document_slug: str | None = None
    """The document of ``version_label``, so that a page can link to that version."""


_ANSWERS = """
    SELECT a.status, a.body, a.will_change, a.reason_code, v.label AS version_label,
           g.name AS group_name, a.author, a.answered_at, vd.slug AS document_slug
    FROM feedback_answers a
    LEFT JOIN subject_groups g ON g.id = a.group_id
    LEFT JOIN document_versions v ON v.id = a.version_id
    LEFT JOIN guidance_documents vd ON vd.id = v.document_id
"""


async def answers(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> list[AnswerRecord]:
    rows = await conn.fetch(
        f"{_ANSWERS} WHERE a.feedback_id = $1 ORDER BY a.answered_at, a.id", feedback_id
    )
    return [AnswerRecord(**dict(row)) for row in rows]


async def insert_answer(
    conn: asyncpg.Connection,
    *,
    feedback_id: uuid.UUID,
    group_id: int,
    status: str,
    body: str | None,
    will_change: bool | None,
    reason_code: str | None,
    version_id: int | None,
    author: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO feedback_answers (feedback_id, group_id, status, body, will_change, "
        "reason_code, version_id, author, answered_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        feedback_id,
        group_id,
        status,
        body,
        will_change,
        reason_code,
        version_id,
        author,
        at,
    )


async def set_status(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    status: str,
    at: dt.datetime,
    changed_in_version_id: int | None = None,
) -> None:
    await conn.execute(
        "UPDATE feedback SET status = $2, updated_at = $3, "
        "changed_in_version_id = coalesce($4, changed_in_version_id) WHERE id = $1",
        feedback_id,
        status,
        at,
        changed_in_version_id,
    )


async def item_theme_ids(conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int) -> set:
    rows = await conn.fetch(
        "SELECT ft.theme_id FROM feedback_themes ft JOIN group_themes t ON t.id = ft.theme_id "
        "WHERE ft.feedback_id = $1 AND t.group_id = $2",
        feedback_id,
        group_id,
    )
    return {row["theme_id"] for row in rows}


class Note(msgspec.Struct, frozen=True):
    author: str
    author_email: str | None
    body: str
    created_at: dt.datetime


class Forward(msgspec.Struct, frozen=True):
    from_group_slug: str
    from_group: str
    to_group: str
    reason_code: str
    note: str | None
    forwarded_at: dt.datetime


async def move_route(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    from_group_id: int,
    to_group_id: int,
    at: dt.datetime,
) -> None:
    """Forwarding is a routing too: the item leaves one group's inbox for another's (no rule
    matched; the forwarding record says why)."""
    await conn.execute(
        "DELETE FROM feedback_routes WHERE feedback_id = $1 AND group_id = $2",
        feedback_id,
        from_group_id,
    )
    await conn.execute(
        "INSERT INTO feedback_routes (feedback_id, group_id, routed_at) VALUES ($1, $2, $3)",
        feedback_id,
        to_group_id,
        at,
    )


async def unassign(conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int) -> None:
    await conn.execute(
        "DELETE FROM feedback_assignments WHERE feedback_id = $1 AND group_id = $2",
        feedback_id,
        group_id,
    )


async def assign(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    group_id: int,
    user_id: int,
    *,
    by: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO feedback_assignments (feedback_id, group_id, user_id, assigned_by, "
        "assigned_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (feedback_id, group_id) "
        "DO UPDATE SET user_id = EXCLUDED.user_id, assigned_by = EXCLUDED.assigned_by, "
        "assigned_at = EXCLUDED.assigned_at",
        feedback_id,
        group_id,
        user_id,
        by,
        at,
    )


async def published_labels(conn: asyncpg.Connection, document_id: int) -> list[str]:
    """Every published version label of a document, in no particular order."""
    rows = await conn.fetch(
        "SELECT label FROM document_versions WHERE document_id = $1 AND published_on IS NOT NULL",
        document_id,
    )
    return [row["label"] for row in rows]


async def insert_forward(
    conn: asyncpg.Connection,
    *,
    feedback_id: uuid.UUID,
    from_group_id: int,
    to_group_id: int,
    reason_code: str,
    note: str | None,
    actor: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO feedback_forwards (feedback_id, from_group_id, to_group_id, "
        "reason_code, note, actor, forwarded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        feedback_id,
        from_group_id,
        to_group_id,
        reason_code,
        note,
        actor,
        at,
    )


async def change_themes(
    conn: asyncpg.Connection,
    feedback_id: uuid.UUID,
    *,
    removed: list[int],
    added: list[int],
    by: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "DELETE FROM feedback_themes WHERE feedback_id = $1 AND theme_id = ANY($2::bigint[])",
        feedback_id,
        removed,
    )
    await conn.executemany(
        "INSERT INTO feedback_themes (feedback_id, theme_id, tagged_by, tagged_at) "
        "VALUES ($1, $2, $3, $4)",
        [(feedback_id, theme_id, by, at) for theme_id in added],
    )


async def insert_note(
    conn: asyncpg.Connection,
    *,
    feedback_id: uuid.UUID,
    group_id: int,
    author: str,
    body: str,
    at: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO feedback_notes (feedback_id, group_id, author, body, created_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        feedback_id,
        group_id,
        author,
        body,
        at,
    )


class StatementReader(msgspec.Struct, frozen=True):
    user_id: int
    organisation: str
    path: str
    """Where this user reads the answer: the statement page or their round page."""


async def statement_readers(
    conn: asyncpg.Connection, feedback_id: uuid.UUID
) -> list[StatementReader]:
    """Who is told when the group answers the statement that became ``feedback_id``: the
    coordinators of the organisation that sent it and of every organisation that co-signed
    it, and the members who asked to be told and whose input it cites (while they are still
    members). One row per person; a coordinator who is also such a member is told once. Nobody
    for an item that is not a statement."""
    rows = await conn.fetch(
        """
        WITH st AS (SELECT id, organisation_id FROM statements WHERE feedback_id = $1),
        orgs AS (
            SELECT organisation_id FROM st
            UNION
            SELECT c.organisation_id FROM statement_cosigners c JOIN st ON st.id = c.statement_id
            WHERE c.signed_at IS NOT NULL),
        told AS (
            SELECT m.user_id, o.name, '/organisationer/' || o.slug || '/yttranden/' || st.id
                   AS path, 0 AS rank
            FROM orgs
            JOIN organisations o ON o.id = orgs.organisation_id
            JOIN organisation_memberships m ON m.organisation_id = o.id
                 AND m.role = 'coordinator'
            CROSS JOIN st
            UNION ALL
            SELECT i.author_id, o.name, '/organisationer/' || o.slug || '/omgangar/' || i.round_id,
                   1
            FROM st
            JOIN statement_citations c ON c.statement_id = st.id
            JOIN member_inputs i ON i.id = c.member_input_id AND i.notify_on_answer
            JOIN organisation_memberships m ON m.user_id = i.author_id
                 AND m.organisation_id = i.organisation_id
            JOIN organisations o ON o.id = i.organisation_id)
        SELECT DISTINCT ON (t.user_id) t.user_id, t.name AS organisation, t.path
        FROM told t JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
        ORDER BY t.user_id, t.rank
        """,
        feedback_id,
    )
    return [StatementReader(**dict(row)) for row in rows]


class WorkedOn(msgspec.Struct, frozen=True):
    """Everything about an item as one group works on it that is not its record, its answers
    or its trail (``worked_on``)."""

    current_version: str | None
    sections: list[tuple[str, str]]
    """The current version's sections as (key, body), in the document's order."""
    routed_to: list[Group]
    notes: list[Note]
    forwards: list[Forward]
    assignee_id: int | None
    item_themes: set[int]
    cluster_id: int | None
    cluster: list[ClusterItem]
    members: list[Member]
    themes: list[Theme]


async def worked_on(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, group_id: int, document_id: int
) -> WorkedOn:
    """The rest of an item's page for ``group_id``, in one statement: the item view follows
    every group step, and on a busy server each round trip it saves is one wait less for the
    event loop (bench/mixed.py: a step was some 28 statements). Lists come as JSON, in the
    order the page shows them; their times are written in the session's time zone, UTC on every
    app connection (db/pool.py), so they convert to the same datetimes as the driver's."""
    row = await conn.fetchrow(
        "SELECT "
        "(SELECT cv.label FROM current_versions cv WHERE cv.document_id = $3 "
        "  AND EXISTS (SELECT FROM sections s WHERE s.version_id = cv.version_id)) "
        "  AS current_version, "
        "(SELECT coalesce(jsonb_agg(jsonb_build_array(s.key, s.body) ORDER BY s.position), "
        "  '[]') FROM current_versions cv JOIN sections s ON s.version_id = cv.version_id "
        "  WHERE cv.document_id = $3) AS sections, "
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'slug', g.slug, "
        "  'name', g.name) ORDER BY g.name), '[]') FROM feedback_routes r "
        "  JOIN subject_groups g ON g.id = r.group_id WHERE r.feedback_id = $1) AS routed_to, "
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('author', n.author, "
        "  'author_email', u.email, 'body', n.body, 'created_at', n.created_at) "
        "  ORDER BY n.created_at, n.id), '[]') FROM feedback_notes n "
        "  LEFT JOIN users u ON 'user:' || u.id = n.author "
        "  WHERE n.feedback_id = $1 AND n.group_id = $2) AS notes, "
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('from_group_slug', gf.slug, "
        "  'from_group', gf.name, 'to_group', gt.name, 'reason_code', x.reason_code, "
        "  'note', x.note, 'forwarded_at', x.forwarded_at) ORDER BY x.forwarded_at, x.id), "
        "  '[]') FROM feedback_forwards x JOIN subject_groups gf ON gf.id = x.from_group_id "
        "  JOIN subject_groups gt ON gt.id = x.to_group_id WHERE x.feedback_id = $1) "
        "  AS forwards, "
        "(SELECT user_id FROM feedback_assignments WHERE feedback_id = $1 AND group_id = $2) "
        "  AS assignee_id, "
        "ARRAY(SELECT ft.theme_id FROM feedback_themes ft "
        "  JOIN group_themes t ON t.id = ft.theme_id "
        "  WHERE ft.feedback_id = $1 AND t.group_id = $2) AS item_themes, "
        "(SELECT cluster_id FROM feedback_cluster_members "
        "  WHERE feedback_id = $1 AND group_id = $2) AS cluster_id, "
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', f.id, 'status', f.status, "
        "  'created_at', f.created_at, 'body', left(f.body, 400)) ORDER BY f.created_at), '[]') "
        "  FROM feedback_cluster_members me "
        "  JOIN feedback_cluster_members cm ON cm.cluster_id = me.cluster_id "
        "  JOIN feedback f ON f.id = cm.feedback_id "
        "  WHERE me.feedback_id = $1 AND me.group_id = $2 AND f.id <> $1) AS cluster, "
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('user_id', u.id, 'email', u.email, "
        "  'role', m.role) ORDER BY lower(u.email)), '[]') FROM group_memberships m "
        "  JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL WHERE m.group_id = $2) "
        "  AS members, "
        "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'name', name, "
        "  'archived', archived_at IS NOT NULL) ORDER BY archived_at IS NOT NULL, name), '[]') "
        "  FROM group_themes WHERE group_id = $2) AS themes",
        feedback_id,
        group_id,
        document_id,
    )
    return msgspec.convert(dict(row), WorkedOn)
