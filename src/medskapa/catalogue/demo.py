"""Demo content: a fictional but realistic catalogue, loaded into an empty database.

The national structure comes from ``demo_files/structure.toml``; every document version is a
Markdown file under ``demo_files/documents`` and goes through the same importer as a real one.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import asyncpg
import msgspec

from medskapa.catalogue.authoring import Actor, AuthoringService
from medskapa.catalogue.importer import label_key, read_markdown
from medskapa.clock import utc_now

DEMO_DIR = Path(__file__).with_name("demo_files")
DEMO_ACTOR = Actor(name="demo", admin=True)


class DemoGroup(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: str
    name: str
    kind: str
    programme_area: str
    description: str = ""


class DemoArea(msgspec.Struct, frozen=True):
    slug: str
    name: str


class DemoStructure(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    programme_areas: list[DemoArea]
    subject_groups: list[DemoGroup]
    consultation: list[str] = []
    """Documents out for consultation: their newest version is a draft the public may read."""


class DemoCounts(msgspec.Struct):
    programme_areas: int = 0
    subject_groups: int = 0
    documents: int = 0


def read_structure(directory: Path = DEMO_DIR) -> DemoStructure:
    with (directory / "structure.toml").open("rb") as fh:
        return msgspec.convert(tomllib.load(fh), DemoStructure)


def demo_files(directory: Path = DEMO_DIR) -> list[Path]:
    """Every version file, in the order they must be imported: per document, oldest first."""
    files = []
    for path in (directory / "documents").glob("*.md"):
        slug, _, label = path.stem.rpartition("-")
        files.append(((slug, label_key(label)), path))
    return [path for _, path in sorted(files)]


async def load_demo(conn: asyncpg.Connection, directory: Path = DEMO_DIR) -> DemoCounts:
    """Insert what is not there yet (matched by slug), in one transaction."""
    structure = read_structure(directory)
    counts = DemoCounts()
    authoring = AuthoringService(conn, utc_now)
    async with conn.transaction():
        for area in structure.programme_areas:
            status = await conn.execute(
                "INSERT INTO programme_areas (slug, name) VALUES ($1, $2) "
                "ON CONFLICT (slug) DO NOTHING",
                area.slug,
                area.name,
            )
            counts.programme_areas += status == "INSERT 0 1"
        for group in structure.subject_groups:
            status = await conn.execute(
                "INSERT INTO subject_groups (slug, name, kind, description, programme_area_id) "
                "SELECT $1, $2, $3, $4, id FROM programme_areas WHERE slug = $5 "
                "ON CONFLICT (slug) DO NOTHING",
                group.slug,
                group.name,
                group.kind,
                group.description,
                group.programme_area,
            )
            counts.subject_groups += status == "INSERT 0 1"
        existing = set(await conn.fetchval("SELECT array_agg(slug) FROM guidance_documents") or [])
        for path in demo_files(directory):
            document = read_markdown(path.read_bytes())
            if document.slug in existing:
                continue
            result = await authoring.import_document(
                DEMO_ACTOR, document, publish=document.published_on is not None
            )
            counts.documents += result.new_document
        await conn.execute(
            "UPDATE guidance_documents SET status = 'consultation' "
            "WHERE slug = ANY($1::text[]) AND NOT slug = ANY($2::text[])",
            structure.consultation,
            list(existing),
        )
    return counts
