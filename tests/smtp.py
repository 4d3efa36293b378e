"""A real SMTP server for the tests (aiosmtpd, in a thread), that can be told to refuse."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage as Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What the server accepted, and what it should answer next."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._raw: list[bytes] = []
        self.reply: str | None = None
        """An SMTP reply for DATA instead of accepting, e.g. "451 4.3.0 Try again later"."""
        self.delay = 0.0
        """Seconds to wait before accepting each message (a slow server)."""
        self.drop: set[int] = set()
        """Which DATA commands (0 the first) the server answers by hanging up, without taking
        the message: a connection lost in the middle of a batch."""
        self.peers: list[tuple[str, int]] = []
        """The client end of the connection each accepted message came over."""
        self._data_commands = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            number = self._data_commands
            self._data_commands += 1
        if number in self.drop:
            server.transport.abort()  # no reply reaches the client
            return "421 4.4.2 Connection dropped"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reply is not None:
            return self.reply
        with self._lock:
            self._raw.append(envelope.content)
            self.peers.append(session.peer)
        return "250 2.0.0 OK"

    @property
    def raw(self) -> list[bytes]:
        """Everything accepted so far, as it came."""
        with self._lock:
            return list(self._raw)

    @property
    def messages(self) -> list[Message]:
        """Everything accepted so far, parsed (headers decoded)."""
        with self._lock:
            raw = list(self._raw)
        return [message_from_bytes(data, policy=policy.default) for data in raw]

    def headers(self, name: str) -> list[str]:
        """One header of every message, without parsing the bodies (for many messages)."""
        pattern = re.compile(rb"^" + name.encode() + rb": (.*?)\r?$", re.MULTILINE | re.IGNORECASE)
        with self._lock:
            raw = list(self._raw)
        found = []
        for data in raw:
            match = pattern.search(data.split(b"\r\n\r\n", 1)[0])
            found.append(match.group(1).decode() if match else "")
        return found

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """Start and stop on a fixed port, so a relay sees the same server go away and come back."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def env(self) -> dict[str, str]:
        """Settings that point medskapa at this server."""
        return {
            "MEDSKAPA_SMTP_HOST": self.host,
            "MEDSKAPA_SMTP_PORT": str(self.port),
            "MEDSKAPA_SMTP_SECURITY": "none",
            "MEDSKAPA_SMTP_FROM": "medskapa <no-reply@medskapa.example>",
        }


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
