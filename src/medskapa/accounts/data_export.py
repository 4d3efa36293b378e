"""Everything stored about a person with an account, as one JSON document they can download
(GDPR art. 15, right of access, and art. 20, data portability): the account, its sign-ins and
devices, API keys, memberships, the feedback it sent, what its address follows, what the
person wrote in organisations' input rounds, the mail sent to it and the account's history.

Never a secret (password hash, second-factor secret, token hashes) and never another person's
data: no moderator, no group member, nobody else's text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import msgspec

from medskapa.accounts import export_queries as queries
from medskapa.accounts.base_service import email_key, record_user_event
from medskapa.audit import service as audit
from medskapa.catalogue.following import follows_of
from medskapa.errors import NotFound
from medskapa.feedback.service import account_items

FORMAT = "medskapa-account-data/1"

ABOUT = (
    "Allt medskapa har sparat om dig och ditt konto, den dag filen hämtades. Tider är i UTC. "
    "Lösenord, nycklar och koder sparas bara som kontrollsummor och finns därför inte med. "
    "Synpunkternas text är den som visas efter moderering. Synpunkter du lämnat utan att vara "
    "inloggad finns inte med: dem når du med kvittokoden."
)


def filename(now: dt.datetime) -> str:
    """The download's name: the date, never the address."""
    return f"medskapa-mina-data-{now:%Y-%m-%d}.json"


async def account_data(
    conn: asyncpg.Connection, secret: bytes, user_id: int, now: dt.datetime
) -> bytes:
    """The account's data as indented JSON; the download itself goes into the account's trail
    (it is the one way all of it leaves at once)."""
    profile = await queries.profile(conn, user_id)
    if profile is None:
        raise NotFound("No such account.")
    data: dict[str, Any] = {
        "format": FORMAT,
        "about": ABOUT,
        "exported_at": now,
        "account": {
            "id": profile.id,
            "email": profile.email,
            "role": profile.role,
            "created_at": profile.created_at,
            "updated_at": profile.updated_at,
            "email_confirmed_at": profile.email_confirmed_at,
            "second_factor": {
                "enabled_at": profile.second_factor_since,
                "recovery_codes_unused": profile.recovery_codes_unused,
                "recovery_codes_used": profile.recovery_codes_used,
            },
            "new_item_mail": profile.new_item_mail,
            "digest_sent_at": profile.digest_sent_at,
        },
        "sessions": await queries.sessions(conn, user_id),
        "api_keys": await queries.api_tokens(conn, user_id),
        "email_links": await queries.email_links(conn, user_id),
        "failed_logins": await queries.failed_logins(conn, email_key(secret, profile.email)),
        "failed_second_factor_codes": await queries.failed_second_factor_codes(conn, user_id),
        "group_memberships": await queries.group_memberships(conn, user_id),
        "organisation_memberships": await queries.organisation_memberships(conn, user_id),
        "feedback": await account_items(conn, user_id),
        "organisation_input": await queries.member_inputs(conn, user_id),
        # Following is by address, without an account: only a confirmed address is known to
        # be the account holder's.
        "follows": [
            {
                "document": {"slug": f.document_slug, "title": f.document_title},
                "asked_at": f.created_at,
                "confirmed_at": f.confirmed_at,
            }
            for f in (
                await follows_of(conn, secret, profile.email)
                if profile.email_confirmed_at is not None
                else []
            )
        ],
        "mail": await queries.mail(conn, user_id),
        "account_history": [
            {"at": e.occurred_at, "action": e.action}
            for e in await audit.events_for(conn, "user", str(user_id))
        ],
    }
    await record_user_event(conn, user_id, "user.data_exported", now)
    return msgspec.json.format(msgspec.json.encode(data), indent=2)
