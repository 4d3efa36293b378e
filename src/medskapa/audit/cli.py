"""`medskapa audit verify | checkpoint | rekey`: the audit trail from the shell. The command
(cli.py) finds the database and the checkpoint file and binds the audit keys; this module says
what each subcommand does and what it prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from medskapa.audit.rekey import RekeyRefused, rekey
from medskapa.audit.verify import TrailBroken, checkpoint, verify
from medskapa.clock import utc_now
from medskapa.errors import CommandFailed


def add_commands(commands: Any, handler: Callable[..., None]) -> None:
    """The `audit` command and its subcommands, each run by ``handler``."""
    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    # Each subcommand reads or writes one checkpoint file: (name, help, its flag, its help).
    subcommands = (
        (
            "verify",
            "check every chain with the audit key and against the checkpoints; names the "
            "first broken event or removed chain",
            "--checkpoints",
            "checkpoint file (default MEDSKAPA_AUDIT_CHECKPOINTS)",
        ),
        (
            "checkpoint",
            "verify the trail, then append a signed line with every chain's head to the "
            "checkpoint file",
            "--out",
            "default MEDSKAPA_AUDIT_CHECKPOINTS",
        ),
        (
            "rekey",
            "once after upgrading: give events from before the audit key the keyed hash "
            "(as the tables' owner)",
            "--checkpoints",
            "checkpoint file (default MEDSKAPA_AUDIT_CHECKPOINTS); refused once it has lines",
        ),
    )
    for name, command_help, flag, file_help in subcommands:
        parser = audit_commands.add_parser(name, help=command_help)
        parser.add_argument(flag, dest="checkpoints", type=Path, metavar="FILE", help=file_help)
        parser.set_defaults(handler=handler)


def check_arguments(args: argparse.Namespace) -> None:
    """What can be refused before any database is started or reached."""
    given = args.checkpoints if args.audit_command == "verify" else None
    if given is not None and not given.is_file():
        raise CommandFailed(f"there is no checkpoint file {args.checkpoints}.")


def check_file(args: argparse.Namespace, path: Path | None) -> None:
    """What the checkpoint file found (``path``) rules out, before connecting."""
    if args.audit_command == "checkpoint" and path is None:
        raise CommandFailed(
            "say where the checkpoints go: --out FILE or MEDSKAPA_AUDIT_CHECKPOINTS "
            "(a file off the database host)."
        )
    if (
        args.audit_command == "rekey"
        and path is not None
        and path.is_file()
        and path.stat().st_size > 0
    ):
        raise CommandFailed(
            f"the trail has checkpoints in {path}, which are written only while every "
            "event is keyed: an unkeyed event now is forged, and rekey would hide it."
        )


async def run(conn: asyncpg.Connection, args: argparse.Namespace, path: Path | None) -> str:
    """Carry out one subcommand on a connection bound to the audit keys; the sentence to
    print, or ``CommandFailed``."""
    if args.audit_command == "verify":
        return await _verify(conn, path)
    if args.audit_command == "checkpoint":
        assert path is not None  # check_file
        return await _checkpoint(conn, path)
    return await _rekey(conn)


async def _verify(conn: asyncpg.Connection, path: Path | None) -> str:
    report = await verify(conn, against=path)
    if not report.intact:
        raise CommandFailed(report.describe())
    if path is None:
        against = (
            "; there is no checkpoint file (MEDSKAPA_AUDIT_CHECKPOINTS) to hold it to, so "
            "a chain removed whole would not show"
        )
    elif report.checkpoints == 0:
        against = f"; {path} holds no checkpoint yet (`medskapa audit checkpoint`)"
    else:
        against = f", as far as the {report.checkpoints} checkpoint(s) in {path} saw"
    return f"The audit trail is intact: {report.events} events in {report.chains} chains{against}."


async def _checkpoint(conn: asyncpg.Connection, path: Path) -> str:
    try:
        written = await checkpoint(conn, path, utc_now)
    except TrailBroken as exc:
        raise CommandFailed(f"no checkpoint written: {exc}") from exc
    assert written is not None  # it waits for the lock and is always due
    return (
        f"Checkpoint written to {path}: {written.events} events in {written.chains} "
        f"chains, tree head {written.tree_head}."
    )


async def _rekey(conn: asyncpg.Connection) -> str:
    try:
        done = await rekey(conn)
    except RekeyRefused as exc:
        raise CommandFailed(
            f"nothing was changed: the audit trail is broken at {exc} "
            "(`medskapa audit verify` names every problem)."
        ) from exc
    except asyncpg.InsufficientPrivilegeError as exc:
        raise CommandFailed(
            "rekey runs as the role that owns the tables (the one that runs `medskapa db migrate`)."
        ) from exc
    return f"Re-chained {done.changed} of {done.events} events under the audit key."
