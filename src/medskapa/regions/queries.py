"""SQL for the region reference data."""

from __future__ import annotations

import asyncpg

from medskapa.regions.domain import HealthcareRegion, RegionChoice


async def grouped(conn: asyncpg.Connection) -> list[HealthcareRegion]:
    """Every healthcare region, north to south, with its regions by name. A region in two
    healthcare regions (Halland) is listed under both, each time with the part meant."""
    rows = await conn.fetch(
        "SELECT h.code AS healthcare_code, h.name AS healthcare_name, r.code, r.name, m.part "
        "FROM healthcare_regions h "
        "JOIN healthcare_region_members m ON m.healthcare_region = h.code "
        "JOIN regions r ON r.code = m.region "
        'ORDER BY h.position, r.name COLLATE "C", r.code'
    )
    out: list[HealthcareRegion] = []
    for row in rows:
        if not out or out[-1].code != row["healthcare_code"]:
            out.append(
                HealthcareRegion(
                    code=row["healthcare_code"], name=row["healthcare_name"], regions=[]
                )
            )
        out[-1].regions.append(RegionChoice(code=row["code"], name=row["name"], part=row["part"]))
    return out


async def region_name(conn: asyncpg.Connection, code: str) -> str | None:
    return await conn.fetchval("SELECT name FROM regions WHERE code = $1", code)
