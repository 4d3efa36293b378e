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
    assert "1 synpunkt." in report.text

    outsider = await make_staff(conn, "bo@region.se", "nag-diabetes")
    await sign_in_staff(client, conn, outsider)
    assert (await client.get(f"/arbetsgrupp/{GROUP}/sparbarhet")).status_code == 404


async def test_a_changed_item_keeps_its_answer_and_carries_themes_assignee_region_version(
    client: Client, conn: asyncpg.Connection
) -> None:
    """Planned with an answer, then linked to the version that changed it: the link adds a
    step without words, and the export still shows the group's answer; the item's themes, who
    works on it, the care region and the version (and when) it changed are columns too."""
    import datetime as dt

    from medskapa.feedback.lifecycle import GroupStep
    from medskapa.triage.service import TriageService
    from tests.factories import FIXED_NOW, principal_for

    member = await make_staff(conn, "anna@region.se", GROUP)
    headers = await api_token(conn, member)
    principal = await principal_for(conn, member, second_factor=True)
    item = await make_feedback(conn, document=DOC, version="1.0", care_region="01")
    await route_to(conn, item.id, GROUP)
    answer = "Vi lägger till råd om vätskeintag i nästa version."
    changed_at = FIXED_NOW + dt.timedelta(days=9)
    triage = TriageService(conn, lambda: FIXED_NOW + dt.timedelta(days=2))
    await triage.transition(principal, item.id, GroupStep(target="in_review"))
    await triage.transition(principal, item.id, GroupStep(target="change_planned", answer=answer))
    themes = await conn.fetch(
        "SELECT t.id, t.name FROM group_themes t JOIN subject_groups g ON g.id = t.group_id "
        "WHERE g.slug = $1 ORDER BY lower(t.name) LIMIT 2",
        GROUP,
    )
    await triage.set_themes(principal, item.id, [t["id"] for t in themes])
    await triage.assign(principal, item.id, member)
    await TriageService(conn, lambda: changed_at).link_planned(principal, [item.id], "1.1")

    as_json = await client.get(f"/api/v1/groups/{GROUP}/export.json", headers=headers)
    [row] = json.loads(as_json.content)
    assert row["status"] == "changed"
    assert row["answer"] == answer
    assert row["will_change"] is True
    assert row["changed_in_version"] == "1.1"
    assert row["changed_at"] == changed_at.isoformat()
    assert row["themes"] == [t["name"] for t in themes]
    assert row["assignee"] == "anna@region.se"
    assert (row["care_region"], row["care_region_name"]) == ("01", "Region Stockholm")

    as_csv = await client.get(f"/api/v1/groups/{GROUP}/export.csv", headers=headers)
    [cells] = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert cells["answer"] == answer
    assert cells["changed_in_version"] == "1.1"
    assert cells["themes"] == "; ".join(t["name"] for t in themes)
    assert cells["assignee"] == "anna@region.se"
    assert cells["care_region_name"] == "Region Stockholm"


async def test_the_traceability_report_in_english(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    """Asked for in English, the report says nothing in Swedish but the document's own title,
    which it marks as Swedish."""
    from tests.factories import sign_in_staff
    from tests.i18n_check import swedish_left

    member = await make_staff(conn, "anna@region.se", GROUP)
    item = await make_feedback(conn, document=DOC)
    await route_to(conn, item.id, GROUP)
    await sign_in_staff(client, conn, member)
    report = await client.get(f"/arbetsgrupp/{GROUP}/sparbarhet", headers={"Accept-Language": "en"})
    assert report.status_code == 200
    assert '<html lang="en">' in report.text
    assert '<h1>Traceability – <span lang="sv">' in report.text
    assert "<p>1 item of feedback.</p>" in report.text
    assert '<span lang="sv">' in report.text
    group = await conn.fetchval("SELECT name FROM subject_groups WHERE slug = $1", GROUP)
    assert swedish_left(report.text, content=(group,)) == []
