"""What the feedback pages and the feedback API share: the service, provided per request, the
largest body they accept, and the per-client limits on submissions and receipt look-ups.

A submission counts twice: as an attempt, before anything is read (``count_attempt``), and as
accepted, inside the transaction that stores it (``count_accepted``). Only the second is the
submission limit a person meets, so a form sent back for a missing field or a personal-data
warning does not use it up (medskapa.security.ratelimit says why this holds under load). The
API's submissions without an Idempotency-Key, the busiest write, count both in the one statement
that stores the item (``counting``): the attempt always, the submission only with the item."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import asyncpg
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS

from medskapa.feedback.service import Counting, FeedbackService
from medskapa.security import ratelimit
from medskapa.web.connection import request_conn
from medskapa.web.deps import Conn, client_id, clock, receipt_key

# Feedback is at most 5,000 characters; a form or JSON body never needs more than this.
MAX_BODY_BYTES = 64 * 1024


async def provide_service(
    request: Request[Any, Any, Any], conn: Conn, receipt_key: NamedDependency[bytes]
) -> FeedbackService:
    # The clock is the real one (web/deps.py `clock`), not a dependency: see FeedbackApi.submit.
    return FeedbackService(
        conn, clock(), receipt_key, getattr(request.app.state, "page_cache", None)
    )


async def submission_service(
    request: Request[Any, Any, Any],
) -> tuple[asyncpg.Connection, FeedbackService, bytes]:
    """The connection, service and receipt key for the API's submissions, the busiest write,
    made here rather than by dependency injection: Litestar resolves each provided dependency
    through its own signature model, three of them on every submission for plain look-ups."""
    conn = await request_conn(request)
    key = await receipt_key(request.app.state, conn)
    return conn, await provide_service(request, conn, key), key


DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
    "service": Provide(provide_service),
}


def too_many(exc: ratelimit.RateLimited) -> HTTPException:
    """The 429 (with Retry-After) for the API and for pages that have nothing to keep."""
    return HTTPException(
        status_code=HTTP_429_TOO_MANY_REQUESTS,
        detail="Too many requests from this client; try again later.",
        headers={"Retry-After": str(exc.retry_after)},
    )


async def count_attempt(
    request: Request[Any, Any, Any], conn: Conn, key: bytes, now: dt.datetime
) -> None:
    """Count a submission attempt, whatever becomes of it; ``RateLimited`` past the wide
    limit on attempts. Call it outside any transaction, so that it counts."""
    limit = ratelimit.attempt_limit(request.app.state.settings.submit_limit)
    await ratelimit.check(conn, limit, client_id(request, key), now)


def counting(request: Request[Any, Any, Any], key: bytes) -> Counting:
    """The client's submission limits, for the statement that stores the item to count
    (``FeedbackService.submit``): one round trip instead of ``count_attempt``, a transaction
    and ``count_accepted``."""
    submissions = request.app.state.settings.submit_limit
    return Counting(
        client_id(request, key),
        ratelimit.attempt_limit(submissions),
        ratelimit.submit_limit(submissions),
    )


async def count_accepted(
    request: Request[Any, Any, Any], conn: Conn, key: bytes, now: dt.datetime
) -> None:
    """Count a submission as accepted; ``RateLimited`` past the submission limit. Call it
    inside the transaction that stores the item: when the item is not stored, neither is the
    count."""
    limit = ratelimit.submit_limit(request.app.state.settings.submit_limit)
    await ratelimit.check(conn, limit, client_id(request, key), now)


async def rate_limit(
    request: Request[Any, Any, Any],
    conn: Conn,
    key: bytes,
    kind: Literal["receipt"],
    now: Any,
) -> None:
    """429 (with Retry-After) when this client has looked up receipt codes too often lately.
    Every look-up counts, found or not: the limit is what stops guessing codes."""
    limit = ratelimit.receipt_limit(request.app.state.settings.receipt_lookup_limit)
    try:
        await ratelimit.check(conn, limit, client_id(request, key), now)
    except ratelimit.RateLimited as exc:
        raise too_many(exc) from exc
