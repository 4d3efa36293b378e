"""The demo catalogue as the tests read it: structure and every version file, per document."""

from __future__ import annotations

from dataclasses import dataclass

from medskapa.catalogue.demo import DemoArea, DemoGroup, demo_files, read_structure
from medskapa.catalogue.importer import ImportedDocument, read_markdown


@dataclass(frozen=True)
class DemoDocument:
    slug: str
    title: str
    status: str
    subject_group: str
    versions: list[ImportedDocument]
    """Oldest first; ``published_on`` is None for a consultation draft."""


@dataclass(frozen=True)
class DemoView:
    programme_areas: list[DemoArea]
    subject_groups: list[DemoGroup]
    documents: list[DemoDocument]


def read_demo() -> DemoView:
    structure = read_structure()
    versions: dict[str, list[ImportedDocument]] = {}
    for path in demo_files():
        document = read_markdown(path.read_bytes())
        versions.setdefault(document.slug, []).append(document)
    documents = [
        DemoDocument(
            slug=slug,
            title=found[-1].title,
            status="consultation" if slug in structure.consultation else "published",
            subject_group=found[-1].group,
            versions=found,
        )
        for slug, found in versions.items()
    ]
    return DemoView(structure.programme_areas, structure.subject_groups, documents)
