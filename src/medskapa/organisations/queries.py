"""SQL for organisations. Rows map to Structs in the order the SELECT names them."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec


class Organisation(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    description: str
    verified_at: dt.datetime | None
    created_at: dt.datetime

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


_ORGANISATION = "SELECT id, slug, name, description, verified_at, created_at FROM organisations"


async def organisation_by_slug(conn: asyncpg.Connection, slug: str) -> Organisation | None:
    row = await conn.fetchrow(f"{_ORGANISATION} WHERE slug = $1", slug)
    return None if row is None else Organisation(*row)


async def organisation_by_id(conn: asyncpg.Connection, org_id: int) -> Organisation | None:
    row = await conn.fetchrow(f"{_ORGANISATION} WHERE id = $1", org_id)
    return None if row is None else Organisation(*row)


async def organisations(conn: asyncpg.Connection) -> list[Organisation]:
    rows = await conn.fetch(f"{_ORGANISATION} ORDER BY verified_at IS NULL, name")
    return [Organisation(*row) for row in rows]


class Member(msgspec.Struct, frozen=True):
    user_id: int
    email: str
    role: str
    joined_at: dt.datetime


async def members(conn: asyncpg.Connection, org_id: int) -> list[Member]:
    rows = await conn.fetch(
        "SELECT u.id, u.email, m.role, m.created_at FROM organisation_memberships m "
        "JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL "
        "WHERE m.organisation_id = $1 ORDER BY m.role DESC, m.created_at",
        org_id,
    )
    return [Member(*row) for row in rows]


async def coordinator_ids(conn: asyncpg.Connection, org_id: int) -> list[int]:
    return [
        row[0]
        for row in await conn.fetch(
            "SELECT m.user_id FROM organisation_memberships m "
            "JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL "
            "WHERE m.organisation_id = $1 AND m.role = 'coordinator' ORDER BY m.user_id",
            org_id,
        )
    ]


class Invitation(msgspec.Struct, frozen=True):
    id: int
    organisation_id: int
    kind: str
    expires_at: dt.datetime
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    created_at: dt.datetime


_INVITATION = (
    "SELECT id, organisation_id, kind, expires_at, used_at, revoked_at, created_at "
    "FROM organisation_invitations"
)


async def invitation_by_hash(
    conn: asyncpg.Connection, token_hash: bytes, *, lock: bool = False
) -> Invitation | None:
    row = await conn.fetchrow(
        f"{_INVITATION} WHERE token_hash = $1{' FOR UPDATE' if lock else ''}", token_hash
    )
    return None if row is None else Invitation(*row)


async def open_links(conn: asyncpg.Connection, org_id: int, now: dt.datetime) -> list[Invitation]:
    rows = await conn.fetch(
        f"{_INVITATION} WHERE organisation_id = $1 AND kind = 'link' AND revoked_at IS NULL "
        "AND expires_at > $2 ORDER BY created_at DESC",
        org_id,
        now,
    )
    return [Invitation(*row) for row in rows]


class Consultation(msgspec.Struct, frozen=True):
    id: int
    group_id: int
    group_name: str
    document_id: int
    document_slug: str
    document_title: str
    version_id: int
    version_label: str
    title: str
    questions: list[str]
    start_date: dt.date
    deadline: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime
    open_to_all_verified: bool
    created_at: dt.datetime
    organisation_ids: list[int]
    preview_shared_at: dt.datetime | None
    """When the group shared the comment/response table with the organisations that sent
    statements (after the deadline, before the new version is published)."""


_CONSULTATION = """
    SELECT c.id, c.group_id, g.name, c.document_id, d.slug, d.title, c.version_id, v.label,
           c.title, c.questions, c.start_date, c.deadline, c.opens_at, c.closes_at,
           c.open_to_all_verified, c.created_at,
           coalesce((SELECT array_agg(organisation_id ORDER BY organisation_id)
                     FROM consultation_organisations WHERE consultation_id = c.id), '{}'),
           c.preview_shared_at
    FROM consultations c
    JOIN subject_groups g ON g.id = c.group_id
    JOIN guidance_documents d ON d.id = c.document_id
    JOIN document_versions v ON v.id = c.version_id
"""


async def consultation(conn: asyncpg.Connection, consultation_id: int) -> Consultation | None:
    row = await conn.fetchrow(f"{_CONSULTATION} WHERE c.id = $1", consultation_id)
    return None if row is None else Consultation(*row)


async def consultations_for(
    conn: asyncpg.Connection, group_ids: list[int], org_ids: list[int]
) -> list[Consultation]:
    """Consultations of the given groups, and those the given organisations may answer
    (invited, or open to all verified organisations when the organisation is verified)."""
    rows = await conn.fetch(
        f"{_CONSULTATION} WHERE c.group_id = ANY($1::bigint[]) "
        "OR EXISTS (SELECT 1 FROM consultation_organisations co "
        "  WHERE co.consultation_id = c.id AND co.organisation_id = ANY($2::bigint[])) "
        "OR (c.open_to_all_verified AND EXISTS (SELECT 1 FROM organisations o "
        "  WHERE o.id = ANY($2::bigint[]) AND o.verified_at IS NOT NULL)) "
        "ORDER BY c.closes_at DESC, c.id DESC",
        group_ids,
        org_ids,
    )
    return [Consultation(*row) for row in rows]


async def may_answer(conn: asyncpg.Connection, consultation_id: int, org_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM consultation_organisations "
            "  WHERE consultation_id = $1 AND organisation_id = $2) "
            "OR EXISTS (SELECT 1 FROM consultations c, organisations o "
            "  WHERE c.id = $1 AND o.id = $2 AND c.open_to_all_verified "
            "  AND o.verified_at IS NOT NULL)",
            consultation_id,
            org_id,
        )
    )


async def answering_organisations(conn: asyncpg.Connection, consultation_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT o.id FROM organisations o WHERE EXISTS (SELECT 1 FROM "
        "consultation_organisations co WHERE co.consultation_id = $1 "
        "AND co.organisation_id = o.id) OR (o.verified_at IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM consultations c WHERE c.id = $1 AND c.open_to_all_verified)) "
        "ORDER BY o.id",
        consultation_id,
    )
    return [row[0] for row in rows]


class Round(msgspec.Struct, frozen=True):
    id: int
    organisation_id: int
    consultation_id: int | None
    document_id: int
    document_slug: str
    document_title: str
    version_id: int
    version_label: str
    title: str
    deadline: dt.date
    closes_at: dt.datetime
    created_at: dt.datetime
    input_count: int


_ROUND = """
    SELECT r.id, r.organisation_id, r.consultation_id, r.document_id, d.slug, d.title,
           r.version_id, v.label, r.title, r.deadline, r.closes_at, r.created_at,
           (SELECT count(*) FROM member_inputs i WHERE i.round_id = r.id)
    FROM input_rounds r
    JOIN guidance_documents d ON d.id = r.document_id
    JOIN document_versions v ON v.id = r.version_id
"""


async def round_in(conn: asyncpg.Connection, org_id: int, round_id: int) -> Round | None:
    """The round, only if it belongs to this organisation."""
    row = await conn.fetchrow(
        f"{_ROUND} WHERE r.id = $1 AND r.organisation_id = $2", round_id, org_id
    )
    return None if row is None else Round(*row)


async def rounds(conn: asyncpg.Connection, org_id: int) -> list[Round]:
    rows = await conn.fetch(
        f"{_ROUND} WHERE r.organisation_id = $1 ORDER BY r.created_at DESC, r.id DESC", org_id
    )
    return [Round(*row) for row in rows]


class MemberInput(msgspec.Struct, frozen=True):
    id: uuid.UUID
    round_id: int
    author_id: int | None
    author_email: str | None
    """Only when the member let the coordinators see their name."""
    show_name: bool
    section_key: str | None
    section_heading: str | None
    quote: str | None
    category: str
    body: str
    created_at: dt.datetime
    notify_on_answer: bool
    """The member asked to be told when the group answers a statement that cites this."""


_INPUT = """
    SELECT i.id, i.round_id, i.author_id, CASE WHEN i.show_name THEN u.email END, i.show_name,
           i.section_key, s.heading, i.quote_exact, i.category, i.body, i.created_at,
           i.notify_on_answer
    FROM member_inputs i
    JOIN input_rounds r ON r.id = i.round_id
    LEFT JOIN users u ON u.id = i.author_id AND u.deleted_at IS NULL
    LEFT JOIN sections s ON s.version_id = r.version_id AND s.key = i.section_key
"""


async def inputs(
    conn: asyncpg.Connection, org_id: int, round_id: int, author_id: int | None = None
) -> list[MemberInput]:
    """A round's input; with ``author_id`` only that member's own."""
    rows = await conn.fetch(
        f"{_INPUT} WHERE i.round_id = $1 AND i.organisation_id = $2 "
        "AND ($3::bigint IS NULL OR i.author_id = $3) ORDER BY i.created_at, i.id",
        round_id,
        org_id,
        author_id,
    )
    return [MemberInput(*row) for row in rows]


async def input_in(
    conn: asyncpg.Connection, org_id: int, input_id: uuid.UUID
) -> MemberInput | None:
    row = await conn.fetchrow(
        f"{_INPUT} WHERE i.id = $1 AND i.organisation_id = $2", input_id, org_id
    )
    return None if row is None else MemberInput(*row)


class Statement(msgspec.Struct, frozen=True):
    id: uuid.UUID
    organisation_id: int
    organisation_slug: str
    organisation_name: str
    round_id: int | None
    consultation_id: int | None
    document_id: int
    document_slug: str
    document_title: str
    version_id: int
    version_label: str
    title: str
    status: str
    feedback_id: uuid.UUID | None
    feedback_status: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None


_STATEMENT = """
    SELECT st.id, st.organisation_id, o.slug, o.name, st.round_id, st.consultation_id,
           st.document_id, d.slug, d.title, st.version_id, v.label, st.title, st.status,
           st.feedback_id, f.status, st.created_at, st.updated_at, st.submitted_at
    FROM statements st
    JOIN organisations o ON o.id = st.organisation_id
    JOIN guidance_documents d ON d.id = st.document_id
    JOIN document_versions v ON v.id = st.version_id
    LEFT JOIN feedback f ON f.id = st.feedback_id
"""


async def statement(
    conn: asyncpg.Connection, statement_id: uuid.UUID, *, lock: bool = False
) -> Statement | None:
    row = await conn.fetchrow(
        f"{_STATEMENT} WHERE st.id = $1{' FOR UPDATE OF st' if lock else ''}", statement_id
    )
    return None if row is None else Statement(*row)


async def statements_of(conn: asyncpg.Connection, org_id: int) -> list[Statement]:
    """Statements the organisation wrote or was asked to co-sign."""
    rows = await conn.fetch(
        f"{_STATEMENT} WHERE st.organisation_id = $1 OR EXISTS (SELECT 1 FROM "
        "statement_cosigners c WHERE c.statement_id = st.id AND c.organisation_id = $1) "
        "ORDER BY st.updated_at DESC",
        org_id,
    )
    return [Statement(*row) for row in rows]


async def statements_for_consultation(
    conn: asyncpg.Connection, consultation_id: int
) -> list[Statement]:
    """Submitted statements a moderator has let through to the group."""
    rows = await conn.fetch(
        f"{_STATEMENT} WHERE st.consultation_id = $1 AND st.status = 'submitted' "
        "AND f.status NOT IN ('received', 'rejected', 'withdrawn') ORDER BY st.submitted_at",
        consultation_id,
    )
    return [Statement(*row) for row in rows]


class StatementSection(msgspec.Struct, frozen=True):
    id: int
    position: int
    heading: str
    body: str
    updated_at: dt.datetime
    updated_by: int | None


async def sections(conn: asyncpg.Connection, statement_id: uuid.UUID) -> list[StatementSection]:
    rows = await conn.fetch(
        "SELECT id, position, heading, body, updated_at, updated_by FROM statement_sections "
        "WHERE statement_id = $1 ORDER BY position",
        statement_id,
    )
    return [StatementSection(*row) for row in rows]


class Revision(msgspec.Struct, frozen=True):
    section_id: int
    editor_id: int | None
    editor_email: str | None
    heading: str
    body: str
    edited_at: dt.datetime


async def revisions(conn: asyncpg.Connection, statement_id: uuid.UUID) -> list[Revision]:
    rows = await conn.fetch(
        "SELECT r.section_id, r.editor_id, u.email, r.heading, r.body, r.edited_at "
        "FROM statement_revisions r LEFT JOIN users u ON u.id = r.editor_id "
        "AND u.deleted_at IS NULL WHERE r.statement_id = $1 ORDER BY r.edited_at DESC, r.id DESC",
        statement_id,
    )
    return [Revision(*row) for row in rows]


class Citation(msgspec.Struct, frozen=True):
    """A cited member input, shown without its author: citations stay anonymised."""

    member_input_id: uuid.UUID
    section_id: int | None
    section_key: str | None
    category: str
    body: str


async def citations(conn: asyncpg.Connection, statement_id: uuid.UUID) -> list[Citation]:
    rows = await conn.fetch(
        "SELECT c.member_input_id, c.section_id, i.section_key, i.category, i.body "
        "FROM statement_citations c JOIN member_inputs i ON i.id = c.member_input_id "
        "WHERE c.statement_id = $1 ORDER BY c.cited_at, c.member_input_id",
        statement_id,
    )
    return [Citation(*row) for row in rows]


class CitedIn(msgspec.Struct, frozen=True):
    """A submitted statement that cites a member's input."""

    member_input_id: uuid.UUID
    statement_title: str
    feedback_id: uuid.UUID


async def cited_in(conn: asyncpg.Connection, input_ids: list[uuid.UUID]) -> list[CitedIn]:
    """The submitted statements citing any of ``input_ids`` (drafts are the coordinators'
    own business until they are sent)."""
    rows = await conn.fetch(
        "SELECT c.member_input_id, st.title, st.feedback_id FROM statement_citations c "
        "JOIN statements st ON st.id = c.statement_id "
        "WHERE c.member_input_id = ANY($1::uuid[]) AND st.status = 'submitted' "
        "ORDER BY st.submitted_at, st.id",
        input_ids,
    )
    return [CitedIn(*row) for row in rows]


class AnswerRecipient(msgspec.Struct, frozen=True):
    user_id: int
    organisation: str
    path: str
    """Where this user reads the answer: the statement page or their round page."""


async def answer_recipients(
    conn: asyncpg.Connection, feedback_id: uuid.UUID
) -> list[AnswerRecipient]:
    """Who is told when the group answers the statement that became ``feedback_id``: the
    coordinators of the organisation that sent it and of every organisation that co-signed
    it, and the members who asked to be told and whose input it cites (while they are still
    members). One row per person; a coordinator who is also such a member is told once."""
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
        SELECT DISTINCT ON (t.user_id) t.user_id, t.name, t.path
        FROM told t JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
        ORDER BY t.user_id, t.rank
        """,
        feedback_id,
    )
    return [AnswerRecipient(*row) for row in rows]


class Cosigner(msgspec.Struct, frozen=True):
    organisation_id: int
    slug: str
    name: str
    invited_at: dt.datetime
    signed_at: dt.datetime | None


async def cosigners(conn: asyncpg.Connection, statement_id: uuid.UUID) -> list[Cosigner]:
    rows = await conn.fetch(
        "SELECT o.id, o.slug, o.name, c.invited_at, c.signed_at FROM statement_cosigners c "
        "JOIN organisations o ON o.id = c.organisation_id WHERE c.statement_id = $1 "
        "ORDER BY c.invited_at, o.id",
        statement_id,
    )
    return [Cosigner(*row) for row in rows]


class ConsultationItem(msgspec.Struct, frozen=True):
    """Feedback received on the consultation's version, for the subject group's view."""

    id: uuid.UUID
    section_key: str | None
    section_heading: str | None
    category: str
    submitter_role: str
    status: str
    created_at: dt.datetime


async def consultation_items(conn: asyncpg.Connection, version_id: int) -> list[ConsultationItem]:
    """Items a moderator has let through (received and rejected ones are not the group's)."""
    rows = await conn.fetch(
        "SELECT f.id, f.section_key, s.heading, f.category, f.submitter_role, f.status, "
        "f.created_at FROM feedback f "
        "LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key "
        "WHERE f.version_id = $1 AND f.status NOT IN ('received', 'rejected', 'withdrawn') "
        "ORDER BY f.section_key NULLS FIRST, f.created_at",
        version_id,
    )
    return [ConsultationItem(*row) for row in rows]


class ResponseRow(msgspec.Struct, frozen=True):
    """One line of a consultation's comment/response table: a statement or an individual item
    on the version, with the group's latest answer."""

    feedback_id: uuid.UUID
    section_key: str | None
    section_heading: str | None
    category: str
    organisation: str | None
    """The organisation that sent it, for a statement; None for an individual."""
    statement_title: str | None
    body: str | None
    consent_public: bool
    status: str
    answer_status: str | None
    answer: str | None
    answer_reason: str | None
    answer_version: str | None
    answered_at: dt.datetime | None


async def response_rows(conn: asyncpg.Connection, version_id: int) -> list[ResponseRow]:
    """Every statement and item on the version that moderation let through, by section (the
    whole document first), statements before individuals, each with its latest answer."""
    rows = await conn.fetch(
        """
        SELECT f.id, f.section_key, s.heading, f.category, o.name, st.title, f.body,
               f.consent_public, f.status, a.status, a.body, a.reason_code, av.label,
               a.answered_at
        FROM feedback f
        LEFT JOIN sections s ON s.version_id = f.version_id AND s.key = f.section_key
        LEFT JOIN statements st ON st.feedback_id = f.id
        LEFT JOIN organisations o ON o.id = st.organisation_id
        LEFT JOIN LATERAL (
            SELECT * FROM feedback_answers fa WHERE fa.feedback_id = f.id
            ORDER BY fa.answered_at DESC, fa.id DESC LIMIT 1) a ON true
        LEFT JOIN document_versions av ON av.id = a.version_id
        WHERE f.version_id = $1
          AND f.status NOT IN ('received', 'rejected', 'withdrawn')
        ORDER BY s.position NULLS FIRST, st.id IS NULL, f.created_at, f.id
        """,
        version_id,
    )
    return [ResponseRow(*row) for row in rows]


class VersionSection(msgspec.Struct, frozen=True):
    key: str
    heading: str
    body: str


async def version_sections(conn: asyncpg.Connection, version_id: int) -> list[VersionSection]:
    rows = await conn.fetch(
        "SELECT key, heading, body FROM sections WHERE version_id = $1 ORDER BY position",
        version_id,
    )
    return [VersionSection(*row) for row in rows]


async def verified_organisations(conn: asyncpg.Connection) -> list[Organisation]:
    rows = await conn.fetch(f"{_ORGANISATION} WHERE verified_at IS NOT NULL ORDER BY name")
    return [Organisation(*row) for row in rows]


async def group_documents(
    conn: asyncpg.Connection, group_ids: list[int]
) -> list[tuple[str, str, list[str]]]:
    """(slug, title, version labels newest first) of the documents the groups own."""
    rows = await conn.fetch(
        "SELECT d.slug, d.title, array_agg(v.label ORDER BY v.id DESC) FROM guidance_documents d "
        "JOIN document_versions v ON v.document_id = d.id "
        "WHERE d.subject_group_id = ANY($1::bigint[]) GROUP BY d.id ORDER BY d.title",
        group_ids,
    )
    return [(row[0], row[1], list(row[2])) for row in rows]


class Signatories(msgspec.Struct, frozen=True):
    """Who stands behind a feedback item that is an organisation's joint statement: for
    moderation, routing and the subject group, which see it as a feedback item."""

    statement_id: uuid.UUID
    organisation: str
    cosigners: list[str]
    """Names of the organisations that signed before it was sent."""


async def statement_signatories(
    conn: asyncpg.Connection, feedback_id: uuid.UUID
) -> Signatories | None:
    row = await conn.fetchrow(
        "SELECT st.id, o.name, coalesce((SELECT array_agg(co.name ORDER BY c.signed_at) "
        "  FROM statement_cosigners c JOIN organisations co ON co.id = c.organisation_id "
        "  WHERE c.statement_id = st.id AND c.signed_at IS NOT NULL "
        "  AND c.signed_at <= st.submitted_at), '{}') "
        "FROM statements st JOIN organisations o ON o.id = st.organisation_id "
        "WHERE st.feedback_id = $1",
        feedback_id,
    )
    return None if row is None else Signatories(row[0], row[1], list(row[2]))
