"""Creating users and changing roles: for the `medskapa user` commands and the admin page.
What an admin typed that cannot be used is ``Invalid`` for the field it came in (email,
password, group or organisation), with the words in accounts/texts.py."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import asyncpg

from medskapa.accounts import admin_queries as queries
from medskapa.accounts.base_service import record_user_event
from medskapa.accounts.domain import invalid
from medskapa.accounts.queries import user_id_by_email
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
        await queries.set_global_role(conn, user_id, GLOBAL[role])
    elif role in GROUP_ROLES:
        if not group:
            raise invalid("group", "group_required")
        found = await queries.group_by_slug(conn, group)
        if found is None:
            raise invalid("group", "unknown_group")
        if found["archived"]:
            raise invalid("group", "group_archived")
        await queries.set_group_role(conn, user_id, found["id"], GROUP_ROLES[role])
    else:
        if not organisation:
            raise invalid("organisation", "organisation_required")
        org_id = await queries.organisation_id_by_slug(conn, organisation)
        if org_id is None:
            raise invalid("organisation", "unknown_organisation")
        await queries.set_organisation_role(
            conn,
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
    except InvalidText as exc:
        raise invalid("email", exc.code) from exc
    try:
        password = check_password(password, staff=role in STAFF, email=email)
    except PasswordRejected as exc:
        raise invalid("password", exc.code) from exc
    password_hash = await hash_password(password)
    async with conn.transaction():
        if await user_id_by_email(conn, email) is not None:
            raise invalid("email", "email_taken")
        user_id = await queries.insert_confirmed_user(conn, email, password_hash, now)
        await _grant(conn, user_id, role, group, organisation)
        await record_user_event(
            conn, user_id, "user.created", now, actor=actor, to_state="active", reason=str(role)
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
        user_id = await user_id_by_email(conn, email.strip())
        if user_id is None:
            raise invalid("email", "unknown_user")
        await _grant(conn, user_id, role, group, organisation)
        await sessions.delete_user_sessions(conn, user_id)
        await sessions.end_api_tokens(conn, user_id, "role_changed", now)
        await record_user_event(
            conn, user_id, "user.role_changed", now, actor=actor, reason=str(role)
        )
    return user_id


async def reset_second_factor(
    conn: asyncpg.Connection, *, email: str, now: dt.datetime, actor: str = "admin-cli"
) -> int:
    """For someone who lost both their app and their recovery codes: the second factor is
    removed, every session and API token ends, the owner is told by e-mail and the next login
    enrols a new factor. Audited with the admin who did it."""
    async with conn.transaction():
        user_id = await queries.remove_second_factor(conn, email.strip(), now)
        if user_id is None:
            raise invalid("email", "unknown_user")
        await sessions.delete_user_sessions(conn, user_id)
        await sessions.end_api_tokens(conn, user_id, "second_factor_changed", now)
        await enqueue(
            conn, "second_factor_changed", now=now, user_id=user_id, context={"how": "reset"}
        )
        await record_user_event(conn, user_id, "user.second_factor_reset", now, actor=actor)
    return user_id


async def users_overview(
    conn: asyncpg.Connection, search: str | None, limit: int
) -> list[dict[str, Any]]:
    """The admin page's list: each user's id, email, role, second_factor (enrolled or not),
    groups and organisations (as "name (role)")."""
    return [dict(row) for row in await queries.users_overview(conn, search, limit)]


async def grantable(conn: asyncpg.Connection) -> dict[str, list[asyncpg.Record]]:
    """What a role can be granted in: open working groups and organisations (slug, name)."""
    return {
        "groups": await queries.open_groups(conn),
        "organisations": await queries.organisations(conn),
    }
