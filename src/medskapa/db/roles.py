"""The application's own database role: it may do its work and nothing more.

In production the role that owns the tables runs ``medskapa db migrate``; the web processes
connect as a separate role with only the rights below. That role can read and write the
platform's tables but can only *add* to the audit trail: PostgreSQL refuses it UPDATE, DELETE and
TRUNCATE on ``audit_events`` whatever triggers say, and it cannot change the schema. Run
``medskapa db grant-app-role NAME`` after every migration (it is idempotent) so new tables are
covered.
"""

from __future__ import annotations

import re

import asyncpg

from medskapa.db.migrations import MIGRATION_LOCK_KEY

# Tables the app may only read and append to.
APPEND_ONLY = ("audit_events",)
# Tables only the owner (the migrator) writes.
READ_ONLY = ("schema_migrations",)

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(Exception):
    """The role cannot be set up; the message says why in one sentence."""


def _ident(name: str) -> str:
    if not _ROLE_NAME.match(name):
        raise RoleError(
            f"{name!r} is not a role name medskapa accepts (lower-case letters, digits and _)."
        )
    return f'"{name}"'


async def grant_app_role(conn: asyncpg.Connection, name: str, *, create: bool = True) -> list[str]:
    """Give ``name`` exactly the app's rights on every table in the schema; returns the tables
    it may only append to or read."""
    role = _ident(name)
    database = await conn.fetchval("SELECT current_database()")
    async with conn.transaction():
        # One at a time, and not while a migration runs (the migrators' lock): every replica's
        # init container runs this at once, and PostgreSQL fails one of two concurrent GRANTs on
        # a table ("tuple concurrently updated") or CREATE ROLEs of one name.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
        if not exists:
            if not create:
                raise RoleError(f"there is no database role {name}.")
            # No password here: the operator sets one (ALTER ROLE ... PASSWORD) or uses other
            # auth.
            await conn.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        await conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
        await conn.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        await conn.execute(f"REVOKE CREATE ON SCHEMA public FROM {role}")
        await conn.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        )
        await conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        for table in APPEND_ONLY:
            await conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")
        for table in READ_ONLY:
            await conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")
    return [*APPEND_ONLY, *READ_ONLY]
