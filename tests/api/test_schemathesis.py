"""schemathesis, all checks, against the running app's own OpenAPI document: no 5xx, every
answer documented and shaped as documented, signed in with an admin's API token."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from medskapa.accounts.admin import RoleChoice, create_user
from medskapa.accounts.service import AccountService
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from tests.factories import FIXED_NOW, principal_for
from tests.live import running_server

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))


@pytest.mark.slow
@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis is not installed (.[test])")
async def test_api_keeps_to_its_schema(database_url: str, conn: asyncpg.Connection) -> None:
    admin = await create_user(
        conn,
        email="schema-admin@example.se",
        password="ett långt lösenord för schematestet",
        role=RoleChoice.ADMIN,
        now=FIXED_NOW,
    )
    accounts = AccountService(conn, lambda: FIXED_NOW, await instance_secret(conn, RECEIPT_KEY))
    principal = await principal_for(conn, admin, second_factor=True)
    token = await accounts.create_api_token(principal, "schemathesis")
    limits = {"MEDSKAPA_SUBMIT_LIMIT": "1000000", "MEDSKAPA_RECEIPT_LOOKUP_LIMIT": "1000000"}
    with running_server(database_url, env=limits) as (base_url, _):
        result = await asyncio.to_thread(
            subprocess.run,
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(CONFIG),
                "run",
                f"{base_url}/schema/openapi.json",
                "--checks",
                "all",
                "--seed",
                "20261123",
                "--header",
                f"Authorization: Bearer {token}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
