"""Moderation pages (queue, item, decision, original), the routing-rule admin pages, and the
moderation JSON API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)
from markupsafe import Markup, escape

from medskapa.clock import Clock
from medskapa.feedback.domain import CATEGORY_LABELS, ROLE_LABELS, STATUS_LABELS, Category
from medskapa.feedback.personal_data import Finding
from medskapa.feedback.service import FieldError
from medskapa.moderation import queries, texts
from medskapa.moderation.domain import (
    MESSAGE_MAX,
    ReadReason,
    RedactionReason,
    RejectReason,
    RuleKind,
)
from medskapa.moderation.queries import Claim, ModerationItem, QueueFilter, RouteView
from medskapa.moderation.rules import PreviewInput, RoutingRules, RuleInput, UnknownRule
from medskapa.moderation.service import (
    Decided,
    DecisionInput,
    InputInvalid,
    ItemNotFound,
    ModerationService,
    NotDecidable,
    OriginalUnavailable,
)
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.principal import Principal
from medskapa.web.deps import Conn, RowId, clock
from medskapa.web.errors import PROBLEM_JSON, Problem

MAX_FORM_BYTES = 64 * 1024
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


async def provide_moderation(conn: Conn, clock: NamedDependency[Clock]) -> ModerationService:
    return ModerationService(conn, clock)


async def provide_rules(conn: Conn, clock: NamedDependency[Clock]) -> RoutingRules:
    return RoutingRules(conn, clock)


DEPENDENCIES = {
    "clock": Provide(clock, sync_to_thread=False),
    "moderation": Provide(provide_moderation),
    "rules": Provide(provide_rules),
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
        label = texts.FINDING_LABELS.get(finding.kind, "personuppgift")
        parts.append(
            f'<mark class="pd" data-kind="{escape(finding.kind)}">'
            f"{escape(text[finding.start : finding.end])}"
            f'<span class="visually-hidden"> (möjligt {escape(label)})</span></mark>'
        )
        position = finding.end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts).replace("\n", "<br>\n"))  # noqa: S704  (escaped above)


def _value(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _values(form: dict[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _field_messages(errors: list[FieldError]) -> dict[str, str]:
    return {e.field: texts.message(e.code) for e in errors}


def _page(name: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return Template(
        name, context=context, status_code=status, headers={"Cache-Control": "no-store"}
    )


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
        problems.append("Kategorin finns inte. Välj en kategori i listan.")
        category = None
    days = None
    if older:
        if older.isascii() and older.isdigit() and int(older) in AGE_CHOICES:
            days = int(older)
        else:
            problems.append("Åldern går inte att filtrera på. Välj ett av alternativen.")
    return QueueFilter(
        document=document or None, category=category or None, older_than_days=days
    ), problems


# ------------------------------------------------------------------ moderator pages


class ModerationPages(Controller):
    include_in_schema = False
    guards = [requires(Permission.MODERATE)]  # noqa: RUF012
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
        return _page(
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
        try:
            detail = await moderation.detail(principal, feedback_id)
        except ItemNotFound:
            raise NotFoundException(detail="There is no such feedback.") from None
        return _page(
            "moderation/item.html",
            status,
            detail=detail,
            item=detail.item,
            claimed_by_other=detail.claim is not None
            and detail.claim.moderator_id != principal.user_id,
            reject_reasons=list(RejectReason),
            redaction_reasons=list(RedactionReason),
            message_max=MESSAGE_MAX,
            values=extra.pop("values", {}),
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
        decision = _value(data, "decision")
        reason_field = {"redact": "redaction_reason", "reject": "reject_reason"}.get(decision, "")
        values = {
            name: _value(data, name)
            for name in ("decision", "redaction_reason", "reject_reason", "text", "message")
        }
        values["urgent"] = _value(data, "urgent") == "ja"
        try:
            await moderation.decide(
                principal_of(request),
                feedback_id,
                DecisionInput(
                    decision=decision or None,
                    reason=_value(data, reason_field) if reason_field else None,
                    text=values["text"],
                    message=values["message"],
                    urgent=values["urgent"],
                ),
            )
        except ItemNotFound:
            raise NotFoundException(detail="There is no such feedback.") from None
        except NotDecidable as exc:
            return await self._item_page(
                request, moderation, feedback_id, HTTP_409_CONFLICT, conflict=exc.code
            )
        except InputInvalid as exc:
            errors = _field_messages(exc.errors)
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
        return Redirect(f"/moderering?klart={decision}", status_code=303)

    @post("/moderering/synpunkter/{feedback_id:uuid}/slapp")
    async def release(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        await moderation.release(principal_of(request), feedback_id)
        return Redirect("/moderering", status_code=303)

    @get("/moderering/synpunkter/{feedback_id:uuid}/original")
    async def original_form(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
    ) -> Template:
        try:
            detail = await moderation.detail(principal_of(request), feedback_id)
        except ItemNotFound:
            raise NotFoundException(detail="There is no such feedback.") from None
        return _page(
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
        try:
            found = await moderation.read_original(principal, feedback_id, _value(data, "reason"))
        except ItemNotFound:
            raise NotFoundException(detail="There is no such feedback.") from None
        except (InputInvalid, OriginalUnavailable) as exc:
            detail = await moderation.detail(principal, feedback_id)
            if isinstance(exc, InputInvalid):
                error = texts.message(exc.errors[0].code)
                status = HTTP_422_UNPROCESSABLE_ENTITY
            else:
                error = texts.message(exc.code)
                status = HTTP_404_NOT_FOUND
            return _page(
                "moderation/original.html",
                status,
                item=detail.item,
                reasons=list(ReadReason),
                error=error,
                **_labels(),
            )
        detail = await moderation.detail(principal, feedback_id)
        return _page(
            "moderation/original.html",
            item=detail.item,
            original=found,
            reason=_value(data, "reason"),
            **_labels(),
        )


# ------------------------------------------------------------------ routing rules (admin)


def _rule_input(data: dict[str, Any]) -> RuleInput:
    return RuleInput(
        name=_value(data, "name"),
        kind=_value(data, "kind"),
        document=_value(data, "document"),
        section=_value(data, "section"),
        category=_value(data, "category"),
        keyword=_value(data, "keyword"),
        priority=_value(data, "priority"),
        groups=_values(data, "groups"),
        keep_owner=_value(data, "keep_owner") == "ja",
        active=_value(data, "active") == "ja",
    )


class RoutingAdminPages(Controller):
    include_in_schema = False
    guards = [requires(Permission.ADMINISTER)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    async def _context(self, rules: RoutingRules, conn: Conn) -> dict[str, Any]:
        return {
            "rules": await rules.list(),
            "documents": await queries.documents(conn),
            "groups": await queries.groups(conn, live=True),
            "kinds": list(RuleKind),
            "kind_labels": texts.RULE_KIND_LABELS,
            "categories": list(Category),
            "category_labels": CATEGORY_LABELS,
        }

    @get("/admin/dirigering", name="routing-rules")
    async def index(
        self,
        conn: Conn,
        rules: NamedDependency[RoutingRules],
        done: Annotated[str | None, QueryParameter(name="klart", max_length=20)] = None,
    ) -> Template:
        context = await self._context(rules, conn)
        return _page(
            "admin/routing.html", **context, done=done, values={"priority": "100"}, errors={}
        )

    @post("/admin/dirigering", request_max_body_size=MAX_FORM_BYTES)
    async def create(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        rules: NamedDependency[RoutingRules],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        rule = _rule_input(data)
        try:
            await rules.create(principal_of(request), rule)
        except InputInvalid as exc:
            context = await self._context(rules, conn)
            return _page(
                "admin/routing.html",
                HTTP_422_UNPROCESSABLE_ENTITY,
                **context,
                values=msgspec.to_builtins(rule),
                errors=_field_messages(exc.errors),
            )
        return Redirect("/admin/dirigering?klart=skapad", status_code=303)

    @get("/admin/dirigering/regel/{rule_id:int}")
    async def edit_form(
        self, conn: Conn, rules: NamedDependency[RoutingRules], rule_id: RowId
    ) -> Template:
        try:
            view = await rules.get(rule_id)
        except UnknownRule:
            raise NotFoundException(detail="There is no such rule.") from None
        context = await self._context(rules, conn)
        by_id = {g.id: g.slug for g in context["groups"]}
        values = {
            "name": view.name,
            "kind": view.rule.kind,
            "document": view.document_slug or "",
            "section": view.rule.section_key or "",
            "category": view.rule.category or "",
            "keyword": view.rule.keyword or "",
            "priority": str(view.rule.priority),
            "groups": [by_id[g] for g in view.rule.group_ids],
            "keep_owner": view.rule.keep_owner,
            "active": view.rule.active,
        }
        return _page("admin/routing_rule.html", **context, view=view, values=values, errors={})

    @post("/admin/dirigering/regel/{rule_id:int}", request_max_body_size=MAX_FORM_BYTES)
    async def update(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        rules: NamedDependency[RoutingRules],
        rule_id: RowId,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        rule = _rule_input(data)
        try:
            await rules.update(principal_of(request), rule_id, rule)
        except UnknownRule:
            raise NotFoundException(detail="There is no such rule.") from None
        except InputInvalid as exc:
            try:
                view = await rules.get(rule_id)
            except UnknownRule:
                raise NotFoundException(detail="There is no such rule.") from None
            context = await self._context(rules, conn)
            return _page(
                "admin/routing_rule.html",
                HTTP_422_UNPROCESSABLE_ENTITY,
                **context,
                view=view,
                values=msgspec.to_builtins(rule),
                errors=_field_messages(exc.errors),
            )
        return Redirect("/admin/dirigering?klart=sparad", status_code=303)

    @post("/admin/dirigering/regel/{rule_id:int}/aktiv", request_max_body_size=4096)
    async def set_active(
        self,
        request: Request[Any, Any, Any],
        rules: NamedDependency[RoutingRules],
        rule_id: RowId,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        active = _value(data, "active") == "ja"
        try:
            await rules.set_active(principal_of(request), rule_id, active)
        except UnknownRule:
            raise NotFoundException(detail="There is no such rule.") from None
        return Redirect(
            f"/admin/dirigering?klart={'aktiverad' if active else 'inaktiverad'}", status_code=303
        )

    @get("/admin/dirigering/forhandsgranska")
    async def preview(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        rules: NamedDependency[RoutingRules],
        document: Annotated[str, QueryParameter(name="dokument", max_length=200)] = "",
        section: Annotated[str, QueryParameter(name="avsnitt", max_length=100)] = "",
        category: Annotated[str, QueryParameter(name="kategori", max_length=40)] = "",
        text: Annotated[str, QueryParameter(name="text", max_length=5000)] = "",
    ) -> Template:
        sample = PreviewInput(document=document, section=section, category=category, text=text)
        fragment = request.headers.get("hx-request") == "true"
        name = "admin/routing_preview.html" if fragment else "admin/routing_preview_page.html"
        try:
            result = await rules.preview(sample)
        except InputInvalid as exc:
            context = {} if fragment else await self._context(rules, conn)
            return _page(
                name,
                HTTP_422_UNPROCESSABLE_ENTITY,
                **context,
                sample=sample,
                preview_errors=_field_messages(exc.errors),
            )
        context = {} if fragment else await self._context(rules, conn)
        return _page(name, **context, sample=sample, preview=result, preview_errors={})


# ------------------------------------------------------------------ JSON API


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Optional here so that a missing decision gets the same named field error as a wrong one.
    decision: (
        Annotated[str, msgspec.Meta(max_length=20, description='"approve", "redact" or "reject"')]
        | None
    ) = None
    reason: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=100,
                description="redact: personal_data, identifying_details, third_party, other; "
                "reject: spam, abusive, off_topic, personal_care_matter, duplicate, other",
            ),
        ]
        | None
    ) = None
    text: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=20_000,
                description="redact: the edited text; removed spans become [borttaget]",
            ),
        ]
        | None
    ) = None
    message: (
        Annotated[
            str,
            msgspec.Meta(max_length=8_000, description="reject: optional words to the submitter"),
        ]
        | None
    ) = None
    urgent: Annotated[
        bool, msgspec.Meta(description="possible patient-safety signal (not with reject)")
    ] = False


class ReadIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[
        str,
        msgspec.Meta(
            max_length=100,
            description="check_redaction, submitter_request, complaint or legal_request",
        ),
    ]


class FindingOut(msgspec.Struct):
    kind: str
    start: int
    end: int


class AnchorOut(msgspec.Struct):
    document: str
    document_title: str
    version: str
    section: str | None
    section_heading: str | None
    quote: str | None


class QueueItemOut(msgspec.Struct):
    id: uuid.UUID
    received_at: str
    category: str
    submitter_role: str
    text: str | None
    personal_data: list[FindingOut]
    anchor: AnchorOut
    consent_public: bool
    consent_contact: bool
    claimed: bool
    claimed_by_me: bool


class QueueOut(msgspec.Struct):
    total_waiting: int
    matching: int
    oldest_received_at: str | None
    items: list[QueueItemOut]


class RouteOut(msgspec.Struct):
    group: str
    group_name: str
    rule_id: int | None
    matched: str
    """"owner" or "rule"."""


class DecisionOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    decision: str
    reason: str | None
    urgent: bool
    routes: list[RouteOut]


class ClaimOut(msgspec.Struct):
    id: uuid.UUID
    claimed_until: str


class OriginalOut(msgspec.Struct):
    id: uuid.UUID
    text: str
    personal_data: list[FindingOut]
    redacted_at: str


def _item_out(item: ModerationItem, principal: Principal) -> QueueItemOut:
    return QueueItemOut(
        id=item.id,
        received_at=item.created_at.isoformat(),
        category=item.category,
        submitter_role=item.submitter_role,
        text=item.body,
        personal_data=[FindingOut(f.kind, f.start, f.end) for f in item.personal_data],
        anchor=AnchorOut(
            item.document_slug,
            item.document_title,
            item.version_label,
            item.section_key,
            item.section_heading,
            item.quote,
        ),
        consent_public=item.consent_public,
        consent_contact=item.consent_contact,
        claimed=item.claimed_by is not None,
        claimed_by_me=item.claimed_by is not None and item.claimed_by == principal.user_id,
    )


def _routes_out(routes: list[RouteView]) -> list[RouteOut]:
    return [
        RouteOut(r.group_slug, r.group_name, r.rule_id, "owner" if r.rule_id is None else "rule")
        for r in routes
    ]


def _problem(
    status: int, title: str, detail: str, errors: list[FieldError] | None = None
) -> Response[Problem]:
    return Response(
        Problem(
            title=title,
            status=status,
            detail=detail,
            errors=[
                {"field": e.field, "code": e.code, "message": texts.message(e.code, "en")}
                for e in errors
            ]
            if errors
            else None,
        ),
        status_code=status,
        media_type=PROBLEM_JSON,
    )


def _not_found() -> Response[Problem]:
    return _problem(HTTP_404_NOT_FOUND, "Not found", texts.message("not_found", "en"))


def _conflict(exc: NotDecidable) -> Response[Problem]:
    detail = texts.message(exc.code, "en")
    if exc.decision is not None:
        at = f"{exc.decision.decided_at:%Y-%m-%d %H:%M}"
        detail += f" It was decided ({exc.decision.decision}) at {at} UTC."
    return _problem(HTTP_409_CONFLICT, "Conflict", detail)


class ModerationApi(Controller):
    path = "/api/v1"
    tags = ("moderation",)
    guards = [requires(Permission.MODERATE)]  # noqa: RUF012
    dependencies = DEPENDENCIES

    @get(
        "/moderation/queue",
        summary="Feedback waiting for moderation, oldest first",
        description="Filters: `document` (slug), `category`, `older_than_days`. Each item has "
        "its text with personal-data findings (kind and character span), its anchor and the "
        "submitter's consent.",
    )
    async def queue(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        document: Annotated[str | None, QueryParameter(max_length=200)] = None,
        category: Annotated[Category | None, QueryParameter()] = None,
        older_than_days: Annotated[int | None, QueryParameter(ge=1, le=3650)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> Response[Any]:
        queue = await moderation.queue(
            QueueFilter(
                document=document,
                category=category,
                older_than_days=older_than_days,
                limit=limit,
            )
        )
        principal = principal_of(request)
        return Response(
            QueueOut(
                total_waiting=queue.counts.total,
                matching=queue.matching,
                oldest_received_at=queue.counts.oldest_at.isoformat()
                if queue.counts.oldest_at
                else None,
                items=[_item_out(i, principal) for i in queue.items],
            ),
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/feedback/{feedback_id:uuid}/moderation",
        summary="Decide on feedback: approve, redact (approve with redaction) or reject",
        description="Approving routes the item to its subject group(s) at once. `urgent` marks "
        "a possible patient-safety signal for the group leads. 409 when another moderator has "
        "decided or holds the item.",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_FORM_BYTES,
        opt={"problems": [409]},
    )
    async def decide(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionIn],
    ) -> Response[Any]:
        try:
            decided: Decided = await moderation.decide(
                principal_of(request),
                feedback_id,
                DecisionInput(
                    decision=data.decision,
                    reason=data.reason,
                    text=data.text,
                    message=data.message,
                    urgent=data.urgent,
                ),
            )
        except ItemNotFound:
            return _not_found()
        except NotDecidable as exc:
            return _conflict(exc)
        except InputInvalid as exc:
            return _problem(
                HTTP_422_UNPROCESSABLE_ENTITY,
                "Unprocessable content",
                "Some fields are not valid.",
                exc.errors,
            )
        return Response(
            DecisionOut(
                decided.id,
                decided.status,
                decided.decision,
                decided.reason,
                decided.urgent,
                _routes_out(decided.routes),
            )
        )

    @post(
        "/feedback/{feedback_id:uuid}/moderation/claim",
        summary="Claim feedback for a few minutes so no other moderator decides it meanwhile",
        status_code=HTTP_200_OK,
        opt={"problems": [409]},
    )
    async def claim(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        try:
            claim: Claim = await moderation.claim(principal_of(request), feedback_id)
        except ItemNotFound:
            return _not_found()
        except NotDecidable as exc:
            return _conflict(exc)
        return Response(ClaimOut(feedback_id, claim.expires_at.isoformat()))

    @post(
        "/feedback/{feedback_id:uuid}/moderation/original",
        summary="Read the unredacted original (a reason code is required; every reading is "
        "audited)",
        status_code=HTTP_200_OK,
        request_max_body_size=4096,
    )
    async def original(
        self,
        request: Request[Any, Any, Any],
        moderation: NamedDependency[ModerationService],
        feedback_id: FromPath[uuid.UUID],
        data: JSONBody[ReadIn],
    ) -> Response[Any]:
        try:
            found = await moderation.read_original(principal_of(request), feedback_id, data.reason)
        except ItemNotFound:
            return _not_found()
        except InputInvalid as exc:
            return _problem(
                HTTP_422_UNPROCESSABLE_ENTITY, "Unprocessable content", "Give a reason.", exc.errors
            )
        except OriginalUnavailable as exc:
            return _problem(HTTP_404_NOT_FOUND, "No original", texts.message(exc.code, "en"))
        return Response(
            OriginalOut(
                feedback_id,
                found.body,
                [FindingOut(f.kind, f.start, f.end) for f in found.personal_data],
                found.redacted_at.isoformat(),
            ),
            headers={"Cache-Control": "no-store"},
        )
