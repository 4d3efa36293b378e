"""Slow and oversized requests against a real server process: a body that stops arriving gets
408, a slow but steady one is fine, and a stream of oversized bodies leaves memory flat."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.factories import first_document
from tests.live import running_server

pytestmark = pytest.mark.slow

ENV = {"MEDSKAPA_BODY_TIMEOUT": "1", "MEDSKAPA_SUBMIT_LIMIT": "1000000"}


def _connect(base_url: str) -> socket.socket:
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def _head(length: int) -> bytes:
    return (
        "POST /api/v1/feedback HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _read_response(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
        if b"\r\n\r\n" in b"".join(chunks) and b'"status"' in b"".join(chunks):
            break
    return b"".join(chunks)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_a_body_that_stops_arriving_gets_408(database_url: str) -> None:
    with running_server(database_url, env=ENV) as (base_url, _):
        sock = _connect(base_url)
        sock.sendall(_head(200) + b'{"document": ')
        started = time.monotonic()
        answer = await asyncio.to_thread(_read_response, sock)
        waited = time.monotonic() - started
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"connection: close" in answer.lower()
    assert 0.8 < waited < 5


async def test_a_slow_but_steady_body_is_fine(database_url: str, conn: asyncpg.Connection) -> None:
    slug, _, _ = await first_document(conn)
    body = json.dumps(
        {"document": slug, "category": "other", "role": "patient", "text": "Långsam men säker."}
    ).encode()
    with running_server(database_url, env=ENV) as (base_url, _):
        sock = _connect(base_url)
        sock.sendall(_head(len(body)))
        for start in range(0, len(body), len(body) // 4 + 1):
            await asyncio.sleep(0.5)  # each part well within the 1 s limit
            sock.sendall(body[start : start + len(body) // 4 + 1])
        answer = await asyncio.to_thread(_read_response, sock)
        sock.close()
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]


async def test_oversized_bodies_are_refused_and_memory_stays_flat(database_url: str) -> None:
    big = b"x" * (5 * 1024 * 1024)

    def chunked() -> object:
        for start in range(0, len(big), 256 * 1024):
            yield big[start : start + 256 * 1024]

    with running_server(database_url, env=ENV) as (base_url, proc):
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            for _ in range(3):  # warm up
                await client.post("/api/v1/feedback", content=big[:1000])
            before = _rss_kib(proc.pid)
            statuses = set()
            for _ in range(20):
                declared = await client.post(
                    "/api/v1/feedback", content=big, headers={"content-type": "application/json"}
                )
                statuses.add(declared.status_code)
            for _ in range(10):
                streamed = await asyncio.to_thread(
                    httpx.post,
                    f"{base_url}/api/v1/feedback",
                    content=chunked(),
                    headers={"content-type": "application/json"},
                    timeout=30,
                )
                statuses.add(streamed.status_code)
            after = _rss_kib(proc.pid)
    assert statuses == {413}
    # 30 bodies of 5 MiB went by; the server keeps none of them.
    assert after - before < 30 * 1024, f"RSS grew by {(after - before) // 1024} MiB"
