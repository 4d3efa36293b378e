"""`medskapa outbox run` as a real process: killed mid-batch it loses nothing; stopped with
SIGTERM it gives its leases back, and it stops even when its database no longer answers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import asyncpg
import pytest

from medskapa.outbox.cli import STOP_GRACE_SECONDS
from tests.factories import TEST_SECRET
from tests.forward import Forwarder
from tests.outbox.test_relay import fill
from tests.smtp import SmtpServer, free_port

COUNT = 300


def start_relay(database_url: str, smtp: SmtpServer, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")},
        **smtp.env(),
        "MEDSKAPA_DATABASE_URL": database_url,
        "MEDSKAPA_SECRET_KEY": TEST_SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "medskapa.cli", "outbox", "run", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def wait_for_deliveries(smtp: SmtpServer, at_least: int, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while len(smtp.mailbox.headers("Message-ID")) < at_least:
        assert time.monotonic() < deadline, "the relay sent too little in time"
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_killing_a_relay_mid_batch_loses_nothing(
    database_url: str, conn: asyncpg.Connection, smtp: SmtpServer
) -> None:
    now = await conn.fetchval("SELECT now()")
    await fill(conn, COUNT, now)
    smtp.mailbox.delay = 0.01
    for _ in range(3):  # killed three times, at different points of a batch
        relay = start_relay(database_url, smtp)
        await wait_for_deliveries(smtp, len(smtp.mailbox.headers("Message-ID")) + 37)
        relay.send_signal(signal.SIGKILL)
        relay.wait()
    leased = await conn.fetchval(
        "SELECT count(*) FROM outbox_messages WHERE status = 'pending' AND lease_until > now()"
    )
    assert leased > 0, "the killed relay left rows it held"
    # Time passes: the dead relay's leases run out (five minutes, not waited for here).
    await conn.execute("UPDATE outbox_messages SET lease_until = now() - interval '1 second'")

    smtp.mailbox.delay = 0
    finish = start_relay(database_url, smtp, "--once")
    _, err = finish.communicate(timeout=120)
    assert finish.returncode == 0, err.decode()

    assert await conn.fetchval("SELECT count(*) FROM outbox_messages WHERE status <> 'sent'") == 0
    ids = smtp.mailbox.headers("Message-ID")
    expected = await conn.fetchval("SELECT count(*) FROM outbox_messages")
    assert len(set(ids)) == expected == COUNT, "every message arrived"
    # A kill can land after the server took a message and before the relay marked it: that
    # message comes again, recognisably, with the same Message-ID. At most one per kill.
    assert len(ids) - len(set(ids)) <= 3


@pytest.mark.slow
async def test_sigterm_finishes_the_message_and_gives_the_batch_back(
    database_url: str, conn: asyncpg.Connection, smtp: SmtpServer
) -> None:
    now = await conn.fetchval("SELECT now()")
    await fill(conn, 100, now)
    smtp.mailbox.delay = 0.05
    relay = start_relay(database_url, smtp)
    await wait_for_deliveries(smtp, 5)
    relay.send_signal(signal.SIGTERM)
    relay.wait(timeout=30)
    assert relay.returncode == 0

    delivered = len(smtp.mailbox.headers("Message-ID"))
    sent = await conn.fetchval("SELECT count(*) FROM outbox_messages WHERE status = 'sent'")
    assert sent == delivered, "every message the server took is marked sent, and no other"
    held = await conn.fetchval(
        "SELECT count(*) FROM outbox_messages WHERE status = 'pending' "
        "AND (lease_until IS NOT NULL OR claimed_by IS NOT NULL)"
    )
    assert held == 0, "the rest of the batch was given back, not left to a lease"
    attempts = await conn.fetchval(
        "SELECT max(attempts) FROM outbox_messages WHERE status = 'pending'"
    )
    assert attempts == 0, "a message given back untried has not used an attempt"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("waiting", "said"),
    [
        # Between polls: the loop sees the stop at once; closing the pool is what waits.
        (0, "connections still in use at shutdown were closed"),
        # A poll in flight, its answer never coming.
        (3, "its database connections are cut"),
    ],
)
def test_sigterm_stops_the_relay_whose_database_stopped_answering(
    database_url: str, smtp: SmtpServer, waiting: float, said: str
) -> None:
    """Seen in the pod test: the relay, idle, got SIGTERM when its database through PgBouncer
    no longer answered, and was killed 30 s later (137), its log saying nothing. It waited on
    that database; now it waits a few seconds at most, cuts its connections and ends, status 0."""
    forwarder = Forwarder(database_url, free_port())
    forwarder.start()
    try:
        relay = start_relay(forwarder.url_here, smtp)
        try:
            time.sleep(4)  # connected, and polling every two seconds
            assert relay.poll() is None, relay.communicate()
            forwarder.freeze()
            time.sleep(waiting)
            started = time.monotonic()
            relay.send_signal(signal.SIGTERM)
            _, err = relay.communicate(timeout=4 * STOP_GRACE_SECONDS)
        finally:
            relay.kill()
    finally:
        forwarder.stop()
    assert relay.returncode == 0, err.decode()
    assert time.monotonic() - started < 3 * STOP_GRACE_SECONDS
    assert said in err.decode()
    assert "Traceback" not in err.decode()
