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

A message is written straight to the bytes that go over the wire (``Composer``): the header
fields that hold text through ``email.policy`` (RFC 2047 words, folding), the two bodies as
quoted-printable by ``binascii``. Building an ``EmailMessage`` and flattening it cost about 3 ms
of CPU a message (most of it the email package parsing back the headers it had just been
given), ten times as much, and the relay runs in each server's event loop, where that time is
taken from the requests.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import datetime as dt
import email.policy
import email.utils
import functools
import hashlib
import hmac
import logging
import random
import re
import secrets
import uuid
from collections.abc import Callable

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


class Outgoing(msgspec.Struct, frozen=True):
    """One message as it goes over the wire, with its envelope."""

    sender: str
    recipient: str
    content: bytes
    utf8: bool
    """The recipient's address is not ASCII: the message needs SMTPUTF8 (RFC 6531)."""


class Unsendable(ValueError):
    """The row cannot become a well-formed message (a line break or control character where a
    header field would get it): sending it again will not help."""


_ASCII = email.policy.SMTP
_UTF8 = email.policy.SMTPUTF8
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_MAX_LINE = 998
"""RFC 5322 2.1.1: no line of a message longer than this (without its CRLF)."""


def _field(name: str, value: str, policy: email.policy.EmailPolicy = _ASCII) -> str:
    """One header field, CRLF-terminated: parsed as its kind (address, unstructured text),
    non-ASCII as RFC 2047 words (or raw UTF-8 under the SMTPUTF8 policy), folded at 78."""
    if _CONTROL.search(value):
        raise Unsendable(name)
    return policy.header_factory(name, value).fold(policy=policy)


_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
"""An ASCII dot-atom address (almost every address): the email package would write it
unchanged, so it is written without being parsed first."""


def _to_field(address: str) -> str:
    if _PLAIN_ADDRESS.fullmatch(address):
        return _verbatim("To", address)
    return _field("To", address, _ASCII if address.isascii() else _UTF8)


@functools.lru_cache(maxsize=256)
def _subject_field(subject: str) -> str:
    # Most mail of a batch shares its subject (one per template and language, or per
    # document followed): folded once, not parsed again for each message.
    return _field("Subject", subject)


def _verbatim(name: str, value: str) -> str:
    """A field written as given (``<URL>``, a date, a Message-ID): RFC 2047 words have no
    place there, and the email package would fold a long URL into them (a mail program then
    finds no ``<https:...>`` in List-Unsubscribe)."""
    line = f"{name}: {value}"
    if not value.isascii() or _CONTROL.search(value) or len(line) > _MAX_LINE:
        raise Unsendable(name)
    return line + "\r\n"


def _quoted_printable(text: str) -> bytes:
    """``text`` as quoted-printable UTF-8 lines of at most 76 characters, CRLF-terminated,
    ending with a line break (as the email package writes a text part)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return binascii.b2a_qp(text.encode(), istext=True).replace(b"\n", b"\r\n")


class Composer:
    """Writes the messages of one relay; what is the same in every message (the sender, its
    From field, the Message-ID domain) is worked out once."""

    def __init__(self, settings: Settings, key: bytes) -> None:
        self._base_url = settings.base_url
        self._key = key
        self._domain = sender_domain(settings)
        _, self._sender = email.utils.parseaddr(settings.smtp_from)
        self._from = _field("From", settings.smtp_from)

    def build(self, row: Claimed, now: dt.datetime) -> Outgoing:
        """The message for ``row``: multipart/alternative, plain text then HTML. Raises
        ``TemplateMissing`` and ``Unsendable``."""
        assert row.address is not None
        rendered = render(row.template, row.context, base_url=self._base_url)
        utf8 = not row.address.isascii()
        # "=_" cannot occur in quoted-printable text (a "=" is written "=3D"), so no body line
        # can be taken for the boundary (RFC 2045 6.7, RFC 2046 5.1.1).
        boundary = f"=_{secrets.token_hex(16)}"
        head = [
            self._from,
            _to_field(row.address),
            _subject_field(rendered.subject),
            _verbatim("Date", email.utils.format_datetime(now)),
            _verbatim("Message-ID", message_id(row.id, self._key, self._domain)),
            "Auto-Submitted: auto-generated\r\n",
            # Of the whole message: both parts hold Swedish, then English.
            "Content-Language: sv, en\r\n",
        ]
        if rendered.unsubscribe is not None:
            # RFC 8058 one-click: the mail program POSTs "List-Unsubscribe=One-Click" to this
            # URL. (RFC 8058 also wants a DKIM signature covering both headers: the sending
            # MTA's job.)
            head.append(_verbatim("List-Unsubscribe", f"<{rendered.unsubscribe}>"))
            head.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
        head.append("MIME-Version: 1.0\r\n")
        head.append(f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n')
        parts = [
            (
                f"\r\n--{boundary}\r\n"
                f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            ).encode()
            + _quoted_printable(body)
            for subtype, body in (("plain", rendered.text), ("html", rendered.html))
        ]
        content = (
            "".join(head).encode("utf-8" if utf8 else "ascii")
            + b"".join(parts)
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return Outgoing(sender=self._sender, recipient=row.address, content=content, utf8=utf8)


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
        self._composer = Composer(settings, key)
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
            message = self._composer.build(row, self._clock())
            reused = self._connected()
            if not reused:
                self._smtp = _smtp(self._settings)
                await self._smtp.connect()
            assert self._smtp is not None
            try:
                await _transmit(self._smtp, message)
            except aiosmtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                # A connection that carried the message before (or an earlier batch) may have
                # been closed by the server since: no failure of this message, so once more,
                # afresh. (Had the server taken it just before hanging up, it goes out twice
                # with the same Message-ID; nothing tells us.)
                self._smtp = _smtp(self._settings)
                await self._smtp.connect()
                await _transmit(self._smtp, message)
        except TemplateMissing as exc:
            return _Permanent(f"template missing: {exc}")
        except Unsendable as exc:
            return _Permanent(f"unsendable {exc}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return _classify(exc)
        return None


async def _transmit(smtp: aiosmtplib.SMTP, message: Outgoing) -> None:
    # A recipient address in UTF-8 needs SMTPUTF8 (which implies 8BITMIME, RFC 6531 3.1);
    # aiosmtplib refuses before MAIL FROM when the server lacks it. The bodies are 7-bit.
    options = ["SMTPUTF8", "BODY=8BITMIME"] if message.utf8 else []
    await smtp.sendmail(message.sender, [message.recipient], message.content, mail_options=options)
