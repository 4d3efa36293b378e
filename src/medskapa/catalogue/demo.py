"""Demo content: a fictional but realistic catalogue, loaded into an empty database."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import asyncpg
import msgspec

DEMO_FILE = Path(__file__).with_name("demo_content.toml")


class DemoSection(msgspec.Struct, frozen=True):
    key: str
    heading: str
    body: str


class DemoVersion(msgspec.Struct, frozen=True):
    label: str
    sections: list[DemoSection]
    change_summary: str = ""
    published_on: dt.date | None = None


class DemoDocument(msgspec.Struct, frozen=True):
    slug: str
    title: str
    kind: str
    status: str
    subject_group: str
    summary: str
    versions: list[DemoVersion]


class DemoGroup(msgspec.Struct, frozen=True):
    slug: str
    name: str
    programme_area: str
    description: str = ""


class DemoArea(msgspec.Struct, frozen=True):
    slug: str
    name: str


class DemoContent(msgspec.Struct, frozen=True):
    programme_areas: list[DemoArea]
    subject_groups: list[DemoGroup]
    documents: list[DemoDocument]


class DemoCounts(msgspec.Struct):
    programme_areas: int = 0
    subject_groups: int = 0
    documents: int = 0


def read_demo(path: Path = DEMO_FILE) -> DemoContent:
    with path.open("rb") as fh:
        return msgspec.convert(tomllib.load(fh), DemoContent)


async def load_demo(conn: asyncpg.Connection, content: DemoContent | None = None) -> DemoCounts:
    """Insert what is not there yet (matched by slug), in one transaction."""
    content = content or read_demo()
    counts = DemoCounts()
    async with conn.transaction():
        for area in content.programme_areas:
            status = await conn.execute(
                "INSERT INTO programme_areas (slug, name) VALUES ($1, $2) "
                "ON CONFLICT (slug) DO NOTHING",
                area.slug,
                area.name,
            )
            counts.programme_areas += status == "INSERT 0 1"
        for group in content.subject_groups:
            status = await conn.execute(
                "INSERT INTO subject_groups (slug, name, description, programme_area_id) "
                "SELECT $1, $2, $3, id FROM programme_areas WHERE slug = $4 "
                "ON CONFLICT (slug) DO NOTHING",
                group.slug,
                group.name,
                group.description,
                group.programme_area,
            )
            counts.subject_groups += status == "INSERT 0 1"
        for document in content.documents:
            document_id = await conn.fetchval(
                "INSERT INTO guidance_documents (slug, title, kind, status, summary, "
                "subject_group_id) SELECT $1, $2, $3, $4, $5, id FROM subject_groups "
                "WHERE slug = $6 ON CONFLICT (slug) DO NOTHING RETURNING id",
                document.slug,
                document.title,
                document.kind,
                document.status,
                document.summary.strip(),
                document.subject_group,
            )
            if document_id is None:
                continue
            counts.documents += 1
            for version in document.versions:
                version_id = await conn.fetchval(
                    "INSERT INTO document_versions (document_id, label, published_on, "
                    "change_summary) VALUES ($1, $2, $3, $4) RETURNING id",
                    document_id,
                    version.label,
                    version.published_on,
                    version.change_summary,
                )
                await conn.executemany(
                    "INSERT INTO sections (version_id, key, position, heading, body) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    [
                        (version_id, s.key, position, s.heading, s.body.strip())
                        for position, s in enumerate(version.sections, start=1)
                    ],
                )
    return counts
