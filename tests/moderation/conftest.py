"""People and places the moderation tests share: a moderator, the first demo document's owner
group with a member and a lead, and a second group for routing rules."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec
import pytest

from medskapa.accounts.admin import RoleChoice
from medskapa.moderation.service import ModerationService
from medskapa.security.principal import Principal, Role
from tests.factories import FIXED_NOW, first_document, make_staff

BASE_URL = "https://medskapa.example"


class Place(msgspec.Struct, frozen=True):
    document_id: int
    document_slug: str
    document_title: str
    section_key: str
    owner_id: int
    owner_slug: str
    owner_name: str
    other_id: int
    other_slug: str
    other_name: str
    member_id: int
    lead_id: int
    other_member_id: int


@pytest.fixture
async def place(conn: asyncpg.Connection) -> Place:
    slug, _, section = await first_document(conn)
    doc = await conn.fetchrow(
        "SELECT d.id, d.title, g.id, g.slug, g.name FROM guidance_documents d "
        "JOIN subject_groups g ON g.id = d.subject_group_id WHERE d.slug = $1",
        slug,
    )
    other = await conn.fetchrow(
        "SELECT id, slug, name FROM subject_groups WHERE id <> $1 ORDER BY slug LIMIT 1", doc[2]
    )
    member = await make_staff(conn, "medlem@exempel.se", doc[3])
    lead = await make_staff(conn, "ledare@exempel.se", doc[3], RoleChoice.GROUP_LEAD)
    other_member = await make_staff(conn, "annan@exempel.se", other[1])
    return Place(
        doc[0], slug, doc[1], section, doc[2], doc[3], doc[4], *other, member, lead, other_member
    )


async def moderator(conn: asyncpg.Connection, email: str = "mod@exempel.se") -> Principal:
    user_id = await make_staff(conn, email, role=RoleChoice.MODERATOR)
    return Principal(user_id=user_id, role=Role.MODERATOR, second_factor=True)


def moderation(conn: asyncpg.Connection, now: dt.datetime = FIXED_NOW) -> ModerationService:
    return ModerationService(conn, lambda: now)
