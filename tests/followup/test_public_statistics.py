"""The public statistics of a document and of a programme area: moderated items only, the
version filter followed, no theme or region, and bad filters named."""

from __future__ import annotations

import csv
import io

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.followup.fixture import DOC, Items

Client = AsyncTestClient[Litestar]
WEEKS = {"from": "2026-03-02", "to": "2026-03-15", "per": "week"}
AREA = "hjart-och-karlsjukdomar"


def figures(text: str) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return {f"{r['dimension']}:{r['label']}": r for r in rows}


async def test_a_documents_statistics_follow_the_version_filter(
    client: Client, conn: asyncpg.Connection, items: Items
) -> None:
    page = await client.get(f"/kunskapsstod/{DOC}/statistik", params=WEEKS)
    assert page.status_code == 200
    assert "<dt>Inkomna synpunkter</dt><dd>5</dd>" in page.text, "not the unmoderated one"
    for private in ("Per tema", "Per region", items.theme, "Region Stockholm"):
        assert private not in page.text
    one = await client.get(f"/kunskapsstod/{DOC}/statistik", params={**WEEKS, "version": "1.1"})
    assert "<dt>Inkomna synpunkter</dt><dd>2</dd>" in one.text
    assert "10,0 dagar" in one.text
    as_csv = await client.get(
        f"/kunskapsstod/{DOC}/statistik.csv", params={**WEEKS, "version": "1.0"}
    )
    total = figures(as_csv.text)["total:Alla"]
    assert (total["received"], total["answered"], total["changed"]) == ("3", "3", "1")
    assert total["median_days_to_first_answer"] == "2.0"
    assert not [k for k in figures(as_csv.text) if k.startswith(("theme:", "region:"))]


async def test_a_programme_areas_statistics(
    client: Client, conn: asyncpg.Connection, items: Items
) -> None:
    page = await client.get(f"/programomraden/{AREA}/statistik", params=WEEKS)
    assert page.status_code == 200
    assert "<dt>Inkomna synpunkter</dt><dd>5</dd>" in page.text
    assert "Per kunskapsstöd" in page.text
    assert "Hjälpte informationen?" in page.text
    assert "67 %" in page.text, "two of three said yes"
    other = await client.get("/programomraden/endokrina-sjukdomar/statistik", params=WEEKS)
    assert "<dt>Inkomna synpunkter</dt><dd>1</dd>" in other.text


async def test_bad_input_on_the_public_pages(client: Client, items: Items) -> None:
    assert (await client.get("/kunskapsstod/finns-inte/statistik")).status_code == 404
    assert (await client.get("/programomraden/finns-inte/statistik")).status_code == 404
    bad = await client.get(f"/kunskapsstod/{DOC}/statistik", params={"version": "9.9"})
    assert bad.status_code == 422
    assert "Kunskapsstödet har ingen sådan version." in bad.text
    bad = await client.get(f"/programomraden/{AREA}/statistik", params={"to": "2026-02-31"})
    assert bad.status_code == 422
    assert "Skriv datumet som år-månad-dag" in bad.text
    csv_bad = await client.get(f"/kunskapsstod/{DOC}/statistik.csv", params={"per": "år"})
    assert csv_bad.status_code == 400
