"""One scale-out set-up per module and way to the database: two `medskapa serve` processes
behind nginx, on a database of their own, with a real SMTP server for their relays."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
import pytest_asyncio

from tests.browser.conftest import module_database
from tests.factories import TEST_SECRET
from tests.scaleout.cluster import NGINX, PGBOUNCER, Cluster, cluster, missing
from tests.smtp import SmtpServer, smtp_server

SUBMIT_LIMIT = 3
"""Accepted submissions per client and 10 minutes: small, so the limit is reached quickly."""


class Scaled(msgspec.Struct, frozen=True):
    cluster: Cluster
    smtp: SmtpServer
    through_pgbouncer: bool


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=["direct", "pgbouncer"])
async def scaled(
    request: pytest.FixtureRequest, pg_url: str, template_database: str
) -> AsyncIterator[Scaled]:
    through_pgbouncer = request.param == "pgbouncer"
    reason = missing(NGINX, *([PGBOUNCER] if through_pgbouncer else []))
    if reason is not None:
        pytest.skip(reason)
    # Not pytest's tmp_path: its parent is private to the user running the tests, and nginx's
    # workers and PgBouncer run as `nobody` when the tests run as root (CI).
    folder = Path(tempfile.mkdtemp(prefix="medskapa-scaleout-"))
    try:
        with smtp_server() as smtp:
            async with module_database(pg_url, template_database, "medskapa_scale") as url:
                env = {**smtp.env(), "MEDSKAPA_SUBMIT_LIMIT": str(SUBMIT_LIMIT)}
                with cluster(
                    url,
                    folder,
                    secret_key=TEST_SECRET,
                    through_pgbouncer=through_pgbouncer,
                    env=env,
                ) as running:
                    yield Scaled(running, smtp, through_pgbouncer)
                # Stopped (SIGTERM) by now: nothing went wrong in either process meanwhile.
                for log in running.logs:
                    text = log.read_text(errors="replace")
                    assert "Traceback" not in text, text
                    assert "ERROR" not in text, text
    finally:
        shutil.rmtree(folder, ignore_errors=True)
