"""Forward-only plain SQL migrations from ``sql/NNNN_name.sql``.

Each file runs in its own transaction and is recorded in ``schema_migrations`` with the SHA-256
of its text. A PostgreSQL advisory lock serialises migrators, so two processes starting at once
apply every file exactly once.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import asyncpg
import msgspec

from medskapa.resources import resource_dir

# Any constant will do as long as nothing else in the database uses it.
MIGRATION_LOCK_KEY = 0x6D65_6473_6B61  # "medska"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """Migrations cannot be applied; the message says why in one sentence."""


class Migration(msgspec.Struct, frozen=True):
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


class MigrationStatus(msgspec.Struct, frozen=True):
    version: int
    name: str
    applied: bool


def load_migrations(directory: Path | None = None) -> list[Migration]:
    directory = directory or resource_dir("sql")
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"Migration file name {path.name!r} is not NNNN_name.sql.")
        migrations.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError("Two migration files have the same number.")
    return migrations


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


async def _applied(conn: asyncpg.Connection) -> dict[int, tuple[str, str]]:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
    return {version: (name, checksum) for version, name, checksum in rows}


def _check_unchanged(migrations: list[Migration], applied: dict[int, tuple[str, str]]) -> None:
    known = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(applied.items()):
        migration = known.get(version)
        if migration is None:
            raise MigrationError(
                f"The database has migration {version:04d}_{name} which this version of "
                "medskapa does not know; it is older than the database."
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"Migration {migration.filename} was changed after it was applied; "
                "write a new migration instead of editing an applied one."
            )


async def migrate(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations; return the file names applied by this call."""
    migrations = load_migrations() if migrations is None else migrations
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(_CREATE_TABLE)
        applied = await _applied(conn)
        _check_unchanged(migrations, applied)
        for migration in migrations:
            if migration.version in applied:
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(
                    f"Migration {migration.filename} failed and was rolled back: {exc}"
                ) from exc
            applied_now.append(migration.filename)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    return applied_now


async def check_current(
    conn: asyncpg.Connection, migrations: list[Migration] | None = None
) -> list[str]:
    """Refuse a database that lacks one of our migrations, without changing anything (for a
    role that may not). Returns the migrations the database has that this version does not know:
    during a rolling upgrade the previous version runs on the migrated database, so they are
    allowed (migrations are written to keep it working), unlike a changed one."""
    migrations = load_migrations() if migrations is None else migrations
    applied = await _applied(conn)
    known = {m.version for m in migrations}
    _check_unchanged(migrations, {v: a for v, a in applied.items() if v in known})
    pending = [m.filename for m in migrations if m.version not in applied]
    if pending:
        raise MigrationError(
            f"The database lacks {len(pending)} migration(s), first {pending[0]}; run "
            "`medskapa db migrate` as the role that owns the schema before serving."
        )
    return [f"{v:04d}_{name}.sql" for v, (name, _) in sorted(applied.items()) if v not in known]


async def status(
    conn: asyncpg.Connection, migrations: list[Migration] | None = None
) -> list[MigrationStatus]:
    migrations = load_migrations() if migrations is None else migrations
    applied = await _applied(conn)
    _check_unchanged(migrations, applied)
    return [MigrationStatus(m.version, m.name, m.version in applied) for m in migrations]
