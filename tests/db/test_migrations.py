from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from medskapa.db.migrations import (
    Migration,
    MigrationError,
    check_current,
    load_migrations,
    migrate,
    status,
)


async def test_empty_database_gets_every_migration_once(empty_database_url: str) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        applied = await migrate(conn)
        assert applied == [m.filename for m in load_migrations()]
        assert await migrate(conn) == []
        rows = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == [m.version for m in load_migrations()]
        assert all(item.applied for item in await status(conn))
    finally:
        await conn.close()


async def test_changed_applied_migration_is_refused(empty_database_url: str) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        original = [Migration(1, "things", "CREATE TABLE things (id int)")]
        await migrate(conn, original)
        edited = [Migration(1, "things", "CREATE TABLE things (id bigint)")]
        with pytest.raises(
            MigrationError, match=r"0001_things\.sql was changed after it was applied"
        ):
            await migrate(conn, edited)
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == 1
    finally:
        await conn.close()


async def test_failing_migration_rolls_back_and_keeps_earlier_ones(
    empty_database_url: str,
) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        plan = [
            Migration(1, "good", "CREATE TABLE good (id int)"),
            Migration(2, "bad", "CREATE TABLE half (id int); SELECT no_such_function()"),
        ]
        with pytest.raises(MigrationError, match=r"0002_bad\.sql failed and was rolled back"):
            await migrate(conn, plan)
        assert await conn.fetchval("SELECT to_regclass('good') IS NOT NULL")
        assert not await conn.fetchval("SELECT to_regclass('half') IS NOT NULL")
        assert await conn.fetchval("SELECT array_agg(version) FROM schema_migrations") == [1]
    finally:
        await conn.close()


async def test_database_newer_than_the_code_is_refused(empty_database_url: str) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        await migrate(conn, [Migration(1, "a", "SELECT 1"), Migration(2, "b", "SELECT 2")])
        with pytest.raises(MigrationError, match="does not know"):
            await migrate(conn, [Migration(1, "a", "SELECT 1")])
    finally:
        await conn.close()


async def test_check_without_migrating_refuses_pending_allows_newer(
    empty_database_url: str,
) -> None:
    """`serve --no-migrate` (the limited role): a pending migration stops it with the command
    to run; migrations newer than this version (a rolling upgrade) do not; nothing is written."""
    first, second = Migration(1, "a", "CREATE TABLE a (id int)"), Migration(2, "b", "SELECT 2")
    conn = await asyncpg.connect(empty_database_url)
    try:
        with pytest.raises(MigrationError, match=r"lacks 1 migration\(s\), first 0001_a.sql"):
            await check_current(conn, [first])
        assert not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        await migrate(conn, [first])
        with pytest.raises(MigrationError, match=r"lacks 1 migration\(s\), first 0002_b.sql.*"):
            await check_current(conn, [first, second])
        await migrate(conn, [first, second])
        assert await check_current(conn, [first, second]) == []
        assert await check_current(conn, [first]) == ["0002_b.sql"]
        with pytest.raises(MigrationError, match="was changed after it was applied"):
            await check_current(conn, [Migration(1, "a", "CREATE TABLE a (id bigint)")])
    finally:
        await conn.close()


async def test_two_migrators_at_once_apply_each_file_once(empty_database_url: str) -> None:
    slow = [
        Migration(1, "slow", "SELECT pg_sleep(0.3); CREATE TABLE once (id int)"),
        Migration(2, "after", "CREATE TABLE after_once (id int)"),
    ]
    first, second = (
        await asyncpg.connect(empty_database_url),
        await asyncpg.connect(empty_database_url),
    )
    try:
        results = await asyncio.gather(migrate(first, slow), migrate(second, slow))
        assert sorted(results, key=len) == [[], ["0001_slow.sql", "0002_after.sql"]]
    finally:
        await first.close()
        await second.close()


def test_badly_named_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_catalogue.sql").write_text("SELECT 1")
    with pytest.raises(MigrationError, match=r"is not NNNN_name\.sql"):
        load_migrations(tmp_path)


@pytest.mark.slow
def test_two_migrate_commands_at_once(empty_database_url: str) -> None:
    """Two `medskapa db migrate` processes started together: both succeed, each file once."""
    env = {**os.environ, "MEDSKAPA_DATABASE_URL": empty_database_url}
    command = [sys.executable, "-m", "medskapa.cli", "db", "migrate"]
    procs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    stdout = "".join(out for out, _ in outputs)
    for migration in load_migrations():
        assert stdout.count(f"applied {migration.filename}") == 1

    async def count() -> int:
        conn = await asyncpg.connect(empty_database_url)
        try:
            return await conn.fetchval("SELECT count(*) FROM schema_migrations")
        finally:
            await conn.close()

    assert asyncio.run(count()) == len(load_migrations())
