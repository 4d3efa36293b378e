"""The outbox relay as the worker runs it, for tests that send real mail to tests/smtp.py's
server: one relay over a small pool of its own, and a way to send all that is queued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from medskapa.audit.keys import binder
from medskapa.db.pool import create_pool
from medskapa.outbox.jobs import relay_key
from medskapa.outbox.relay import Outcome, Relay
from medskapa.settings import Settings
from tests.factories import TEST_SECRET
from tests.smtp import SmtpServer


@asynccontextmanager
async def relay_to(database_url: str, smtp: SmtpServer, base_url: str) -> AsyncIterator[Relay]:
    """A relay that sends to ``smtp``, its links under ``base_url``."""
    settings = Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url=base_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        smtp_from="medskapa <no-reply@medskapa.example>",
        smtp_timeout=5.0,
    )
    pool = await create_pool(settings, database_url, size=2, set_up=binder(settings.secret_key))
    try:
        yield Relay(pool, settings, await relay_key(pool))
    finally:
        await pool.close()


async def drain(relay: Relay) -> int:
    """Send everything queued; how many mails went."""
    sent = 0
    while (outcome := await relay.run_once()) != Outcome():
        sent += outcome.sent
    return sent
