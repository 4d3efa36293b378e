"""The reference app bench/compare.py measures medskapa against: the least a Litestar app can
do for the same two jobs. One msgspec Struct decoded from a POST and stored with one asyncpg
INSERT, and a static JSON GET. Run by compare.py under uvicorn with uvloop and httptools.

    BENCH_REFERENCE_DATABASE_URL=postgresql://... uvicorn bench.reference_app:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import msgspec
from litestar import Litestar, get, post
from litestar.datastructures import State


class Comment(msgspec.Struct):
    document: str
    category: str
    role: str
    text: str


class Stored(msgspec.Struct):
    id: int


STATIC = {"name": "medskapa reference", "documents": ["a", "b", "c"], "version": 1}


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(
        os.environ["BENCH_REFERENCE_DATABASE_URL"], min_size=16, max_size=16
    )
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_reference (id bigint GENERATED ALWAYS AS "
            "IDENTITY PRIMARY KEY, document text NOT NULL, category text NOT NULL, "
            "role text NOT NULL, body text NOT NULL, created_at timestamptz DEFAULT now())"
        )
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


@post("/items")
async def create(data: Comment, state: State) -> Stored:
    new_id = await state.pool.fetchval(
        "INSERT INTO bench_reference (document, category, role, body) VALUES ($1, $2, $3, $4) "
        "RETURNING id",
        data.document,
        data.category,
        data.role,
        data.text,
    )
    return Stored(new_id)


@get("/static")
async def static() -> dict[str, object]:
    return STATIC


app = Litestar([create, static], lifespan=[lifespan])
