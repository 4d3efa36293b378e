"""The region reference data for other areas: what their pages offer to choose from."""

from __future__ import annotations

import asyncpg

from medskapa.regions import queries
from medskapa.regions.domain import HealthcareRegion


async def grouped(conn: asyncpg.Connection) -> list[HealthcareRegion]:
    """Every healthcare region, north to south, with its regions by name (see
    ``queries.grouped``)."""
    return await queries.grouped(conn)
