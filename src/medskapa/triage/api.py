"""The triage JSON API: a group's inbox, and an item's steps, forwarding and trail. A refusal
is raised by the service and answered as problem details by the app's handlers."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from medskapa.feedback.lifecycle import GroupStep
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.triage.domain import parse_filter
from medskapa.triage.dto import (
    ForwardIn,
    TimelineOut,
    TransitionIn,
    inbox_out,
    item_out,
    timeline_out,
)
from medskapa.triage.service import TriageService
from medskapa.triage.shared_web import DEPENDENCIES, MAX_FORM_BYTES


class TriageApi(Controller):
    path = "/api/v1"
    tags = ("triage",)
    opt = requires(Permission.WORK_IN_GROUP)
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
        inbox_filter = parse_filter(filter_values)
        return Response(inbox_out(await triage.inbox(principal_of(request), slug, inbox_filter)))

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
        return Response(item_out(await triage.transition(principal_of(request), feedback_id, step)))

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
        view = await triage.forward(
            principal_of(request), feedback_id, data.group, data.reason, data.note
        )
        return Response(item_out(view))

    @get("/feedback/{feedback_id:uuid}/timeline", summary="The audit trail of one item")
    async def timeline(
        self,
        request: Request[Any, Any, Any],
        triage: NamedDependency[TriageService],
        feedback_id: FromPath[uuid.UUID],
    ) -> TimelineOut:
        events = await triage.timeline(principal_of(request), feedback_id)
        return timeline_out(feedback_id, events)
