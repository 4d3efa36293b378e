"""Demo content: a fictional but realistic catalogue, loaded into an empty database.

The national structure comes from ``demo_files/structure.toml``; every document version is a
Markdown file under ``demo_files/documents`` and goes through the same importer as a real one.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import asyncpg
import msgspec

from medskapa.catalogue import demo_queries as queries
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


async def catalogue_is_empty(conn: asyncpg.Connection) -> bool:
    """No guidance document at all (a new installation, where the demo may go)."""
    return not await queries.document_slugs(conn, limit=1)


async def load_demo(conn: asyncpg.Connection, directory: Path = DEMO_DIR) -> DemoCounts:
    """Insert what is not there yet (matched by slug), in one transaction."""
    structure = read_structure(directory)
    counts = DemoCounts()
    authoring = AuthoringService(conn, utc_now)
    async with conn.transaction():
        for area in structure.programme_areas:
            counts.programme_areas += await queries.insert_demo_area(conn, area.slug, area.name)
        for group in structure.subject_groups:
            counts.subject_groups += await queries.insert_demo_group(
                conn,
                slug=group.slug,
                name=group.name,
                kind=group.kind,
                description=group.description,
                area_slug=group.programme_area,
            )
        existing = set(await queries.document_slugs(conn))
        for path in demo_files(directory):
            document = read_markdown(path.read_bytes())
            if document.slug in existing:
                continue
            result = await authoring.import_document(
                DEMO_ACTOR, document, publish=document.published_on is not None
            )
            counts.documents += result.new_document
        await queries.open_for_consultation(conn, structure.consultation, exclude=sorted(existing))
    return counts
