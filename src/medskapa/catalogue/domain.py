"""The guidance catalogue as plain data, and the words the public sees for its codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol, TypeVar

import msgspec

from medskapa.i18n import N_, Labels


class DocumentKind(StrEnum):
    CARE_PATHWAY = "care_pathway"
    CLINICAL_GUIDANCE = "clinical_guidance"
    TREATMENT_RECOMMENDATION = "treatment_recommendation"
    PATIENT_INFORMATION = "patient_information"


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    PUBLISHED = "published"
    ARCHIVED = "archived"


KIND_LABELS: Labels = Labels(
    {
        DocumentKind.CARE_PATHWAY: N_("Personcentrerat och sammanhållet vårdförlopp"),
        DocumentKind.CLINICAL_GUIDANCE: N_("Kliniskt kunskapsstöd"),
        DocumentKind.TREATMENT_RECOMMENDATION: N_("Behandlingsrekommendation"),
        DocumentKind.PATIENT_INFORMATION: N_("Patientinformation"),
    }
)

STATUS_LABELS: Labels = Labels(
    {
        DocumentStatus.DRAFT: N_("Utkast"),
        DocumentStatus.CONSULTATION: N_("På remiss"),
        DocumentStatus.PUBLISHED: N_("Publicerad"),
        DocumentStatus.ARCHIVED: N_("Arkiverad"),
    }
)

# Documents the public may read; drafts stay with their group.
PUBLIC_STATUSES = (DocumentStatus.CONSULTATION, DocumentStatus.PUBLISHED, DocumentStatus.ARCHIVED)
# Documents listed in the catalogue; archived ones are reachable by address only.
LISTED_STATUSES = (DocumentStatus.CONSULTATION, DocumentStatus.PUBLISHED)

MAX_QUERY_LENGTH = 200


class ProgrammeArea(msgspec.Struct, frozen=True):
    slug: str
    name: str


class SubjectGroup(msgspec.Struct, frozen=True):
    slug: str
    name: str
    programme_area: ProgrammeArea


class DocumentSummary(msgspec.Struct, frozen=True):
    slug: str
    title: str
    kind: DocumentKind
    status: DocumentStatus
    summary: str
    subject_group: SubjectGroup
    current_version: str | None
    published_on: dt.date | None


class Section(msgspec.Struct, frozen=True):
    key: str
    heading: str
    text: str
    """Markdown (CommonMark with tables)."""
    number: str = ""
    """The number the heading was written with ("4.1"), or empty."""
    level: int = 2
    """2 for a section, 3 for a subsection."""

    @property
    def title(self) -> str:
        """The heading as written: "4.1 Läkemedel"."""
        return f"{self.number} {self.heading}" if self.number else self.heading


class Version(msgspec.Struct, frozen=True):
    label: str
    published_on: dt.date | None
    change_summary: str
    sections: list[Section]
    easy_read: str = ""
    """An easy-to-read (lättläst) summary of this version, plain text; "" when none."""

    @property
    def is_draft(self) -> bool:
        return self.published_on is None


class Document(msgspec.Struct, frozen=True):
    slug: str
    title: str
    kind: DocumentKind
    status: DocumentStatus
    summary: str
    subject_group: SubjectGroup
    current_version: str | None
    versions: list[Version]
    """Oldest first."""

    def version(self, label: str | None) -> Version | None:
        """The version with ``label``; without one, the current (newest published) version,
        or the newest draft where nothing is published yet."""
        return named_version(self.versions, self.current_version, label)


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...


V = TypeVar("V", bound=_Labelled)


def named_version(versions: Sequence[V], current: str | None, label: str | None) -> V | None:
    """The version with ``label`` among ``versions`` (oldest first); without a label, the
    ``current`` (newest published) one, or the newest draft where nothing is published yet.
    What a reader's ``?version=`` names, wherever a document's versions are listed."""
    if label is None:
        label = current
    if label is None:
        return versions[-1] if versions else None
    return next((v for v in versions if v.label == label), None)


class Placement(msgspec.Struct, frozen=True):
    """Where an item's passage is in the newest published version that placed it, for the
    pages that show the item (the submitter's status page, the group's item page)."""

    label: str
    outcome: str
    section_key: str | None
    heading: str | None
    number: str | None
    confidence: float
