"""Streamed exports of a group's items."""

from __future__ import annotations

import csv
import io
import json
import re

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.triage.texts import GROUP_STATUS_LABELS
from tests.factories import api_token, make_feedback, make_staff, route_to

Client = AsyncTestClient[Litestar]
DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"


async def test_csv_and_json_exports_hold_the_groups_items_only(
    client: Client, conn: asyncpg.Connection
) -> None:
    headers = await api_token(conn, await make_staff(conn, "anna@region.se", GROUP))
    formula = await make_feedback(conn, document=DOC, text='=HYPERLINK("x") är en formel.')
    plain = await make_feedback(
        conn, document=DOC, text="Vanlig text, med kommatecken; och ”citat”."
    )
    elsewhere = await make_feedback(conn, document=DOC, text="Hos diabetesgruppen.")
    await route_to(conn, formula.id, GROUP)
    await route_to(conn, plain.id, GROUP)
    await route_to(conn, elsewhere.id, "nag-diabetes")

    response = await client.get(f"/api/v1/groups/{GROUP}/export.csv", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["id"] for r in rows} == {str(formula.id), str(plain.id)}
    texts = {r["text"] for r in rows}
    assert '\'=HYPERLINK("x") är en formel.' in texts
    assert "Vanlig text, med kommatecken; och ”citat”." in texts
    assert {r["status"] for r in rows} == {"routed"}

    as_json = await client.get(f"/api/v1/groups/{GROUP}/export.json", headers=headers)
    items = json.loads(as_json.content)
    assert {i["id"] for i in items} == {str(formula.id), str(plain.id)}
    assert {i["text"] for i in items} >= {'=HYPERLINK("x") är en formel.'}

    outsider = await api_token(conn, await make_staff(conn, "bo@region.se", "nag-diabetes"))
    refused = await client.get(f"/api/v1/groups/{GROUP}/export.csv", headers=outsider)
    assert refused.status_code == 404


async def test_empty_export_is_still_valid(client: Client, conn: asyncpg.Connection) -> None:
    headers = await api_token(conn, await make_staff(conn, "anna@region.se", GROUP))
    as_json = await client.get(f"/api/v1/groups/{GROUP}/export.json", headers=headers)
    assert json.loads(as_json.content) == []
    as_csv = await client.get(f"/api/v1/groups/{GROUP}/export.csv", headers=headers)
    assert as_csv.content.decode("utf-8-sig").startswith("id,received_at,routed_at,status")


async def test_the_traceability_report_follows_each_item_and_escapes_it(
    client: Client, conn: asyncpg.Connection
) -> None:
    from medskapa.moderation.service import DecisionInput
    from tests.factories import sign_in_staff
    from tests.moderation.conftest import moderation, moderator

    member = await make_staff(conn, "anna@region.se", GROUP)
    headers = await api_token(conn, member)
    moderated = await make_feedback(conn, document=DOC)
    mod = await moderator(conn)
    decided = await moderation(conn).decide(mod, moderated.id, DecisionInput(decision="approve"))
    assert [r.group_slug for r in decided.routes] == [GROUP]
    url = f"/api/v1/feedback/{moderated.id}/transitions"
    assert (await client.post(url, json={"to": "in_review"}, headers=headers)).status_code == 200
    answer = "Tack! Texten ändras inte, eftersom avsnittet redan beskriver uppföljningen."
    answered = await client.post(url, json={"to": "answered", "answer": answer}, headers=headers)
    assert answered.status_code == 200
    await conn.execute(
        "UPDATE guidance_documents SET title = $2 WHERE slug = $1", DOC, "<script>x</script>"
    )
    elsewhere = await make_feedback(conn, document=DOC)
    await route_to(conn, elsewhere.id, "nag-diabetes")

    await sign_in_staff(client, conn, member)
    report = await client.get(f"/arbetsgrupp/{GROUP}/sparbarhet")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    row = next(line for line in report.text.splitlines() if str(moderated.id)[:8] in line)
    cells = row.split("<td>")[1:]
    dated = [c for c in cells if re.match(r"\d{4}-\d{2}-\d{2}<", c)]
    assert len(dated) == 4, "received, moderated, routed and answered, each dated"
    assert f"<td>{GROUP_STATUS_LABELS['answered']}</td>" in row
    assert "&lt;script&gt;" in row
    assert "<script>" not in report.text
    assert str(elsewhere.id)[:8] not in report.text, "only the group's own items"
    assert "1 synpunkter." in report.text

    outsider = await make_staff(conn, "bo@region.se", "nag-diabetes")
    await sign_in_staff(client, conn, outsider)
    assert (await client.get(f"/arbetsgrupp/{GROUP}/sparbarhet")).status_code == 404
