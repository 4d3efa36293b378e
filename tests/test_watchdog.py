"""tests/watchdog.py: a test that never ends fails in bounded time and shows where it waits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

HANGS = {
    # An await that never returns: the thread stands in select(), the task shows the line.
    "async": (
        "import asyncio\n\n\nasync def test_waits():\n"
        "    await asyncio.Event().wait()  # nobody sets it\n",
        "await asyncio.Event().wait()  # nobody sets it",
    ),
    # A call that blocks the thread: its stack shows the line.
    "blocking": (
        "import time\n\n\ndef test_waits():\n    time.sleep(3600)\n",
        'test_hangs.py", line 5 in test_waits',
    ),
}


@pytest.mark.parametrize("kind", HANGS)
def test_a_test_that_never_ends_fails_and_shows_where_it_waits(kind: str, tmp_path: Path) -> None:
    source, shown = HANGS[kind]
    (tmp_path / "test_hangs.py").write_text(source, encoding="utf-8")
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.watchdog",
            "-p",
            "no:cacheprovider",
            "-c",
            os.devnull,
            "--rootdir",
            str(tmp_path),
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=session",
            "-o",
            "asyncio_default_test_loop_scope=session",
            str(tmp_path / "test_hangs.py"),
        ],
        cwd=REPO,  # where ``tests`` is imported from
        env={**os.environ, "MEDSKAPA_TEST_HANG_SECONDS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "test_hangs.py::test_waits still runs after 1 s" in run.stderr, run.stderr
    assert shown in run.stderr, run.stderr
    assert time.monotonic() - started < 60
