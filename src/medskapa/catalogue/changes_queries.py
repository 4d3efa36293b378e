"""SQL for the "what changed" page: a public document's published versions, their sections,
and how many feedback items led to a version's changes."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from medskapa.catalogue.changes import SectionSource
from medskapa.catalogue.domain import PUBLIC_STATUSES


class PublishedVersion(msgspec.Struct, frozen=True):
    id: int
    label: str
    published_on: dt.date
    change_summary: str


class PublicDocument(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    versions: list[PublishedVersion]
    """Published versions, oldest first (drafts are not here)."""


async def public_document(conn: asyncpg.Connection, slug: str) -> PublicDocument | None:
    row = await conn.fetchrow(
        "SELECT id, slug, title FROM guidance_documents "
        "WHERE slug = $1 AND status = ANY($2::text[])",
        slug,
        list(PUBLIC_STATUSES),
    )
    if row is None:
        return None
    versions = await conn.fetch(
        "SELECT id, label, published_on, change_summary FROM document_versions "
        "WHERE document_id = $1 AND published_on IS NOT NULL "
        "ORDER BY published_on, id",
        row["id"],
    )
    return PublicDocument(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        versions=[
            PublishedVersion(
                id=v["id"],
                label=v["label"],
                published_on=v["published_on"],
                change_summary=v["change_summary"],
            )
            for v in versions
        ],
    )


async def sections(
    conn: asyncpg.Connection, version_ids: tuple[int, int]
) -> tuple[list[SectionSource], list[SectionSource]]:
    """The sections of two versions, each in its reading order."""
    rows = await conn.fetch(
        "SELECT version_id, key, heading, body FROM sections "
        "WHERE version_id = ANY($1::bigint[]) ORDER BY version_id, position",
        list(version_ids),
    )
    by_version: dict[int, list[SectionSource]] = {v: [] for v in version_ids}
    for row in rows:
        by_version[row["version_id"]].append(
            SectionSource(key=row["key"], heading=row["heading"], body=row["body"])
        )
    return by_version[version_ids[0]], by_version[version_ids[1]]


async def feedback_changed_in(conn: asyncpg.Connection, version_id: int) -> int:
    """Feedback items whose change went into this version (each counted, none shown)."""
    return await conn.fetchval(
        "SELECT count(*) FROM feedback WHERE changed_in_version_id = $1", version_id
    )
