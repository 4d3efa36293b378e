"""Checkpoints: a signed line per checked state, kept off the database, that `verify` holds the
trail to. Whatever someone who can write the database removes or rewrites after a checkpoint is
named, and so is any change to the checkpoint file itself."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from medskapa.app import create_app
from medskapa.audit import checkpoints
from medskapa.audit.domain import event_hash, plain_event_hash
from medskapa.audit.jobs import checkpoint_once
from medskapa.audit.keys import AuditKeys, bind, binder
from medskapa.audit.verify import TrailBroken, checkpoint, scan, trail_id, verify
from medskapa.clock import Clock
from medskapa.db.pool import create_pool, init_connection
from medskapa.settings import Settings, SettingsError
from tests.audit.conftest import KEYS, as_superuser, chain_rows, rehash_chain, trail, user_chain
from tests.factories import FIXED_NOW, TEST_SECRET, make_feedback
from tests.test_cli import run_cli


def clock(at: dt.datetime = FIXED_NOW) -> Clock:
    return lambda: at


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_a_clean_trail_with_checkpoints_verifies(
    conn: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    """(e) Checkpoints taken as the trail grows; every one holds, and the command says so."""
    file = tmp_path / "checkpoints.jsonl"
    env = {"MEDSKAPA_DATABASE_URL": database_url, "MEDSKAPA_AUDIT_CHECKPOINTS": str(file)}
    # The demo catalogue came in through the importer, which is audited: count from there.
    events, chains = await conn.fetchrow(
        "SELECT count(*), count(DISTINCT (subject_type, subject_id)) FROM audit_events"
    )
    await trail(conn)
    first = run_cli("audit", "checkpoint", env=env)
    assert first.returncode == 0, first.stderr
    assert (
        f"Checkpoint written to {file}: {events + 5} events in {chains + 3} chains, tree head"
        in first.stdout
    )

    await user_chain(conn)
    await make_feedback(conn)
    second = run_cli("audit", "checkpoint", env=env)
    assert second.returncode == 0, second.stderr
    assert f"{events + 9} events in {chains + 5} chains" in second.stdout

    written = lines(file)
    assert len(written) == 2
    # The second line lists only the chains that are new since the first.
    assert len(written[1]["checkpoint"]["heads"]) == 2  # type: ignore[index]
    assert written[1]["checkpoint"]["previous"] == written[0]["signature"]  # type: ignore[index]

    await user_chain(conn, "bo@exempel.se")  # written after the last checkpoint: fine
    result = run_cli("audit", "verify", env=env)
    assert result.returncode == 0, result.stderr
    assert (
        f"intact: {events + 12} events in {chains + 6} chains, as far as the 2 checkpoint(s) "
        f"in {file} saw" in result.stdout
    )


async def test_a_removed_chain_is_named(
    conn: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    """(b) A user's whole chain deleted after a checkpoint: the old verify saw nothing wrong
    (a user has no status to compare with), the checkpoint names it."""
    file = tmp_path / "checkpoints.jsonl"
    await trail(conn)
    user_id = await user_chain(conn)
    assert await checkpoint(conn, file, clock()) is not None
    await as_superuser(
        conn, "DELETE FROM audit_events WHERE subject_type = 'user' AND subject_id = $1", user_id
    )
    assert (await verify(conn)).intact  # on its own, the trail shows nothing

    result = run_cli(
        "audit", "verify", "--checkpoints", str(file), env={"MEDSKAPA_DATABASE_URL": database_url}
    )
    assert result.returncode == 1
    assert (
        f"broken at user {user_id}: the chain is missing (checkpoint 1 of 2026-11-22 10:00 UTC "
        "holds 3 events)" in result.stderr
    )
    assert "anna@exempel.se" not in result.stderr
    assert "Traceback" not in result.stderr


async def test_a_truncated_chain_is_named(conn: asyncpg.Connection, tmp_path: Path) -> None:
    """(c) The newest events of a chain deleted after a checkpoint."""
    file = tmp_path / "checkpoints.jsonl"
    await trail(conn)
    user_id = await user_chain(conn)
    await checkpoint(conn, file, clock())
    rows = await chain_rows(conn, "user", user_id)
    await as_superuser(conn, "DELETE FROM audit_events WHERE id = $1", rows[2]["id"])
    assert (await verify(conn)).intact

    report = await verify(conn, against=file)
    assert report.first_break is not None
    assert report.first_break.event_id == rows[1]["id"]
    assert report.first_break.describe() == (
        f"event {rows[1]['id']} (user {user_id}, seq 2): the chain ends here but checkpoint 1 "
        "of 2026-11-22 10:00 UTC holds seq 3 (newest events removed)"
    )


async def test_a_chain_rewritten_with_the_key_is_named(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    """Even someone who has the key and rewrites a chain so that it holds on its own cannot
    change what a checkpoint already holds."""
    file = tmp_path / "checkpoints.jsonl"
    await trail(conn)
    user_id = await user_chain(conn)
    await checkpoint(conn, file, clock())
    await rehash_chain(
        conn,
        "user",
        user_id,
        lambda event: event_hash(event, KEYS.chain),
        edit={2: {"reason_code": "patient"}},
        from_seq=2,
    )
    assert (await verify(conn)).intact

    report = await verify(conn, against=file)
    rows = await chain_rows(conn, "user", user_id)
    assert report.first_break is not None
    assert report.first_break.event_id == rows[2]["id"]
    assert "not the event checkpoint 1 of 2026-11-22 10:00 UTC holds" in (
        report.first_break.problem
    )


async def test_an_edit_rehashed_without_the_key_after_a_checkpoint_is_forged(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    file = tmp_path / "checkpoints.jsonl"
    chain = await trail(conn)
    await checkpoint(conn, file, clock())
    await rehash_chain(
        conn,
        "feedback",
        chain[0]["subject_id"],
        plain_event_hash,
        edit={3: {"actor": "moderator"}},
        from_seq=3,
    )
    report = await verify(conn, against=file)
    assert report.first_break is not None
    assert report.first_break.event_id == chain[2]["id"]
    assert report.first_break.problem == (
        "it carries an unkeyed hash although the trail has checkpoints (forged)"
    )


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (
            lambda rows: [
                re.sub(r'"events":(\d+)', lambda m: f'"events":{int(m[1]) - 1}', rows[0], count=1),
                rows[1],
            ],
            "line 1 does not carry this installation's signature",
        ),
        (lambda rows: [rows[1]], "line 1 does not follow the line before it"),
        (lambda rows: [rows[1], rows[0]], "line 1 does not follow the line before it"),
        (lambda rows: [rows[0], rows[0], rows[1]], "line 2 does not follow the line before it"),
        (lambda rows: [rows[0], rows[1][:-20]], "line 2 is not a checkpoint line"),
    ],
    ids=["edited", "first-removed", "reordered", "duplicated", "cut-short"],
)
async def test_a_tampered_checkpoint_file_is_named(
    conn: asyncpg.Connection, tmp_path: Path, tamper: object, problem: str
) -> None:
    """(d) Any change to the checkpoint file: its lines are signed and linked."""
    file = tmp_path / "checkpoints.jsonl"
    await trail(conn)
    await checkpoint(conn, file, clock())
    await user_chain(conn)
    await checkpoint(conn, file, clock())
    assert (await verify(conn, against=file)).intact

    rows = file.read_text().splitlines()
    file.write_text("\n".join(tamper(rows)) + "\n")  # type: ignore[operator]
    tampered = file.read_bytes()
    report = await verify(conn, against=file)
    assert not report.intact
    assert report.checkpoint_problem is not None
    assert report.checkpoint_problem.startswith(problem)
    with pytest.raises(TrailBroken):
        await checkpoint(conn, file, clock())
    assert file.read_bytes() == tampered  # nothing is added to a file that does not verify


async def test_a_forged_checkpoint_line_is_named_by_the_command(
    conn: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    """(d) A line made without the key: someone drops the user's chain and writes a matching
    checkpoint of their own."""
    file = tmp_path / "checkpoints.jsonl"
    await trail(conn)
    user_id = await user_chain(conn)
    await checkpoint(conn, file, clock())
    await as_superuser(
        conn, "DELETE FROM audit_events WHERE subject_type = 'user' AND subject_id = $1", user_id
    )
    # The heads and the trail id can be read from the database; the signature cannot be made.
    heads: list[tuple[str, str, int, bytes]] = []
    async with conn.transaction(isolation="repeatable_read"):
        report = await scan(conn, KEYS, heads=heads)
    forger = AuditKeys.from_secret("the-forgers-own-secret-key-" + "z" * 20)
    trail_name = await trail_id(conn)
    assert trail_name is not None
    _, forged = checkpoints.line(
        checkpoints.History(),
        forger.checkpoint,
        trail=trail_name,
        at=FIXED_NOW,
        events=report.events,
        heads=heads,
    )
    file.write_bytes(forged)

    result = run_cli(
        "audit", "verify", "--checkpoints", str(file), env={"MEDSKAPA_DATABASE_URL": database_url}
    )
    assert result.returncode == 1
    assert (
        "the checkpoint file cannot be trusted: line 1 does not carry this installation's "
        "signature" in result.stderr
    )


async def test_a_file_from_another_trail_is_named(conn: asyncpg.Connection, tmp_path: Path) -> None:
    file = tmp_path / "checkpoints.jsonl"
    await trail(conn)
    await checkpoint(conn, file, clock())
    await conn.execute(
        "UPDATE instance_secrets SET value = $1 WHERE name = 'audit_trail_id'", b"\x01" * 32
    )
    report = await verify(conn, against=file)
    assert report.checkpoint_problem is not None
    assert report.checkpoint_problem.startswith("line 1 is for another audit trail")


async def test_no_checkpoint_vouches_for_a_broken_trail(
    conn: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "checkpoints.jsonl"
    chain = await trail(conn)
    await as_superuser(conn, "UPDATE audit_events SET actor = 'x' WHERE id = $1", chain[1]["id"])
    result = run_cli(
        "audit", "checkpoint", "--out", str(file), env={"MEDSKAPA_DATABASE_URL": database_url}
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"medskapa: no checkpoint written: the audit trail is broken at event {chain[1]['id']}"
    )
    assert not file.exists()


async def test_the_command_needs_a_place_for_checkpoints(database_url: str) -> None:
    result = run_cli("audit", "checkpoint", env={"MEDSKAPA_DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "say where the checkpoints go: --out FILE or MEDSKAPA_AUDIT_CHECKPOINTS" in (
        result.stderr
    )


async def test_workers_at_once_write_one_line(database_url: str, tmp_path: Path) -> None:
    """Every worker looks every hour; one line per period however many look at once."""
    file = tmp_path / "checkpoints.jsonl"
    connections = [await asyncpg.connect(database_url) for _ in range(8)]
    for connection in connections:
        await init_connection(connection)
        bind(connection, KEYS)
    try:
        # Half try the lock and go on when it is taken (as the workers do), half wait for it.
        results = await asyncio.gather(
            *(
                checkpoint(c, file, clock(), wait=n % 2 == 0, every=86400)
                for n, c in enumerate(connections)
            )
        )
        assert sum(result is not None for result in results) == 1
        assert len(lines(file)) == 1
        later = clock(FIXED_NOW + dt.timedelta(hours=25))
        assert await checkpoint(connections[0], file, later, every=86400) is not None
        assert len(lines(file)) == 2
    finally:
        for connection in connections:
            await connection.close()


async def test_serve_writes_the_daily_checkpoint(
    conn: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    """The job every worker of `serve` runs: a line when the last is a day old, else none."""
    file = tmp_path / "checkpoints.jsonl"
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, audit_checkpoints=file)
    await trail(conn)
    app = create_app(settings)
    app.state.pool = await create_pool(  # as its lifespan does
        settings, database_url, size=2, set_up=binder(settings.secret_key)
    )
    try:
        await checkpoint_once(app, settings)
        await checkpoint_once(app, settings)
    finally:
        await app.state.pool.close()
    assert len(lines(file)) == 1
    assert (await verify(conn, against=file)).intact


def test_the_last_time_is_read_from_the_end(tmp_path: Path) -> None:
    file = tmp_path / "checkpoints.jsonl"
    assert checkpoints.last_time(file) is None
    history = checkpoints.History()
    heads = [("user", str(n), 1, bytes(32)) for n in range(5000)]  # a first line of ~500 kB
    for hours in (0, 24):
        checkpoint_line, data = checkpoints.line(
            history,
            KEYS.checkpoint,
            trail="t",
            at=FIXED_NOW + dt.timedelta(hours=hours),
            events=5000,
            heads=heads,
        )
        checkpoints.append(file, data)
        history = checkpoints.replay(file.read_bytes(), KEYS.checkpoint, "t")
        assert history.problem is None
        assert checkpoints.last_time(file) == checkpoint_line.at
    assert history.lines == 2


@pytest.mark.slow
def test_the_embedded_database_keeps_its_checkpoints_in_the_data_folder(tmp_path: Path) -> None:
    """The one-command setup: the key and the checkpoint file live in the data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")}
    env["MEDSKAPA_DATA_DIR"] = str(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "medskapa.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run("db", "migrate").returncode == 0
    written = run("audit", "checkpoint")
    assert written.returncode == 0, written.stderr
    file = tmp_path / "audit-checkpoints.jsonl"
    assert f"Checkpoint written to {file}: 0 events in 0 chains" in written.stdout
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    checked = run("audit", "verify")
    assert checked.returncode == 0, checked.stderr
    assert f"as far as the 1 checkpoint(s) in {file} saw" in checked.stdout


def test_the_settings_are_read_and_checked() -> None:
    settings = Settings.from_env(
        {"MEDSKAPA_AUDIT_CHECKPOINTS": "~/medskapa.jsonl", "MEDSKAPA_AUDIT_CHECKPOINT_HOURS": "0"}
    )
    assert settings.audit_checkpoints == Path("~/medskapa.jsonl").expanduser()
    assert settings.audit_checkpoint_hours == 0
    with pytest.raises(SettingsError, match="MEDSKAPA_AUDIT_CHECKPOINT_HOURS"):
        Settings.from_env({"MEDSKAPA_AUDIT_CHECKPOINT_HOURS": "-1"})
