from __future__ import annotations

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.regions import queries

SIX = [
    "Norra sjukvårdsregionen",
    "Sjukvårdsregion Mellansverige",
    "Sjukvårdsregion Stockholm-Gotland",
    "Västra sjukvårdsregionen",
    "Sydöstra sjukvårdsregionen",
    "Södra sjukvårdsregionen",
]


async def test_21_regions_and_6_healthcare_regions_every_region_in_one(
    conn: asyncpg.Connection,
) -> None:
    assert await conn.fetchval("SELECT count(*) FROM regions") == 21
    assert await conn.fetchval("SELECT count(*) FROM healthcare_regions") == 6
    homeless = await conn.fetch(
        "SELECT code FROM regions r WHERE NOT EXISTS "
        "(SELECT FROM healthcare_region_members m WHERE m.region = r.code)"
    )
    assert homeless == []
    # Only Region Halland is split, by municipality, between two healthcare regions.
    split = await conn.fetch(
        "SELECT region, array_agg(healthcare_region ORDER BY healthcare_region) AS hr, "
        "bool_and(part IS NOT NULL) AS parts_named FROM healthcare_region_members "
        "GROUP BY region HAVING count(*) > 1"
    )
    assert [(r["region"], r["hr"], r["parts_named"]) for r in split] == [
        ("13", ["sodra", "vastra"], True)
    ]
    assert (
        await conn.fetchval("SELECT count(*) FROM healthcare_region_members WHERE part IS NOT NULL")
        == 2
    )


async def test_grouped_lists_the_healthcare_regions_north_to_south_with_their_members(
    conn: asyncpg.Connection,
) -> None:
    grouped = await queries.grouped(conn)
    assert [h.name for h in grouped] == SIX
    members = {h.code: [r.name for r in h.regions] for h in grouped}
    assert members["norra"] == [
        "Region Jämtland Härjedalen",
        "Region Norrbotten",
        "Region Västerbotten",
        "Region Västernorrland",
    ]
    assert members["stockholm-gotland"] == ["Region Gotland", "Region Stockholm"]
    assert members["sydostra"] == [
        "Region Jönköpings län",
        "Region Kalmar län",
        "Region Östergötland",
    ]
    assert members["vastra"] == ["Region Halland", "Västra Götalandsregionen"]
    assert members["sodra"] == [
        "Region Blekinge",
        "Region Halland",
        "Region Kronoberg",
        "Region Skåne",
    ]
    assert len(members["mellansverige"]) == 7
    halland = {h.code: r.label for h in grouped for r in h.regions if r.code == "13"}
    assert halland == {
        "vastra": "Region Halland (Kungsbacka, Varberg, Falkenberg)",
        "sodra": "Region Halland (Halmstad, Hylte, Laholm)",
    }
    codes = {r.code: r.name for h in grouped for r in h.regions}
    assert len(codes) == 21
    assert codes["01"] == "Region Stockholm"
    assert codes["12"] == "Region Skåne"
    assert codes["14"] == "Västra Götalandsregionen"
    assert codes["25"] == "Region Norrbotten"


async def test_api_lists_the_regions_for_clients(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/regions")
    assert response.status_code == 200
    body = response.json()["healthcare_regions"]
    assert [h["name"] for h in body] == SIX
    assert {"code": "12", "name": "Region Skåne", "part": None} in body[5]["regions"]
