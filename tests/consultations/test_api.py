"""The JSON API for consultations: problem details that name fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import api_token
from tests.organisations.conftest import World

Client = AsyncTestClient[Litestar]


def future(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date().isoformat()


def fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e.get("field") for e in response.json()["errors"]}


async def consultation(bare_client: Client, headers: dict[str, str], world: World) -> int:
    response = await bare_client.post(
        "/api/v1/consultations",
        headers=headers,
        json={
            "document": "kol",
            "version": "2.0",
            "title": "Remiss KOL 2.0",
            "questions": ["Saknas något?"],
            "start": future(0),
            "deadline": future(14),
            "organisations": [world.org_a],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_consultations_api(
    bare_client: Client, conn: asyncpg.Connection, world: World
) -> None:
    group = await api_token(conn, world.group_member)
    consultation_id = await consultation(bare_client, group, world)
    a = await api_token(conn, world.coordinator_a)
    b = await api_token(conn, world.coordinator_b)
    listed = await bare_client.get("/api/v1/consultations", headers=a)
    assert [c["id"] for c in listed.json()] == [consultation_id]
    assert listed.json()[0]["open"] is True
    assert (await bare_client.get("/api/v1/consultations", headers=b)).json() == []
    assert (
        await bare_client.get(f"/api/v1/consultations/{consultation_id}", headers=b)
    ).status_code == 404
    one = await bare_client.get(f"/api/v1/consultations/{consultation_id}", headers=a)
    assert one.json()["questions"] == ["Saknas något?"]
    # Only subject group members open consultations.
    refused = await bare_client.post("/api/v1/consultations", headers=a, json={})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, None),
        ({"title": ""}, {"title"}),
        ({"title": "x" * 1001}, None),
        ({"title": "KOL\u0000"}, {"title"}),
        ({"questions": []}, {"questions"}),
        ({"deadline": "snart"}, {"deadline"}),
        ({"document": "finns-inte"}, {"document"}),
        ({"organisations": ["finns-inte"]}, {"organisations"}),
        ({"unexpected": 1}, None),
    ],
)
async def test_bad_consultations_get_named_problems(
    bare_client: Client,
    conn: asyncpg.Connection,
    world: World,
    body: dict[str, Any],
    expected: set[str] | None,
) -> None:
    group = await api_token(conn, world.group_member)
    full = {
        "document": "kol",
        "version": "2.0",
        "title": "Remiss",
        "questions": ["Fråga?"],
        "start": future(0),
        "deadline": future(14),
        "organisations": [world.org_a],
    }
    response = await bare_client.post(
        "/api/v1/consultations", headers=group, json=body if body == {} else {**full, **body}
    )
    named = fields(response)
    if expected is not None:
        assert expected <= named
    else:
        assert named
        assert None not in named
    assert await conn.fetchval("SELECT count(*) FROM consultations") == 0
