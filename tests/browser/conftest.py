"""Real-browser tests: Debian's chromium driven by Playwright against a real server process.

Playwright never downloads a browser here; it starts /usr/bin/chromium. Without it these tests
are skipped with a reason that says how to get it (CI installs it, see .ci/run).

The async Playwright API runs on the same session-wide event loop as the rest of the suite
(pytest-asyncio, asyncio_mode=auto, session loop scope), so the browser, the per-test database
fixtures and the tests all share one loop.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import msgspec
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.factories import TEST_SECRET
from tests.pg import unique_name, with_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_INSTALLED = CHROMIUM.is_file()
SKIP_REASON = "Debian's chromium is not installed (apt-get install chromium)"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 30
VIEWPORT = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test that needs the browser, before any fixture (server, database) starts."""
    if CHROMIUM_INSTALLED:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_INSTALLED:
        pytest.skip(SKIP_REASON)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _drain(stream: asyncio.StreamReader, into: list[str]) -> None:
    """Keep reading the server's output so its pipe never fills; keep it for failure messages."""
    while line := await stream.readline():
        into.append(line.decode(errors="replace"))


async def _wait_until_healthy(
    proc: asyncio.subprocess.Process, base_url: str, output: list[str]
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_SECONDS
    async with httpx.AsyncClient(timeout=2) as client:
        while loop.time() < deadline:
            if proc.returncode is not None:
                await asyncio.sleep(0.2)  # let the drain task read the last lines
                pytest.fail(
                    f"the server exited with {proc.returncode} before it was healthy:\n"
                    + "".join(output),
                    pytrace=False,
                )
            try:
                if (await client.get(f"{base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(
        f"the server did not answer GET /healthz with 200 within {STARTUP_SECONDS} s:\n"
        + "".join(output),
        pytrace=False,
    )


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), timeout=15)
    except TimeoutError:
        proc.kill()
        await proc.wait()


@asynccontextmanager
async def _serve(
    database_url: str, settings: Mapping[str, str] | None = None
) -> AsyncIterator[str]:
    """Run the app under uvicorn in its own process on ``database_url``; yield its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")}
    env.update(settings or {})
    env["MEDSKAPA_DATABASE_URL"] = database_url
    env["MEDSKAPA_SECRET_KEY"] = TEST_SECRET
    # Its own address: links are made from it, and requests must name it as their Host.
    env["MEDSKAPA_BASE_URL"] = f"http://127.0.0.1:{port}"
    # A plain http:// server on 127.0.0.1, as in development (cookies without Secure).
    env["MEDSKAPA_DEV_INSECURE_COOKIES"] = "true"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "medskapa.app:create_app_from_env",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output: list[str] = []
    assert proc.stdout is not None
    drain = asyncio.create_task(_drain(proc.stdout, output))
    base_url = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_healthy(proc, base_url, output)
        yield base_url
    finally:
        await _stop(proc)
        await drain


@pytest_asyncio.fixture(loop_scope="session")
async def live_server(database_url: str) -> AsyncIterator[str]:
    """The real app under uvicorn in its own process, on this test's own database.

    Yields the base URL, e.g. ``http://127.0.0.1:54321``."""
    async with _serve(database_url) as base_url:
        yield base_url


class SharedServer(msgspec.Struct, frozen=True):
    url: str
    database_url: str


# One browser client makes every request of a module; the per-client limits would otherwise
# count across its tests. The limits themselves are tested in tests/feedback/test_limits.py.
SHARED_SERVER_SETTINGS = {
    "MEDSKAPA_SUBMIT_LIMIT": "10000",
    "MEDSKAPA_RECEIPT_LOOKUP_LIMIT": "10000",
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared_server(pg_url: str, template_database: str) -> AsyncIterator[SharedServer]:
    """One server and one database (migrated, demo catalogue) for all tests of a module.

    Quicker than ``live_server`` when a module has many tests; each test must then find its
    own data (e.g. by a unique word in its text) instead of counting rows."""
    name = unique_name("medskapa_mod")
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    finally:
        await admin.close()
    database_url = with_database(pg_url, name)
    try:
        async with _serve(database_url, SHARED_SERVER_SETTINGS) as base_url:
            yield SharedServer(base_url, database_url)
    finally:
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser context and page: Swedish locale, a desktop viewport.

    The context bypasses the Content-Security-Policy only so that the axe-core script can be
    injected inline (the app's policy rightly forbids inline script). Uncaught script errors on
    the page fail the test."""
    context = await browser.new_context(viewport=VIEWPORT, locale="sv-SE", bypass_csp=True)
    context.set_default_timeout(10_000)
    new_page = await context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield new_page
    finally:
        await context.close()
    assert not errors, f"uncaught script errors on the page: {errors}"


@pytest_asyncio.fixture(loop_scope="session")
async def nojs_page(browser: Browser) -> AsyncIterator[Page]:
    """Like ``page``, with JavaScript switched off: what the app must still do without it."""
    context = await browser.new_context(
        viewport=VIEWPORT, locale="sv-SE", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()
