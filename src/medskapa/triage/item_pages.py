"""One item as its group works on it: the page, and the forms that answer, move, assign, tag,
note, merge and forward it. A form the service refuses shows the page again with the errors
beside the form and what was typed; any other refusal is answered by the app's handlers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from medskapa.catalogue.reanchoring import where_now
from medskapa.errors import Invalid
from medskapa.feedback.domain import FeedbackStatus
from medskapa.feedback.lifecycle import (
    FORWARD_NOTE_MAX,
    GROUP_TARGETS,
    OPEN_FOR_GROUP,
    Actor,
    GroupStep,
    allowed,
    later_version,
)
from medskapa.ids import parse_id
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.principal import Principal
from medskapa.triage import group_queries, item_queries, texts
from medskapa.triage.domain import NOTE_MAX, highlight
from medskapa.triage.service import ItemView, TriageService
from medskapa.triage.shared_web import DEPENDENCIES, MAX_FORM_BYTES, base_context
from medskapa.web.deps import Conn
from medskapa.web.forms import field, fields, see_other
from medskapa.web.responses import private_page


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


async def _later_versions(conn: Conn, view: ItemView) -> list[str]:
    labels = await item_queries.published_labels(conn, view.item.document_id)
    return sorted(
        (label for label in labels if later_version(view.item.version_label, label)),
        key=lambda label: tuple(int(p) for p in label.split(".")),
    )


async def _other_groups(conn: Conn, view: ItemView) -> list[tuple[str, str]]:
    return [(g.slug, g.name) for g in await group_queries.other_live_groups(conn, view.group.id)]


async def _actor_names(conn: Conn, view: ItemView) -> dict[str, str]:
    """Pseudonyms on the trail ("user:17") as the group knows its colleagues: by address.
    Shown only inside the group; the trail itself never holds an address. Privacy rule: only
    a member of this group is named by address; a moderator or administrator by role, anyone
    else only as "another user"."""
    ids = {
        user_id
        for e in view.timeline
        if e.actor.startswith("user:") and (user_id := parse_id(e.actor[5:])) is not None
    }
    who = texts.WHO_WORDS
    names = {}
    for user in await group_queries.trail_users(conn, list(ids), view.group.id):
        if user.deleted:
            names[f"user:{user.id}"] = who["gone"]
        elif user.in_group:
            names[f"user:{user.id}"] = user.email
        elif user.role in ("moderator", "admin"):
            names[f"user:{user.id}"] = who[user.role]
        else:
            names[f"user:{user.id}"] = who["other"]
    names.update({"submitter": who["submitter"], "system": who["system"]})
    return names


async def _trail(conn: Conn, view: ItemView, actors: dict[str, str]) -> list[tuple[Any, str]]:
    """The item's events, oldest first, each as when and what in plain Swedish: groups by
    name, people as ``actors`` names them (an account since deleted as such)."""
    routed = [texts.routed_to(e.reason_code)[0] for e in view.timeline]
    names = {
        g.id: g.name
        for g in await group_queries.groups_by_id(conn, [i for i in routed if i is not None])
    }
    # Each forwarding writes one event and one record, in the same order.
    forwarded_to = iter(f.to_group for f in view.forwards)
    trail = []
    for event, group_id in zip(view.timeline, routed, strict=True):
        group = None
        if event.action == "feedback.routed" and group_id is not None:
            group = names.get(group_id)
        elif event.action == "feedback.forwarded":
            group = next(forwarded_to, None)
        who = actors.get(event.actor, texts.WHO_WORDS["gone"])
        trail.append(
            (
                event.occurred_at,
                texts.trail_text(event.action, event.reason_code, who=who, group=group),
            )
        )
    return trail


def _my_next_group(view: ItemView) -> str:
    """Where a member lands after forwarding: the inbox of the group they forwarded from."""
    return view.forwards[-1].from_group_slug if view.forwards else view.group.slug


def _ids(values: list[str]) -> list[uuid.UUID]:
    """Item ids from a form; one that is not an id becomes one that names no item."""
    ids: list[uuid.UUID] = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            ids.append(uuid.UUID(int=0))
    return ids


class TriageItemPages(Controller):
    path = "/arbetsgrupp/synpunkt"
    include_in_schema = False
    opt = requires(Permission.WORK_IN_GROUP)
    dependencies = DEPENDENCIES

    @get("/{feedback_id:uuid}", name="triage-item")
    async def item(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        principal = principal_of(request)
        view = await triage.item(principal, feedback_id)
        similar = await triage.similar(principal, feedback_id)
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
            **base_context(principal),
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
            "versions": await _later_versions(conn, view),
            "other_groups": await _other_groups(conn, view),
            "open": item.status in OPEN_FOR_GROUP,
            "forwardable": may_answer
            and allowed(FeedbackStatus(item.status), FeedbackStatus.ROUTED, Actor.GROUP_MEMBER),
            "done": done,
            "form": form,
            "errors": errors or {},
            "values": values or {},
            "trail": await _trail(conn, view, await _actor_names(conn, view)),
            "note_max": NOTE_MAX,
            "forward_note_max": FORWARD_NOTE_MAX,
        }
        return private_page(
            "triage/item.html", HTTP_422_UNPROCESSABLE_ENTITY if errors else HTTP_200_OK, **context
        )

    async def _act(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: TriageService,
        feedback_id: uuid.UUID,
        form_name: str,
        values: dict[str, str],
        action: Callable[[Principal], Awaitable[Any]],
    ) -> Template | Redirect:
        """Run one use case from a form: back to the item page when it worked, the same page
        with the form's errors (and what was typed) when it did not."""
        principal = principal_of(request)
        try:
            result = await action(principal)
        except Invalid as exc:
            view = await triage.item(principal, feedback_id)
            similar = await triage.similar(principal, feedback_id)
            return await self._render_item(
                conn,
                principal,
                view,
                similar,
                form=form_name,
                errors=exc.by_field(),
                values=values,
            )
        if form_name == "forward" and isinstance(result, ItemView):
            # The item has left this group; its page is now another group's.
            return see_other(f"/arbetsgrupp/{_my_next_group(result)}/inkorg?klart=vidarebefordrad")
        return see_other(f"/arbetsgrupp/synpunkt/{feedback_id}?klart={form_name}")

    @post("/{feedback_id:uuid}/status", request_max_body_size=MAX_FORM_BYTES)
    async def transition(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        values = {n: field(data, n) for n in ("to", "answer", "reason", "version")}
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

    @post("/{feedback_id:uuid}/tilldela", request_max_body_size=MAX_FORM_BYTES)
    async def assign(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        raw = field(data, "assignee")
        if raw and parse_id(raw) is None:
            raw = "0"
        user_id = parse_id(raw) if raw else None
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "assign",
            {"assignee": raw},
            lambda p: triage.assign(p, feedback_id, user_id),
        )

    @post("/{feedback_id:uuid}/teman", request_max_body_size=MAX_FORM_BYTES)
    async def themes(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        ids = [parse_id(v) or 0 for v in fields(data, "theme")]
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "themes",
            {},
            lambda p: triage.set_themes(p, feedback_id, ids),
        )

    @post("/{feedback_id:uuid}/anteckning", request_max_body_size=MAX_FORM_BYTES)
    async def note(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        text = field(data, "note")
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "note",
            {"note": text},
            lambda p: triage.add_note(p, feedback_id, text),
        )

    @post("/{feedback_id:uuid}/sla-ihop", request_max_body_size=MAX_FORM_BYTES)
    async def merge(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        others = _ids(fields(data, "item"))
        return await self._act(
            request,
            conn,
            triage,
            feedback_id,
            "merge",
            {},
            lambda p: triage.merge(p, feedback_id, others),
        )

    @post("/{feedback_id:uuid}/vidarebefordra", request_max_body_size=MAX_FORM_BYTES)
    async def forward(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        values = {n: field(data, n) for n in ("group", "reason", "note")}
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
