from __future__ import annotations

import os
import subprocess
import sys

from tests.factories import TEST_SECRET


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
