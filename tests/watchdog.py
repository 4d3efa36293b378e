"""A test still running after LIMIT_SECONDS ends its process, saying where it stood.

A test that waits for something that never comes (a browser's answer, a server's line) would
otherwise hold its worker, and the suite, until CI's own time runs out, and CI then shows
nothing but the dots before it. Here the test fails in bounded time instead: the watchdog
writes the test's name, every thread's stack and every asyncio task's stack to the process's
standard error (which CI shows, also from an xdist worker) and ends the process; xdist reports
the test as failed with its worker and runs the worker's other tests on a new one.

The tasks are the useful half: an async test's thread always stands in the event loop's
select(), and only the task's stack says which await never returned (tests/browser/
test_widget.py's Escape key was found so). pytest-timeout's thread method dumps the threads
only, hence these few lines instead.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
import threading
from collections.abc import Iterator

import pytest
import pytest_asyncio

# Far above the longest test (schemathesis' ~67 s; the container images' first test ~35 s,
# and 80-170 s more when the images are built from nothing, on two machines), far below CI's
# limit for the whole run.
# MEDSKAPA_TEST_HANG_SECONDS sets another (tests/test_watchdog.py).
LIMIT_SECONDS = float(os.environ.get("MEDSKAPA_TEST_HANG_SECONDS", "600"))

_loop: asyncio.AbstractEventLoop | None = None


@pytest_asyncio.fixture(scope="session", loop_scope="session", autouse=True)
async def _watched_loop() -> None:
    """The session's event loop (every async test's), whose tasks are shown on a hang."""
    global _loop
    _loop = asyncio.get_running_loop()


def _bark(config: pytest.Config, nodeid: str) -> None:
    # The test's output is captured into a file that dies with the process: give the process
    # its own standard error back first.
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.suspend_global_capture(in_=False)
    out = sys.__stderr__
    if out is None:  # pragma: no cover - a process without standard error
        os._exit(1)
    out.write(f"\ntests/watchdog.py: {nodeid} still runs after {LIMIT_SECONDS:g} s; ")
    out.write(f"ending this test process ({os.getpid()}). Its threads:\n")
    out.flush()
    faulthandler.dump_traceback(file=out, all_threads=True)
    loop = _loop
    if loop is not None:
        out.write("Its asyncio tasks:\n")
        for task in asyncio.all_tasks(loop):
            task.print_stack(file=out)
    out.flush()
    os._exit(1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    timer = threading.Timer(LIMIT_SECONDS, _bark, (item.config, item.nodeid))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()
