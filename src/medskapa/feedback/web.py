"""What the feedback pages and the feedback API share: the service, provided per request, the
largest body they accept, and the per-client limits on submissions and receipt look-ups."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS

from medskapa.clock import Clock
from medskapa.feedback.service import FeedbackService
from medskapa.security import ratelimit
from medskapa.web.deps import Conn, client_id, clock, receipt_key

# Feedback is at most 5,000 characters; a form or JSON body never needs more than this.
MAX_BODY_BYTES = 64 * 1024


async def provide_service(
    conn: Conn, clock: NamedDependency[Clock], receipt_key: NamedDependency[bytes]
) -> FeedbackService:
    return FeedbackService(conn, clock, receipt_key)


DEPENDENCIES = {
    "receipt_key": Provide(receipt_key),
    "clock": Provide(clock, sync_to_thread=False),
    "service": Provide(provide_service),
}


async def rate_limit(
    request: Request[Any, Any, Any],
    conn: Conn,
    key: bytes,
    kind: Literal["submit", "receipt"],
    now: Any,
) -> None:
    """429 (with Retry-After) when this client has submitted, or looked up receipt codes, too
    often lately."""
    settings = request.app.state.settings
    limit = (
        ratelimit.submit_limit(settings.submit_limit)
        if kind == "submit"
        else ratelimit.receipt_limit(settings.receipt_lookup_limit)
    )
    try:
        await ratelimit.check(conn, limit, client_id(request, key), now)
    except ratelimit.RateLimited as exc:
        raise HTTPException(
            status_code=HTTP_429_TOO_MANY_REQUESTS,
            detail="Too many requests from this client; try again later.",
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
