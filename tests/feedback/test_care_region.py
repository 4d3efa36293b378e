"""The region where the care took place: optional, one of the 21, stored with the item."""

from __future__ import annotations

import re

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import first_document
from tests.feedback.test_web import api_body, form, stored

Client = AsyncTestClient[Litestar]

ALL_CODES = [
    "01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13",
    "14", "17", "18", "19", "20", "21", "22", "23", "24", "25",
]  # fmt: skip


@pytest.fixture
async def slug(conn: asyncpg.Connection) -> str:
    return (await first_document(conn))[0]


async def test_the_form_offers_the_regions_by_healthcare_region_with_and_without_javascript(
    client: Client, slug: str
) -> None:
    page = await client.get(f"/kunskapsstod/{slug}/synpunkt")
    fragment = await client.get(f"/kunskapsstod/{slug}/synpunkt", headers={"HX-Request": "true"})
    for html in (page.text, fragment.text):
        assert "I vilken region fick du vården? (valfritt)" in html
        assert '<option value="">Vill inte ange / inte aktuellt</option>' in html
        assert '<optgroup label="Södra sjukvårdsregionen">' in html
        assert '<option value="12">Region Skåne</option>' in html
        assert '<option value="13">Region Halland (Halmstad, Hylte, Laholm)</option>' in html
        assert html.count("<optgroup") == 6
    english = await client.get(f"/kunskapsstod/{slug}/synpunkt", params={"lang": "en"})
    assert "In which region did you receive the care? (optional)" in english.text
    assert "Prefer not to say / not applicable" in english.text


@pytest.mark.parametrize("code", ALL_CODES)
async def test_form_stores_each_region(
    client: Client, conn: asyncpg.Connection, slug: str, code: str
) -> None:
    response = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=form(slug, care_region=code)
    )
    assert response.status_code == 200
    assert "Tack! Vi har tagit emot din synpunkt" in response.text
    assert await conn.fetchval("SELECT care_region FROM feedback") == code


async def test_form_without_a_region_stores_none(
    client: Client, conn: asyncpg.Connection, slug: str
) -> None:
    response = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=form(slug, care_region=""))
    assert "Tack! Vi har tagit emot din synpunkt" in response.text
    assert await conn.fetchval("SELECT count(*) FROM feedback WHERE care_region IS NULL") == 1


@pytest.mark.parametrize("code", ["02", "99", "1", "skane", "12; DROP TABLE regions"])
async def test_form_refuses_an_unknown_region_and_stores_nothing(
    client: Client, conn: asyncpg.Connection, slug: str, code: str
) -> None:
    before = await stored(conn)
    response = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=form(slug, care_region=code)
    )
    assert response.status_code == 422
    assert "Den regionen finns inte bland Sveriges 21 regioner." in response.text
    # The error summary links to the field, which says what is wrong and is marked invalid.
    assert re.search(r'<a href="#f[0-9a-f]{8}-care_region">Den regionen finns inte', response.text)
    assert re.search(
        r'<select id="(f[0-9a-f]{8}-)care_region" name="care_region"\s+'
        r'aria-describedby="\1fel-care_region \1hint-care_region" aria-invalid="true">',
        response.text,
    )
    # What was typed is kept; the select is back on "Vill inte ange".
    assert "Jag förstår inte vad som menas med uppföljning" in response.text
    assert " selected>Region" not in response.text
    assert await stored(conn) == before


async def test_form_keeps_the_chosen_region_when_another_field_is_wrong(
    client: Client, slug: str
) -> None:
    response = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=form(slug, care_region="12", category="")
    )
    assert response.status_code == 422
    assert '<option value="12" selected>Region Skåne</option>' in response.text
    # Halland is listed twice; only one of its options is marked chosen.
    again = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=form(slug, care_region="13", category="")
    )
    assert again.text.count(" selected>Region Halland") == 1


async def test_api_stores_a_region_and_none(
    client: Client, conn: asyncpg.Connection, slug: str
) -> None:
    with_region = await client.post("/api/v1/feedback", json=api_body(slug, care_region="23"))
    without = await client.post("/api/v1/feedback", json=api_body(slug))
    explicit_null = await client.post("/api/v1/feedback", json=api_body(slug, care_region=None))
    assert with_region.status_code == without.status_code == explicit_null.status_code == 201
    rows = await conn.fetch("SELECT id::text, care_region FROM feedback")
    regions = {row["id"]: row["care_region"] for row in rows}
    assert regions[with_region.json()["id"]] == "23"
    assert regions[without.json()["id"]] is None
    assert regions[explicit_null.json()["id"]] is None


async def test_api_refuses_an_unknown_region_as_a_problem_and_stores_nothing(
    client: Client, conn: asyncpg.Connection, slug: str
) -> None:
    before = await stored(conn)
    unknown = await client.post("/api/v1/feedback", json=api_body(slug, care_region="02"))
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    [error] = unknown.json()["errors"]
    assert (error["field"], error["code"]) == ("care_region", "unknown_region")
    assert "21 regions" in error["message"]
    malformed = await client.post("/api/v1/feedback", json=api_body(slug, care_region="Skåne"))
    assert malformed.status_code == 422
    assert "care_region" in str(malformed.json())
    assert await stored(conn) == before
