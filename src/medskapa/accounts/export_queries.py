"""The SQL of an account's data download: what is stored about the person, read by the
account's id (and, for failed logins, by the keyed hash of its address). Never a secret: no
password hash, second-factor secret, token or token hash. Its feedback is the feedback area's
(feedback.service.account_items), what its address follows the catalogue's."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec


class Profile(msgspec.Struct, frozen=True):
    id: int
    email: str
    role: str
    created_at: dt.datetime
    updated_at: dt.datetime
    email_confirmed_at: dt.datetime | None
    second_factor_since: dt.datetime | None
    new_item_mail: str
    digest_sent_at: dt.datetime | None
    recovery_codes_unused: int
    recovery_codes_used: int


async def profile(conn: asyncpg.Connection, user_id: int) -> Profile | None:
    row = await conn.fetchrow(
        "SELECT id, email, role, created_at, updated_at, email_confirmed_at, "
        "totp_confirmed_at AS second_factor_since, new_item_mail, digest_sent_at, "
        "(SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) "
        "  AS recovery_codes_unused, "
        "(SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id "
        "  AND r.used_at IS NOT NULL) AS recovery_codes_used "
        "FROM users u WHERE id = $1 AND deleted_at IS NULL",
        user_id,
    )
    return None if row is None else Profile(**row)


class Session(msgspec.Struct, frozen=True):
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    second_factor_at: dt.datetime | None
    user_agent: str


async def sessions(conn: asyncpg.Connection, user_id: int) -> list[Session]:
    rows = await conn.fetch(
        "SELECT created_at, last_seen_at, expires_at, second_factor_at, user_agent "
        "FROM sessions WHERE user_id = $1 ORDER BY created_at",
        user_id,
    )
    return [Session(**row) for row in rows]


class Token(msgspec.Struct, frozen=True):
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    ended_reason: str | None
    second_factor: bool


async def api_tokens(conn: asyncpg.Connection, user_id: int) -> list[Token]:
    rows = await conn.fetch(
        "SELECT name, created_at, last_used_at, expires_at, revoked_at, ended_reason, "
        "second_factor FROM api_tokens WHERE user_id = $1 ORDER BY created_at",
        user_id,
    )
    return [Token(**row) for row in rows]


class EmailLink(msgspec.Struct, frozen=True):
    purpose: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


async def email_links(conn: asyncpg.Connection, user_id: int) -> list[EmailLink]:
    rows = await conn.fetch(
        "SELECT purpose, created_at, expires_at, used_at FROM email_tokens "
        "WHERE user_id = $1 ORDER BY created_at",
        user_id,
    )
    return [EmailLink(**row) for row in rows]


async def failed_logins(conn: asyncpg.Connection, account_key: bytes) -> list[dt.datetime]:
    return [
        row["failed_at"]
        for row in await conn.fetch(
            "SELECT failed_at FROM login_failures WHERE account_key = $1 ORDER BY failed_at",
            account_key,
        )
    ]


async def failed_second_factor_codes(conn: asyncpg.Connection, user_id: int) -> list[dt.datetime]:
    return [
        row["failed_at"]
        for row in await conn.fetch(
            "SELECT failed_at FROM second_factor_failures WHERE user_id = $1 ORDER BY failed_at",
            user_id,
        )
    ]


class Membership(msgspec.Struct, frozen=True):
    slug: str
    name: str
    role: str
    since: dt.datetime


async def group_memberships(conn: asyncpg.Connection, user_id: int) -> list[Membership]:
    rows = await conn.fetch(
        "SELECT g.slug, g.name, m.role, m.created_at AS since FROM group_memberships m "
        "JOIN subject_groups g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY g.name",
        user_id,
    )
    return [Membership(**row) for row in rows]


async def organisation_memberships(conn: asyncpg.Connection, user_id: int) -> list[Membership]:
    rows = await conn.fetch(
        "SELECT o.slug, o.name, m.role, m.created_at AS since FROM organisation_memberships m "
        "JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = $1 ORDER BY o.name",
        user_id,
    )
    return [Membership(**row) for row in rows]


class MemberInput(msgspec.Struct, frozen=True):
    organisation: str
    round: str
    document_title: str
    section_key: str | None
    quote: str | None
    category: str
    text: str
    show_name: bool
    created_at: dt.datetime


async def member_inputs(conn: asyncpg.Connection, user_id: int) -> list[MemberInput]:
    """What the person wrote in their organisations' input rounds (kept inside the
    organisation, with their name shown to its coordinators only if they chose so)."""
    rows = await conn.fetch(
        "SELECT o.name AS organisation, r.title AS round, d.title AS document_title, "
        "i.section_key, i.quote_exact AS quote, i.category, i.body AS text, i.show_name, "
        "i.created_at FROM member_inputs i JOIN organisations o ON o.id = i.organisation_id "
        "JOIN input_rounds r ON r.id = i.round_id "
        "JOIN guidance_documents d ON d.id = r.document_id "
        "WHERE i.author_id = $1 ORDER BY i.created_at",
        user_id,
    )
    return [MemberInput(**row) for row in rows]


class Mail(msgspec.Struct, frozen=True):
    template: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


async def mail(conn: asyncpg.Connection, user_id: int) -> list[Mail]:
    """The e-mail to the account in the outbox (what kind, when), not its contents."""
    rows = await conn.fetch(
        "SELECT template, status, created_at, sent_at FROM outbox_messages "
        "WHERE user_id = $1 ORDER BY created_at",
        user_id,
    )
    return [Mail(**row) for row in rows]
