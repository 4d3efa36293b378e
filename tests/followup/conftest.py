from __future__ import annotations

import asyncpg
import pytest

from tests.followup.fixture import Items, make_items


@pytest.fixture
async def items(conn: asyncpg.Connection) -> Items:
    return await make_items(conn)
