"""The people of the wayfinding tests, one per role, with work waiting for each: set up
through the same code the app uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from medskapa.accounts.admin import RoleChoice
from medskapa.statements.round_service import RoundInput, RoundService
from tests.factories import (
    enrol_totp,
    first_document,
    make_feedback,
    make_organisation,
    make_person,
    make_staff,
    principal_for,
    route_to,
)

GROUP = "nag-hjartsvikt"
ROUND_TITLE = "Vad saknar ni i vårdförloppet?"
ORGANISATION = "Hjärtföreningen i Sverige"


@dataclass
class Person:
    email: str
    user_id: int
    secret: str | None = None
    """The second factor's secret (staff), for a real login."""


@dataclass
class Cast:
    moderator: Person
    member: Person
    coordinator: Person
    organisation_member: Person
    admin: Person
    patient: Person
    group_name: str
    organisation_slug: str


async def _staff(conn: asyncpg.Connection, email: str, **role: object) -> Person:
    user_id = await make_staff(conn, email, **role)  # type: ignore[arg-type]
    return Person(email, user_id, await enrol_totp(conn, user_id))


async def cast(conn: asyncpg.Connection) -> Cast:
    """Five items received: three wait for moderation, two are in the group's inbox (one of
    them marked urgent); the organisation has an open round."""
    admin = await _staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
    moderator = await _staff(conn, "moderator@exempel.se", role=RoleChoice.MODERATOR)
    member = await _staff(conn, "medlem@exempel.se", group=GROUP)
    slug, coordinator_id = await make_organisation(conn, ORGANISATION, "samordnare@exempel.se")
    organisation_member = await make_person(
        conn, "foreningsmedlem@exempel.se", organisation=slug, role=RoleChoice.ORGANISATION_MEMBER
    )
    patient = await make_person(conn, "patient@exempel.se")

    items = [await make_feedback(conn) for _ in range(5)]
    for item in items[:2]:
        await route_to(conn, item.id, GROUP)
    await conn.execute("UPDATE feedback SET urgent = true WHERE id = $1", items[0].id)

    document, _, _ = await first_document(conn)
    now = dt.datetime.now(dt.UTC)
    await RoundService(conn, lambda: now).open_round(
        await principal_for(conn, coordinator_id),
        slug,
        RoundInput(
            title=ROUND_TITLE,
            deadline=(now + dt.timedelta(days=20)).date().isoformat(),
            document=document,
        ),
    )
    group_name = await conn.fetchval("SELECT name FROM subject_groups WHERE slug = $1", GROUP)
    return Cast(
        moderator=moderator,
        member=member,
        coordinator=Person("samordnare@exempel.se", coordinator_id),
        organisation_member=Person("foreningsmedlem@exempel.se", organisation_member),
        admin=admin,
        patient=Person("patient@exempel.se", patient),
        group_name=group_name,
        organisation_slug=slug,
    )
