"""Routing rules for admins: create, edit, (de)activate, and preview where an item would go."""

from __future__ import annotations

import datetime as dt
import re

import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.clock import Clock
from medskapa.errors import FieldError, Invalid, NotFound
from medskapa.feedback.domain import Category, InvalidText, clean_text
from medskapa.i18n import translate
from medskapa.moderation import routing_queries as queries
from medskapa.moderation.domain import RoutedItem, RuleKind, route
from medskapa.moderation.routing_queries import DocumentRef, GroupRef, RuleFields, RuleView
from medskapa.moderation.texts import ERRORS
from medskapa.security.principal import Principal

SUBJECT = "routing_rule"
_SECTION_KEY = re.compile(r"^[0-9]+(\.[0-9]+)*-[a-z0-9]+(-[a-z0-9]+)*$")


class RuleInput(msgspec.Struct, kw_only=True):
    """A rule as the admin sent it, strings as they came."""

    name: str = ""
    kind: str = ""
    document: str = ""
    """Document slug; empty for none."""
    section: str = ""
    category: str = ""
    keyword: str = ""
    priority: str = "100"
    groups: list[str] = []
    """Subject group slugs."""
    keep_owner: bool = False
    active: bool = True


def _unknown_rule() -> NotFound:
    return NotFound(translate(ERRORS["unknown_rule"], "en"))


class PreviewInput(msgspec.Struct, kw_only=True):
    document: str = ""
    section: str = ""
    category: str = ""
    text: str = ""


class PreviewRoute(msgspec.Struct, frozen=True):
    group: GroupRef
    rule_id: int | None
    rule_name: str | None


def _one_line(value: str, field: str, errors: list[FieldError]) -> str:
    try:
        return clean_text(value, multiline=False)
    except InvalidText as exc:
        errors.append(FieldError(field, exc.code))
        return ""


class RoutingRules:
    def __init__(self, conn: asyncpg.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    async def list(self) -> list[RuleView]:
        return await queries.rule_views(self._conn)

    async def get(self, rule_id: int) -> RuleView:
        found = await queries.rule_view(self._conn, rule_id)
        if found is None:
            raise _unknown_rule()
        return found

    async def documents(self) -> list[DocumentRef]:
        return await queries.documents(self._conn)

    async def groups(self) -> list[GroupRef]:
        """The groups a new or edited rule may name (not archived)."""
        return await queries.groups(self._conn, live=True)

    async def _check(self, data: RuleInput) -> RuleFields:
        errors: list[FieldError] = []
        name = _one_line(data.name, "name", errors)
        if not name and not errors:
            errors.append(FieldError("name", "name_required"))
        elif len(name) > 200:
            errors.append(FieldError("name", "name_too_long"))
        kind = data.kind if data.kind in RuleKind.__members__.values() else None
        if kind is None:
            errors.append(FieldError("kind", "choose_kind"))
        document_id = section_key = category = keyword = None
        if data.document.strip():
            document = await queries.document_by_slug(self._conn, data.document.strip())
            if document is None:
                errors.append(FieldError("document", "unknown_document"))
            else:
                document_id = document.id
        elif kind in (RuleKind.DOCUMENT, RuleKind.SECTION):
            errors.append(FieldError("document", "document_required"))
        if kind == RuleKind.SECTION:
            section_key = data.section.strip()
            if not section_key:
                errors.append(FieldError("section", "section_required"))
            elif not _SECTION_KEY.match(section_key) or (
                document_id is not None
                and not await queries.section_exists(self._conn, document_id, section_key)
            ):
                errors.append(FieldError("section", "unknown_section"))
        if kind == RuleKind.CATEGORY:
            category = data.category.strip()
            if category not in Category.__members__.values():
                errors.append(FieldError("category", "category_required"))
        if kind == RuleKind.KEYWORD:
            keyword = _one_line(data.keyword, "keyword", errors)
            if not 2 <= len(keyword) <= 100:
                errors.append(FieldError("keyword", "keyword_length"))
        priority = 0
        text = data.priority.strip()
        if text.isascii() and text.isdigit() and 1 <= int(text) <= 1000:
            priority = int(text)
        else:
            errors.append(FieldError("priority", "priority_range"))
        slugs = list(dict.fromkeys(s.strip() for s in data.groups if s.strip()))
        known = {g.slug: g.id for g in await queries.groups(self._conn, live=True)}
        if not slugs:
            errors.append(FieldError("groups", "groups_required"))
        elif any(s not in known for s in slugs):
            errors.append(FieldError("groups", "unknown_group"))
        if errors:
            raise Invalid(errors, ERRORS)
        assert kind is not None
        return RuleFields(
            name,
            RuleKind(kind),
            document_id,
            section_key,
            category,
            keyword,
            priority,
            [known[s] for s in slugs],
            data.keep_owner,
            data.active,
        )

    async def create(self, principal: Principal, data: RuleInput) -> int:
        checked = await self._check(data)
        now = self._clock()
        async with self._conn.transaction():
            rule_id = await queries.insert_rule(self._conn, checked, now)
            await self._audit(principal, rule_id, "routing_rule.created", now, None, checked.active)
        return rule_id

    async def update(self, principal: Principal, rule_id: int, data: RuleInput) -> None:
        checked = await self._check(data)
        now = self._clock()
        async with self._conn.transaction():
            was = await queries.lock_rule(self._conn, rule_id)
            if was is None:
                raise _unknown_rule()
            await queries.update_rule(self._conn, rule_id, checked, now)
            await self._audit(principal, rule_id, "routing_rule.updated", now, was, checked.active)

    async def set_active(self, principal: Principal, rule_id: int, active: bool) -> None:
        now = self._clock()
        async with self._conn.transaction():
            was = await queries.lock_rule(self._conn, rule_id)
            if was is None:
                raise _unknown_rule()
            await queries.set_rule_active(self._conn, rule_id, active, now)
            action = "routing_rule.activated" if active else "routing_rule.deactivated"
            await self._audit(principal, rule_id, action, now, was, active)

    async def _audit(
        self,
        principal: Principal,
        rule_id: int,
        action: str,
        now: dt.datetime,
        was: bool | None,
        active: bool,
    ) -> None:
        def state(value: bool | None) -> str | None:
            return None if value is None else ("active" if value else "inactive")

        await audit.record(
            self._conn,
            at=now,
            actor=principal.pseudonym,
            action=action,
            subject_type=SUBJECT,
            subject_id=str(rule_id),
            from_state=state(was),
            to_state=state(active),
        )

    async def preview(self, data: PreviewInput) -> list[PreviewRoute]:
        """Where an item with these properties would go now, by the active rules."""
        errors: list[FieldError] = []
        document = await queries.document_by_slug(self._conn, data.document.strip())
        if document is None:
            errors.append(
                FieldError("document", "unknown_document" if data.document else "document_required")
            )
        category = data.category.strip()
        if category not in Category.__members__.values():
            errors.append(FieldError("category", "category_required"))
        try:
            text = clean_text(data.text)
        except InvalidText as exc:
            errors.append(FieldError("text", exc.code))
            text = ""
        if errors:
            raise Invalid(errors, ERRORS)
        assert document is not None
        chosen = route(
            RoutedItem(
                document_id=document.id,
                owner_group_id=document.owner_group_id,
                section_key=data.section.strip() or None,
                category=category,
                text=text,
            ),
            await queries.active_rules(self._conn),
        )
        by_id = {g.id: g for g in await queries.groups(self._conn)}
        names = {v.rule.id: v.name for v in await queries.rule_views(self._conn)}
        return [
            PreviewRoute(by_id[c.group_id], c.rule_id, names.get(c.rule_id or 0)) for c in chosen
        ]
