"""Fixed-window rate limits counted in PostgreSQL, so every worker shares the same count."""

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
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


WINDOW_SECONDS = 600


def submit_limit(hits: int) -> Limit:
    return Limit("submit", hits=hits, seconds=WINDOW_SECONDS)


def receipt_limit(hits: int) -> Limit:
    return Limit("receipt", hits=hits, seconds=WINDOW_SECONDS)


async def check(conn: asyncpg.Connection, limit: Limit, client: str, now: dt.datetime) -> None:
    """Count one hit for ``client`` (already a keyed hash, never an address); raise
    ``RateLimited`` past the limit. Runs in its own statement: a refused request still counts."""
    epoch = now.timestamp()
    window_start = dt.datetime.fromtimestamp(epoch - epoch % limit.seconds, dt.UTC)
    hits = await queries.count_hit(conn, f"{limit.name}:{client}", window_start)
    if hits > limit.hits:
        retry_after = math.ceil(window_start.timestamp() + limit.seconds - epoch)
        raise RateLimited(max(retry_after, 1))


async def purge(conn: asyncpg.Connection, before: dt.datetime) -> int:
    return await queries.purge_rate_limits(conn, before)
