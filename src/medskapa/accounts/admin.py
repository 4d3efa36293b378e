"""Creating users and changing roles: for the `medskapa user` commands and the admin page."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import asyncpg

from medskapa.accounts.service import AccountError
from medskapa.audit import service as audit
from medskapa.feedback.domain import InvalidText, clean_email
from medskapa.outbox.queue import enqueue
from medskapa.security import sessions
from medskapa.security.passwords import PasswordRejected, check_password, hash_password


class RoleChoice(StrEnum):
    PATIENT = "patient"
    MODERATOR = "moderator"
    ADMIN = "admin"
    GROUP_MEMBER = "group-member"
    GROUP_LEAD = "group-lead"
    GROUP_PATIENT_REPRESENTATIVE = "group-patient-representative"
    ORGANISATION_MEMBER = "organisation-member"
    ORGANISATION_COORDINATOR = "organisation-coordinator"


GLOBAL = {
    RoleChoice.PATIENT: "patient",
    RoleChoice.MODERATOR: "moderator",
    RoleChoice.ADMIN: "admin",
}
# The role each group RoleChoice gives in group_memberships.
GROUP_ROLES = {
    RoleChoice.GROUP_MEMBER: "member",
    RoleChoice.GROUP_LEAD: "lead",
    RoleChoice.GROUP_PATIENT_REPRESENTATIVE: "patient_representative",
}
STAFF = {RoleChoice.MODERATOR, RoleChoice.ADMIN, *GROUP_ROLES}


async def _grant(
    conn: asyncpg.Connection,
    user_id: int,
    role: RoleChoice,
    group: str | None,
    organisation: str | None,
) -> None:
    if role in GLOBAL:
        await conn.execute("UPDATE users SET role = $2 WHERE id = $1", user_id, GLOBAL[role])
    elif role in GROUP_ROLES:
        if not group:
            raise AccountError("group_required")
        group_id, archived = await conn.fetchrow(
            "SELECT id, archived_at IS NOT NULL FROM subject_groups WHERE slug = $1", group
        ) or (None, False)
        if group_id is None:
            raise AccountError("unknown_group")
        if archived:
            raise AccountError("group_archived")
        await conn.execute(
            "INSERT INTO group_memberships (user_id, group_id, role) VALUES ($1, $2, $3) "
            "ON CONFLICT (user_id, group_id) DO UPDATE SET role = EXCLUDED.role",
            user_id,
            group_id,
            GROUP_ROLES[role],
        )
    else:
        if not organisation:
            raise AccountError("organisation_required")
        org_id = await conn.fetchval("SELECT id FROM organisations WHERE slug = $1", organisation)
        if org_id is None:
            raise AccountError("unknown_organisation")
        await conn.execute(
            "INSERT INTO organisation_memberships (user_id, organisation_id, role) "
            "VALUES ($1, $2, $3) ON CONFLICT (user_id, organisation_id) "
            "DO UPDATE SET role = EXCLUDED.role",
            user_id,
            org_id,
            "coordinator" if role == RoleChoice.ORGANISATION_COORDINATOR else "member",
        )


async def create_user(
    conn: asyncpg.Connection,
    *,
    email: str,
    password: str,
    role: RoleChoice,
    now: dt.datetime,
    group: str | None = None,
    organisation: str | None = None,
    actor: str = "admin-cli",
) -> int:
    try:
        email = clean_email(email)
        password = check_password(password, staff=role in STAFF, email=email)
    except (InvalidText, PasswordRejected) as exc:
        raise AccountError(exc.code) from exc
    password_hash = await hash_password(password)
    async with conn.transaction():
        exists = await conn.fetchval(
            "SELECT 1 FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL", email
        )
        if exists:
            raise AccountError("email_taken")
        user_id = await conn.fetchval(
            "INSERT INTO users (email, password_hash, email_confirmed_at, created_at, "
            "updated_at) VALUES ($1, $2, $3, $3, $3) RETURNING id",
            email,
            password_hash,
            now,
        )
        await _grant(conn, user_id, role, group, organisation)
        await audit.record(
            conn,
            at=now,
            actor=actor,
            action="user.created",
            subject_type="user",
            subject_id=str(user_id),
            to_state="active",
            reason_code=str(role),
        )
    return user_id


async def set_role(
    conn: asyncpg.Connection,
    *,
    email: str,
    role: RoleChoice,
    now: dt.datetime,
    group: str | None = None,
    organisation: str | None = None,
    actor: str = "admin-cli",
) -> int:
    """Grant a role. Every session of the user ends, so the next login starts a session with
    the new privileges (and, for staff, asks for the second factor)."""
    async with conn.transaction():
        user_id = await conn.fetchval(
            "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
            email.strip(),
        )
        if user_id is None:
            raise AccountError("unknown_user")
        await _grant(conn, user_id, role, group, organisation)
        await sessions.delete_user_sessions(conn, user_id)
        await sessions.end_api_tokens(conn, user_id, "role_changed", now)
        await audit.record(
            conn,
            at=now,
            actor=actor,
            action="user.role_changed",
            subject_type="user",
            subject_id=str(user_id),
            reason_code=str(role),
        )
    return user_id


async def reset_second_factor(
    conn: asyncpg.Connection, *, email: str, now: dt.datetime, actor: str = "admin-cli"
) -> int:
    """For someone who lost both their app and their recovery codes: the second factor is
    removed, every session and API token ends, the owner is told by e-mail and the next login
    enrols a new factor. Audited with the admin who did it."""
    async with conn.transaction():
        user_id = await conn.fetchval(
            "UPDATE users SET totp_secret = NULL, totp_confirmed_at = NULL, "
            "totp_last_step = NULL, updated_at = $2 "
            "WHERE lower(email) = lower($1) AND deleted_at IS NULL RETURNING id",
            email.strip(),
            now,
        )
        if user_id is None:
            raise AccountError("unknown_user")
        for table in ("recovery_codes", "second_factor_failures"):
            await conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)
        await sessions.delete_user_sessions(conn, user_id)
        await sessions.end_api_tokens(conn, user_id, "second_factor_changed", now)
        await enqueue(
            conn, "second_factor_changed", now=now, user_id=user_id, context={"how": "reset"}
        )
        await audit.record(
            conn,
            at=now,
            actor=actor,
            action="user.second_factor_reset",
            subject_type="user",
            subject_id=str(user_id),
        )
    return user_id
