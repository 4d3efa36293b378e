"""Structured logs: one JSON object a line, with what happened and never what was sent.

Request lines name the method, the route template (never the raw path or query string),
the status and the duration. Bodies, cookies, headers, tokens, receipt codes, passwords,
feedback text and client addresses are never logged.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"asctime"}
request_log = logging.getLogger("medskapa.request")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[0] is not None:
            # The type and where, not the message: messages can quote input.
            entry["exception"] = record.exc_info[0].__name__
        return msgspec.json.encode(entry).decode()


def configure_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("medskapa")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    root.propagate = False


def request_logging(app: ASGIApp) -> ASGIApp:
    """ASGI middleware writing one line per request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, capture)
        finally:
            request_log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": scope.get("path_template", "-"),
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

    return middleware
