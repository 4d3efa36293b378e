"""Liveness and readiness in one: the app answers, and can it reach its database?"""

from __future__ import annotations

import asyncio

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from medskapa import __version__
from medskapa.db.pool import UNAVAILABLE_ERRORS
from medskapa.security.permissions import Permission

HEALTH_TIMEOUT_SECONDS = 2.0


class Health(msgspec.Struct):
    status: str
    database: str
    version: str
    schema_version: int | None = None
    # Request connections of this worker process: in use, and the most there may be.
    connections_in_use: int | None = None
    connections_max: int | None = None
    detail: str | None = None


@get("/healthz", tags=["health"], permission=Permission.PUBLIC)
async def healthz(state: State) -> Response[Health]:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            async with state.health_pool.acquire() as conn:
                schema_version = await conn.fetchval("SELECT max(version) FROM schema_migrations")
    except (TimeoutError, *UNAVAILABLE_ERRORS) as exc:
        await state.health_pool.expire_connections()
        return Response(
            Health(
                status="unavailable",
                database="unreachable",
                version=__version__,
                detail=f"The database did not answer ({type(exc).__name__}).",
            ),
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5", "Cache-Control": "no-store"},
        )
    return Response(
        Health(
            status="ok",
            database="ok",
            version=__version__,
            schema_version=schema_version,
            connections_in_use=state.pool.get_size() - state.pool.get_idle_size(),
            connections_max=state.pool.get_max_size(),
        ),
        status_code=HTTP_200_OK,
        headers={"Cache-Control": "no-store"},
    )
