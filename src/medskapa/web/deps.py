"""Request-scoped dependencies shared by several areas."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import PathParameter

from medskapa.clock import Clock, utc_now
from medskapa.security.secrets import RECEIPT_KEY, derive, instance_secret

Conn = NamedDependency[asyncpg.Connection]
# A bigint key in a path. A number outside 1..2⁶³−1 names no row, and PostgreSQL would refuse
# the query with an error instead of finding nothing, so it is refused as a bad parameter.
RowId = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]


async def receipt_key(state: State, conn: Conn) -> bytes:
    # The key never changes once created, so each process fetches it once.
    key = getattr(state, "receipt_key", None)
    if key is None:
        key = await instance_secret(conn, RECEIPT_KEY)
        state.receipt_key = key
    return key


def clock() -> Clock:
    return utc_now


def client_id(request: Request[Any, Any, Any], key: bytes) -> str:
    """A keyed hash of the client address: enough to count requests, useless to identify."""
    host = request.client.host if request.client else "unknown"
    return derive(key, "client", host).hex()[:32]
