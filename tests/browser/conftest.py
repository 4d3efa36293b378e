"""Real-browser tests: Debian's Chromium driven by Playwright against the app under uvicorn.

Playwright never downloads a browser here; it starts Debian's chromium-headless-shell, or
/usr/bin/chromium where only that is installed. Without either these tests are skipped with a
reason that says how to get it (CI installs the headless shell, see .ci/run).

The async Playwright API runs on the same session-wide event loop as the rest of the suite
(pytest-asyncio, asyncio_mode=auto, session loop scope), so the browser, the per-test database
fixtures and the tests all share one loop.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import msgspec
import pytest
import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, Page, Playwright, async_playwright

from medskapa.settings import Settings
from tests.apps import app_for
from tests.factories import TEST_SECRET
from tests.pg import unique_name, with_database

# The headless shell is what Playwright itself runs for headless tests: the same Chromium (the
# same version, built from the same Debian source package: the same Blink, V8 and axe-core
# results) without the desktop browser around it. It takes half the CPU of the full browser
# in headless mode for the same tests (tests/browser/test_feedback.py: 28 s instead of 55 s
# of the browser's CPU; docs/benchmarks.md), and the browser tests were the suite's largest
# cost. Where only the full browser is installed, every test runs in it.
# One thing differs: the shell keeps what a frame on another site stores (cookies,
# localStorage) where the full browser's contexts do not. The tests marked ``full_browser``
# (the widget in a guidance site's frame, a foreign site's form) are about exactly that, and
# run in the full browser.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
FULL_BROWSER = Path("/usr/bin/chromium")
CHROMIUM = HEADLESS_SHELL if HEADLESS_SHELL.is_file() else FULL_BROWSER
CHROMIUM_INSTALLED = CHROMIUM.is_file()
FULL_BROWSER_INSTALLED = FULL_BROWSER.is_file()
SKIP_REASON = (
    "Debian's chromium is not installed (apt-get install chromium-headless-shell chromium)"
)
FULL_SKIP_REASON = (
    "Debian's chromium (the full browser this test needs) is not installed "
    "(apt-get install chromium)"
)
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
STOP_SECONDS = 10
VIEWPORT = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test that needs the browser, before any fixture (server, database) starts."""
    for item in items:
        if "browser" not in getattr(item, "fixturenames", ()):
            continue
        if not CHROMIUM_INSTALLED:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
        elif item.get_closest_marker("full_browser") and not FULL_BROWSER_INSTALLED:
            item.add_marker(pytest.mark.skip(reason=FULL_SKIP_REASON))


class _Browsers:
    """The browsers of this worker process, each started once, when a test first needs it."""

    def __init__(self, playwright: Playwright) -> None:
        self._playwright = playwright
        self._started: dict[Path, Browser] = {}

    async def get(self, executable: Path) -> Browser:
        if executable not in self._started:
            self._started[executable] = await self._playwright.chromium.launch(
                executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
            )
        return self._started[executable]

    async def close(self) -> None:
        for started in self._started.values():
            await started.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _browsers() -> AsyncIterator[_Browsers]:
    async with async_playwright() as playwright:
        browsers = _Browsers(playwright)
        try:
            yield browsers
        finally:
            await browsers.close()


@pytest_asyncio.fixture(loop_scope="session")
async def browser(request: pytest.FixtureRequest, _browsers: _Browsers) -> Browser:
    """The worker's browser: the headless shell, or the full browser for a test marked
    ``full_browser``; started once per worker process, a fresh context per test."""
    if request.node.get_closest_marker("full_browser") is not None:
        if not FULL_BROWSER_INSTALLED:
            pytest.skip(FULL_SKIP_REASON)
        return await _browsers.get(FULL_BROWSER)
    if not CHROMIUM_INSTALLED:
        pytest.skip(SKIP_REASON)
    return await _browsers.get(CHROMIUM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# One port per kind of server and worker process, so that the settings (whose base URL names
# the port) are the same from test to test and the app is built once (tests/apps.py). A server
# is stopped before the next of its kind starts on the same port.
_PORTS: dict[str, int] = {}


@asynccontextmanager
async def _serve(
    role: str, database_url: str, extra: Mapping[str, str] | None = None
) -> AsyncIterator[str]:
    """Run the app under uvicorn on ``database_url``, in this process and on this event loop
    (the browser's requests are served while the test awaits Playwright); yield its base URL.

    The settings come from the same variables a server process reads. Starting the built app
    takes a fraction of a second; a new process took ~3 s (imports, building the app)."""
    port = _PORTS.setdefault(role, _free_port())
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings.from_env(
        {
            **(extra or {}),
            "MEDSKAPA_DATABASE_URL": database_url,
            "MEDSKAPA_SECRET_KEY": TEST_SECRET,
            # Its own address: links are made from it, and requests must name it as their Host.
            "MEDSKAPA_BASE_URL": base_url,
            # A plain http:// server on 127.0.0.1, as in development (cookies without Secure).
            "MEDSKAPA_DEV_INSECURE_COOKIES": "true",
        }
    )
    config = uvicorn.Config(
        app_for(settings, role),
        host="127.0.0.1",
        port=port,
        lifespan="on",
        # As `medskapa serve`: the client address is the peer's (security/proxies.py).
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_config=None,  # the test run's logging stays as it is
        timeout_graceful_shutdown=STOP_SECONDS,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(), name=f"{role} on {port}")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_SECONDS
    while not server.started:
        if serving.done():
            serving.result()  # raises what stopped it
            pytest.fail("the server stopped before it started", pytrace=False)
        if loop.time() > deadline:
            server.should_exit = True
            await serving
            pytest.fail(f"the server did not start within {STARTUP_SECONDS} s", pytrace=False)
        await asyncio.sleep(0.01)
    try:
        yield base_url
    finally:
        server.should_exit = True
        await serving


@pytest_asyncio.fixture(loop_scope="session")
async def live_server(database_url: str) -> AsyncIterator[str]:
    """The real app under uvicorn, on this test's own database.

    Yields the base URL, e.g. ``http://127.0.0.1:54321``."""
    async with _serve("live server", database_url) as base_url:
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
    async with (
        module_database(pg_url, template_database, "medskapa_mod") as database_url,
        _serve("shared server", database_url, SHARED_SERVER_SETTINGS) as base_url,
    ):
        yield SharedServer(base_url, database_url)


@asynccontextmanager
async def module_database(pg_url: str, template: str, prefix: str) -> AsyncIterator[str]:
    """A database of its own, copied from the migrated template with the demo catalogue, for
    a module's server; dropped afterwards even while the server still holds connections."""
    name = unique_name(prefix)
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    try:
        yield with_database(pg_url, name)
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
