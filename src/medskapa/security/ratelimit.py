"""Fixed-window rate limits counted in PostgreSQL, so every worker shares the same count.

Submissions count what was accepted: ``check`` runs inside the transaction that stores the
item, so a submission refused for its content (or past the limit) rolls its count back with
it, while the row lock on the count makes concurrent submissions from one client take their
turn, and the one past the limit is refused. Every attempt, accepted or not, counts against a
wider limit of its own (``attempt_limit``), so that a stream of invalid posts is stopped too."""

from __future__ import annotations

import datetime as dt
import math

import asyncpg
import msgspec

from medskapa.security import queries


class Limit(msgspec.Struct, frozen=True):
    name: str
    hits: int
    seconds: int


class RateLimited(Exception):
    def __init__(self, retry_after: int, until: dt.datetime | None = None) -> None:
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after
        self.until = until
        """When the window ends and the client may try again."""


WINDOW_SECONDS = 600
# Attempts a client may make per accepted submission it is allowed: room for several rounds of
# corrections and personal-data warnings on each, but not an endless stream of bad posts.
ATTEMPTS_PER_SUBMISSION = 5


def submit_limit(hits: int) -> Limit:
    """Accepted submissions: counted inside the transaction that stores the item."""
    return Limit("submit", hits=hits, seconds=WINDOW_SECONDS)


def attempt_limit(submissions: int) -> Limit:
    """Every submission attempt, accepted or not."""
    return Limit(
        "submit-attempt", hits=submissions * ATTEMPTS_PER_SUBMISSION, seconds=WINDOW_SECONDS
    )


def helpfulness_limit(hits: int) -> Limit:
    """Answers to "Hjälpte informationen på sidan dig?", counted whatever becomes of them."""
    return Limit("helpfulness", hits=hits, seconds=WINDOW_SECONDS)


def receipt_limit(hits: int) -> Limit:
    return Limit("receipt", hits=hits, seconds=WINDOW_SECONDS)


class Counted(msgspec.Struct, frozen=True):
    """One hit for a statement to count together with what it stores (feedback/queries.py
    ``insert_item``): the bucket, its current window, and the most hits the window allows."""

    bucket: str
    window_start: dt.datetime
    most: int


def counted(limit: Limit, client: str, now: dt.datetime) -> Counted:
    """``client``'s hit on ``limit`` at ``now``, for a statement to count."""
    epoch = now.timestamp()
    window_start = dt.datetime.fromtimestamp(epoch - epoch % limit.seconds, dt.UTC)
    return Counted(f"{limit.name}:{client}", window_start, limit.hits)


def refused(limit: Limit, now: dt.datetime) -> RateLimited:
    """What a client past ``limit`` at ``now`` is told: when its window ends."""
    epoch = now.timestamp()
    until = dt.datetime.fromtimestamp(epoch - epoch % limit.seconds, dt.UTC) + dt.timedelta(
        seconds=limit.seconds
    )
    return RateLimited(max(math.ceil(until.timestamp() - epoch), 1), until)


async def check(conn: asyncpg.Connection, limit: Limit, client: str, now: dt.datetime) -> None:
    """Count one hit for ``client`` (already a keyed hash, never an address); raise
    ``RateLimited`` past the limit. Outside a transaction the hit is its own statement, so a
    refused request still counts; inside one, the hit stands or falls with the transaction."""
    hit = counted(limit, client, now)
    if await queries.count_hit(conn, hit.bucket, hit.window_start) > limit.hits:
        raise refused(limit, now)


async def purge(conn: asyncpg.Connection, before: dt.datetime) -> int:
    return await queries.purge_rate_limits(conn, before)
