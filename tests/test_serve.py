"""`medskapa serve` as a newcomer runs it: embedded PostgreSQL, demo data, data kept."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from medskapa.db.embedded import EmbeddedPostgres
from tests.live import HTTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(
    data_dir: Path, port: int, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")} | (env or {})
    env["MEDSKAPA_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "medskapa.cli", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(proc: subprocess.Popen[str], port: int, within: float = 60) -> dict:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            response = HTTP.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become healthy in time")


def stop(proc: subprocess.Popen[str], how: signal.Signals = signal.SIGINT) -> str:
    proc.send_signal(how)
    out, _ = proc.communicate(timeout=30)
    return out


@pytest.mark.slow
def test_serve_starts_embedded_database_with_demo_and_keeps_data(tmp_path: Path) -> None:
    port = free_port()
    started = time.monotonic()
    proc = serve(tmp_path, port, "--workers", "2")
    try:
        health = wait_healthy(proc, port)
        startup_seconds = time.monotonic() - started
        assert health["database"] == "ok"
        catalogue = HTTP.get(f"http://127.0.0.1:{port}/kunskapsstod", timeout=5)
        assert catalogue.status_code == 200
        assert catalogue.text.count('<li>\n    <h2><a href="/kunskapsstod/') >= 8
        assert "server" not in {k.lower() for k in catalogue.headers}
    finally:
        output = stop(proc)
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert startup_seconds < 60

    # Between runs, add something of our own to the embedded database.
    async def add_area() -> None:
        server = EmbeddedPostgres(tmp_path)
        conn = await asyncpg.connect(server.start())
        await conn.execute(
            "INSERT INTO programme_areas (slug, name) VALUES ('kvar-efter-omstart', "
            "'Kvar efter omstart')"
        )
        await conn.close()
        server.stop()

    asyncio.run(add_area())

    proc = serve(tmp_path, port)
    try:
        wait_healthy(proc, port)
        home = HTTP.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert "Kvar efter omstart" in home.text
    finally:
        # As a service manager stops it: SIGTERM. The embedded PostgreSQL stops with it.
        output = stop(proc, signal.SIGTERM)
    assert "Demo content loaded" not in output
    assert proc.returncode == 0, output
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists(), "embedded PostgreSQL still runs"


@pytest.mark.slow
def test_serve_under_granian(tmp_path: Path) -> None:
    """MEDSKAPA_SERVER=granian runs the same app in granian, and stops as uvicorn does."""
    port = free_port()
    proc = serve(tmp_path, port, "--workers", "2", env={"MEDSKAPA_SERVER": "granian"})
    try:
        assert wait_healthy(proc, port)["database"] == "ok"
        page = HTTP.get(f"http://127.0.0.1:{port}/kunskapsstod", timeout=5)
        assert page.status_code == 200
        assert page.headers["etag"]
        assert "set-cookie" not in page.headers
        assert page.headers.get("server", "") in ("", "granian"), page.headers
        again = HTTP.get(
            f"http://127.0.0.1:{port}/kunskapsstod",
            headers={"If-None-Match": page.headers["etag"]},
            timeout=5,
        )
        assert again.status_code == 304
    finally:
        output = stop(proc, signal.SIGTERM)
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists(), "embedded PostgreSQL still runs"
