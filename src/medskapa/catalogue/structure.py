"""The national structure as admins manage it: programme areas (NPO), their subject groups of
two kinds (NAG, NSG), and which group owns each guidance document.

One transaction per change, each with its audit event (ids and codes only). Nothing is ever
deleted: feedback, routing rules and documents keep pointing at areas and groups, so those are
archived instead. An archived area or group is not offered for new assignments, and a group is
not archived while it still owns a document that is not archived.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.catalogue import structure_queries as queries
from medskapa.catalogue.structure_queries import AreaRow, DocumentRow, GroupRow
from medskapa.catalogue.structure_texts import DESCRIPTION_MAX, ERRORS, NAME_MAX, SLUG_MAX
from medskapa.clock import Clock
from medskapa.errors import FieldError, Invalid, NotFound, Refused
from medskapa.feedback.lifecycle import OPEN_FOR_GROUP
from medskapa.i18n import N_, Labels

SLUG_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class GroupKind(StrEnum):
    NAG = "nag"
    """Nationell arbetsgrupp."""
    NSG = "nsg"
    """Nationell samverkansgrupp."""


KIND_LABELS = Labels(
    {
        GroupKind.NAG: N_("Nationell arbetsgrupp (NAG)"),
        GroupKind.NSG: N_("Nationell samverkansgrupp (NSG)"),
    }
)


def _invalid(*errors: FieldError) -> Invalid:
    return Invalid(list(errors), ERRORS)


def _refused(code: str) -> Refused:
    return Refused(code, ERRORS)


def _not_found() -> NotFound:
    return NotFound("No such programme area, group or document.")


class Area(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    name: str
    archived: bool
    groups: list[GroupRow] = []


def _slug(value: str, errors: list[FieldError]) -> str:
    slug = value.strip()
    if not slug:
        errors.append(FieldError("slug", "slug_required"))
    elif len(slug) > SLUG_MAX:
        errors.append(FieldError("slug", "slug_too_long"))
    elif not SLUG_PATTERN.fullmatch(slug):
        errors.append(FieldError("slug", "bad_slug"))
    return slug


def _name(value: str, errors: list[FieldError]) -> str:
    name = " ".join(value.split())
    if not name:
        errors.append(FieldError("name", "name_required"))
    elif len(name) > NAME_MAX:
        errors.append(FieldError("name", "name_too_long"))
    return name


def _description(value: str, errors: list[FieldError]) -> str:
    description = value.strip()
    if len(description) > DESCRIPTION_MAX:
        errors.append(FieldError("description", "description_too_long"))
    return description


def _kind(value: str, errors: list[FieldError]) -> str:
    kind = value.strip().lower()
    if kind not in GroupKind.__members__.values():
        errors.append(FieldError("kind", "unknown_kind"))
    return kind


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise _invalid(*errors)


class StructureService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    # ------------------------------------------------------------ reading

    async def overview(self) -> list[Area]:
        """Every area with its groups, the live ones first, each with its document counts."""
        by_area: dict[int, list[GroupRow]] = {}
        for row in await queries.groups(self._conn):
            by_area.setdefault(row.programme_area_id, []).append(row)
        return [
            Area(
                slug=a.slug,
                name=a.name,
                archived=a.archived_at is not None,
                groups=by_area.get(a.id, []),
            )
            for a in await queries.areas(self._conn)
        ]

    async def area(self, slug: str) -> AreaRow:
        found = await queries.area(self._conn, slug)
        if found is None:
            raise _not_found()
        return found

    async def group(self, slug: str) -> GroupRow:
        found = await queries.group(self._conn, slug)
        if found is None:
            raise _not_found()
        return found

    async def documents(self) -> list[DocumentRow]:
        return await queries.documents(self._conn)

    # ------------------------------------------------------------ programme areas

    async def create_area(self, actor: str, *, slug: str, name: str) -> AreaRow:
        errors: list[FieldError] = []
        slug, name = _slug(slug, errors), _name(name, errors)
        _raise(errors)
        now = self._clock()
        async with self._conn.transaction():
            if await queries.area(self._conn, slug) is not None:
                raise _invalid(FieldError("slug", "slug_taken"))
            try:
                async with self._conn.transaction():
                    area_id = await queries.insert_area(self._conn, slug, name, now)
            except asyncpg.UniqueViolationError:
                raise _invalid(FieldError("slug", "slug_taken")) from None
            await self._record(actor, "programme_area", area_id, "programme_area.created", now)
            return await self.area(slug)

    async def update_area(
        self, actor: str, slug: str, *, name: str | None = None, archived: bool | None = None
    ) -> AreaRow:
        """Rename, archive or bring back a programme area. An area is archived only once
        none of its groups is live, so no live group hangs under an archived area."""
        errors: list[FieldError] = []
        new_name = _name(name, errors) if name is not None else None
        _raise(errors)
        now = self._clock()
        async with self._conn.transaction():
            found = await queries.area(self._conn, slug, lock=True)
            if found is None:
                raise _not_found()
            was_archived = found.archived_at is not None
            if new_name is None and (archived is None or archived == was_archived):
                if archived is None:
                    raise _invalid(FieldError("name", "nothing_to_change"))
                return found
            if (
                archived
                and not was_archived
                and await queries.area_has_live_groups(self._conn, found.id)
            ):
                raise _refused("area_has_groups")
            archived_at = found.archived_at
            if archived is not None and archived != was_archived:
                archived_at = now if archived else None
            await queries.update_area(
                self._conn, found.id, name=new_name or found.name, archived_at=archived_at
            )
            if new_name is not None and new_name != found.name:
                await self._record(actor, "programme_area", found.id, "programme_area.renamed", now)
            if archived is not None and archived != was_archived:
                action = "programme_area.archived" if archived else "programme_area.unarchived"
                await self._record(
                    actor,
                    "programme_area",
                    found.id,
                    action,
                    now,
                    from_state="archived" if was_archived else "active",
                    to_state="archived" if archived else "active",
                )
            return await self.area(slug)

    # ------------------------------------------------------------ subject groups

    async def create_group(
        self,
        actor: str,
        *,
        slug: str,
        name: str,
        kind: str,
        area: str,
        description: str = "",
    ) -> GroupRow:
        errors: list[FieldError] = []
        slug, name = _slug(slug, errors), _name(name, errors)
        kind, description = _kind(kind, errors), _description(description, errors)
        now = self._clock()
        async with self._conn.transaction():
            target = await self._live_area(area, errors)
            if (
                not any(e.field == "slug" for e in errors)
                and await queries.group(self._conn, slug) is not None
            ):
                errors.append(FieldError("slug", "slug_taken"))
            _raise(errors)
            assert target is not None
            try:
                async with self._conn.transaction():
                    group_id = await queries.insert_group(
                        self._conn,
                        slug=slug,
                        name=name,
                        kind=kind,
                        description=description,
                        area_id=target.id,
                        now=now,
                    )
            except asyncpg.UniqueViolationError:
                raise _invalid(FieldError("slug", "slug_taken")) from None
            await self._record(
                actor, "subject_group", group_id, "subject_group.created", now, to_state=kind
            )
            return await self.group(slug)

    async def update_group(
        self,
        actor: str,
        slug: str,
        *,
        name: str | None = None,
        kind: str | None = None,
        description: str | None = None,
        area: str | None = None,
        archived: bool | None = None,
    ) -> GroupRow:
        """Rename, describe, change the kind of, move, archive or bring back a group: any of
        these together, all or none."""
        errors: list[FieldError] = []
        new_name = _name(name, errors) if name is not None else None
        new_kind = _kind(kind, errors) if kind is not None else None
        new_description = _description(description, errors) if description is not None else None
        now = self._clock()
        async with self._conn.transaction():
            found = await queries.group(self._conn, slug, lock=True)
            if found is None:
                raise _not_found()
            target = await self._live_area(area, errors) if area is not None else None
            _raise(errors)
            was_archived = found.archived_at is not None
            archiving = archived is not None and archived != was_archived
            changes = {
                "subject_group.renamed": new_name is not None and new_name != found.name,
                "subject_group.kind_changed": new_kind is not None and new_kind != found.kind,
                "subject_group.described": new_description is not None
                and new_description != found.description,
                "subject_group.moved": target is not None and target.id != found.programme_area_id,
            }
            if not any(changes.values()) and not archiving:
                if all(v is None for v in (name, kind, description, area, archived)):
                    raise _invalid(FieldError("name", "nothing_to_change"))
                return found
            if archiving and archived:
                await self._may_archive(found)
            if archiving and not archived and target is None:
                home = await queries.area(self._conn, found.area_slug)
                if home is not None and home.archived_at is not None:
                    raise _refused("area_of_group_archived")
            await queries.update_group(
                self._conn,
                found.id,
                name=new_name or found.name,
                kind=new_kind or found.kind,
                description=found.description if new_description is None else new_description,
                area_id=target.id if target is not None else found.programme_area_id,
                archived_at=(now if archived else None) if archiving else found.archived_at,
            )
            for action, changed in changes.items():
                if not changed:
                    continue
                states: dict[str, str] = {}
                if action == "subject_group.kind_changed":
                    states = {"from_state": found.kind, "to_state": str(new_kind)}
                elif action == "subject_group.moved" and target is not None:
                    states = {
                        "from_state": f"programme_area:{found.programme_area_id}",
                        "to_state": f"programme_area:{target.id}",
                    }
                await self._record(actor, "subject_group", found.id, action, now, **states)
            if archiving:
                await self._record(
                    actor,
                    "subject_group",
                    found.id,
                    "subject_group.archived" if archived else "subject_group.unarchived",
                    now,
                    from_state="archived" if was_archived else "active",
                    to_state="archived" if archived else "active",
                )
            return await self.group(slug)

    # ------------------------------------------------------------ documents

    async def assign_document(self, actor: str, document: str, group: str) -> DocumentRow:
        """Give a guidance document to another group (which then owns it and its routing)."""
        now = self._clock()
        async with self._conn.transaction():
            found = await queries.document(self._conn, document.strip(), lock=True)
            if found is None:
                raise _not_found()
            target = await queries.group(self._conn, group.strip())
            if target is None:
                raise _invalid(FieldError("group", "unknown_group"))
            if target.archived_at is not None:
                raise _invalid(FieldError("group", "group_archived"))
            if target.id == found.subject_group_id:
                return found
            await queries.set_document_group(self._conn, found.id, target.id)
            await self._record(
                actor,
                "document",
                found.id,
                "document.group_assigned",
                now,
                from_state=f"subject_group:{found.subject_group_id}",
                to_state=f"subject_group:{target.id}",
            )
            moved = await queries.document(self._conn, found.slug)
            assert moved is not None
            return moved

    # ------------------------------------------------------------ helpers

    async def _may_archive(self, group: GroupRow) -> None:
        """A group is archived only when nothing would reach it or wait in it any more."""
        if group.live_document_count:
            raise _refused("group_owns_documents")
        if await queries.active_rules_to(self._conn, group.id):
            raise _refused("group_has_rules")
        if await queries.open_items_in(self._conn, group.id, [str(s) for s in OPEN_FOR_GROUP]):
            raise _refused("group_has_open_items")

    async def _live_area(self, slug: str, errors: list[FieldError]) -> AreaRow | None:
        found = await queries.area(self._conn, slug.strip())
        if found is None:
            errors.append(FieldError("area", "unknown_area"))
        elif found.archived_at is not None:
            errors.append(FieldError("area", "area_archived"))
        return found

    async def _record(
        self,
        actor: str,
        subject_type: str,
        subject_id: int,
        action: str,
        now: dt.datetime,
        *,
        from_state: str | None = None,
        to_state: str | None = None,
    ) -> None:
        await audit.record(
            self._conn,
            at=now,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            from_state=from_state,
            to_state=to_state,
        )
