"""Where the care took place, as the group and the moderator see it: on the item, as an inbox
filter (by region and by healthcare region), and in the export."""

from __future__ import annotations

import csv
import io
import uuid

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from tests.factories import api_token, make_feedback, make_staff, sign_in_staff
from tests.triage.test_web import GROUP, routed

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def items(conn: asyncpg.Connection) -> dict[str, uuid.UUID]:
    """One routed item each from Skåne (Södra), Halland (Västra and Södra), Västra Götaland
    (Västra), Stockholm, and one that does not say."""
    return {
        name: await routed(conn, care_region=code, text=f"Vården i {name} var annorlunda.")
        for name, code in (
            ("skane", "12"),
            ("halland", "13"),
            ("vgr", "14"),
            ("stockholm", "01"),
            ("none", None),
        )
    }


@pytest.fixture
async def member_client(client: Client, conn: asyncpg.Connection) -> Client:
    await sign_in_staff(client, conn, await make_staff(conn, "anna@region.se", GROUP))
    return client


def shown(html: str, items: dict[str, uuid.UUID]) -> set[str]:
    return {name for name, item_id in items.items() if f"/arbetsgrupp/synpunkt/{item_id}" in html}


async def test_inbox_filters_by_region(member_client: Client, items: dict[str, uuid.UUID]) -> None:
    everything = await member_client.get(f"/arbetsgrupp/{GROUP}/inkorg")
    assert shown(everything.text, items) == set(items)
    assert '<label for="filter-region">Region där vården gavs</label>' in everything.text
    assert '<option value="12">Region Skåne</option>' in everything.text
    assert everything.text.count('<option value="13">Region Halland</option>') == 1
    skane = await member_client.get(f"/arbetsgrupp/{GROUP}/inkorg", params={"region": "12"})
    assert shown(skane.text, items) == {"skane"}
    assert '<option value="12" selected>Region Skåne</option>' in skane.text
    nobody = await member_client.get(f"/arbetsgrupp/{GROUP}/inkorg", params={"region": "25"})
    assert shown(nobody.text, items) == set()


async def test_inbox_filters_by_healthcare_region_with_all_its_regions(
    member_client: Client, items: dict[str, uuid.UUID]
) -> None:
    url = f"/arbetsgrupp/{GROUP}/inkorg"
    sodra = await member_client.get(url, params={"healthcare_region": "sodra"})
    assert shown(sodra.text, items) == {"skane", "halland"}
    assert '<option value="sodra" selected>Södra sjukvårdsregionen</option>' in sodra.text
    vastra = await member_client.get(url, params={"healthcare_region": "vastra"})
    assert shown(vastra.text, items) == {"halland", "vgr"}
    both = await member_client.get(url, params={"healthcare_region": "vastra", "region": "14"})
    assert shown(both.text, items) == {"vgr"}
    norra = await member_client.get(url, params={"healthcare_region": "norra"})
    assert shown(norra.text, items) == set()


async def test_inbox_says_which_region_filter_it_cannot_use(
    member_client: Client, items: dict[str, uuid.UUID]
) -> None:
    url = f"/arbetsgrupp/{GROUP}/inkorg"
    bad = await member_client.get(url, params={"region": "Skåne", "healthcare_region": "Södra!"})
    assert bad.status_code == 422
    assert '<a href="#filter-region">Välj en region i listan.</a>' in bad.text
    assert '<a href="#filter-healthcare_region">Välj en sjukvårdsregion i listan.</a>' in bad.text


async def test_inbox_api_filters_and_shows_the_region(
    client: Client, conn: asyncpg.Connection, items: dict[str, uuid.UUID]
) -> None:
    headers = await api_token(conn, await make_staff(conn, "anna@region.se", GROUP))
    url = f"/api/v1/groups/{GROUP}/inbox"
    response = await client.get(url, params={"healthcare_region": "sodra"}, headers=headers)
    assert response.status_code == 200
    found = {item["id"]: item["care_region"] for item in response.json()["items"]}
    assert found == {str(items["skane"]): "12", str(items["halland"]): "13"}
    bad = await client.get(url, params={"region": "1"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "region"


async def test_group_item_page_and_export_name_the_region(
    member_client: Client, items: dict[str, uuid.UUID], conn: asyncpg.Connection
) -> None:
    page = await member_client.get(f"/arbetsgrupp/synpunkt/{items['skane']}")
    assert "<dt>Region</dt><dd>Region Skåne</dd>" in page.text
    untold = await member_client.get(f"/arbetsgrupp/synpunkt/{items['none']}")
    assert "<dt>Region</dt>" not in untold.text

    headers = await api_token(conn, await make_staff(conn, "bo@region.se", GROUP))
    exported = await member_client.get(f"/api/v1/groups/{GROUP}/export.csv", headers=headers)
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    by_id = {row["id"]: (row["care_region"], row["care_region_name"]) for row in rows}
    assert by_id[str(items["skane"])] == ("12", "Region Skåne")
    assert by_id[str(items["none"])] == ("", "")
    as_json = await member_client.get(f"/api/v1/groups/{GROUP}/export.json", headers=headers)
    regions = {row["id"]: row["care_region_name"] for row in as_json.json()}
    assert regions[str(items["halland"])] == "Region Halland"


async def test_moderator_sees_the_region_before_approving(
    client: Client, conn: asyncpg.Connection
) -> None:
    submitted = await make_feedback(conn, care_region="23")
    await sign_in_staff(
        client, conn, await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    )
    page = await client.get(f"/moderering/synpunkter/{submitted.id}")
    assert page.status_code == 200
    assert "<dt>Region</dt><dd>Region Jämtland Härjedalen</dd>" in page.text
