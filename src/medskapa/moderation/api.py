"""The moderation JSON API: the queue, claims, decisions and the restricted original.

A decision refused (409), an unknown item (404) or a field in error (422) is answered as
problem details by the app's error handlers (medskapa.web.errors)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from medskapa.feedback.domain import Category
from medskapa.moderation.queries import Claim, ModerationItem, QueueFilter
from medskapa.moderation.routing_queries import RouteView
from medskapa.moderation.service import Decided, DecisionInput, ModerationService
from medskapa.moderation.web import DEPENDENCIES, MAX_FORM_BYTES
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.principal import Principal


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


class ModerationApi(Controller):
    path = "/api/v1"
    tags = ("moderation",)
    opt = requires(Permission.MODERATE)
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
        claim: Claim = await moderation.claim(principal_of(request), feedback_id)
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
        found = await moderation.read_original(principal_of(request), feedback_id, data.reason)
        return Response(
            OriginalOut(
                feedback_id,
                found.body,
                [FindingOut(f.kind, f.start, f.end) for f in found.personal_data],
                found.redacted_at.isoformat(),
            ),
            headers={"Cache-Control": "no-store"},
        )
