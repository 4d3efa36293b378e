"""A real SMTP server, a pool and a clock the outbox tests move by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from medskapa.audit.keys import binder
from medskapa.db.pool import create_pool
from medskapa.outbox.jobs import relay_key
from medskapa.outbox.relay import Relay
from medskapa.settings import Settings
from tests.factories import FIXED_NOW, TEST_SECRET
from tests.moderation.conftest import place  # noqa: F401 - the moderation tests' people
from tests.smtp import SmtpServer, smtp_server


class Clock:
    def __init__(self, now: dt.datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def relay_settings(database_url: str, smtp: SmtpServer) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url="https://medskapa.example",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        smtp_from="medskapa <no-reply@medskapa.example>",
        smtp_timeout=5.0,
    )


@pytest.fixture
async def pool(relay_settings: Settings, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(
        relay_settings, database_url, size=4, set_up=binder(relay_settings.secret_key)
    )
    yield pool
    await pool.close()


@pytest.fixture
async def relay(pool: asyncpg.Pool, relay_settings: Settings, clock: Clock) -> Relay:
    return Relay(pool, relay_settings, await relay_key(pool), clock)
