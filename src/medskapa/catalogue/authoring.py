"""Guidance content in the product: importing documents, drafting versions, the re-anchoring
report, publishing. One transaction per use case; every change audited.

Who may: an admin, or a lead of the group that owns the document (for an import of a new
document: of the group the file names).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.catalogue import authoring_queries as queries
from medskapa.catalogue import following, markdown, reanchoring
from medskapa.catalogue.importer import (
    LABEL,
    MAX_CHANGE_SUMMARY,
    MAX_EASY_READ,
    MAX_SUMMARY,
    MAX_TITLE,
    ImportedDocument,
    Problem,
    Rejected,
    SectionDraft,
    check_sections,
    label_key,
    make_section,
    section_key,
    split_heading,
)
from medskapa.catalogue.reanchoring import AnchorReport
from medskapa.clock import Clock
from medskapa.errors import NotFound
from medskapa.outbox.queue import enqueue
from medskapa.security.principal import Principal, Role

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SUBJECT = "document"


def _not_yours(slug: str) -> NotFound:
    """No such document or version, or not one the asker may author: they cannot tell."""
    return NotFound(f"You cannot author a document or version at {slug!r}.")


class Actor(msgspec.Struct, frozen=True):
    """Who is changing content: a signed-in person, or the command line."""

    name: str
    """The audit trail's actor: a pseudonym or "admin-cli"."""
    admin: bool
    lead_of: frozenset[int] = frozenset()

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(
            name=principal.pseudonym,
            admin=principal.role == Role.ADMIN,
            lead_of=frozenset(g for g, role in principal.groups.items() if role == "lead"),
        )

    def may_author(self, group_id: int) -> bool:
        return self.admin or group_id in self.lead_of


CLI = Actor(name="admin-cli", admin=True)


class ImportResult(msgspec.Struct, frozen=True):
    slug: str
    version: str
    new_document: bool
    published: bool
    sections: int
    removed: list[markdown.Removal]
    ignored: list[str]


class SectionInput(msgspec.Struct, frozen=True):
    heading: str
    body: str
    number: str = ""
    level: int = 2
    key: str | None = None
    """Kept when given (so feedback on a renamed section stays with it); else from the heading."""


def _local_date(now: dt.datetime) -> dt.date:
    return now.astimezone(STOCKHOLM).date()


def _refuse(code: str, field: str | None = None, detail: str = "") -> Rejected:
    return Rejected([Problem(code, field, detail)])


class AuthoringService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock
        self._audit = functools.partial(audit.record, conn, subject_type=SUBJECT)

    # ------------------------------------------------------------ reading

    async def overview(self, actor: Actor) -> list[queries.DocumentOverview]:
        """The documents this person may author, each with its current version and draft."""
        return await queries.overview(self._conn, None if actor.admin else actor.lead_of)

    async def document(
        self, actor: Actor, slug: str
    ) -> tuple[queries.DocumentRow, list[queries.VersionRow]]:
        document = await queries.document(self._conn, slug)
        if document is None or not actor.may_author(document.group_id):
            raise _not_yours(slug)
        return document, await queries.versions(self._conn, document.id)

    async def exists(self, slug: str) -> bool:
        return await queries.document(self._conn, slug) is not None

    async def draft(
        self, actor: Actor, slug: str, label: str
    ) -> tuple[queries.DocumentRow, queries.VersionRow, list[queries.SectionRow]]:
        document, versions = await self.document(actor, slug)
        version = next((v for v in versions if v.label == label), None)
        if version is None:
            raise _not_yours(slug)
        return document, version, await queries.sections(self._conn, version.id)

    # ------------------------------------------------------------ import

    async def import_document(
        self, actor: Actor, imported: ImportedDocument, *, publish: bool = False
    ) -> ImportResult:
        """A new document, or a new draft version of an existing one (same slug, a later
        label); published at once with ``publish``. All or nothing."""
        now = self._clock()
        async with self._conn.transaction():
            group = await queries.group(self._conn, imported.group)
            if group is None:
                raise _refuse("unknown_group", "group", imported.group)
            document = await queries.document(self._conn, imported.slug, lock=True)
            new_document = document is None
            if document is None:
                if group.archived:
                    raise _refuse("group_archived", "group", imported.group)
                if not actor.may_author(group.id):
                    raise _refuse("not_group_lead", "group", imported.group)
                try:
                    document_id = await queries.insert_document(
                        self._conn,
                        slug=imported.slug,
                        title=imported.title,
                        kind=imported.kind,
                        summary=imported.summary,
                        group_id=group.id,
                    )
                except asyncpg.UniqueViolationError:
                    # Another import of the same new slug committed first.
                    raise _refuse("document_exists", "slug", imported.slug) from None
                await self._audit(
                    at=now,
                    actor=actor.name,
                    action="document.created",
                    subject_id=str(document_id),
                    to_state="draft",
                )
            else:
                if not actor.may_author(document.group_id):
                    raise _refuse("not_group_lead", "group", document.group_slug)
                if document.group_id != group.id:
                    raise _refuse("group_differs", "group", document.group_slug)
                if document.kind != imported.kind:
                    raise _refuse("kind_differs", "kind", document.kind)
                if document.status == "archived":
                    raise _refuse("document_archived", "slug")
                document_id = document.id
                await self._check_new_label(document_id, imported.version)
            version_id = await queries.insert_version(
                self._conn,
                document_id=document_id,
                label=imported.version,
                title=imported.title,
                summary=imported.summary,
                change_summary=imported.change_summary,
                created_by=actor.name,
                now=now,
                easy_read=imported.easy_read,
            )
            await queries.replace_sections(self._conn, version_id, imported.sections)
            await self._audit(
                at=now,
                actor=actor.name,
                action="version.imported",
                subject_id=str(document_id),
                to_state="draft",
                reason_code=imported.version,
            )
            if publish:
                await self._publish(
                    actor,
                    document_id,
                    version_id,
                    imported.change_summary or ("Första versionen." if new_document else ""),
                    published_on=imported.published_on,
                    now=now,
                )
        return ImportResult(
            slug=imported.slug,
            version=imported.version,
            new_document=new_document,
            published=publish,
            sections=len(imported.sections),
            removed=imported.removed,
            ignored=imported.ignored,
        )

    async def _locked_document(self, actor: Actor, slug: str) -> queries.DocumentRow:
        """The document, locked for this transaction, if this person may author it."""
        document = await queries.document(self._conn, slug, lock=True)
        if document is None or not actor.may_author(document.group_id):
            raise _not_yours(slug)
        return document

    async def _locked(
        self, actor: Actor, slug: str, label: str
    ) -> tuple[queries.DocumentRow, queries.VersionRow]:
        """The document and one of its versions, both locked for this transaction."""
        document = await self._locked_document(actor, slug)
        version = await queries.version(self._conn, document.id, label, lock=True)
        if version is None:
            raise _not_yours(slug)
        return document, version

    async def _check_new_label(self, document_id: int, label: str) -> None:
        versions = await queries.versions(self._conn, document_id)
        if any(v.label == label for v in versions):
            raise _refuse("version_exists", "version", label)
        if any(v.is_draft for v in versions):
            raise _refuse("draft_exists", "version", next(v.label for v in versions if v.is_draft))
        if versions and label_key(label) <= label_key(versions[-1].label):
            raise _refuse("version_not_after_current", "version", versions[-1].label)

    # ------------------------------------------------------------ drafting

    async def create_draft(self, actor: Actor, slug: str, label: str) -> None:
        """A new draft that starts as a copy of the newest version."""
        now = self._clock()
        async with self._conn.transaction():
            document = await self._locked_document(actor, slug)
            if document.status == "archived":
                raise _refuse("document_archived", "slug")
            if not LABEL.match(label):
                raise _refuse("bad_version", "version")
            await self._check_new_label(document.id, label)
            versions = await queries.versions(self._conn, document.id)
            base = versions[-1] if versions else None
            version_id = await queries.insert_version(
                self._conn,
                document_id=document.id,
                label=label,
                title=(base.title if base and base.title else document.title),
                summary=(base.summary if base and base.summary is not None else document.summary),
                change_summary="",
                created_by=actor.name,
                now=now,
                easy_read=base.easy_read if base else "",
            )
            if base is not None:
                await queries.replace_sections(
                    self._conn, version_id, await queries.sections(self._conn, base.id)
                )
            await self._audit(
                at=now,
                actor=actor.name,
                action="version.drafted",
                subject_id=str(document.id),
                to_state="draft",
                reason_code=label,
            )

    async def save_draft(
        self,
        actor: Actor,
        slug: str,
        label: str,
        *,
        title: str,
        summary: str,
        change_summary: str,
        sections: Sequence[SectionInput],
        easy_read: str | None = None,
    ) -> list[SectionDraft]:
        """Replace a draft's text. Section keys are kept where given, so that a renamed
        section stays the same section for the feedback on it. ``easy_read`` None: the
        easy-to-read summary is kept as it is (a client that does not know it loses nothing)."""
        problems: list[Problem] = []
        title, summary, change_summary = title.strip(), summary.strip(), change_summary.strip()
        if not title:
            problems.append(Problem("missing_field", "title"))
        elif len(title) > MAX_TITLE:
            problems.append(Problem("field_too_long", "title", str(MAX_TITLE)))
        if len(summary) > MAX_SUMMARY:
            problems.append(Problem("field_too_long", "summary", str(MAX_SUMMARY)))
        if len(change_summary) > MAX_CHANGE_SUMMARY:
            problems.append(Problem("field_too_long", "change_summary", str(MAX_CHANGE_SUMMARY)))
        if easy_read is not None:
            easy_read = easy_read.replace("\r\n", "\n").strip()
            if len(easy_read) > MAX_EASY_READ:
                problems.append(Problem("field_too_long", "easy_read", str(MAX_EASY_READ)))
        drafts: list[SectionDraft] = []
        for position, given in enumerate(sections, start=1):
            if not given.heading.strip():
                # A number alone would otherwise become the heading.
                problems.append(Problem("empty_heading", "sections", str(position)))
            heading_text = f"{given.number} {given.heading}" if given.number else given.heading
            made = make_section(
                heading_text, given.level if given.level in (2, 3) else 2, given.body
            )
            if given.key:
                made = msgspec.structs.replace(made, key=given.key.strip())
            elif not made.number and given.number:
                number, words = split_heading(heading_text)
                made = msgspec.structs.replace(made, key=section_key(number, words))
            drafts.append(made)
        problems += check_sections(drafts)
        if problems:
            raise Rejected(problems)
        now = self._clock()
        async with self._conn.transaction():
            document, version = await self._locked(actor, slug, label)
            if not version.is_draft:
                raise _refuse("already_published", "version", label)
            await queries.update_draft(
                self._conn,
                version.id,
                title=title,
                summary=summary,
                change_summary=change_summary,
                now=now,
                easy_read=easy_read,
            )
            await queries.replace_sections(self._conn, version.id, drafts)
            await self._audit(
                at=now,
                actor=actor.name,
                action="version.edited",
                subject_id=str(document.id),
                reason_code=label,
            )
        return drafts

    # ------------------------------------------------------------ re-anchoring

    async def anchor_report(self, actor: Actor, slug: str, label: str) -> AnchorReport:
        """Where every open item's passage is in this version. For a draft it is built anew
        (and stored); a published version's report is the one frozen when it was published."""
        async with self._conn.transaction():
            document, version = await self._locked(actor, slug, label)
            built_at = version.anchors_built_at
            if version.is_draft:
                built_at = self._clock()
                await reanchoring.build_placements(self._conn, document.id, version.id)
                await queries.mark_anchors_built(self._conn, version.id, built_at)
            return await reanchoring.report(self._conn, document.slug, version, built_at)

    # ------------------------------------------------------------ publishing

    async def publish(
        self, actor: Actor, slug: str, label: str, *, change_summary: str
    ) -> AnchorReport:
        """Publish a draft: its re-anchoring report is built and frozen with it, the document
        takes its title and summary, followers and submitters are told. All or nothing."""
        change_summary = change_summary.strip()
        if not change_summary:
            raise _refuse("change_summary_required", "change_summary")
        if len(change_summary) > MAX_CHANGE_SUMMARY:
            raise _refuse("field_too_long", "change_summary", str(MAX_CHANGE_SUMMARY))
        now = self._clock()
        async with self._conn.transaction():
            document, version = await self._locked(actor, slug, label)
            await self._publish(actor, document.id, version.id, change_summary, now=now)
            version = await queries.version(self._conn, document.id, label)
            assert version is not None
            return await reanchoring.report(
                self._conn, document.slug, version, version.anchors_built_at
            )

    async def _publish(
        self,
        actor: Actor,
        document_id: int,
        version_id: int,
        change_summary: str,
        *,
        now: dt.datetime,
        published_on: dt.date | None = None,
    ) -> None:
        versions = await queries.versions(self._conn, document_id)
        version = next(v for v in versions if v.id == version_id)
        if not version.is_draft:
            raise _refuse("already_published", "version", version.label)
        if not change_summary.strip():
            raise _refuse("change_summary_required", "change_summary")
        published = [v for v in versions if not v.is_draft]
        if published and label_key(version.label) <= label_key(published[-1].label):
            raise _refuse("version_not_after_current", "version", published[-1].label)
        if not await queries.sections(self._conn, version_id):
            raise _refuse("empty_document")
        await reanchoring.build_placements(self._conn, document_id, version_id)
        # A file may carry the date an earlier publication had (the demo, a migration from
        # another system); it is then also the moment of publication.
        published_at = now
        if published_on is not None:
            published_at = dt.datetime.combine(published_on, dt.time(12), STOCKHOLM)
        await queries.publish_version(
            self._conn,
            version_id,
            published_on=published_on or _local_date(now),
            now=published_at,
            change_summary=change_summary.strip(),
        )
        row = await queries.document_by_id(self._conn, document_id)
        assert row is not None
        await queries.update_published_document(
            self._conn,
            document_id,
            title=version.title or row.title,
            summary=version.summary if version.summary is not None else row.summary,
        )
        await self._audit(
            at=now,
            actor=actor.name,
            action="version.published",
            subject_id=str(document_id),
            from_state="draft",
            to_state="published",
            reason_code=version.label,
        )
        await self._tell_submitters(row, version.label, version_id, now)
        await following.notify_new_version(
            self._conn, document_id=document_id, version_id=version_id, now=now
        )

    async def _tell_submitters(
        self, document: queries.DocumentRow, label: str, version_id: int, now: dt.datetime
    ) -> None:
        """Each submitter who left an address hears where their passage is in the new version."""
        for placed in await queries.placed_contacts(self._conn, version_id):
            await enqueue(
                self._conn,
                "feedback_passage_placed",
                now=now,
                contact_id=placed.contact_id,
                language=placed.language,
                context={
                    "document_slug": document.slug,
                    "document_title": document.title,
                    "version_label": label,
                    "outcome": placed.outcome,
                    "section_path": (
                        f"/kunskapsstod/{document.slug}?version={label}#avsnitt-{placed.section_key}"
                        if placed.section_key
                        else f"/kunskapsstod/{document.slug}?version={label}"
                    ),
                    "follow_path": "/folj",
                },
            )
