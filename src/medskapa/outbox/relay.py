"""The relay: sends what the outbox holds, once, and never loses a message.

A relay claims a batch of due rows with ``FOR UPDATE SKIP LOCKED`` and takes a lease on them
(``claimed_by``, ``lease_until``) in one short statement, then sends them over one SMTP
connection (kept while there is work, closed when the outbox is empty), and marks each row as
it goes. Several relays (every ``serve`` worker, separate
``medskapa outbox run`` processes) skip each other's rows, so none is sent twice while its lease
runs. A relay that dies mid-batch leaves leases that run out; the rows are then sent again by
whoever comes next, with the same Message-ID, so the receiving side can recognise the resend.
That is the one case of a second delivery, and it cannot be closed: the SMTP server may have
accepted the message a moment before the relay died, and nothing tells us.

Temporary failures (4xx, a server that is down or disconnects) are retried with exponential
backoff and full jitter; permanent failures (5xx) and messages that ran out of attempts become
dead letters, which admins see and can send again. Error text from the server is not stored
(it often repeats the address): only the reply code or the error's class.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import hashlib
import hmac
import logging
import random
import uuid
from collections.abc import Callable
from email.message import EmailMessage

import aiosmtplib
import asyncpg
import msgspec

from medskapa.audit import service as audit
from medskapa.audit.domain import AuditEvent
from medskapa.clock import utc_now
from medskapa.settings import Settings

from . import queries
from .queries import Claimed
from .render import TemplateMissing, render

log = logging.getLogger("medskapa.outbox")

SUBJECT = "outbox_message"
ACTOR = "system:outbox-relay"
BATCH = 50
LEASE = dt.timedelta(minutes=5)
"""Longer than a batch can take (BATCH messages, each within the SMTP timeout), so that a live
relay never loses its lease to another."""
MAX_ATTEMPTS = 10
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0
IDLE_SECONDS = 2.0


class Outcome(msgspec.Struct, frozen=True):
    sent: int = 0
    retried: int = 0
    dead: int = 0


class _Temporary(Exception):
    """Worth trying again later: the server is away, busy or said 4xx."""


class _Permanent(Exception):
    """Will not succeed by trying again: the server said 5xx, or there is no recipient."""


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> dt.timedelta:
    """Exponential backoff with full jitter: a random wait up to 30 s · 2^(n-1), at most 1 h,
    and at least a second, so that many relays retrying after an outage spread out."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=max(1.0, ceiling * rand()))


def message_id(row_id: int, key: bytes, domain: str) -> str:
    """The same for every attempt at one row, and not guessable from the row id alone."""
    tag = hmac.new(key, f"outbox:{row_id}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"<outbox.{row_id}.{tag}@{domain}>"


def sender_domain(settings: Settings) -> str:
    _, address = email.utils.parseaddr(settings.smtp_from)
    return address.rpartition("@")[2] or "medskapa.invalid"


def build_message(row: Claimed, settings: Settings, key: bytes, now: dt.datetime) -> EmailMessage:
    assert row.address is not None
    rendered = render(row.template, row.context, base_url=settings.base_url)
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = row.address
    msg["Subject"] = rendered.subject
    msg["Date"] = email.utils.format_datetime(now)
    msg["Message-ID"] = message_id(row.id, key, sender_domain(settings))
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = "sv, en"
    if rendered.unsubscribe is not None:
        # RFC 8058 one-click: the mail program POSTs "List-Unsubscribe=One-Click" to this URL.
        # (RFC 8058 also wants a DKIM signature covering both headers: the sending MTA's job.)
        msg["List-Unsubscribe"] = f"<{rendered.unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg


async def claim(
    conn: asyncpg.Connection, relay: uuid.UUID, now: dt.datetime, limit: int = BATCH
) -> list[Claimed]:
    """Take up to ``limit`` due rows for ``relay``: pending, due, and not leased by a live relay."""
    return await queries.claim(conn, relay, now, now + LEASE, limit)


async def mark_sent(
    conn: asyncpg.Connection, relay: uuid.UUID, row: Claimed, now: dt.datetime
) -> bool:
    """Record the send and its audit event in one statement; False when the lease was lost."""
    event = AuditEvent(
        occurred_at=now,
        actor=ACTOR,
        action="outbox.sent",
        subject_type=SUBJECT,
        subject_id=str(row.id),
        seq=(row.trail_seq or 0) + 1,
        from_state="pending",
        to_state="sent",
        reason_code=row.template,
        prev_hash=row.trail_hash,
    )
    return await queries.mark_sent(conn, relay, row.id, now, audit.insert_values(conn, event))


async def mark_failed(
    conn: asyncpg.Connection,
    relay: uuid.UUID,
    row: Claimed,
    now: dt.datetime,
    error: str,
    *,
    permanent: bool,
) -> str:
    """Schedule a retry, or make the row a dead letter; returns the new status."""
    dead = permanent or row.attempts >= MAX_ATTEMPTS
    async with conn.transaction():
        status = await queries.mark_failed(
            conn,
            relay,
            row.id,
            status="dead" if dead else "pending",
            error=error[:200],
            next_attempt_at=now + backoff(row.attempts),
            now=now,
        )
        if status == "dead":
            await audit.record(
                conn,
                at=now,
                actor=ACTOR,
                action="outbox.dead",
                subject_type=SUBJECT,
                subject_id=str(row.id),
                from_state="pending",
                to_state="dead",
                reason_code=row.template,
            )
    return status or "lost"


async def release(conn: asyncpg.Connection, relay: uuid.UUID, ids: list[int]) -> None:
    """Give back rows claimed but not tried (at shutdown), without counting an attempt."""
    if ids:
        await queries.release(conn, relay, ids)


def _smtp(settings: Settings) -> aiosmtplib.SMTP:
    assert settings.smtp_host is not None
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        use_tls=settings.smtp_security == "tls",
        start_tls=settings.smtp_security == "starttls",
        timeout=settings.smtp_timeout,
    )


def _classify(exc: BaseException) -> Exception:
    """Our two kinds of failure, with a storable description that holds no address."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = sorted({r.code for r in exc.recipients})
        label = f"recipient refused {'/'.join(map(str, codes))}"
        return _Permanent(label) if all(c >= 500 for c in codes) else _Temporary(label)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        label = f"SMTP {exc.code}"
        return _Permanent(label) if exc.code >= 500 else _Temporary(label)
    return _Temporary(type(exc).__name__)


class Relay:
    """One relay: ``run_once`` sends one batch, ``run`` keeps going until ``stop`` is set."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        key: bytes,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        if settings.smtp_host is None:
            raise ValueError("the relay needs MEDSKAPA_SMTP_HOST")
        self.id = uuid.uuid4()
        self._pool = pool
        self._settings = settings
        self._key = key
        self._clock = clock
        self._smtp: aiosmtplib.SMTP | None = None

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self._run(stop)
        finally:
            await self._disconnect()

    async def _run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                outcome = await self.run_once(stop)
            except Exception as exc:  # the database away for a while must not end the relay
                log.warning("outbox relay batch failed", extra={"error": type(exc).__name__})
                outcome = Outcome()
            if outcome == Outcome():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_SECONDS)

    async def run_once(self, stop: asyncio.Event | None = None) -> Outcome:
        # One connection for the batch (the relay holds one of the pool's connections while it
        # sends), one SMTP connection for the batch.
        async with self._pool.acquire() as conn:
            batch = await claim(conn, self.id, self._clock())
            if not batch:
                # Idle: let the SMTP connection go; it is kept only while there is work.
                await self._disconnect()
                return Outcome()
            return await self._send(conn, batch, stop)

    async def close(self) -> None:
        await self._disconnect()

    async def _send(
        self, conn: asyncpg.Connection, batch: list[Claimed], stop: asyncio.Event | None
    ) -> Outcome:
        sent = retried = dead = 0
        pending = list(batch)
        try:
            while pending and not (stop is not None and stop.is_set()):
                row = pending.pop(0)
                failure = await self._deliver(row)
                if failure is None:
                    sent += await mark_sent(conn, self.id, row, self._clock())
                    continue
                permanent = isinstance(failure, _Permanent)
                status = await mark_failed(
                    conn, self.id, row, self._clock(), str(failure), permanent=permanent
                )
                dead += status == "dead"
                retried += status == "pending"
                if not permanent and not self._connected():
                    # The server is away: the rest of the batch waits for its own backoff
                    # rather than hammering it now.
                    for other in pending:
                        status = await mark_failed(
                            conn, self.id, other, self._clock(), str(failure), permanent=False
                        )
                        dead += status == "dead"
                        retried += status == "pending"
                    pending = []
        finally:
            # Rows claimed but not tried (a stop, or an error): back to the queue at once.
            await release(conn, self.id, [row.id for row in pending])
        if sent or retried or dead:
            log.info("outbox batch", extra={"sent": sent, "retried": retried, "dead": dead})
        return Outcome(sent=sent, retried=retried, dead=dead)

    def _connected(self) -> bool:
        return self._smtp is not None and self._smtp.is_connected

    async def _disconnect(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                smtp.close()

    async def _deliver(self, row: Claimed) -> Exception | None:
        """Send one row over the batch's SMTP connection (opened when needed); None when the
        server took it, else the failure, classified."""
        try:
            if row.address is None:
                return _Permanent("recipient gone")
            message = build_message(row, self._settings, self._key, self._clock())
            reused = self._connected()
            if not reused:
                self._smtp = _smtp(self._settings)
                await self._smtp.connect()
            assert self._smtp is not None
            try:
                await self._smtp.send_message(message)
            except aiosmtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                # A connection kept from an earlier batch may have been closed by the server
                # while we were idle; that is no failure of this message: once more, afresh.
                self._smtp = _smtp(self._settings)
                await self._smtp.connect()
                await self._smtp.send_message(message)
        except TemplateMissing as exc:
            return _Permanent(f"template missing: {exc}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return _classify(exc)
        return None
