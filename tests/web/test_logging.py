"""Canary: secrets and personal text that pass through the app never reach the logs."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, create_user
from medskapa.web.logging import REQUEST_LINES, JsonFormatter, configure_logging
from tests.factories import FIXED_NOW, first_document

PASSWORD = "kanariefågel sjunger i gruvan"
CANARY_TEXT = "KANARIETEXT-7731 min diagnos är hemlig"
CANARY_EMAIL = "kanarie.7731@exempel.se"


async def test_no_secret_or_text_in_logs(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slug, _, _ = await first_document(conn)
    await create_user(
        conn, email=CANARY_EMAIL, password=PASSWORD, role=RoleChoice.PATIENT, now=FIXED_NOW
    )
    submitted = await client.post(
        "/api/v1/feedback",
        json={
            "document": slug,
            "category": "other",
            "role": "patient",
            "text": CANARY_TEXT,
            "email": CANARY_EMAIL,
        },
        headers={"Idempotency-Key": "kanarie-nyckel-7731"},
    )
    code = submitted.json()["receipt_code"]
    await client.post("/api/v1/receipts/lookup", json={"code": code})
    await client.post("/folj", data={"kod": code})
    await client.get("/kunskapsstod", params={"q": CANARY_TEXT})
    login = await client.post(
        "/api/v1/auth/login", json={"email": CANARY_EMAIL, "password": PASSWORD}
    )
    session = client.cookies["__Host-medskapa"]
    csrf = login.json()["csrf_token"]
    await client.post("/logga-in", data={"email": CANARY_EMAIL, "password": "fel " + PASSWORD})

    formatter = JsonFormatter()
    # Everything the server side logs; the test's own HTTP client (httpx) logs URLs by design.
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    output = "\n".join(formatter.format(r) for r in server_side)
    assert '"message":"request"' in output, "the request log should have been written"
    for secret in (
        PASSWORD,
        code,
        code.replace("-", ""),
        CANARY_TEXT,
        "KANARIETEXT",
        CANARY_EMAIL,
        "kanarie-nyckel-7731",
        session,
        csrf,
    ):
        assert secret not in output


@pytest.fixture
def served_logging() -> Iterator[Path]:
    """Logging as a served app sets it up (``create_app_from_env``), to a file instead of
    stderr; put back afterwards."""
    logger = logging.getLogger("medskapa")
    kept = (logger.handlers[:], logger.level, logger.propagate, REQUEST_LINES.fd)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stderr"
        with path.open("w") as stream:
            configure_logging(False, stream)
            try:
                yield path
            finally:
                logger.handlers[:], logger.level, logger.propagate = kept[:3]
                REQUEST_LINES.fd = kept[3]


def _written(path: Path) -> str:
    return path.read_text()


async def test_a_served_app_writes_one_json_line_per_request(
    served_logging: Path, client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    """The fast request line: the same JSON object the formatter makes, the route's template
    and never the path or query."""
    slug, _, _ = await first_document(conn)
    await client.get(f"/kunskapsstod/{slug}", params={"q": CANARY_TEXT})
    await client.get(f"/api/v1/documents/{slug}-finns-inte")
    logging.getLogger("medskapa.web").warning("something else", extra={"route": "x"})
    written = _written(served_logging)
    lines = [json.loads(line) for line in written.splitlines()]
    requests = [line for line in lines if line["message"] == "request"]
    assert {(r["method"], r["route"], r["status"]) for r in requests} >= {
        ("GET", "/kunskapsstod/{slug}", 200),
        ("GET", "/api/v1/documents/{slug}", 404),
    }
    for line in requests:
        assert set(line) == {
            "time",
            "level",
            "logger",
            "message",
            "method",
            "route",
            "status",
            "ms",
        }
        assert line["level"] == "info"
        assert line["logger"] == "medskapa.request"
        assert isinstance(line["ms"], float)
    assert any(line["message"] == "something else" for line in lines)
    assert slug not in written
    assert "KANARIETEXT" not in written
