"""The order in which the workers get the test files: the long ones first.

xdist (``--dist loadfile``) hands the files out one by one, in the order of the collection, to
whichever worker runs short of work. By default it first sorts them by how many tests each
has, most first, which puts the files of one or two long tests (schemathesis, the container
images, kill -9) at the very end: one worker then ran a minute or more alone while the other
had nothing left to do. Here the files with a test marked ``slow`` (one that starts servers,
a browser or PostgreSQL) come first, in the order they were collected, and the many short
files after them fill in at the end, where they even out the two workers' last minutes. The
order inside a file is kept; every test has a database of its own, so the order between files
changes nothing a test sees (pyproject.toml turns xdist's own sorting off with
``--no-loadscope-reorder``).
"""

from __future__ import annotations

import pytest


def _path(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def long_files_first(items: list[pytest.Item]) -> None:
    """Reorder ``items`` in place: the files with a slow test before the rest."""
    slow = {_path(item) for item in items if item.get_closest_marker("slow") is not None}
    # sort is stable: the collection's order holds inside each of the two groups
    items.sort(key=lambda item: _path(item) not in slow)


def workers(cores: int) -> int:
    """How many workers ``-n auto`` starts: one more than the cores. Much of the suite waits
    rather than computes (servers and relays it starts and stops, the browser, PostgreSQL,
    podman, the sleeps of the fault tests), so with one worker a core a core stands idle while
    its worker waits. Measured on a clean clone on two cores: 308 s and 320 s with two workers,
    281 s with three."""
    return cores + 1
