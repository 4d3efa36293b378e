"""The demo catalogue ships as Markdown files and loads through the same importer as real ones."""

from __future__ import annotations

import asyncpg

from medskapa.catalogue.demo import demo_files, load_demo, read_structure
from medskapa.catalogue.importer import read_markdown


def test_demo_content_is_complete_and_consistent() -> None:
    structure = read_structure()
    areas = {a.slug for a in structure.programme_areas}
    groups = {g.slug for g in structure.subject_groups}
    assert all(g.programme_area in areas for g in structure.subject_groups)
    assert all(g.kind in ("nag", "nsg") for g in structure.subject_groups)
    documents: dict[str, list] = {}
    for path in demo_files():
        document = read_markdown(path.read_bytes())  # raises on any problem in a file
        assert path.stem == f"{document.slug}-{document.version}"
        assert document.group in groups, path.name
        assert not document.removed, path.name
        documents.setdefault(document.slug, []).append(document)
    assert len(documents) >= 8
    assert sum(len(versions) > 1 for versions in documents.values()) >= 2
    for slug, versions in documents.items():
        assert 5 <= len(versions[-1].sections) <= 12, slug
        assert all(s.body for v in versions for s in v.sections), slug
        # Every version but a consultation draft carries its publication date.
        assert all(v.published_on for v in versions[:-1]), slug
    assert set(structure.consultation) <= set(documents)


async def test_demo_loads_through_the_importer(empty_database_url: str) -> None:
    from medskapa.audit.keys import AuditKeys, bind
    from medskapa.db.migrations import migrate
    from medskapa.db.pool import init_connection
    from tests.factories import TEST_SECRET

    conn = await asyncpg.connect(empty_database_url)
    try:
        await init_connection(conn)
        bind(conn, AuditKeys.from_secret(TEST_SECRET))
        await migrate(conn)
        counts = await load_demo(conn)
        assert counts.documents == len({p.stem.rpartition("-")[0] for p in demo_files()})
        # Each version went through the importer: its import and publication are on the trail.
        imported = await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE action = 'version.imported'"
        )
        assert imported == len(demo_files())
        rows = await conn.fetch(
            "SELECT d.slug, d.status, v.label, v.published_on FROM guidance_documents d "
            "JOIN document_versions v ON v.document_id = d.id WHERE d.slug = 'kol' ORDER BY v.id"
        )
        assert [(r["status"], r["label"], r["published_on"] is None) for r in rows] == [
            ("consultation", "1.0", False),
            ("consultation", "2.0", True),
        ]
        # Headings keep their written numbers and subsections their level.
        section = await conn.fetchrow(
            "SELECT s.number, s.heading, s.level FROM sections s "
            "JOIN document_versions v ON v.id = s.version_id "
            "JOIN guidance_documents d ON d.id = v.document_id "
            "WHERE d.slug = 'hjartsvikt-nyupptackt' AND v.label = '1.1' AND s.key = '4.1-lakemedel'"
        )
        assert dict(section) == {"number": "4.1", "heading": "Läkemedelsbehandling", "level": 3}
        again = await load_demo(conn)
        assert (again.programme_areas, again.subject_groups, again.documents) == (0, 0, 0)
    finally:
        await conn.close()
