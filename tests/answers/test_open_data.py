"""The open data: only what the public responses pages show, with the answers, no personal
data, fields as documented on /oppna-data."""

from __future__ import annotations

import csv
import io
import json

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.answers.service import OPEN_DATA_COLUMNS
from medskapa.feedback.lifecycle import GroupStep
from medskapa.triage.service import TriageService
from tests.factories import FIXED_NOW, make_feedback, make_staff, principal_for, route_to

Client = AsyncTestClient[Litestar]
DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
ANSWER = "Tack! Vi lägger till ett stycke om vätskeintag i nästa version."


async def test_open_data_holds_the_public_items_with_answers_and_nothing_personal(
    client: Client, conn: asyncpg.Connection
) -> None:
    member = await principal_for(
        conn, await make_staff(conn, "anna@region.se", GROUP), second_factor=True
    )
    shown = await make_feedback(
        conn,
        document=DOC,
        consent_public=True,
        consent_contact=True,
        email="patient@example.se",
        care_region="01",
        text="=Jag saknar råd om vätskeintag.",
    )
    await route_to(conn, shown.id, GROUP)
    triage = TriageService(conn, lambda: FIXED_NOW)
    await triage.transition(member, shown.id, GroupStep(target="in_review"))
    await triage.transition(member, shown.id, GroupStep(target="change_planned", answer=ANSWER))
    not_allowed = await make_feedback(conn, document=DOC, text="Får inte visas öppet.")
    await route_to(conn, not_allowed.id, GROUP)
    await make_feedback(conn, document=DOC, consent_public=True, text="Inte granskad än.")

    as_json = await client.get("/oppna-data/synpunkter.json")
    assert as_json.status_code == 200
    [item] = json.loads(as_json.content)
    assert tuple(item) == OPEN_DATA_COLUMNS
    assert item["id"] == str(shown.id)
    assert item["received_on"] == "2026-11-22"
    assert (item["document"], item["programme_area"]) == (DOC, "hjart-och-karlsjukdomar")
    assert (item["status"], item["answer"], item["will_change"]) == (
        "change_planned",
        ANSWER,
        True,
    )
    assert item["answer_group"]
    assert item["answered_on"] == "2026-11-22"
    for personal in ("patient@example.se", "Region Stockholm", '"01"', "anna@"):
        assert personal not in as_json.text

    as_csv = await client.get("/oppna-data/synpunkter.csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == OPEN_DATA_COLUMNS
    assert len(rows) == 2
    record = dict(zip(OPEN_DATA_COLUMNS, rows[1], strict=True))
    assert record["text"] == "'=Jag saknar råd om vätskeintag."
    assert record["answer"] == ANSWER
    assert "Får inte visas öppet" not in as_csv.text
    assert "Inte granskad" not in as_csv.text

    about = await client.get("/oppna-data")
    assert about.status_code == 200
    assert "CC0 1.0" in about.text
    for column in OPEN_DATA_COLUMNS:
        assert f"<code>{column}</code>" in about.text


async def test_empty_open_data_is_valid(client: Client) -> None:
    assert json.loads((await client.get("/oppna-data/synpunkter.json")).content) == []


async def test_the_open_data_page_in_english(client: Client) -> None:
    from tests.i18n_check import swedish_left

    page = await client.get("/oppna-data", params={"lang": "en"})
    assert "What is not included" in page.text
    assert "CC0 1.0" in page.text
    assert swedish_left(page.text) == []
