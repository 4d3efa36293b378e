"""The region reference data for other areas: what their pages offer to choose from, and
whether a code they were sent names a region."""

from __future__ import annotations

import asyncpg

from medskapa.regions import queries
from medskapa.regions.domain import HealthcareRegion


async def grouped(conn: asyncpg.Connection) -> list[HealthcareRegion]:
    """Every healthcare region, north to south, with its regions by name (see
    ``queries.grouped``)."""
    return await queries.grouped(conn)


async def region_name(conn: asyncpg.Connection, code: str) -> str | None:
    """The region's name, or None when no region has this code."""
    return await queries.region_name(conn, code)
