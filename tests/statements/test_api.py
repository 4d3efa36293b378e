"""The JSON API for rounds and statements: problem details that name fields."""

from __future__ import annotations

import uuid

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.clock import utc_now
from medskapa.feedback.lifecycle import GroupStep
from medskapa.triage.service import TriageService
from tests.consultations.test_api import consultation, fields, future
from tests.factories import api_token, make_staff, principal_for, route_to
from tests.organisations.conftest import World

Client = AsyncTestClient[Litestar]


async def test_rounds_and_inputs_api(
    bare_client: Client, conn: asyncpg.Connection, world: World
) -> None:
    group = await api_token(conn, world.group_member)
    consultation_id = await consultation(bare_client, group, world)
    a = await api_token(conn, world.coordinator_a)
    base = f"/api/v1/organisations/{world.org_a}/rounds"
    late = await bare_client.post(
        base,
        headers=a,
        json={"title": "Runda", "deadline": future(30), "consultation": consultation_id},
    )
    assert fields(late) == {"deadline"}
    assert late.json()["errors"][0]["code"] == "deadline_after_consultation"
    opened = await bare_client.post(
        base,
        headers=a,
        json={"title": "Runda", "deadline": future(7), "consultation": consultation_id},
    )
    assert opened.status_code == 201
    round_id = opened.json()["id"]
    assert [r["id"] for r in (await bare_client.get(base, headers=a)).json()] == [round_id]

    member = await api_token(conn, world.member_a1)
    inputs = f"{base}/{round_id}/inputs"
    assert (await bare_client.post(base, headers=member, json={})).status_code == 403
    for bad, field in (
        ({"category": "other", "text": ""}, "text"),
        ({"category": "other", "text": "a\u0000b"}, "text"),
        ({"category": "other", "text": "x" * 5001}, "text"),
        ({"category": "nej", "text": "Hej"}, "category"),
        ({"category": "other", "text": "Hej", "section": "0-nej"}, "section"),
        ({"category": "other", "text": "Hej", "quote": {"exact": "finns inte"}}, "section"),
    ):
        assert field in fields(await bare_client.post(inputs, headers=member, json=bad))
    added = await bare_client.post(
        inputs,
        headers=member,
        json={"category": "suggestion", "text": "Lägg till en bild.", "section": "7-uppfoljning"},
    )
    assert added.status_code == 201
    assert added.json()["author"] is None

    b = await api_token(conn, world.coordinator_b)
    for path in (f"{base}/{round_id}", base):
        assert (await bare_client.get(path, headers=b)).status_code == 404
    own_b = f"/api/v1/organisations/{world.org_b}/rounds/{round_id}"
    assert (await bare_client.get(own_b, headers=b)).status_code == 404
    assert (
        await bare_client.post(
            f"{own_b}/inputs", headers=b, json={"category": "other", "text": "Hej"}
        )
    ).status_code == 404
    coordinator_view = await bare_client.get(f"{base}/{round_id}", headers=a)
    assert [i["text"] for i in coordinator_view.json()["inputs"]] == ["Lägg till en bild."]


async def test_statements_api_end_to_end(
    bare_client: Client, conn: asyncpg.Connection, world: World
) -> None:
    a = await api_token(conn, world.coordinator_a)
    b = await api_token(conn, world.coordinator_b)
    member = await api_token(conn, world.member_a1)
    round_ = await bare_client.post(
        f"/api/v1/organisations/{world.org_a}/rounds",
        headers=a,
        json={"title": "Höft", "deadline": future(7), "document": "hoftfraktur"},
    )
    round_id = round_.json()["id"]
    added = await bare_client.post(
        f"/api/v1/organisations/{world.org_a}/rounds/{round_id}/inputs",
        headers=member,
        json={"category": "own_experience", "text": "Jag väntade länge på operation."},
    )
    input_id = added.json()["id"]

    assert "title" in fields(
        await bare_client.post(
            "/api/v1/statements",
            headers=a,
            json={"organisation": world.org_a, "title": " ", "round": round_id},
        )
    )
    assert (
        await bare_client.post(
            "/api/v1/statements",
            headers=b,
            json={"organisation": world.org_a, "title": "Kapning", "round": round_id},
        )
    ).status_code == 404
    created = await bare_client.post(
        "/api/v1/statements",
        headers=a,
        json={"organisation": world.org_a, "title": "Yttrande", "round": round_id},
    )
    assert created.status_code == 201
    statement = f"/api/v1/statements/{created.json()['id']}"
    section = await bare_client.post(
        f"{statement}/sections", headers=a, json={"heading": "Väntetider", "body": "För långa."}
    )
    section_id = section.json()["sections"][0]["id"]
    assert "body" in fields(
        await bare_client.post(
            f"{statement}/sections", headers=a, json={"heading": "X", "body": "\u0000"}
        )
    )
    assert "section" in fields(
        await bare_client.post(
            f"{statement}/sections",
            headers=a,
            json={"heading": "X", "body": "Y", "section_id": 999999},
        )
    )
    cited = await bare_client.post(
        f"{statement}/citations", headers=a, json={"input": input_id, "section_id": section_id}
    )
    assert cited.json()["citations"][0]["text"] == "Jag väntade länge på operation."
    assert "input" in fields(
        await bare_client.post(f"{statement}/citations", headers=a, json={"input": "nej"})
    )
    assert (await bare_client.get(statement, headers=b)).status_code == 404
    asked = await bare_client.post(
        f"{statement}/cosigners", headers=a, json={"organisation": world.org_b}
    )
    assert [c["organisation"] for c in asked.json()["cosigners"]] == [world.org_b]
    signed = await bare_client.post(f"{statement}/cosign", headers=b)
    assert signed.json()["cosigners"][0]["signed_at"] is not None
    twice = await bare_client.post(f"{statement}/cosign", headers=b)
    assert twice.status_code == 409
    # A co-signer cannot edit or submit.
    assert (await bare_client.post(f"{statement}/submit", headers=b, json={})).status_code == 404

    submitted = await bare_client.post(
        f"{statement}/submit", headers=a, json={"category": "suggestion"}
    )
    assert submitted.status_code == 201
    feedback_id = submitted.json()["feedback_id"]
    assert len(submitted.json()["receipt_code"]) == 19
    shown = await bare_client.get(statement, headers=a)
    assert shown.json()["status"] == "submitted"
    assert shown.json()["feedback_id"] == feedback_id
    assert shown.json()["feedback_status"] == "received"
    assert shown.json()["answers"] == []
    # Once the group has answered, both signatories read the answer through the API.
    group = await conn.fetchval(
        "SELECT g.slug FROM guidance_documents d JOIN subject_groups g "
        "ON g.id = d.subject_group_id WHERE d.slug = 'hoftfraktur'"
    )
    await route_to(conn, uuid.UUID(feedback_id), group)
    lead = await principal_for(
        conn, await make_staff(conn, "hoft@region.se", group=group), second_factor=True
    )
    triage = TriageService(conn, utc_now)
    await triage.transition(lead, uuid.UUID(feedback_id), GroupStep(target="in_review"))
    answer = "Tack. Väntetiderna beskrivs redan i avsnitt 2; texten ändras inte."
    await triage.transition(
        lead, uuid.UUID(feedback_id), GroupStep(target="answered", answer=answer)
    )
    for headers in (a, b):
        read = (await bare_client.get(statement, headers=headers)).json()
        assert [(x["status"], x["text"]) for x in read["answers"]] == [("answered", answer)]
    again = await bare_client.post(f"{statement}/submit", headers=a, json={})
    assert again.status_code == 409
    assert again.json()["detail"].startswith("The statement has already been sent")
    listed = await bare_client.get(
        "/api/v1/statements", headers=b, params={"organisation": world.org_b}
    )
    assert [s["id"] for s in listed.json()] == [created.json()["id"]]
