"""The feedback JSON API: submit feedback, and look up, withdraw or erase it by receipt code.

An unknown code (404), a refused withdrawal or erasure (409) and fields in error (422) are
answered as problem details by the app's error handlers (medskapa.web.errors)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, MediaType, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from medskapa.clock import Clock
from medskapa.errors import Invalid
from medskapa.feedback.domain import (
    QUOTE_MAX,
    TEXT_MAX,
    Category,
    FeedbackStatus,
    SubmitterRole,
    status_labels,
)
from medskapa.feedback.receipts import CODE_PATTERN
from medskapa.feedback.service import FeedbackService, FeedbackView, SubmissionInput, Submitted
from medskapa.feedback.texts import timeline_text
from medskapa.feedback.web import (
    DEPENDENCIES,
    MAX_BODY_BYTES,
    count_accepted,
    count_attempt,
    counting,
    rate_limit,
    submission_service,
    too_many,
)
from medskapa.security.idempotency import Idempotency, IdempotencyConflict, valid_key
from medskapa.security.permissions import Permission, principal_of, requires
from medskapa.security.ratelimit import RateLimited
from medskapa.web.deps import Conn
from medskapa.web.errors import PROBLEM_JSON, Problem


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    exact: Annotated[str, msgspec.Meta(max_length=QUOTE_MAX)]
    prefix: Annotated[str, msgspec.Meta(max_length=200)] = ""
    suffix: Annotated[str, msgspec.Meta(max_length=200)] = ""


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    document: Annotated[
        str, msgspec.Meta(min_length=1, max_length=200, description="Document slug")
    ]
    category: Category
    role: SubmitterRole
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=TEXT_MAX * 2)]
    version: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    section: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    quote: QuoteIn | None = None
    consent_public: bool = False
    consent_contact: bool = False
    email: Annotated[str, msgspec.Meta(max_length=320)] | None = None
    language: Literal["sv", "en"] = "sv"
    care_region: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=r"^[0-9]{2}$",
                description="Where the care took place, if the submitter wants to say: the "
                'region\'s two-digit county code (länskod), e.g. "12" for Region Skåne. The '
                "codes are listed by GET /api/v1/regions.",
            ),
        ]
        | None
    ) = None


class FindingOut(msgspec.Struct):
    kind: str
    start: int
    end: int


class FeedbackCreated(msgspec.Struct):
    id: uuid.UUID
    receipt_code: str
    status: FeedbackStatus
    personal_data: list[FindingOut]
    safety: list[str] = []
    """Safety signals in the text (``suicide_or_self_harm``, ``medical_emergency``): a client
    shows its user where to get help now (112, 1177, Självmordslinjen 90101, the psychiatric
    emergency service); the item is flagged urgent for the moderators."""


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[
        str,
        msgspec.Meta(
            max_length=100,
            pattern=CODE_PATTERN,
            description="The receipt code, e.g. ABCD-EFGH-JKMN-PQRS (case, spaces and hyphens "
            "do not matter)",
        ),
    ]


class TimelineEntry(msgspec.Struct):
    at: str
    event: str
    status: str | None
    text: str


class AnswerOut(msgspec.Struct):
    """A subject group's answer, in the words the group wrote for the submitter and the
    public. An item merged with others gets the same answer as they do."""

    status: Annotated[
        str,
        msgspec.Meta(
            description="The status the answer gave the feedback: answered (no change), "
            "change_planned, changed or closed"
        ),
    ]
    group: Annotated[
        str | None,
        msgspec.Meta(description="The group that answered; null for the site's administrators"),
    ]
    answered_at: str
    text: str | None
    will_change: bool | None
    reason: Annotated[str | None, msgspec.Meta(description="Why it was closed (a code)")]
    version: Annotated[
        str | None, msgspec.Meta(description="The version the text changed in, when changed")
    ]


class FeedbackStatusOut(msgspec.Struct):
    id: uuid.UUID
    status: FeedbackStatus
    status_text: str
    document: Annotated[
        str | None,
        msgspec.Meta(description="The document's slug; null for a report about the site itself"),
    ]
    version: str | None
    section: str | None
    category: Annotated[
        str,
        msgspec.Meta(
            description="One of the form's categories, or accessibility for a report of an "
            "accessibility problem on the site"
        ),
    ]
    submitted_at: str
    erased: bool
    timeline: list[TimelineEntry]
    answers: list[AnswerOut]
    moderator_message: (
        Annotated[
            str,
            msgspec.Meta(
                description="When a moderator rejected the feedback: the moderator's own words "
                "to the submitter, if any were written (the reason is in the timeline). Plain "
                "text; paragraphs are separated by a blank line. Null otherwise."
            ),
        ]
        | None
    ) = None


def _created(submitted: Submitted) -> FeedbackCreated:
    return FeedbackCreated(
        submitted.id,
        submitted.receipt_code,
        submitted.status,
        [FindingOut(f.kind, f.start, f.end) for f in submitted.personal_data],
        [str(kind) for kind in submitted.safety],
    )


def _status_out(view: FeedbackView) -> FeedbackStatusOut:
    record = view.record
    return FeedbackStatusOut(
        id=record.id,
        status=FeedbackStatus(record.status),
        status_text=status_labels(record.subject)[record.status],
        document=record.document_slug,
        version=record.version_label,
        section=record.section_key,
        category=record.category,
        submitted_at=record.created_at.isoformat(),
        erased=record.erased_at is not None,
        moderator_message=record.moderator_message,
        answers=[
            AnswerOut(
                status=a.status,
                group=a.group_name,
                answered_at=a.answered_at.isoformat(),
                text=a.body,
                will_change=a.will_change,
                reason=a.reason_code,
                version=a.version_label,
            )
            for a in view.answers
        ],
        timeline=[
            TimelineEntry(
                e.occurred_at.isoformat(),
                e.action,
                e.to_state,
                timeline_text(e.action, e.reason_code, "en"),
            )
            for e in view.timeline
        ],
    )


def _idempotency_problem(status: int, title: str, detail: str) -> Response[Problem]:
    """What is wrong with the Idempotency-Key, titled so (the error kit has no such idea)."""
    return Response(
        Problem(title=title, status=status, detail=detail),
        status_code=status,
        media_type=PROBLEM_JSON,
    )


class FeedbackApi(Controller):
    path = "/api/v1"
    tags = ("feedback",)
    opt = requires(Permission.PUBLIC)
    dependencies = DEPENDENCIES

    @post(
        "/feedback",
        summary="Submit feedback on a guidance document",
        description="Returns the receipt code once. Send an `Idempotency-Key` header to make "
        "retries safe: the same key with the same body returns the first answer. Sent with a "
        "person's session or API token, the feedback belongs to that account (listed on its "
        'page "Mina synpunkter" and in its data download); without, it is anonymous. Only '
        "accepted feedback counts against the per-client submission limit (429 with "
        "Retry-After); a request refused as invalid (422) does not use it up.",
        request_max_body_size=MAX_BODY_BYTES,
        status_code=HTTP_201_CREATED,
    )
    async def submit(
        self, request: Request[Any, Any, Any], data: JSONBody[FeedbackIn]
    ) -> Response[Any]:
        # No dependencies here (feedback/web.py `submission_service`): the busiest write.
        key = request.headers.get("idempotency-key")
        if key is not None and not valid_key(key):
            return _idempotency_problem(
                HTTP_400_BAD_REQUEST,
                "Bad Idempotency-Key",
                "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            )
        conn, service, receipt_key = await submission_service(request)
        submission = SubmissionInput(
            document=data.document,
            category=data.category,
            role=data.role,
            text=data.text,
            version=data.version,
            section=data.section,
            quote=data.quote.exact if data.quote else None,
            quote_prefix=data.quote.prefix if data.quote else None,
            quote_suffix=data.quote.suffix if data.quote else None,
            consent_public=data.consent_public,
            consent_contact=data.consent_contact,
            email=data.email,
            language=data.language,
            care_region=data.care_region,
        )
        # Sent with a person's session or token: the item is theirs ("Mina synpunkter").
        user_id = principal_of(request).user_id
        now = service.now()
        if key is None:
            # The busiest path, in one round trip: the statement that stores the item counts
            # the attempt and the submission with it (feedback/web.py `counting`).
            try:
                submitted = await service.submit(
                    submission, user_id=user_id, counting=counting(request, receipt_key)
                )
            except Invalid:
                # Refused for what it says: the attempt counts all the same, and past the wide
                # limit on attempts the answer is 429, as it is for a valid one.
                try:
                    await count_attempt(request, conn, receipt_key, now)
                except RateLimited as exc:
                    raise too_many(exc) from exc
                raise
            except RateLimited as exc:
                raise too_many(exc) from exc
            return Response(
                msgspec.json.encode(_created(submitted)),
                status_code=HTTP_201_CREATED,
                media_type=MediaType.JSON,
            )
        try:
            await count_attempt(request, conn, receipt_key, now)
        except RateLimited as exc:
            raise too_many(exc) from exc
        # With an Idempotency-Key, one transaction: the claim on the key, the count and the
        # item stand or fall together, and a retry is answered as the first request was.
        # One account's key never replays another's answer (its receipt code); the account is
        # mixed into the key, which is only stored hashed.
        own_key = key if user_id is None else f"account-{user_id}/{key}"
        idempotency = Idempotency(conn, receipt_key, "api", own_key)
        try:
            async with conn.transaction():
                stored = await idempotency.claim(await request.body())
                if stored is not None:
                    return Response(
                        stored.body, status_code=stored.status_code, media_type=MediaType.JSON
                    )
                # Counted with the item: feedback refused as invalid does not count.
                await count_accepted(request, conn, receipt_key, now)
                body = msgspec.json.encode(
                    _created(await service.submit(submission, user_id=user_id))
                )
                await idempotency.store(HTTP_201_CREATED, body)
        except RateLimited as exc:
            raise too_many(exc) from exc
        except IdempotencyConflict:
            return _idempotency_problem(
                HTTP_422_UNPROCESSABLE_ENTITY,
                "Idempotency-Key reused",
                "This Idempotency-Key was used before with a different request body.",
            )
        return Response(body, status_code=HTTP_201_CREATED, media_type=MediaType.JSON)

    async def _by_code(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        key: bytes,
        clock: NamedDependency[Clock],
        work: Any,
    ) -> Response[FeedbackStatusOut]:
        await rate_limit(request, conn, key, "receipt", clock())
        view = await work()
        return Response(_status_out(view), headers={"Cache-Control": "no-store"})

    @post(
        "/receipts/lookup",
        summary="Status and timeline of feedback by receipt code",
        status_code=HTTP_200_OK,
        request_max_body_size=4096,
        opt={"problems": [404]},
    )
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: JSONBody[ReceiptIn],
    ) -> Response[FeedbackStatusOut]:
        return await self._by_code(
            request, conn, receipt_key, clock, lambda: service.lookup(data.code)
        )

    @post(
        "/receipts/withdraw",
        summary="Withdraw feedback by receipt code",
        status_code=HTTP_200_OK,
        request_max_body_size=4096,
        opt={"problems": [404, 409]},
    )
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: JSONBody[ReceiptIn],
    ) -> Response[FeedbackStatusOut]:
        return await self._by_code(
            request, conn, receipt_key, clock, lambda: service.withdraw(data.code)
        )

    @post(
        "/receipts/erase",
        summary="Erase the text and contact of feedback by receipt code",
        status_code=HTTP_200_OK,
        request_max_body_size=4096,
        opt={"problems": [404, 409]},
    )
    async def erase(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service: NamedDependency[FeedbackService],
        receipt_key: NamedDependency[bytes],
        clock: NamedDependency[Clock],
        data: JSONBody[ReceiptIn],
    ) -> Response[FeedbackStatusOut]:
        return await self._by_code(
            request, conn, receipt_key, clock, lambda: service.erase(data.code)
        )
