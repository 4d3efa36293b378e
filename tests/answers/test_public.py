"""The public table of feedback and answers per document, and its statistics."""

from __future__ import annotations

import datetime as dt

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.feedback.lifecycle import GroupStep
from medskapa.security.principal import Principal
from medskapa.triage.service import TriageService
from tests.factories import FIXED_NOW, make_feedback, make_staff, route_to

Client = AsyncTestClient[Litestar]
DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
ANSWER = "Tack! Vi ändrar inte texten eftersom avsnittet redan tar upp vätskeintag."


async def test_only_moderated_and_allowed_items_are_shown_with_their_answers(
    client: Client, conn: asyncpg.Connection
) -> None:
    user = await make_staff(conn, "anna@region.se", GROUP)
    group_id = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", GROUP)
    member = Principal(user_id=user, groups={group_id: "member"}, second_factor=True)
    answered_at = FIXED_NOW + dt.timedelta(days=3)
    triage = TriageService(conn, lambda: answered_at)

    shown = await make_feedback(
        conn, document=DOC, consent_public=True, text="Jag saknar råd om vätskeintag."
    )
    await route_to(conn, shown.id, GROUP)
    await triage.transition(member, shown.id, GroupStep(target="in_review"))
    await triage.transition(member, shown.id, GroupStep(target="answered", answer=ANSWER))
    await triage.add_note(member, shown.id, "Intern: diskutera med ordföranden.")

    private = await make_feedback(conn, document=DOC, text="Får inte visas öppet, sa jag.")
    await route_to(conn, private.id, GROUP)
    unmoderated = await make_feedback(
        conn, document=DOC, consent_public=True, text="Inte granskad än av moderator."
    )

    response = await client.get(f"/api/v1/documents/{DOC}/responses")
    assert response.status_code == 200
    body = response.json()
    assert [i["text"] for i in body["items"]] == ["Jag saknar råd om vätskeintag."]
    assert body["items"][0]["answers"][0]["text"] == ANSWER
    assert body["statistics"] == {
        "received": 2,
        "answered": 1,
        "change_planned": 0,
        "changed": 0,
        "median_days_to_answer": 3.0,
    }
    page = await client.get(f"/kunskapsstod/{DOC}/svar")
    assert page.status_code == 200
    assert "Jag saknar råd om vätskeintag." in page.text
    assert ANSWER in page.text
    for hidden in ("Får inte visas öppet", "Inte granskad än", "Intern: diskutera", "anna@"):
        assert hidden not in page.text
        assert hidden not in response.text
    assert unmoderated.id  # received, never shown

    other_version = await client.get(
        f"/api/v1/documents/{DOC}/responses", params={"version": "1.0"}
    )
    assert other_version.json()["items"] == []


async def test_unknown_version_and_document(client: Client) -> None:
    bad = await client.get(f"/api/v1/documents/{DOC}/responses", params={"version": "9.9"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "version"
    page = await client.get(f"/kunskapsstod/{DOC}/svar", params={"version": "9.9"})
    assert page.status_code == 422
    assert "Kunskapsstödet har ingen sådan version." in page.text
    assert (await client.get("/api/v1/documents/finns-inte/responses")).status_code == 404


async def test_statistics_follow_the_version_filter(
    client: Client, conn: asyncpg.Connection
) -> None:
    """Two items on version 1.0 (one answered after 2 days), one on 1.1 (answered after 6
    days): the figures beside a version's items are that version's, on the page and in the
    API; without a filter they are the document's."""
    user = await make_staff(conn, "bo@region.se", GROUP)
    group_id = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", GROUP)
    member = Principal(user_id=user, groups={group_id: "member"}, second_factor=True)

    async def answered(version: str, days: int) -> None:
        item = await make_feedback(conn, document=DOC, version=version, consent_public=True)
        await route_to(conn, item.id, GROUP)
        triage = TriageService(conn, lambda: FIXED_NOW + dt.timedelta(days=days))
        await triage.transition(member, item.id, GroupStep(target="in_review"))
        await triage.transition(member, item.id, GroupStep(target="answered", answer=ANSWER))

    await answered("1.0", 2)
    unanswered = await make_feedback(conn, document=DOC, version="1.0", consent_public=True)
    await route_to(conn, unanswered.id, GROUP)
    await answered("1.1", 6)

    async def figures(version: str | None) -> dict[str, object]:
        params = {"version": version} if version else {}
        response = await client.get(f"/api/v1/documents/{DOC}/responses", params=params)
        assert response.status_code == 200
        return response.json()["statistics"]

    assert await figures("1.0") == {
        "received": 2,
        "answered": 1,
        "change_planned": 0,
        "changed": 0,
        "median_days_to_answer": 2.0,
    }
    assert await figures("1.1") == {
        "received": 1,
        "answered": 1,
        "change_planned": 0,
        "changed": 0,
        "median_days_to_answer": 6.0,
    }
    assert (await figures(None))["received"] == 3
    assert (await figures(None))["median_days_to_answer"] == 4.0
    page = await client.get(f"/kunskapsstod/{DOC}/svar", params={"version": "1.1"})
    assert "<dt>Granskade synpunkter</dt><dd>1</dd>" in page.text
    assert "6 dagar" in page.text
