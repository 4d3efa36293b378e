"""The limited role the web processes connect as: it does the app's work and cannot rewrite the
audit trail, even with the append-only trigger out of the way."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from medskapa.audit.keys import AuditKeys, bind
from medskapa.db.migrations import MIGRATION_LOCK_KEY
from medskapa.db.pool import init_connection
from medskapa.db.roles import grant_app_role
from tests.factories import TEST_SECRET, make_feedback
from tests.forward import Forwarder
from tests.smtp import free_port
from tests.test_cli import run_cli, run_cli_until_reachable


def as_role(url: str, role: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


@pytest.fixture
async def app_role(conn: asyncpg.Connection) -> AsyncIterator[str]:
    name = f"medskapa_app_{secrets.token_hex(4)}"
    yield name
    await conn.execute(f'DROP OWNED BY "{name}"')
    await conn.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
async def app_conn(
    conn: asyncpg.Connection, database_url: str, app_role: str
) -> AsyncIterator[asyncpg.Connection]:
    await grant_app_role(conn, app_role)
    limited = await asyncpg.connect(as_role(database_url, app_role))
    await init_connection(limited)
    bind(limited, AuditKeys.from_secret(TEST_SECRET))
    yield limited
    await limited.close()


async def test_app_role_can_take_feedback(app_conn: asyncpg.Connection) -> None:
    submitted = await make_feedback(app_conn)
    events = await app_conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE subject_id = $1", str(submitted.id)
    )
    assert events == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_events SET reason_code = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "DELETE FROM schema_migrations",
        "CREATE TABLE sneaky (id int)",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update",
    ],
)
async def test_app_role_cannot_rewrite_the_trail_or_the_schema(
    conn: asyncpg.Connection, app_conn: asyncpg.Connection, sql: str
) -> None:
    await make_feedback(app_conn)
    events = await conn.fetchval("SELECT count(*) FROM audit_events")
    # Even with the trigger switched off by the owner, the role itself has no right to do it.
    await conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await app_conn.execute(sql)
    finally:
        await conn.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")
    assert await conn.fetchval("SELECT count(*) FROM audit_events") == events


async def test_granting_twice_is_harmless(conn: asyncpg.Connection, app_role: str) -> None:
    await grant_app_role(conn, app_role)
    assert await grant_app_role(conn, app_role) == ["audit_events", "schema_migrations"]


def test_command_refuses_an_unsafe_role_name(database_url: str) -> None:
    result = run_cli(
        "db",
        "grant-app-role",
        'x"; DROP TABLE feedback; --',
        env={"MEDSKAPA_DATABASE_URL": database_url},
    )
    assert result.returncode == 1
    assert "is not a role name medskapa accepts" in result.stderr
    assert "Traceback" not in result.stderr


async def test_command_grants(database_url: str, app_role: str) -> None:
    result = run_cli("db", "grant-app-role", app_role, env={"MEDSKAPA_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "append or read only: audit_events, schema_migrations" in result.stdout


async def test_grants_wait_for_each_other_and_for_migrations(
    conn: asyncpg.Connection, database_url: str, app_role: str
) -> None:
    """Every replica's init container grants at once: each waits for the migrators' lock, so
    PostgreSQL never sees two GRANTs on one table at the same time."""
    holder = await asyncpg.connect(database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        granting = asyncio.ensure_future(grant_app_role(conn, app_role))
        await asyncio.sleep(0.5)
        assert not granting.done(), "it waited for the lock"
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        assert await asyncio.wait_for(granting, 30) == ["audit_events", "schema_migrations"]
    finally:
        await holder.close()
    others = [await asyncpg.connect(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(grant_app_role(other, app_role) for other in others))
    finally:
        for other in others:
            await other.close()


def test_command_waits_for_a_database_out_of_reach(database_url: str, app_role: str) -> None:
    """The manifest's migration Pod runs it once and is never restarted, while the app's pods
    join the network (on podman each one makes the DNS server fail lookups for a moment): with
    --wait it asks again until the server answers, as `db migrate --wait` does; without, or once
    the wait is over, it stops saying why."""
    forwarder = Forwarder(database_url, free_port())
    env = {"MEDSKAPA_DATABASE_URL": forwarder.url_here}
    at_once = run_cli("db", "grant-app-role", app_role, env=env)
    assert at_once.returncode == 1
    assert at_once.stderr.startswith("medskapa: cannot connect to the database")
    given_up = run_cli("db", "grant-app-role", app_role, "--wait", "2", env=env)
    assert given_up.returncode == 1, given_up.stderr
    assert given_up.stderr.startswith("medskapa: cannot connect to the database")

    status, out, err = run_cli_until_reachable(
        forwarder, "db", "grant-app-role", app_role, "--wait", "60"
    )
    assert status == 0, err
    assert f"Role {app_role} may read and write the app's tables" in out
