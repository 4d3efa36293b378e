"""The moderators' pages: the queue, an item with its decision form, and the restricted
original of a redacted item."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)
from markupsafe import Markup, escape

from medskapa.errors import Invalid
from medskapa.feedback.domain import CATEGORY_LABELS, ROLE_LABELS, STATUS_LABELS, Category
from medskapa.feedback.personal_data import Finding
from medskapa.i18n import gettext
from medskapa.ids import parse_id
from medskapa.moderation import texts
from medskapa.moderation.domain import MESSAGE_MAX, ReadReason, RedactionReason, RejectReason
from medskapa.moderation.queries import QueueFilter
from medskapa.moderation.service import (
    DecisionInput,
    ModerationService,
    NotDecidable,
    OriginalUnavailable,
    Trail,
)
from medskapa.moderation.web import DEPENDENCIES, MAX_FORM_BYTES
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.triage.texts import WHO_WORDS, routed_to, trail_text
from medskapa.web.forms import field, see_other
from medskapa.web.responses import private_page

AGE_CHOICES = (1, 3, 7, 14, 30)
# Where the error summary on the item page links to, per field.
ERROR_ANCHORS = {
    "decision": "beslut-approve",
    "urgent": "bradskande",
    "text": "maskad-text",
    "redaction_reason": "maskningsskal",
    "reject_reason": "avvisningsskal",
    "message": "meddelande",
}


def highlight(text: str, findings: list[Finding]) -> Markup:
    """The text made inert (escaped) first, then each personal-data finding marked, with its
    kind spelled out for screen readers. Line breaks are kept."""
    parts: list[str] = []
    position = 0
    for finding in sorted(findings):
        if finding.start < position or finding.end > len(text) or finding.start >= finding.end:
            continue  # overlapping or stale span: the text around it is shown unmarked
        parts.append(str(escape(text[position : finding.start])))
        label = texts.FINDING_LABELS.get(finding.kind) or gettext("personuppgift")
        possible = gettext("möjligt {label}").format(label=label)
        parts.append(
            f'<mark class="pd" data-kind="{escape(finding.kind)}">'
            f"{escape(text[finding.start : finding.end])}"
            f'<span class="visually-hidden"> ({escape(possible)})</span></mark>'
        )
        position = finding.end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts).replace("\n", "<br>\n"))  # noqa: S704  (escaped above)


def who(actor: str, trail: Trail) -> str:
    """Who did something, as a moderator may see it: the same privacy rule as a group's item
    page, with moderators as the group. A fellow moderator is named by address; an
    administrator or anyone else only by role; an account since deleted as such."""
    if actor in ("submitter", "system"):
        return WHO_WORDS[actor]
    user = trail.users.get(actor)
    if user is None or not user.email:
        return WHO_WORDS["gone"]
    if user.role == "moderator":
        return user.email
    return WHO_WORDS["admin" if user.role == "admin" else "other"]


def trail_entries(trail: Trail) -> list[tuple[Any, str]]:
    """Moderation's part of the trail, oldest first: when, and what in plain Swedish."""
    entries = []
    for event in trail.events:
        group_id, how = routed_to(event.reason_code)
        rule_id = parse_id(how[5:]) if how and how.startswith("rule:") else None
        text = trail_text(
            event.action,
            event.reason_code,
            who=who(event.actor, trail),
            group=trail.groups.get(group_id) if group_id is not None else None,
            rule=trail.rules.get(rule_id) if rule_id is not None else None,
        )
        entries.append((event.occurred_at, text))
    return entries


def _labels() -> dict[str, Any]:
    return {
        "category_labels": CATEGORY_LABELS,
        "role_labels": ROLE_LABELS,
        "status_labels": STATUS_LABELS,
        "decision_labels": texts.DECISION_LABELS,
        "reject_labels": texts.REJECT_LABELS,
        "redaction_labels": texts.REDACTION_LABELS,
        "read_reason_labels": texts.READ_REASON_LABELS,
        "finding_labels": texts.FINDING_LABELS,
        "highlight": highlight,
    }


def _queue_filter(
    document: str | None, category: str | None, older: str | None
) -> tuple[QueueFilter, list[str]]:
    problems: list[str] = []
    if category and category not in Category.__members__.values():
        problems.append(gettext("Kategorin finns inte. Välj en kategori i listan."))
        category = None
    days = None
    if older:
        if older.isascii() and older.isdigit() and int(older) in AGE_CHOICES:
            days = int(older)
        else:
            problems.append(gettext("Åldern går inte att filtrera på. Välj ett av alternativen."))
    return QueueFilter(
        document=document or None, category=category or None, older_than_days=days
    ), problems


class ModerationPages(Controller):
    include_in_schema = False
    opt = requires(Permission.MODERATE)
    dependencies = DEPENDENCIES

    @get("/moderering", name="moderation-queue")
    async def queue(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        document: Annotated[str | None, QueryParameter(name="dokument", max_length=200)] = None,
        category: Annotated[str | None, QueryParameter(name="kategori", max_length=40)] = None,
        older: Annotated[str | None, QueryParameter(name="aldre-an", max_length=3)] = None,
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        filters, problems = _queue_filter(document, category, older)
        queue = await moderation.queue(filters)
        fragment = request.headers.get("hx-request") == "true" and not request.headers.get(
            "hx-boosted"
        )
        return private_page(
            "moderation/_queue_list.html" if fragment else "moderation/queue.html",
            HTTP_400_BAD_REQUEST if problems else HTTP_200_OK,
            queue=queue,
            category_counts={c.value: c.count for c in queue.counts.categories},
            filters=filters,
            problems=problems,
            age_choices=AGE_CHOICES,
            done=texts.DECISION_DONE.get(done or ""),
            me=principal_of(request),
            **_labels(),
        )

    async def _item_page(
        self,
        request: Request[Any, Any, Any],
        moderation: ModerationService,
        feedback_id: uuid.UUID,
        status: int = HTTP_200_OK,
        **extra: Any,
    ) -> Template:
        principal = principal_of(request)
        detail = await moderation.detail(principal, feedback_id)
        trail = await moderation.trail(feedback_id)
        return private_page(
            "moderation/item.html",
            status,
            detail=detail,
            trail=trail_entries(trail),
            decided_by=who(detail.decision.moderator, trail) if detail.decision else None,
            item=detail.item,
            claimed_by_other=detail.claim is not None
            and detail.claim.moderator_id != principal.user_id,
            reject_reasons=list(RejectReason),
            redaction_reasons=list(RedactionReason),
            message_max=MESSAGE_MAX,
            # An item that came in with a safety signal has the urgent flag chosen already.
            values=extra.pop("values", None) or {"urgent": detail.item.urgent},
            errors=extra.pop("errors", {}),
            error_anchors=ERROR_ANCHORS,
            conflict_message=texts.message(extra["conflict"]) if extra.get("conflict") else None,
            **extra,
            **_labels(),
        )

    @get("/moderering/synpunkter/{feedback_id:uuid}", name="moderation-item")
    async def item(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
    ) -> Template:
        return await self._item_page(request, moderation, feedback_id)

    @post("/moderering/synpunkter/{feedback_id:uuid}/beslut", request_max_body_size=MAX_FORM_BYTES)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        decision = field(data, "decision")
        reason_field = {"redact": "redaction_reason", "reject": "reject_reason"}.get(decision, "")
        values = {
            name: field(data, name)
            for name in ("decision", "redaction_reason", "reject_reason", "text", "message")
        }
        values["urgent"] = field(data, "urgent") == "ja"
        try:
            await moderation.decide(
                principal_of(request),
                feedback_id,
                DecisionInput(
                    decision=decision or None,
                    reason=field(data, reason_field) if reason_field else None,
                    text=values["text"],
                    message=values["message"],
                    urgent=values["urgent"],
                ),
            )
        except NotDecidable as exc:
            return await self._item_page(
                request, moderation, feedback_id, HTTP_409_CONFLICT, conflict=exc.code
            )
        except Invalid as exc:
            errors = exc.by_field()
            if "reason" in errors and reason_field:
                errors[reason_field] = errors.pop("reason")
            return await self._item_page(
                request,
                moderation,
                feedback_id,
                HTTP_422_UNPROCESSABLE_ENTITY,
                values=values,
                errors=errors,
            )
        return see_other(f"/moderering?klart={decision}")

    @post("/moderering/synpunkter/{feedback_id:uuid}/slapp")
    async def release(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        await moderation.release(principal_of(request), feedback_id)
        return see_other("/moderering")

    @get("/moderering/synpunkter/{feedback_id:uuid}/original")
    async def original_form(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
    ) -> Template:
        detail = await moderation.detail(principal_of(request), feedback_id)
        return private_page(
            "moderation/original.html",
            item=detail.item,
            reasons=list(ReadReason),
            **_labels(),
        )

    @post("/moderering/synpunkter/{feedback_id:uuid}/original", request_max_body_size=4096)
    async def original(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        principal = principal_of(request)
        reason = field(data, "reason")
        try:
            found = await moderation.read_original(principal, feedback_id, reason)
        except (Invalid, OriginalUnavailable) as exc:
            detail = await moderation.detail(principal, feedback_id)
            if isinstance(exc, Invalid):
                error = exc.message(exc.errors[0])
                status = HTTP_422_UNPROCESSABLE_ENTITY
            else:
                error = exc.message()
                status = HTTP_404_NOT_FOUND
            return private_page(
                "moderation/original.html",
                status,
                item=detail.item,
                reasons=list(ReadReason),
                error=error,
                **_labels(),
            )
        detail = await moderation.detail(principal, feedback_id)
        return private_page(
            "moderation/original.html",
            item=detail.item,
            original=found,
            reason=reason,
            **_labels(),
        )
