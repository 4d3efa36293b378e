"""A subject group's pages (inbox, item) and the triage JSON API: parse, authorise, render."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY
from markupsafe import escape

from medskapa.catalogue.domain import LISTED_STATUSES
from medskapa.catalogue.domain import PUBLIC_STATUSES as PUBLIC_DOCUMENT_STATUSES
from medskapa.catalogue.reanchoring import where_now
from medskapa.clock import Clock
from medskapa.feedback.domain import CATEGORY_LABELS, ROLE_LABELS, Category, FeedbackStatus
from medskapa.feedback.lifecycle import (
    FORWARD_NOTE_MAX,
    GROUP_TARGETS,
    OPEN_FOR_GROUP,
    Actor,
    CloseReason,
    ForwardReason,
    GroupStep,
    Unmet,
    allowed,
    later_version,
    version_key,
)
from medskapa.organisations.domain import STOCKHOLM
from medskapa.regions import queries as regions
from medskapa.regions.domain import each_region_once
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.principal import Principal
from medskapa.triage import queries, texts
from medskapa.triage.domain import (
    INBOX_STATUSES,
    NOTE_MAX,
    QUERY_MAX,
    FilterInvalid,
    InboxFilter,
    Sort,
    decode_cursor,
    encode_cursor,
    filter_params,
    highlight,
    parse_filter,
    snippet,
)
from medskapa.triage.service import (
    Inbox,
    ItemView,
    NotFound,
    NotPermitted,
    Refused,
    TriageService,
)
from medskapa.web.boundary import BoundaryRefusal
from medskapa.web.connection import held_connection
from medskapa.web.deps import Conn, clock
from medskapa.web.errors import PROBLEM_JSON, Problem

MAX_FORM_BYTES = 32 * 1024
PLANNED_PAGE_SIZE = 500


async def provide_triage(conn: Conn, clock: NamedDependency[Clock]) -> TriageService:
    return TriageService(conn, clock)


def _filter_values(
    status: Annotated[str | None, QueryParameter(max_length=30, description="A status")] = None,
    document: Annotated[
        str | None, QueryParameter(max_length=200, description="Document slug")
    ] = None,
    section: Annotated[
        str | None, QueryParameter(max_length=100, description="Section key, e.g. 3.2-behandling")
    ] = None,
    category: Annotated[str | None, QueryParameter(max_length=40)] = None,
    region: Annotated[
        str | None,
        QueryParameter(
            max_length=10, description="Where the care took place: a region's county code"
        ),
    ] = None,
    healthcare_region: Annotated[
        str | None,
        QueryParameter(
            max_length=40,
            description="Where the care took place: any region of this healthcare region",
        ),
    ] = None,
    theme: Annotated[str | None, QueryParameter(max_length=20, description="Theme id")] = None,
    assignee: Annotated[
        str | None, QueryParameter(max_length=20, description='"me", "nobody" or a user id')
    ] = None,
    older_than_days: Annotated[str | None, QueryParameter(max_length=5)] = None,
    urgent: Annotated[str | None, QueryParameter(max_length=5)] = None,
    q: Annotated[
        str | None,
        QueryParameter(max_length=QUERY_MAX * 2, description="Full-text search (Swedish)"),
    ] = None,
    sort: Annotated[str | None, QueryParameter(max_length=10, description="newest|oldest")] = None,
    after: Annotated[
        str | None, QueryParameter(max_length=200, description="Cursor from the previous page")
    ] = None,
) -> dict[str, str | None]:
    return {
        "status": status,
        "document": document,
        "section": section,
        "category": category,
        "region": region,
        "healthcare_region": healthcare_region,
        "theme": theme,
        "assignee": assignee,
        "older_than_days": older_than_days,
        "urgent": urgent,
        "q": q,
        "sort": sort,
        "after": after,
    }


DEPENDENCIES = {
    "clock": Provide(clock, sync_to_thread=False),
    "triage": Provide(provide_triage),
    "filter_values": Provide(_filter_values, sync_to_thread=False),
}


def _not_found() -> NotFoundException:
    return NotFoundException(detail="No such item in your groups.")


def _not_permitted() -> BoundaryRefusal:
    return BoundaryRefusal(
        403,
        "A patient representative reads the group's items and writes notes, but does not act "
        "for the group (answers, status, assignment, themes, merging, forwarding).",
        texts.NOT_PERMITTED,
    )


def _form_value(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _form_list(form: dict[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v]


def _unmet_messages(unmet: list[Unmet]) -> dict[str, str]:
    return {u.field: texts.message(u.code) for u in unmet}


# ---------------------------------------------------------------- HTML pages


def _allowed_steps(status: str) -> list[str]:
    current = FeedbackStatus(status)
    return [
        str(t)
        for t in (
            FeedbackStatus.IN_REVIEW,
            FeedbackStatus.ANSWERED,
            FeedbackStatus.CHANGE_PLANNED,
            FeedbackStatus.CLOSED,
            FeedbackStatus.CHANGED,
        )
        if t in GROUP_TARGETS and allowed(current, t, Actor.GROUP_MEMBER)
    ]


async def _documents(conn: Conn) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT slug, title FROM guidance_documents WHERE status = ANY($1::text[]) ORDER BY title",
        list(LISTED_STATUSES),
    )
    return [(row[0], row[1]) for row in rows]


async def _region_choices(conn: Conn) -> dict[str, Any]:
    grouped = await regions.grouped(conn)
    return {"healthcare_regions": grouped, "regions": each_region_once(grouped)}


async def _later_versions(conn: Conn, view: ItemView) -> list[str]:
    rows = await conn.fetch(
        "SELECT label FROM document_versions WHERE document_id = $1 AND published_on IS NOT NULL",
        view.item.document_id,
    )
    return sorted(
        (r[0] for r in rows if later_version(view.item.version_label, r[0])),
        key=lambda label: tuple(int(p) for p in label.split(".")),
    )


async def _other_groups(conn: Conn, view: ItemView) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT slug, name FROM subject_groups WHERE id <> $1 AND archived_at IS NULL "
        "ORDER BY name",
        view.group.id,
    )
    return [(row[0], row[1]) for row in rows]


def _base_context(principal: Principal) -> dict[str, Any]:
    return {
        "me_id": principal.user_id,
        "status_labels": texts.GROUP_STATUS_LABELS,
        "category_labels": CATEGORY_LABELS,
        "role_labels": ROLE_LABELS,
        "snippet": snippet,
    }


class TriagePages(Controller):
    path = "/arbetsgrupp"
    include_in_schema = False
    guards = [requires(Permission.WORK_IN_GROUP)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get("/", name="triage-home")
    async def home(
        self, request: Request[Any, Any, Any], triage: NamedDependency[TriageService]
    ) -> Redirect:
        groups = await triage.my_groups(principal_of(request))
        return Redirect(f"/arbetsgrupp/{groups[0].slug}/inkorg", status_code=303)

    @get("/{slug:str}/inkorg", name="triage-inbox")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        filter_values: NamedDependency[dict[str, str | None]],
        slug: FromPath[str],
    ) -> Template:
        principal = principal_of(request)
        errors: dict[str, str] = {}
        try:
            inbox_filter = parse_filter(filter_values)
        except FilterInvalid as exc:
            errors = _unmet_messages(exc.unmet)
            inbox_filter = InboxFilter()
        try:
            result = await triage.inbox(principal, slug, inbox_filter)
            group_id = result.group.id
        except NotFound:
            raise NotFoundException(detail="You are not a member of that group.") from None
        fragment = (
            request.headers.get("hx-request") == "true"
            and request.headers.get("hx-target") == "inkorg-resultat"
        )
        params = filter_params(inbox_filter)
        context = {
            **_base_context(principal),
            "inbox": result,
            "groups": await triage.my_groups(principal),
            "filter": inbox_filter,
            "values": {k: v or "" for k, v in filter_values.items()},
            "params": params,
            "next_params": {**params, "after": encode_cursor(result.page.next)}
            if result.page.next
            else None,
            "errors": errors,
            "statuses": INBOX_STATUSES,
            "categories": list(Category),
            **await _region_choices(conn),
            "documents": await _documents(conn),
            "themes": await _group_themes(conn, group_id),
            "members": await _group_members(conn, group_id),
        }
        return Template(
            "triage/inbox_results.html" if fragment else "triage/inbox.html",
            context=context,
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK,
            headers={"Cache-Control": "no-store", "Vary": "HX-Request, HX-Target"},
        )

    @get("/{slug:str}/sparbarhet", name="triage-trace")
    async def traceability(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
    ) -> Stream:
        """A printable report: each of the group's items from received to changed in a
        version. Streamed, so it costs the same memory for ten items as for 100,000."""
        try:
            group = await triage.group(principal_of(request), slug)
        except NotFound:
            raise NotFoundException(detail="You are not a member of that group.") from None
        return Stream(
            held_connection(request.scope).stream(_trace_stream(conn, group.id, group.name)),
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-store"},
        )

    @get("/{slug:str}/planerade", name="triage-planned")
    async def planned(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=5)] = None,
    ) -> Template:
        return await self._render_planned(request, conn, triage, slug, done=done)

    async def _render_planned(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: TriageService,
        slug: str,
        *,
        done: str | None = None,
        errors: dict[str, str] | None = None,
        document: str | None = None,
    ) -> Template:
        principal = principal_of(request)
        try:
            result = await triage.inbox(
                principal,
                slug,
                InboxFilter(status=FeedbackStatus.CHANGE_PLANNED, sort=Sort.OLDEST),
                page_size=PLANNED_PAGE_SIZE,
            )
        except NotFound:
            raise NotFoundException(detail="You are not a member of that group.") from None
        by_document: dict[str, dict[str, Any]] = {}
        for row in result.page.rows:
            entry = by_document.setdefault(
                row.document_slug, {"title": row.document_title, "rows": [], "versions": []}
            )
            entry["rows"].append(row)
        for doc_slug, entry in by_document.items():
            labels = await conn.fetch(
                "SELECT v.label FROM document_versions v JOIN guidance_documents d "
                "ON d.id = v.document_id WHERE d.slug = $1 AND v.published_on IS NOT NULL "
                "ORDER BY v.published_on DESC, v.id DESC",
                doc_slug,
            )
            oldest = min((r.version_label for r in entry["rows"]), key=version_key)
            entry["versions"] = [v[0] for v in labels if later_version(oldest, v[0])]
        return Template(
            "triage/planned.html",
            context={
                **_base_context(principal),
                "group": result.group,
                "may_answer": result.group.id in principal.answering_groups,
                "documents": by_document,
                "more": result.page.next is not None,
                "done": done,
                "errors": errors or {},
                "error_document": document,
            },
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK,
            headers={"Cache-Control": "no-store"},
        )

    @post("/{slug:str}/planerade", request_max_body_size=MAX_FORM_BYTES)
    async def link_planned(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        ids: list[uuid.UUID] = []
        for value in _form_list(data, "item"):
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                ids.append(uuid.UUID(int=0))
        version = _form_value(data, "version")
        try:
            linked = await triage.link_planned(principal_of(request), ids, version)
        except NotFound:
            raise _not_found() from None
        except NotPermitted:
            raise _not_permitted() from None
        except Refused as exc:
            return await self._render_planned(
                request,
                conn,
                triage,
                slug,
                errors=_unmet_messages(exc.unmet),
                document=_form_value(data, "document"),
            )
        return Redirect(f"/arbetsgrupp/{slug}/planerade?klart={linked}", status_code=303)

    @get("/synpunkt/{feedback_id:uuid}", name="triage-item")
    async def item(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        principal = principal_of(request)
        try:
            view = await triage.item(principal, feedback_id)
            similar = await triage.similar(principal, feedback_id)
        except NotFound:
            raise _not_found() from None
        return await self._render_item(conn, principal, view, similar, done=done)

    async def _render_item(
        self,
        conn: Conn,
        principal: Principal,
        view: ItemView,
        similar: list[Any],
        *,
        done: str | None = None,
        form: str | None = None,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> Template:
        item = view.item
        section_parts = (
            highlight(item.section_body, item.quote)
            if item.section_body is not None and item.quote
            else None
        )
        may_answer = view.group.id in principal.answering_groups
        context = {
            **_base_context(principal),
            "view": view,
            "may_answer": may_answer,
            "item": item,
            "similar": similar,
            "section_parts": section_parts,
            "passage_words": texts.PASSAGE_WORDS.get(view.passage, ""),
            "placement": await where_now(conn, item.id),
            "steps": _allowed_steps(item.status) if may_answer else [],
            "step_labels": texts.STEP_LABELS,
            "close_reasons": texts.CLOSE_REASON_LABELS,
            "forward_reasons": texts.FORWARD_REASON_LABELS,
            "timeline_words": texts.TIMELINE_WORDS,
            "versions": await _later_versions(conn, view),
            "other_groups": await _other_groups(conn, view),
            "open": item.status in OPEN_FOR_GROUP,
            "forwardable": may_answer
            and allowed(FeedbackStatus(item.status), FeedbackStatus.ROUTED, Actor.GROUP_MEMBER),
            "done": done,
            "form": form,
            "errors": errors or {},
            "values": values or {},
            "actors": await _actor_names(conn, view),
            "note_max": NOTE_MAX,
            "forward_note_max": FORWARD_NOTE_MAX,
        }
        return Template(
            "triage/item.html",
            context=context,
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK,
            headers={"Cache-Control": "no-store"},
        )

    async def _act(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: TriageService,
        feedback_id: uuid.UUID,
        form_name: str,
        values: dict[str, str],
        action: Any,
    ) -> Template | Redirect:
        """Run one use case from a form: back to the item page when it worked, the same page
        with the form's errors (and what was typed) when it did not."""
        principal = principal_of(request)
        try:
            result = await action(principal)
        except NotFound:
            raise _not_found() from None
        except NotPermitted:
            raise _not_permitted() from None
        except Refused as exc:
            try:
                view = await triage.item(principal, feedback_id)
            except NotFound:
                raise _not_found() from None
            similar = await triage.similar(principal, feedback_id)
            return await self._render_item(
                conn,
                principal,
                view,
                similar,
                form=form_name,
                errors=_unmet_messages(exc.unmet),
                values=values,
            )
        if form_name == "forward" and isinstance(result, ItemView):
            # The item has left this group; its page is now another group's.
            return Redirect(
                f"/arbetsgrupp/{_my_next_group(result)}/inkorg?klart=vidarebefordrad",
                status_code=303,
            )
        return Redirect(f"/arbetsgrupp/synpunkt/{feedback_id}?klart={form_name}", status_code=303)

    @post("/synpunkt/{feedback_id:uuid}/status", request_max_body_size=MAX_FORM_BYTES)
    async def transition(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        values = {n: _form_value(data, n) for n in ("to", "answer", "reason", "version")}
        step = GroupStep(
            target=values["to"],
            answer=values["answer"] or None,
            reason=values["reason"] or None,
            version=values["version"] or None,
        )
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            values["to"] or "status",
            values,
            lambda p: triage.transition(p, feedback_id, step),
        )

    @post("/synpunkt/{feedback_id:uuid}/tilldela", request_max_body_size=MAX_FORM_BYTES)
    async def assign(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        raw = _form_value(data, "assignee")
        if raw and not raw.isdigit():
            raw = "0"
        user_id = int(raw) if raw else None
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "assign",
            {"assignee": raw},
            lambda p: triage.assign(p, feedback_id, user_id),
        )

    @post("/synpunkt/{feedback_id:uuid}/teman", request_max_body_size=MAX_FORM_BYTES)
    async def themes(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        ids = [int(v) if v.isdigit() and len(v) < 18 else 0 for v in _form_list(data, "theme")]
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "themes",
            {},
            lambda p: triage.set_themes(p, feedback_id, ids),
        )

    @post("/synpunkt/{feedback_id:uuid}/anteckning", request_max_body_size=MAX_FORM_BYTES)
    async def note(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        text = _form_value(data, "note")
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "note",
            {"note": text},
            lambda p: triage.add_note(p, feedback_id, text),
        )

    @post("/synpunkt/{feedback_id:uuid}/sla-ihop", request_max_body_size=MAX_FORM_BYTES)
    async def merge(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        others: list[uuid.UUID] = []
        for value in _form_list(data, "item"):
            try:
                others.append(uuid.UUID(value))
            except ValueError:
                others.append(uuid.UUID(int=0))
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "merge",
            {},
            lambda p: triage.merge(p, feedback_id, others),
        )

    @post("/synpunkt/{feedback_id:uuid}/vidarebefordra", request_max_body_size=MAX_FORM_BYTES)
    async def forward(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        values = {n: _form_value(data, n) for n in ("group", "reason", "note")}
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "forward",
            values,
            lambda p: triage.forward(
                p, feedback_id, values["group"], values["reason"], values["note"] or None
            ),
        )


def _my_next_group(view: ItemView) -> str:
    """Where a member lands after forwarding: the inbox of the group they forwarded from."""
    return view.forwards[-1].from_group_slug if view.forwards else view.group.slug


async def _group_themes(conn: Conn, group_id: int) -> list[tuple[int, str]]:
    rows = await conn.fetch(
        "SELECT id, name FROM group_themes WHERE group_id = $1 AND archived_at IS NULL "
        "ORDER BY name",
        group_id,
    )
    return [(row[0], row[1]) for row in rows]


async def _group_members(conn: Conn, group_id: int) -> list[tuple[int, str]]:
    rows = await conn.fetch(
        "SELECT u.id, u.email FROM group_memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.group_id = $1 AND u.deleted_at IS NULL ORDER BY lower(u.email)",
        group_id,
    )
    return [(row[0], row[1]) for row in rows]


async def _actor_names(conn: Conn, view: ItemView) -> dict[str, str]:
    """Pseudonyms on the trail ("user:17") as the group knows its colleagues: by address.
    Shown only inside the group; the trail itself never holds an address."""
    ids = {
        int(e.actor.split(":", 1)[1])
        for e in view.timeline
        if e.actor.startswith("user:") and e.actor[5:].isdigit()
    }
    rows = await conn.fetch(
        "SELECT u.id, u.email, u.role, EXISTS (SELECT 1 FROM group_memberships m "
        "WHERE m.user_id = u.id AND m.group_id = $2) FROM users u WHERE u.id = ANY($1::bigint[])",
        list(ids),
        view.group.id,
    )
    names = {}
    for user_id, email, role, in_group in rows:
        if in_group:
            names[f"user:{user_id}"] = email
        elif role in ("moderator", "admin"):
            names[f"user:{user_id}"] = "moderator" if role == "moderator" else "administratör"
        else:
            names[f"user:{user_id}"] = "annan användare"
    names.update({"submitter": "den som skrev", "system": "systemet"})
    return names


# ---------------------------------------------------------------- JSON API


class InboxItemOut(msgspec.Struct):
    id: uuid.UUID
    status: FeedbackStatus
    received_at: str
    routed_at: str
    document: str
    version: str
    section: str | None
    category: Category
    excerpt: str
    urgent: bool
    assignee_id: int | None
    themes: list[str]
    care_region: str | None = None
    """The county code of the region where the care took place, if the submitter said."""


class InboxOut(msgspec.Struct):
    group: str
    counts: dict[str, int]
    oldest_unanswered_days: int | None
    items: list[InboxItemOut]
    next: str | None


class TransitionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    to: Annotated[str, msgspec.Meta(max_length=30, description="The status to move to")]
    answer: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None
    reason: (
        Annotated[
            str, msgspec.Meta(max_length=40, description=f"For closed: {', '.join(CloseReason)}")
        ]
        | None
    ) = None
    version: (
        Annotated[str, msgspec.Meta(max_length=20, description="For changed: the version label")]
        | None
    ) = None


class ForwardIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    group: Annotated[str, msgspec.Meta(max_length=200, description="Slug of the other group")]
    reason: Annotated[str, msgspec.Meta(max_length=40, description=", ".join(ForwardReason))]
    note: Annotated[str, msgspec.Meta(max_length=FORWARD_NOTE_MAX * 2)] | None = None


class AnswerOut(msgspec.Struct):
    status: str
    text: str | None
    will_change: bool | None
    reason: str | None
    version: str | None
    group: str
    answered_at: str


class ItemOut(msgspec.Struct):
    id: uuid.UUID
    status: FeedbackStatus
    group: str
    changed_in_version: str | None
    answers: list[AnswerOut]


class EventOut(msgspec.Struct):
    at: str
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None


class TimelineOut(msgspec.Struct):
    id: uuid.UUID
    events: list[EventOut]


def _problem(status: int, title: str, detail: str, unmet: list[Unmet]) -> Response[Problem]:
    return Response(
        Problem(
            title=title,
            status=status,
            detail=detail,
            errors=[
                {"field": u.field, "code": u.code, "message": texts.message(u.code, "en")}
                for u in unmet
            ],
        ),
        status_code=status,
        media_type=PROBLEM_JSON,
    )


def _refused(exc: Refused | FilterInvalid) -> Response[Problem]:
    return _problem(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "Unprocessable content",
        "The request was refused and nothing was changed.",
        exc.unmet,
    )


def _inbox_out(result: Inbox) -> InboxOut:
    return InboxOut(
        group=result.group.slug,
        counts=result.counts,
        oldest_unanswered_days=result.oldest_unanswered_days,
        items=[
            InboxItemOut(
                id=r.id,
                status=FeedbackStatus(r.status),
                received_at=r.created_at.isoformat(),
                routed_at=r.routed_at.isoformat(),
                document=r.document_slug,
                version=r.version_label,
                section=r.section_key,
                category=Category(r.category),
                excerpt=snippet(r.body),
                urgent=r.urgent,
                assignee_id=r.assignee_id,
                themes=r.themes,
                care_region=r.care_region,
            )
            for r in result.page.rows
        ],
        next=encode_cursor(result.page.next) if result.page.next else None,
    )


def _item_out(view: ItemView) -> ItemOut:
    return ItemOut(
        id=view.item.id,
        status=FeedbackStatus(view.item.status),
        group=view.group.slug,
        changed_in_version=view.item.changed_in_version,
        answers=[answer_out(a) for a in view.answers],
    )


def answer_out(a: queries.AnswerRecord) -> AnswerOut:
    return AnswerOut(
        a.status,
        a.body,
        a.will_change,
        a.reason_code,
        a.version_label,
        a.group_name,
        a.answered_at.isoformat(),
    )


class TriageApi(Controller):
    path = "/api/v1"
    tags = ("triage",)
    guards = [requires(Permission.WORK_IN_GROUP)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(
        "/groups/{slug:str}/inbox",
        summary="A page of a subject group's inbox",
        description="Items routed to the group, newest first unless `sort=oldest`. Pass `next` "
        "from one page as `after` to get the following one.",
        opt={"problems": [422]},
    )
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        triage: NamedDependency[TriageService],
        filter_values: NamedDependency[dict[str, str | None]],
        slug: FromPath[str],
    ) -> Response[Any]:
        try:
            inbox_filter = parse_filter(filter_values)
        except FilterInvalid as exc:
            return _refused(exc)
        try:
            result = await triage.inbox(principal_of(request), slug, inbox_filter)
        except NotFound:
            raise NotFoundException(detail="You are not a member of that group.") from None
        return Response(_inbox_out(result))

    @post(
        "/feedback/{feedback_id:uuid}/transitions",
        summary="Move an item to its next status, with an answer where one is needed",
        description="`answered` and `change_planned` need `answer` (whether the text will change "
        "and why); `closed` needs `reason`; `changed` needs `version`. A refused step writes "
        "nothing.",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def transition(
        self,
        request: Request[Any, Any, Any],
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: JSONBody[TransitionIn],
    ) -> Response[Any]:
        step = GroupStep(
            target=data.to, answer=data.answer, reason=data.reason, version=data.version
        )
        try:
            view = await triage.transition(principal_of(request), feedback_id, step)
        except NotFound:
            raise _not_found() from None
        except NotPermitted:
            raise _not_permitted() from None
        except Refused as exc:
            return _refused(exc)
        return Response(_item_out(view))

    @post(
        "/feedback/{feedback_id:uuid}/forward",
        summary="Forward an item to another subject group",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
    )
    async def forward(
        self,
        request: Request[Any, Any, Any],
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: JSONBody[ForwardIn],
    ) -> Response[Any]:
        try:
            view = await triage.forward(
                principal_of(request), feedback_id, data.group, data.reason, data.note
            )
        except NotFound:
            raise _not_found() from None
        except NotPermitted:
            raise _not_permitted() from None
        except Refused as exc:
            return _refused(exc)
        return Response(_item_out(view))

    @get("/feedback/{feedback_id:uuid}/timeline", summary="The audit trail of one item")
    async def timeline(
        self,
        request: Request[Any, Any, Any],
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
    ) -> TimelineOut:
        try:
            events = await triage.timeline(principal_of(request), feedback_id)
        except NotFound:
            raise _not_found() from None
        return TimelineOut(
            id=feedback_id,
            events=[
                EventOut(
                    e.occurred_at.isoformat(),
                    e.actor,
                    e.action,
                    e.from_state,
                    e.to_state,
                    e.reason_code,
                )
                for e in events
            ],
        )


# ---------------------------------------------------------------- public transparency

PUBLIC_PAGE_SIZE = 50


class PublicAnswerOut(msgspec.Struct):
    status: str
    text: str | None
    will_change: bool | None
    reason: str | None
    version: str | None
    group: str
    answered_at: str


class PublicItemOut(msgspec.Struct):
    id: uuid.UUID
    received_at: str
    version: str
    section: str | None
    category: Category
    submitter_role: str
    text: str
    status: FeedbackStatus
    changed_in_version: str | None
    answers: list[PublicAnswerOut]


class StatisticsOut(msgspec.Struct):
    received: int
    answered: int
    change_planned: int
    changed: int
    median_days_to_answer: float | None


class ResponsesOut(msgspec.Struct):
    document: str
    title: str
    version: str | None
    statistics: StatisticsOut
    items: list[PublicItemOut]
    next: str | None


async def _public_document(conn: Conn, slug: str) -> tuple[int, str, str]:
    row = await conn.fetchrow(
        "SELECT id, slug, title FROM guidance_documents WHERE slug = $1 AND status = ANY($2)",
        slug,
        [str(s) for s in PUBLIC_DOCUMENT_STATUSES],
    )
    if row is None:
        raise NotFoundException(detail="No such guidance document.")
    return row[0], row[1], row[2]


async def _responses(
    conn: Conn, slug: str, version: str | None, after: str | None
) -> ResponsesOut | FilterInvalid:
    document_id, slug, title = await _public_document(conn, slug)
    unmet: list[Unmet] = []
    cursor = None
    if after:
        try:
            cursor = decode_cursor(after)
        except FilterInvalid as exc:
            unmet += exc.unmet
    label = (version or "").strip() or None
    if label is not None and await queries.document_version(conn, document_id, label) is None:
        unmet.append(Unmet("version", "unknown_version"))
    if unmet:
        return FilterInvalid(unmet)
    items, next_cursor = await queries.public_items(
        conn, document_id, label, cursor, PUBLIC_PAGE_SIZE
    )
    stats = await queries.statistics(conn, document_id=document_id)
    return ResponsesOut(
        document=slug,
        title=title,
        version=label,
        statistics=StatisticsOut(**msgspec.structs.asdict(stats)),
        items=[
            PublicItemOut(
                id=i.id,
                received_at=i.created_at.isoformat(),
                version=i.version_label,
                section=i.section_heading,
                category=Category(i.category),
                submitter_role=i.submitter_role,
                text=i.body,
                status=FeedbackStatus(i.status),
                changed_in_version=i.changed_in_version,
                answers=[
                    PublicAnswerOut(
                        a["status"],
                        a["text"],
                        a["will_change"],
                        a["reason"],
                        a["version"],
                        a["group"],
                        a["answered_at"],
                    )
                    for a in i.answers
                ],
            )
            for i in items
        ],
        next=encode_cursor(next_cursor) if next_cursor else None,
    )


VersionQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=20, pattern=r"^[0-9]+(\.[0-9]+)*$", description="Only feedback on this version"
    ),
]
AfterQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=200, pattern=r"^[A-Za-z0-9_-]*$", description="Cursor from the previous page"
    ),
]


class PublicResponsesApi(Controller):
    path = "/api/v1/documents"
    tags = ("transparency",)
    guards = [requires(Permission.PUBLIC)]  # noqa: RUF012

    @get(
        "/{slug:str}/responses",
        summary="Public feedback and the groups' answers for one document",
        description="Only moderated feedback whose submitters allowed it to be shown, "
        "anonymised, with the subject group's answers and the version that changed.",
        opt={"problems": [422]},
    )
    async def responses(
        self,
        conn: Conn,
        slug: FromPath[str],
        version: VersionQuery = None,
        after: AfterQuery = None,
    ) -> Response[Any]:
        result = await _responses(conn, slug, version, after)
        if isinstance(result, FilterInvalid):
            return _refused(result)
        return Response(result)


class PublicResponsesPages(Controller):
    include_in_schema = False
    guards = [requires(Permission.PUBLIC)]  # noqa: RUF012

    @get("/kunskapsstod/{slug:str}/svar", name="public-responses")
    async def responses(
        self,
        conn: Conn,
        slug: FromPath[str],
        version: VersionQuery = None,
        after: AfterQuery = None,
    ) -> Template:
        result = await _responses(conn, slug, version, after)
        errors: dict[str, str] = {}
        if isinstance(result, FilterInvalid):
            errors = _unmet_messages(result.unmet)
            result = await _responses(conn, slug, None, None)
            assert not isinstance(result, FilterInvalid)
        versions = await conn.fetch(
            "SELECT v.label FROM document_versions v JOIN guidance_documents d "
            "ON d.id = v.document_id WHERE d.slug = $1 AND v.published_on IS NOT NULL "
            "ORDER BY v.published_on, v.id",
            slug,
        )
        return Template(
            "triage/responses.html",
            context={
                "r": result,
                "versions": [v[0] for v in versions],
                "errors": errors,
                "category_labels": CATEGORY_LABELS,
                "role_labels": ROLE_LABELS,
                "close_reasons": texts.CLOSE_REASON_LABELS,
                "status_labels": texts.GROUP_STATUS_LABELS,
            },
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK,
        )


# ---------------------------------------------------------------- exports

# A cell a spreadsheet would take for a formula is prefixed with an apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID) or hasattr(value, "isoformat"):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    return value


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d") if value else "–"


async def _trace_stream(
    conn: asyncpg.Connection, group_id: int, group_name: str
) -> AsyncGenerator[bytes, None]:
    """The traceability report as HTML, written while it is sent; every value escaped."""
    title = escape(f"Spårbarhet – {group_name}")
    yield (
        '<!doctype html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        '<link rel="stylesheet" href="/static/css/site.css">\n</head>\n'
        '<body class="report">\n<main class="wrap">\n'
        f"<h1>{title}</h1>\n<p>Varje synpunkt som gått till gruppen: när den kom in, "
        "granskades, dirigerades och besvarades, och i vilken version texten ändrades. "
        "Datum i svensk tid. Skriv ut sidan eller spara den som PDF från webbläsaren.</p>\n"
        '<table class="data">\n<caption class="visually-hidden">Synpunkternas väg</caption>\n'
        '<thead><tr><th scope="col">Synpunkt</th><th scope="col">Kunskapsstöd, version</th>'
        '<th scope="col">Inkom</th><th scope="col">Granskad</th><th scope="col">Dirigerad</th>'
        '<th scope="col">Besvarad</th><th scope="col">Status nu</th>'
        '<th scope="col">Ändrad i version</th></tr></thead>\n<tbody>\n'
    ).encode()
    count = 0
    async with aclosing(queries.trace_rows(conn, group_id)) as batches:
        async for rows in batches:
            count += len(rows)
            yield "".join(
                f"<tr><td><code>{str(r.id)[:8]}</code></td>"
                f"<td>{escape(r.document_title)}, {escape(r.version_label)}</td>"
                f"<td>{_when(r.received_at)}</td><td>{_when(r.moderated_at)}</td>"
                f"<td>{_when(r.routed_at)}</td><td>{_when(r.answered_at)}</td>"
                f"<td>{escape(texts.GROUP_STATUS_LABELS.get(r.status, r.status))}</td>"
                f"<td>{escape(r.changed_in_version or '–')}</td></tr>\n"
                for r in rows
            ).encode()
    yield (f"</tbody>\n</table>\n<p>{count} synpunkter.</p>\n</main>\n</body>\n</html>\n").encode()


async def _export_stream(
    conn: asyncpg.Connection, group_id: int, kind: str
) -> AsyncGenerator[bytes, None]:
    """The export, produced while it is sent, from the request's connection (which the
    request keeps until the body is done, see ``HeldConnection.stream``)."""
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(queries.EXPORT_COLUMNS)
        yield ("\ufeff" + buffer.getvalue()).encode()
    else:
        yield b"["
    first = True
    async with aclosing(queries.export_rows(conn, group_id)) as batches:
        async for rows in batches:
            if kind == "csv":
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\r\n")
                writer.writerows([_csv_cell(v) for v in row] for row in rows)
                yield buffer.getvalue().encode()
            else:
                chunk = b",".join(
                    msgspec.json.encode(
                        dict(zip(queries.EXPORT_COLUMNS, map(_json_value, row), strict=True))
                    )
                    for row in rows
                )
                yield chunk if first else b"," + chunk
                first = False
    if kind == "json":
        yield b"]"


class TriageExportApi(Controller):
    path = "/api/v1/groups"
    tags = ("triage",)
    guards = [requires(Permission.WORK_IN_GROUP)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    async def _export(
        self,
        request: Request[Any, Any, Any],
        conn: asyncpg.Connection,
        triage: TriageService,
        slug: str,
        kind: str,
    ) -> Stream:
        try:
            group = await triage.group(principal_of(request), slug)
        except NotFound:
            raise NotFoundException(detail="You are not a member of that group.") from None
        filename = f"{group.slug}-synpunkter.{kind}"
        return Stream(
            held_connection(request.scope).stream(_export_stream(conn, group.id, kind)),
            media_type="text/csv; charset=utf-8" if kind == "csv" else "application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    @get(
        "/{slug:str}/export.csv",
        summary="All of a group's items with states, answers and timestamps, as CSV",
        description="Streamed: memory stays flat however many items there are.",
    )
    async def export_csv(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
    ) -> Stream:
        return await self._export(request, conn, triage, slug, "csv")

    @get(
        "/{slug:str}/export.json",
        summary="All of a group's items with states, answers and timestamps, as JSON",
        description="A JSON array, streamed.",
    )
    async def export_json(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        slug: FromPath[str],
    ) -> Stream:
        return await self._export(request, conn, triage, slug, "json")
