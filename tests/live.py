"""A real server process for tests that need one (browser, kill -9, load)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx

from tests.factories import TEST_SECRET

# ``httpx.get`` makes a new client, and with it a TLS context that reads the whole CA bundle
# (~25 ms of CPU), on every call. Polled every 0.1 s while a server started, that took ~1 min of
# CPU over the suite from the servers starting beside it. One client per process instead,
# without keep-alive: a poll must not reuse a connection to a server since killed.
HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    database_url: str,
    port: int,
    output: IO[bytes],
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start uvicorn; its output goes to a file, never to a pipe nobody reads (a full pipe
    blocks the server's logging and with it every request)."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")}
    child_env.update(env or {})
    child_env["MEDSKAPA_DATABASE_URL"] = database_url
    child_env["MEDSKAPA_SECRET_KEY"] = TEST_SECRET
    # Its own address: links are made from it, and requests must name it as their Host.
    child_env.setdefault("MEDSKAPA_BASE_URL", f"http://127.0.0.1:{port}")
    # A plain http:// server on 127.0.0.1, as in development.
    child_env["MEDSKAPA_DEV_INSECURE_COOKIES"] = "true"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "medskapa.app:create_app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-server-header",
            # As `medskapa serve`: the client address is the peer's unless
            # MEDSKAPA_TRUSTED_PROXIES says otherwise (security/proxies.py).
            "--no-proxy-headers",
            "--no-access-log",
        ],
        env=child_env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def _read(output: IO[bytes]) -> str:
    output.seek(0)
    return output.read().decode(errors="replace")


def wait_until_healthy(
    proc: subprocess.Popen[bytes], base_url: str, output: IO[bytes], within: float = 30
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{_read(output)}")
        try:
            if HTTP.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not become healthy in time:\n{_read(output)}")


@contextmanager
def running_server(
    database_url: str, **kwargs: object
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    with tempfile.TemporaryFile() as output:
        proc = start_server(database_url, port, output, **kwargs)  # type: ignore[arg-type]
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(proc, base_url, output)
            yield base_url, proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
