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

STOP_GRACE_SECONDS = 5.0
"""After SIGTERM, how long the batch in hand may take to end its message and give the rest
back. Past it the relay's database connections are cut, so that a database (or PgBouncer, or
the network to it) that stopped answering cannot hold the relay until the orchestrator kills it;
what it held comes back when its leases run out."""


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
    running = asyncio.ensure_future(relay.run(stop))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        # The relay looks at the stop between messages and between batches.
        await asyncio.wait({running}, timeout=STOP_GRACE_SECONDS)
        if not running.done():
            print(
                f"The relay did not stop within {STOP_GRACE_SECONDS:.0f} s (the database or "
                "the mail server does not answer); its database connections are cut.",
                file=sys.stderr,
            )
            # The call it waits on fails, and its loop, which outlives a database error, sees
            # the stop.
            pool.terminate()
            await asyncio.wait({running}, timeout=STOP_GRACE_SECONDS)
        if not running.done():
            # Still connecting (a name lookup or a connection that does not answer).
            running.cancel()
            await asyncio.wait({running}, timeout=STOP_GRACE_SECONDS)
        if running.done() and not running.cancelled():
            running.result()
    finally:
        stopping.cancel()
