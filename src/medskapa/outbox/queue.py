"""Put an e-mail in the outbox, inside the transaction of the change that causes it.

The row names a template and a recipient (a contact or a user); the address is looked up when the
message is sent, so erasing a contact or deleting an account also removes its unsent mail. The
context holds only what the template needs (links, codes of states and reasons, document titles),
never feedback text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from . import queries

TEMPLATES = frozenset(
    {
        # accounts
        "account_exists",
        "confirm_email",
        "password_reset",
        "password_changed",
        "second_factor_locked",
        "second_factor_changed",
        "second_factor_replayed",
        # to the submitter who left an address
        "feedback_received",
        "feedback_rejected",
        "feedback_routed",
        "feedback_in_review",
        "feedback_answered",
        "feedback_closed",
        "feedback_change_planned",
        "feedback_changed",
        "feedback_forwarded",
        "feedback_passage_placed",
        # to the sender of a report about the site (legal/service.py)
        "site_feedback_received",
        "site_feedback_answered",
        "site_feedback_closed",
        # to staff
        "group_new_item",
        "group_digest",
        "urgent_item",
        "moderation_queue_old",
        # patient organisations
        "organisation_invite",
        "organisation_cosign_request",
        "consultation_opened",
        "consultation_reminder",
        "consultation_preview",
        "statement_answered",
        # to people who follow a document (catalogue/following.py)
        "follow_confirm",
        "follow_already",
        "follow_new_version",
        "follow_consultation",
    }
)


async def enqueue(
    conn: asyncpg.Connection,
    template: str,
    *,
    now: dt.datetime,
    contact_id: int | None = None,
    user_id: int | None = None,
    language: str = "sv",
    context: dict[str, Any] | None = None,
) -> int:
    """Write one outbox row; returns its id. Exactly one of contact_id and user_id is given."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown e-mail template {template!r}")
    if (contact_id is None) == (user_id is None):
        raise ValueError("give exactly one recipient: contact_id or user_id")
    return await queries.insert_message(
        conn,
        template,
        contact_id=contact_id,
        user_id=user_id,
        language=language,
        context=context or {},
        now=now,
    )
