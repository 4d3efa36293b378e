from __future__ import annotations

import os
import subprocess
import sys

import asyncpg

from medskapa.accounts.admin import RoleChoice
from tests.factories import TEST_SECRET, enrol_totp, make_staff


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a process; with the tests' secret key (which keys the audit trail) unless
    ``env`` says otherwise."""
    return subprocess.run(
        [sys.executable, "-m", "medskapa.cli", *args],
        env={**os.environ, "MEDSKAPA_SECRET_KEY": TEST_SECRET, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_unreachable_database_is_one_sentence_without_traceback() -> None:
    result = run_cli(
        "db", "status", env={"MEDSKAPA_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    )
    assert result.returncode == 1
    assert result.stderr.startswith("medskapa: cannot connect to the database")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_setting_is_named() -> None:
    result = run_cli("db", "status", env={"MEDSKAPA_DATABSE_URL": "x"})
    assert result.returncode == 1
    assert result.stderr.strip() == "medskapa: Unknown setting MEDSKAPA_DATABSE_URL."


def test_status_lists_applied_migrations(database_url: str) -> None:
    result = run_cli("db", "status", env={"MEDSKAPA_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "0001_catalogue: applied" in result.stdout


def test_demo_load_twice_keeps_what_is_there(empty_database_url: str) -> None:
    env = {"MEDSKAPA_DATABASE_URL": empty_database_url}
    first = run_cli("demo", "load", env=env)
    assert first.returncode == 0, first.stderr
    assert "Demo content loaded" in first.stdout
    second = run_cli("demo", "load", env=env)
    assert second.returncode == 0, second.stderr
    assert "0 documents" in second.stdout


def test_bad_worker_count_is_refused() -> None:
    result = run_cli("serve", "--workers", "0")
    assert result.returncode == 1
    assert "--workers must be at least 1" in result.stderr


async def test_reset_second_factor_from_the_shell(
    database_url: str, conn: asyncpg.Connection
) -> None:
    """For the admin who cannot reach the admin page: audited, the owner told, the trail
    still verifies."""

    user_id = await make_staff(conn, "glomsk@exempel.se", role=RoleChoice.MODERATOR)
    await enrol_totp(conn, user_id)
    env = {"MEDSKAPA_DATABASE_URL": database_url}
    unknown = run_cli("user", "reset-second-factor", "--email", "ingen@exempel.se", env=env)
    assert unknown.returncode == 1
    assert "Det finns inget konto" in unknown.stderr
    done = run_cli("user", "reset-second-factor", "--email", "glomsk@exempel.se", env=env)
    assert done.returncode == 0, done.stderr
    assert f"User {user_id}: second factor removed" in done.stdout
    assert await conn.fetchval("SELECT totp_secret FROM users WHERE id = $1", user_id) is None
    assert (
        await conn.fetchval(
            "SELECT actor FROM audit_events WHERE action = 'user.second_factor_reset'"
        )
        == "admin-cli"
    )
    assert (
        await conn.fetchval(
            "SELECT context->>'how' FROM outbox_messages WHERE user_id = $1", user_id
        )
        == "reset"
    )
    verified = run_cli("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
