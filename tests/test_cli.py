from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any

import asyncpg
import pytest

from medskapa import cli
from medskapa.accounts.admin import RoleChoice
from medskapa.errors import CommandFailed
from tests.factories import TEST_SECRET, enrol_totp, make_staff
from tests.forward import Forwarder
from tests.smtp import free_port


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


def run_cli_until_reachable(forwarder: Forwarder, *args: str) -> tuple[int, str, str]:
    """The command (which should wait, ``--wait`` among ``args``) started against
    ``forwarder``'s address before the forwarder listens, and the forwarder started 2.5 s
    later: (status, stdout, stderr). Fails if the command has ended before then."""
    waiting = subprocess.Popen(
        [sys.executable, "-m", "medskapa.cli", *args],
        env={
            **os.environ,
            "MEDSKAPA_SECRET_KEY": TEST_SECRET,
            "MEDSKAPA_DATABASE_URL": forwarder.url_here,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(2.5)
        assert waiting.poll() is None, waiting.communicate()
        forwarder.start()
        out, err = waiting.communicate(timeout=60)
    finally:
        waiting.kill()
        forwarder.stop()
    return waiting.returncode, out, err


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


def test_migrate_waits_for_a_database_that_is_still_starting(empty_database_url: str) -> None:
    """An init container started beside its database: `db migrate --wait` asks again until the
    server listens, then migrates; without --wait, or once the wait is over, it stops saying why."""
    forwarder = Forwarder(empty_database_url, free_port())
    env = {"MEDSKAPA_DATABASE_URL": forwarder.url_here}
    at_once = run_cli("db", "migrate", env=env)
    assert at_once.returncode == 1
    assert at_once.stderr.startswith("medskapa: cannot connect to the database")
    started = time.monotonic()
    given_up = run_cli("db", "migrate", "--wait", "2", env=env)
    assert given_up.returncode == 1
    assert given_up.stderr.startswith("medskapa: cannot connect to the database")
    # Two attempts a second apart (--wait 2 leaves no room for a third): at least that second.
    assert time.monotonic() - started >= 1.0, "it asked again before giving up"

    status, out, err = run_cli_until_reachable(forwarder, "db", "migrate", "--wait", "60")
    assert status == 0, err
    assert "applied 0001_" in out


async def test_a_database_name_not_known_yet_is_asked_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a lookup of a pod's name gets on podman while another pod joins the network
    (aardvark-dns before 1.11 drops its listeners, and the lookup falls through to the host's
    DNS server, which does not know the name): within the wait it is asked again."""
    real = asyncpg.connect
    tries = []

    async def name_unknown_once(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        tries.append(time.monotonic())
        if len(tries) == 1:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return await real(*args, **kwargs)

    monkeypatch.setattr(asyncpg, "connect", name_unknown_once)
    conn = await cli._connect(database_url, wait=10)
    await conn.close()
    assert len(tries) == 2
    tries.clear()
    with pytest.raises(CommandFailed, match="Name or service not known"):
        await cli._connect(database_url, wait=0)


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


def test_serve_without_migrating_refuses_a_database_that_needs_migrations(
    empty_database_url: str,
) -> None:
    """The limited role serves with --no-migrate; before the owner has migrated it stops with
    the command to run, and has created nothing."""
    result = run_cli(
        "serve", "--no-migrate", "--port", "1", env={"MEDSKAPA_DATABASE_URL": empty_database_url}
    )
    assert result.returncode == 1
    assert "run `medskapa db migrate` as the role that owns the schema" in result.stderr
    assert "Traceback" not in result.stderr
    status = run_cli("db", "status", env={"MEDSKAPA_DATABASE_URL": empty_database_url})
    assert "0001_catalogue: pending" in status.stdout


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


def _create_user(
    database_url: str, stdin: str | None, *extra: str
) -> subprocess.CompletedProcess[str]:
    """`medskapa user create` as a script or container runs it: no terminal. With ``stdin``
    None, standard input is /dev/null."""
    return subprocess.run(
        [sys.executable, "-m", "medskapa.cli", "user", "create", *extra],
        env={
            **os.environ,
            "MEDSKAPA_SECRET_KEY": TEST_SECRET,
            "MEDSKAPA_DATABASE_URL": database_url,
        },
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_user_create_without_a_terminal_says_to_use_password_stdin(
    database_url: str, conn: asyncpg.Connection
) -> None:
    who = ("--email", "forsta.admin@exempel.se", "--role", "admin")
    asked = _create_user(database_url, None, *who)
    assert asked.returncode == 2, asked.stderr
    assert "Traceback" not in asked.stderr
    assert "EOFError" not in asked.stderr
    (sentence,) = asked.stderr.strip().splitlines()
    assert sentence.startswith("medskapa: there is no terminal to type the password in")
    assert "--password-stdin" in sentence
    assert await conn.fetchval("SELECT count(*) FROM users") == 0

    piped = _create_user(
        database_url, "ett långt lösenord för admin 2026\n", *who, "--password-stdin"
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("Created user ")
    assert "with role admin" in piped.stdout
    assert (
        await conn.fetchval("SELECT role FROM users WHERE email = 'forsta.admin@exempel.se'")
        == "admin"
    )


def test_groups_list_shows_each_groups_slug_name_and_area(database_url: str) -> None:
    result = run_cli("groups", "list", env={"MEDSKAPA_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.strip().splitlines()
    assert header.split() == ["SLUG", "KIND", "NAME", "PROGRAMME", "AREA"]
    by_slug = {line.split()[0]: line for line in lines}
    assert len(by_slug) == len(lines) == 8, "the demo's eight subject groups, once each"
    kol = by_slug["nag-kol"]
    assert "Nationell arbetsgrupp KOL" in kol
    assert "Lung- och allergisjukdomar (lung-och-allergisjukdomar)" in kol
    assert "Nationell arbetsgrupp hjärtsvikt" in by_slug["nag-hjartsvikt"]
    # The columns line up, so the slug can be read off at a glance.
    assert len({line.index(line.split()[1], len(line.split()[0])) for line in lines}) == 1


def test_groups_list_on_an_empty_catalogue_says_how_to_make_one(
    empty_database_url: str,
) -> None:
    env = {"MEDSKAPA_DATABASE_URL": empty_database_url}
    assert run_cli("db", "migrate", env=env).returncode == 0
    result = run_cli("groups", "list", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "There are no subject groups yet (`medskapa structure group-create`)."
    )
