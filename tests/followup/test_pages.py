"""The follow-up pages over HTTP: who may open them, the CSV, and bad filters on the page."""

from __future__ import annotations

import csv
import io

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.followup.service import CSV_COLUMNS
from tests.factories import make_person, make_staff, sign_in, sign_in_staff
from tests.followup.fixture import DOC, GROUP, Items

Client = AsyncTestClient[Litestar]
WEEKS = {"from": "2026-03-02", "to": "2026-03-15", "per": "week"}


async def test_who_may_open_the_dashboard(
    client: Client, conn: asyncpg.Connection, items: Items
) -> None:
    assert (await client.get("/uppfoljning")).status_code in (401, 303)
    patient = await make_person(conn, "patient@example.se")
    await sign_in(client, conn, patient)
    # Staff pages ask a password-only session for the second factor first (security/
    # permissions.py, refusal()); with it, a patient is simply not let in.
    assert (await client.get("/uppfoljning")).status_code == 401
    await sign_in_staff(client, conn, patient)
    assert (await client.get("/uppfoljning")).status_code == 403
    assert (await client.get("/uppfoljning/siffror.csv")).status_code == 403
    assert "/uppfoljning" not in (await client.get("/mina-uppgifter")).text
    assert "Uppföljning" not in (await client.get("/mina-uppgifter")).text
    await sign_in_staff(client, conn, await make_staff(conn, "medlem2@region.se", GROUP))
    assert (await client.get("/uppfoljning")).status_code == 403, "a member, not the lead"
    lead = await make_staff(conn, "lead@region.se", GROUP, role=RoleChoice.GROUP_LEAD)
    await sign_in_staff(client, conn, lead)
    page = await client.get("/uppfoljning", params=WEEKS)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'href="/uppfoljning"' in page.text, "in the Mina sidor menu"
    assert "<h2>Uppföljning</h2>" in (await client.get("/mina-uppgifter")).text
    assert "<dt>Inkomna synpunkter</dt><dd>5</dd>" in page.text
    assert "3,0 dagar" in page.text
    assert "8,2 dagar" in page.text
    assert 'role="img"' in page.text
    assert "<title id=" in page.text
    assert "<desc id=" in page.text
    assert "hela landet" not in page.text, "a lead sees their groups, not the country"


async def test_csv_holds_every_figure(
    client: Client, conn: asyncpg.Connection, items: Items
) -> None:
    lead = await make_staff(conn, "lead@region.se", GROUP, role=RoleChoice.GROUP_LEAD)
    await sign_in_staff(client, conn, lead)
    response = await client.get("/uppfoljning/siffror.csv", params=WEEKS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(table[0]) == CSV_COLUMNS
    by = {(r[0], r[2]): dict(zip(CSV_COLUMNS, r, strict=True)) for r in table[1:]}
    total = by[("total", "Alla")]
    assert (total["received"], total["answered"], total["changed"]) == ("5", "4", "1")
    assert (total["changed_share"], total["median_days_to_first_answer"]) == ("0.2000", "3.0")
    assert total["p90_days_to_first_answer"] == "8.2"
    week = by[("period", "v. 10 2026")]
    assert (week["key"], week["received"], week["p90_days_to_first_answer"]) == (
        "2026-03-02",
        "3",
        "3.6",
    )
    assert by[("category", "Förslag")]["median_days_to_first_answer"] == ""
    helpful = next(r for r in table[1:] if r[0] == "helpfulness")
    assert dict(zip(CSV_COLUMNS, helpful, strict=True))["helpful_yes"] == "2"
    assert dict(zip(CSV_COLUMNS, helpful, strict=True))["helpful_no"] == "1"
    assert {r[0] for r in table[1:]} >= {
        "total",
        "period",
        "document",
        "version",
        "section",
        "category",
        "theme",
        "region",
        "area",
        "helpfulness",
    }
    bad = await client.get("/uppfoljning/siffror.csv", params={"from": "2026-02-30"})
    assert bad.status_code == 400
    assert "Skriv datumet som år-månad-dag" in bad.text


async def test_bad_filters_on_the_page_keep_what_was_sent(
    client: Client, conn: asyncpg.Connection, items: Items
) -> None:
    lead = await make_staff(conn, "lead@region.se", GROUP, role=RoleChoice.GROUP_LEAD)
    await sign_in_staff(client, conn, lead)
    page = await client.get(
        "/uppfoljning",
        params={"from": "2026-03-10", "to": "2026-03-01", "document": DOC, "version": "7.7"},
    )
    assert page.status_code == 422
    assert "Slutdatumet ligger före startdatumet." in page.text
    assert 'value="2026-03-10"' in page.text, "the date as it was typed"
    assert 'aria-invalid="true"' in page.text
    long = await client.get("/uppfoljning", params={"area": "x" * 190})
    assert long.status_code == 422
    assert "Det finns inget sådant programområde" in long.text


async def test_the_dashboard_in_english(
    client: Client, conn: asyncpg.Connection, items: Items
) -> None:
    from tests.i18n_check import swedish_left

    lead = await make_staff(conn, "lead@region.se", GROUP, role=RoleChoice.GROUP_LEAD)
    await sign_in_staff(client, conn, lead)
    page = await client.get("/uppfoljning", params={**WEEKS, "lang": "en"})
    assert page.status_code == 200
    assert "<h1>Follow-up</h1>" in page.text
    assert "Time to first answer, median" in page.text
    assert "3.0 days" in page.text
    assert "week 10 2026" in page.text
    assert "20%" in page.text
    # The category labels (feedback/domain.py) are not yet in the catalogue.
    left = set(swedish_left(page.text)) - {"Förslag", "Något", "Svårt", "förstå", "att"}
    assert left == set()
