"""Canary: secrets and personal text that pass through the app never reach the logs."""

from __future__ import annotations

import logging

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, create_user
from medskapa.web.logging import JsonFormatter
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
