"""SQL for organisations, their people and invitations, and the lists on an organisation's own
page. Rows map to Structs by column name."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.organisations.domain import Organisation


async def lock_subject(conn: asyncpg.Connection, key: str) -> None:
    """Serialise the writers of one audit chain until the transaction ends (some subjects, like
    a refused id, have no row to lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7007))", key)


# ---------------------------------------------------------------- organisations

_ORGANISATION = "SELECT id, slug, name, description, verified_at, created_at FROM organisations"


async def organisation_by_slug(conn: asyncpg.Connection, slug: str) -> Organisation | None:
    row = await conn.fetchrow(f"{_ORGANISATION} WHERE slug = $1", slug)
    return None if row is None else Organisation(**row)


async def organisation_by_id(conn: asyncpg.Connection, org_id: int) -> Organisation | None:
    row = await conn.fetchrow(f"{_ORGANISATION} WHERE id = $1", org_id)
    return None if row is None else Organisation(**row)


async def organisations(conn: asyncpg.Connection) -> list[Organisation]:
    rows = await conn.fetch(f"{_ORGANISATION} ORDER BY verified_at IS NULL, name")
    return [Organisation(**row) for row in rows]


async def verified_organisations(conn: asyncpg.Connection) -> list[Organisation]:
    rows = await conn.fetch(f"{_ORGANISATION} WHERE verified_at IS NOT NULL ORDER BY name")
    return [Organisation(**row) for row in rows]


async def insert_organisation(
    conn: asyncpg.Connection, slug: str, name: str, description: str, now: dt.datetime
) -> int | None:
    """The new organisation's id, or None when the slug is taken."""
    return await conn.fetchval(
        "INSERT INTO organisations (slug, name, description, created_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING RETURNING id",
        slug,
        name,
        description,
        now,
    )


async def verification_for_update(
    conn: asyncpg.Connection, slug: str
) -> tuple[int, dt.datetime | None] | None:
    """(id, verified_at) of the organisation, locked; None when there is none."""
    row = await conn.fetchrow(
        "SELECT id, verified_at FROM organisations WHERE slug = $1 FOR UPDATE", slug
    )
    return None if row is None else (row["id"], row["verified_at"])


async def mark_verified(
    conn: asyncpg.Connection, org_id: int, at: dt.datetime, by: int | None
) -> None:
    await conn.execute(
        "UPDATE organisations SET verified_at = $2, verified_by = $3 WHERE id = $1",
        org_id,
        at,
        by,
    )


# ---------------------------------------------------------------- people


class Member(msgspec.Struct, frozen=True):
    user_id: int
    email: str
    role: str
    joined_at: dt.datetime


async def members(conn: asyncpg.Connection, org_id: int) -> list[Member]:
    rows = await conn.fetch(
        "SELECT u.id AS user_id, u.email, m.role, m.created_at AS joined_at "
        "FROM organisation_memberships m "
        "JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL "
        "WHERE m.organisation_id = $1 ORDER BY m.role DESC, m.created_at",
        org_id,
    )
    return [Member(**row) for row in rows]


async def coordinator_ids(conn: asyncpg.Connection, org_id: int) -> list[int]:
    return [
        row["user_id"]
        for row in await conn.fetch(
            "SELECT m.user_id FROM organisation_memberships m "
            "JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL "
            "WHERE m.organisation_id = $1 AND m.role = 'coordinator' ORDER BY m.user_id",
            org_id,
        )
    ]


async def add_membership(
    conn: asyncpg.Connection, user_id: int, org_id: int, role: str, now: dt.datetime
) -> bool:
    """False when the user is a member already (nothing changes)."""
    added = await conn.fetchval(
        "INSERT INTO organisation_memberships (user_id, organisation_id, role, created_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
        user_id,
        org_id,
        role,
        now,
    )
    return added is not None


async def roles_for_update(conn: asyncpg.Connection, org_id: int) -> dict[int, str]:
    """Every member's role, with the memberships locked."""
    rows = await conn.fetch(
        "SELECT user_id, role FROM organisation_memberships WHERE organisation_id = $1 FOR UPDATE",
        org_id,
    )
    return {row["user_id"]: row["role"] for row in rows}


async def delete_membership(conn: asyncpg.Connection, org_id: int, user_id: int) -> None:
    await conn.execute(
        "DELETE FROM organisation_memberships WHERE organisation_id = $1 AND user_id = $2",
        org_id,
        user_id,
    )


# ---------------------------------------------------------------- invitations


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
    return None if row is None else Invitation(**row)


async def open_links(conn: asyncpg.Connection, org_id: int, now: dt.datetime) -> list[Invitation]:
    rows = await conn.fetch(
        f"{_INVITATION} WHERE organisation_id = $1 AND kind = 'link' AND revoked_at IS NULL "
        "AND expires_at > $2 ORDER BY created_at DESC",
        org_id,
        now,
    )
    return [Invitation(**row) for row in rows]


async def insert_contact(conn: asyncpg.Connection, email: str, now: dt.datetime) -> int:
    return await conn.fetchval(
        "INSERT INTO contacts (email, created_at) VALUES ($1, $2) RETURNING id", email, now
    )


async def delete_contact(conn: asyncpg.Connection, contact_id: int) -> None:
    await conn.execute("DELETE FROM contacts WHERE id = $1", contact_id)


async def insert_invitation(
    conn: asyncpg.Connection,
    *,
    org_id: int,
    kind: str,
    token_hash: bytes,
    contact_id: int | None,
    created_by: int | None,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> int:
    return await conn.fetchval(
        "INSERT INTO organisation_invitations (organisation_id, kind, token_hash, "
        "contact_id, created_by, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        org_id,
        kind,
        token_hash,
        contact_id,
        created_by,
        now,
        expires_at,
    )


async def revoke_invitation(
    conn: asyncpg.Connection, invitation_id: int | None, org_id: int, now: dt.datetime
) -> int | None:
    """The revoked invitation's id; None when the organisation has no such open one."""
    return await conn.fetchval(
        "UPDATE organisation_invitations SET revoked_at = $3 WHERE id = $1 "
        "AND organisation_id = $2 AND revoked_at IS NULL RETURNING id",
        invitation_id,
        org_id,
        now,
    )


async def mark_used(
    conn: asyncpg.Connection, invitation_id: int, now: dt.datetime, user_id: int
) -> int | None:
    """Mark an e-mail invitation used and forget its address; returns the contact it had."""
    return await conn.fetchval(
        "UPDATE organisation_invitations i SET used_at = $2, used_by = $3, "
        "contact_id = NULL FROM organisation_invitations old "
        "WHERE old.id = i.id AND i.id = $1 RETURNING old.contact_id",
        invitation_id,
        now,
        user_id,
    )


# ---------------------------------------------------------------- the organisation's page


class RoundLine(msgspec.Struct, frozen=True):
    id: int
    title: str
    document_title: str
    version_label: str
    deadline: dt.date
    input_count: int


async def round_lines(conn: asyncpg.Connection, org_id: int) -> list[RoundLine]:
    rows = await conn.fetch(
        "SELECT r.id, r.title, d.title AS document_title, v.label AS version_label, "
        "r.deadline, (SELECT count(*) FROM member_inputs i WHERE i.round_id = r.id) "
        "AS input_count FROM input_rounds r "
        "JOIN guidance_documents d ON d.id = r.document_id "
        "JOIN document_versions v ON v.id = r.version_id "
        "WHERE r.organisation_id = $1 ORDER BY r.created_at DESC, r.id DESC",
        org_id,
    )
    return [RoundLine(**row) for row in rows]


class StatementLine(msgspec.Struct, frozen=True):
    id: uuid.UUID
    title: str
    organisation_id: int
    organisation_name: str
    status: str


async def statement_lines(conn: asyncpg.Connection, org_id: int) -> list[StatementLine]:
    """Statements the organisation wrote or was asked to co-sign."""
    rows = await conn.fetch(
        "SELECT st.id, st.title, st.organisation_id, o.name AS organisation_name, st.status "
        "FROM statements st JOIN organisations o ON o.id = st.organisation_id "
        "WHERE st.organisation_id = $1 OR EXISTS (SELECT 1 FROM statement_cosigners c "
        "WHERE c.statement_id = st.id AND c.organisation_id = $1) ORDER BY st.updated_at DESC",
        org_id,
    )
    return [StatementLine(**row) for row in rows]


class OpenConsultation(msgspec.Struct, frozen=True):
    id: int
    title: str
    document_title: str
    deadline: dt.date


async def open_consultations(
    conn: asyncpg.Connection, org_id: int, now: dt.datetime
) -> list[OpenConsultation]:
    """Consultations the organisation may answer (invited, or open to all verified ones when
    it is verified) that have not closed."""
    rows = await conn.fetch(
        "SELECT c.id, c.title, d.title AS document_title, c.deadline FROM consultations c "
        "JOIN guidance_documents d ON d.id = c.document_id "
        "WHERE c.closes_at > $2 AND (EXISTS (SELECT 1 FROM consultation_organisations co "
        "  WHERE co.consultation_id = c.id AND co.organisation_id = $1) "
        "OR (c.open_to_all_verified AND EXISTS (SELECT 1 FROM organisations o "
        "  WHERE o.id = $1 AND o.verified_at IS NOT NULL))) "
        "ORDER BY c.closes_at DESC, c.id DESC",
        org_id,
        now,
    )
    return [OpenConsultation(**row) for row in rows]


class DocumentChoice(msgspec.Struct, frozen=True):
    slug: str
    title: str


async def documents_taking_feedback(conn: asyncpg.Connection) -> list[DocumentChoice]:
    rows = await conn.fetch(
        "SELECT slug, title FROM guidance_documents "
        "WHERE status IN ('published', 'consultation') ORDER BY title"
    )
    return [DocumentChoice(**row) for row in rows]
