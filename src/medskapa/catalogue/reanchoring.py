"""The re-anchoring report: where each open feedback item's passage is in a version of its
document (same, moved, changed with a confidence, gone), built with catalogue/anchoring.py and
stored with the version. A published version's report is frozen with it."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from medskapa.catalogue import anchoring, markdown
from medskapa.catalogue import authoring_queries as queries
from medskapa.catalogue.domain import Placement

QUOTE_CONTEXT = 32


class AnchorEntry(msgspec.Struct, frozen=True):
    feedback_id: uuid.UUID
    status: str
    category: str
    received_at: dt.datetime
    from_version: str
    from_section: str | None
    from_heading: str | None
    """The section's heading as written in that version ("2 Utredning")."""
    outcome: str
    section_key: str | None
    heading: str | None
    """Where it is now: the heading in this version."""
    confidence: float
    passage: str | None
    """The passage as it reads in this version (for "changed" and "moved"), else None."""


class AnchorReport(msgspec.Struct, frozen=True):
    document: str
    version: str
    published: bool
    built_at: dt.datetime | None
    counts: dict[str, int]
    items: list[AnchorEntry]


async def build_placements(conn: asyncpg.Connection, document_id: int, version_id: int) -> int:
    """Place every open item of the document in this version and store the placements."""
    items = await queries.open_items(conn, document_id, version_id)
    source_ids = {i.placed_version_id or i.version_id for i in items}
    texts = await queries.sections_of(conn, [*source_ids, version_id])
    new = [_section_text(s) for s in texts[version_id]]
    by_source: dict[int, list[tuple[queries.OpenItem, anchoring.Anchor]]] = {}
    gone: list[queries.PlacementRow] = []
    for item in items:
        if item.placed_outcome == "gone":
            gone.append(
                queries.PlacementRow(
                    feedback_id=item.id,
                    from_version_id=item.placed_version_id or item.version_id,
                    from_section=item.section_key,
                    outcome="gone",
                    section_key=None,
                    confidence=0.0,
                    start_offset=None,
                    end_offset=None,
                )
            )
            continue
        source = item.placed_version_id or item.version_id
        by_source.setdefault(source, []).append((item, _anchor(item, texts[source])))
    placements = gone
    for source, entries in by_source.items():
        old = [_section_text(s) for s in texts[source]]
        found = anchoring.reanchor([a for _, a in entries], old, new)
        for (item, anchor), placed in zip(entries, found, strict=True):
            placements.append(
                queries.PlacementRow(
                    feedback_id=item.id,
                    from_version_id=source,
                    from_section=anchor.section_key,
                    outcome=placed.outcome,
                    section_key=placed.section_key,
                    confidence=min(1.0, max(0.0, placed.confidence)),
                    start_offset=placed.start,
                    end_offset=placed.end,
                )
            )
    await queries.store_placements(conn, version_id, placements)
    return len(placements)


async def report(
    conn: asyncpg.Connection,
    slug: str,
    version: queries.VersionRow,
    built_at: dt.datetime | None,
) -> AnchorReport:
    """The stored placements of a version, with the passages as they now read."""
    rows = await queries.report(conn, version.id)
    texts = {s.key: markdown.plain_text(s.body) for s in await queries.sections(conn, version.id)}
    counts = {"same": 0, "moved": 0, "changed": 0, "gone": 0}
    entries: list[AnchorEntry] = []
    for row in rows:
        counts[row.outcome] += 1
        passage = None
        if (
            row.section_key in texts
            and row.start_offset is not None
            and row.outcome
            in (
                "moved",
                "changed",
            )
        ):
            passage = texts[row.section_key][row.start_offset : row.end_offset]
        entries.append(
            AnchorEntry(
                feedback_id=row.feedback_id,
                status=row.status,
                category=row.category,
                received_at=row.created_at,
                from_version=row.from_label,
                from_section=row.from_section,
                from_heading=row.from_heading,
                heading=row.heading,
                outcome=row.outcome,
                section_key=row.section_key,
                confidence=round(row.confidence, 2),
                passage=passage,
            )
        )
    return AnchorReport(
        document=slug,
        version=version.label,
        published=not version.is_draft,
        built_at=built_at,
        counts=counts,
        items=entries,
    )


async def where_now(conn: asyncpg.Connection, feedback_id: uuid.UUID) -> Placement | None:
    """Where an item's passage is in the newest published version that placed it, for the
    item's pages; None while no version has been published since it was sent."""
    return await queries.current_placement(conn, feedback_id)


def _section_text(section: queries.SectionRow) -> anchoring.SectionText:
    return anchoring.SectionText(
        key=section.key, heading=section.heading, text=markdown.plain_text(section.body)
    )


def _anchor(item: queries.OpenItem, sections: list[queries.SectionRow]) -> anchoring.Anchor:
    """Where the item's passage was last seen: its own words on its own version, or the span a
    later version's report found."""
    if item.placed_version_id is None:
        return anchoring.Anchor(
            section_key=item.section_key,
            exact=item.quote_exact,
            prefix=item.quote_prefix,
            suffix=item.quote_suffix,
        )
    if item.placed_start is None or item.placed_end is None:
        return anchoring.Anchor(section_key=item.placed_section)
    text = next((markdown.plain_text(s.body) for s in sections if s.key == item.placed_section), "")
    start, end = item.placed_start, item.placed_end
    return anchoring.Anchor(
        section_key=item.placed_section,
        exact=text[start:end] or item.quote_exact,
        prefix=text[max(0, start - QUOTE_CONTEXT) : start],
        suffix=text[end : end + QUOTE_CONTEXT],
    )
