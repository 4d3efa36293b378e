from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.audit.keys import AuditKeys, bind
from medskapa.catalogue.demo import load_demo
from medskapa.db.migrations import migrate
from medskapa.db.pool import init_connection
from medskapa.security import passwords
from medskapa.settings import Settings
from tests import watchdog
from tests.apps import app_for
from tests.bytecode import precompile
from tests.factories import TEST_SECRET, csrf_follows_cookie
from tests.pg import copy_clause, server_url, unique_name, with_database
from tests.schedule import long_files_first, workers

# argon2id at the lowest cost argon2 allows (8 KiB, one pass): a hash takes microseconds
# instead of ~0.2 s of CPU. Production's parameters (passwords.HASHER) are what the tests
# marked ``production_argon2`` run with, and what every server process the tests start
# (tests/live.py: the fault and load tests) hashes with. The browser tests' server runs in the
# test process (tests/browser/conftest.py) and hashes fast like the rest.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


# zxcvbn's strength estimate of a password (told the Swedish word list and the address) takes
# ~10-20 ms of CPU, and the tests set the same few passwords for the same addresses again and
# again (every factory user): each pair is estimated once per worker process. The answer is
# the same function of the same two strings, so no rule is checked any less.
REMEMBERED_GUESSABLE = functools.cache(passwords.guessable)


def pytest_configure(config: pytest.Config) -> None:
    precompile(config)
    config.pluginmanager.register(watchdog, "medskapa-watchdog")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    long_files_first(items)


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "guessable", REMEMBERED_GUESSABLE)
    if request.node.get_closest_marker("production_argon2") is None:
        monkeypatch.setattr(passwords, "HASHER", FAST_HASHER)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with server_url() as url:
        yield url


@pytest.fixture(scope="session")
async def template_database(pg_url: str) -> AsyncIterator[str]:
    """A migrated database with the demo catalogue, copied for every test."""
    name = unique_name("medskapa_tpl")
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        conn = await asyncpg.connect(with_database(pg_url, name))
        try:
            await init_connection(conn)
            bind(conn, AuditKeys.from_secret(TEST_SECRET))
            await migrate(conn)
            await load_demo(conn)
        finally:
            await conn.close()
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


class _Admin:
    """Creates and drops the tests' databases over two connections kept for the session, not
    over a new one for each copy and each drop (half of all connections the suite made: a
    server process started and ended each time). Two, so that the copy made ahead runs while
    the last test's database is dropped."""

    def __init__(self, pg_url: str, pool: asyncpg.Pool) -> None:
        self.pg_url = pg_url
        self._pool = pool

    async def new_database(self, template: str | None) -> str:
        name = unique_name("medskapa_t")
        clause = f' TEMPLATE "{template}"{copy_clause()}' if template else ""
        await self._pool.execute(f'CREATE DATABASE "{name}"{clause}')
        return name

    async def drop_database(self, name: str) -> None:
        await self._pool.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def _admin(pg_url: str) -> AsyncIterator[_Admin]:
    pool = await asyncpg.create_pool(pg_url, min_size=1, max_size=2)
    try:
        yield _Admin(pg_url, pool)
    finally:
        await pool.close()


class _AheadOfTime:
    """Copies of the template, one made ahead: copying it (most of a test's set-up) happens
    while the test before runs, not while the next one waits."""

    def __init__(self, admin: _Admin, template: str) -> None:
        self._admin = admin
        self._template = template
        self._next: asyncio.Task[str] | None = None

    def _copy(self) -> asyncio.Task[str]:
        return asyncio.ensure_future(self._admin.new_database(self._template))

    async def take(self) -> str:
        ready = self._next or self._copy()
        self._next = self._copy()
        return await ready

    async def close(self) -> None:
        if self._next is not None:
            await self._admin.drop_database(await self._next)


@pytest.fixture(scope="session")
async def _databases(_admin: _Admin, template_database: str) -> AsyncIterator[_AheadOfTime]:
    databases = _AheadOfTime(_admin, template_database)
    yield databases
    await databases.close()


@pytest.fixture
async def database_url(_admin: _Admin, _databases: _AheadOfTime) -> AsyncIterator[str]:
    """A database of this test's own: migrated, with the demo catalogue."""
    name = await _databases.take()
    yield with_database(_admin.pg_url, name)
    await _admin.drop_database(name)


@pytest.fixture
async def empty_database_url(_admin: _Admin) -> AsyncIterator[str]:
    """A database of this test's own with nothing in it, not even migrations."""
    name = await _admin.new_database(None)
    yield with_database(_admin.pg_url, name)
    await _admin.drop_database(name)


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    await init_connection(connection)
    bind(connection, AuditKeys.from_secret(TEST_SECRET))
    yield connection
    await connection.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, debug=False, secret_key=TEST_SECRET)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return app_for(settings, "browser")


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    # https, so that the client keeps the Secure __Host- cookies as a browser would.
    async with AsyncTestClient(app=app, base_url="https://127.0.0.1") as test_client:
        # Like a browser: the first page sets the CSRF cookie, forms and htmx send it back.
        csrf_follows_cookie(test_client)
        await test_client.get("/")
        yield test_client


@pytest.fixture
async def bare_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A second browser: no CSRF cookie, no session. It has an app instance of its own, as a
    second worker process would."""
    async with AsyncTestClient(
        app=app_for(settings, "second browser"), base_url="https://127.0.0.1"
    ) as test_client:
        yield test_client


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject.toml): see tests/schedule.py ``workers``."""
    return workers(os.cpu_count() or 1)
