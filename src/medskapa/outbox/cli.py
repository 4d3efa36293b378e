"""`medskapa outbox run [--once]`: the relay as a process of its own. The command (cli.py)
opens the pool (its connections bound to the audit keys); this module runs the relay on it."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from typing import Any

import asyncpg

from medskapa.settings import Settings

from .relay import Outcome, Relay


def add_commands(commands: Any, handler: Callable[..., None]) -> None:
    outbox = commands.add_parser("outbox", help="the e-mail outbox")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True, metavar="COMMAND")
    run_parser = outbox_commands.add_parser(
        "run",
        help="send the outbox through MEDSKAPA_SMTP_HOST until stopped (any number may run)",
    )
    run_parser.add_argument("--once", action="store_true", help="send what is due now, then stop")
    run_parser.set_defaults(handler=handler)


async def run(pool: asyncpg.Pool, settings: Settings, key: bytes, *, once: bool) -> None:
    """Send what is due and stop (``once``), or keep sending until SIGTERM or Ctrl-C."""
    relay = Relay(pool, settings, key)
    if once:
        total = Outcome()
        while True:
            outcome = await relay.run_once()
            if outcome == Outcome():
                break
            total = Outcome(
                total.sent + outcome.sent,
                total.retried + outcome.retried,
                total.dead + outcome.dead,
            )
        print(f"Sent {total.sent}, to retry later {total.retried}, dead letters {total.dead}.")
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("The outbox relay is running; stop it with Ctrl-C.", file=sys.stderr)
    await relay.run(stop)
