"""The group's pages and the triage JSON API, through HTTP as a browser or script uses them."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import (
    FIXED_NOW,
    api_token,
    make_feedback,
    make_staff,
    route_to,
    sign_in_staff,
)

Client = AsyncTestClient[Litestar]

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
OTHER = "nag-diabetes"
ANSWER = "Tack! Texten ändras inte, eftersom avsnittet redan beskriver när uppföljningen sker."
PLAN = "Tack! Vi skriver om avsnittet i nästa version så att uppföljningen blir tydligare."


async def routed(
    conn: asyncpg.Connection, group: str = GROUP, at: dt.datetime = FIXED_NOW, **values: object
) -> uuid.UUID:
    submitted = await make_feedback(conn, document=DOC, **values)
    await conn.execute("UPDATE feedback SET created_at = $2 WHERE id = $1", submitted.id, at)
    await route_to(conn, submitted.id, group, at)
    return submitted.id


async def counts(conn: asyncpg.Connection) -> tuple[int, ...]:
    tables = ("feedback_answers", "outbox_messages", "audit_events", "feedback_forwards")
    found = [await conn.fetchval(f"SELECT count(*) FROM {table}") for table in tables]
    routed = await conn.fetchval("SELECT count(*) FROM feedback WHERE status = 'routed'")
    return (*found, routed)


@pytest.fixture
async def member(client: Client, conn: asyncpg.Connection) -> int:
    user_id = await make_staff(conn, "anna@region.se", GROUP)
    await sign_in_staff(client, conn, user_id)
    return user_id


@pytest.fixture
async def member_api(conn: asyncpg.Connection, member: int) -> dict[str, str]:
    return await api_token(conn, member)


@pytest.fixture
async def outsider_api(conn: asyncpg.Connection) -> dict[str, str]:
    return await api_token(conn, await make_staff(conn, "bo@region.se", OTHER))


# ------------------------------------------------------------------ HTML


async def test_inbox_shows_my_groups_items_with_counts(
    client: Client, conn: asyncpg.Connection, member: int
) -> None:
    mine = await routed(conn, text="Jag saknar information om vätskeintag vid hjärtsvikt.")
    await routed(conn, OTHER, text="Diabetesgruppens synpunkt om insulinpumpar.")
    page = await client.get(f"/arbetsgrupp/{GROUP}/inkorg")
    assert page.status_code == 200
    assert "Inkorg: Hjärtsvikt" in page.text or "Inkorg:" in page.text
    assert f"/arbetsgrupp/synpunkt/{mine}" in page.text
    assert "vätskeintag" in page.text
    assert "insulinpumpar" not in page.text
    assert re.search(r"<dt>Ny</dt><dd><a href=\"\?status=routed\">1<", page.text)
    assert "Äldsta obesvarade</dt>" in page.text
    home = await client.get("/arbetsgrupp", follow_redirects=False)
    assert home.headers["location"] == f"/arbetsgrupp/{GROUP}/inkorg"
    assert (await client.get(f"/arbetsgrupp/{OTHER}/inkorg")).status_code == 404


async def test_inbox_search_and_filters_and_fragment(
    client: Client, conn: asyncpg.Connection, member: int
) -> None:
    await routed(conn, text="Läkemedlen i avsnittet om behandling är svåra att förstå.")
    await routed(conn, text="Jag saknar råd om motion och träning.", category="missing_information")
    # Swedish stemming: "behandlingen" finds "behandling".
    found = await client.get(f"/arbetsgrupp/{GROUP}/inkorg", params={"q": "behandlingen"})
    assert "Läkemedlen i avsnittet" in found.text
    assert "motion och träning" not in found.text
    by_category = await client.get(
        f"/arbetsgrupp/{GROUP}/inkorg",
        params={"category": "missing_information"},
        headers={"HX-Request": "true", "HX-Target": "inkorg-resultat"},
    )
    assert "<html" not in by_category.text
    assert "motion och träning" in by_category.text
    assert "Läkemedlen" not in by_category.text
    bad = await client.get(
        f"/arbetsgrupp/{GROUP}/inkorg", params={"older_than_days": "många", "status": "x"}
    )
    assert bad.status_code == 422
    assert "Skriv ett antal dagar" in bad.text
    assert "Okänd status" in bad.text


async def test_item_page_of_another_group_is_404_and_audited(
    client: Client, conn: asyncpg.Connection, member: int
) -> None:
    other = await routed(conn, OTHER)
    events = await conn.fetchval("SELECT count(*) FROM audit_events")
    response = await client.get(f"/arbetsgrupp/synpunkt/{other}")
    assert response.status_code == 404
    assert (
        await conn.fetchval(
            "SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY seq DESC LIMIT 1",
            str(other),
        )
        == "feedback.access_refused"
    )
    assert await conn.fetchval("SELECT count(*) FROM audit_events") == events + 1
    assert (await client.get(f"/arbetsgrupp/synpunkt/{uuid.uuid4()}")).status_code == 404


async def test_answer_by_form_then_the_receipt_page_shows_it(
    client: Client, conn: asyncpg.Connection, member: int
) -> None:
    submitted = await make_feedback(
        conn,
        document=DOC,
        version="1.0",
        section="3-utredning",
        quote="Vid misstanke om hjärtsvikt bör NT-proBNP analyseras tidigt.",
    )
    await route_to(conn, submitted.id, GROUP)
    item = f"/arbetsgrupp/synpunkt/{submitted.id}"
    page = await client.get(item)
    assert "<mark>Vid misstanke om hjärtsvikt bör NT-proBNP analyseras tidigt.</mark>" in page.text
    assert "Avsnittet i version 1.0" in page.text
    assert "Börja behandla" in page.text

    started = await client.post(f"{item}/status", data={"to": "in_review"}, follow_redirects=False)
    assert started.status_code == 303
    too_short = await client.post(f"{item}/status", data={"to": "answered", "answer": "Tack <b>!"})
    assert too_short.status_code == 422
    assert "Svaret är för kort" in too_short.text
    assert "Tack &lt;b&gt;!</textarea>" in too_short.text
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", submitted.id) == (
        "in_review"
    )
    done = await client.post(f"{item}/status", data={"to": "answered", "answer": ANSWER})
    assert done.status_code == 200
    assert "Statusen är ändrad till besvarad" in done.text
    assert ANSWER in done.text

    status = await client.post("/folj", data={"kod": submitted.receipt_code, "lang": "sv"})
    assert "Besvarad" in status.text
    assert ANSWER in status.text


async def test_themes_note_assign_and_forward_by_form(
    client: Client, conn: asyncpg.Connection, member: int
) -> None:
    item_id = await routed(conn)
    item = f"/arbetsgrupp/synpunkt/{item_id}"
    theme = await conn.fetchval(
        "SELECT t.id FROM group_themes t JOIN subject_groups g ON g.id = t.group_id "
        "WHERE g.slug = $1 AND t.name = 'Begriplighet'",
        GROUP,
    )
    await client.post(f"{item}/teman", data={"theme": [str(theme)]})
    await client.post(f"{item}/anteckning", data={"note": "Liknar förra veckans synpunkt."})
    await client.post(f"{item}/tilldela", data={"assignee": str(member)})
    page = await client.get(item)
    assert f'id="tema-{theme}" name="theme" value="{theme}" checked' in page.text
    assert "Liknar förra veckans synpunkt." in page.text
    assert f'<option value="{member}" selected>anna@region.se (jag)</option>' in page.text
    empty_note = await client.post(f"{item}/anteckning", data={"note": " "})
    assert empty_note.status_code == 422
    assert "Skriv något först." in empty_note.text

    forwarded = await client.post(
        f"{item}/vidarebefordra",
        data={"group": OTHER, "reason": "other_group_owns_text", "note": ""},
        follow_redirects=False,
    )
    assert forwarded.status_code == 303
    assert forwarded.headers["location"] == f"/arbetsgrupp/{GROUP}/inkorg?klart=vidarebefordrad"
    assert (await client.get(item)).status_code == 404


async def test_group_pages_need_a_group_member(client: Client, conn: asyncpg.Connection) -> None:
    assert (await client.get(f"/arbetsgrupp/{GROUP}/inkorg")).status_code == 401
    moderator = await make_staff(conn, "mod@region.se", None, role="moderator")
    await sign_in_staff(client, conn, moderator)
    assert (await client.get(f"/arbetsgrupp/{GROUP}/inkorg")).status_code == 403


# ------------------------------------------------------------------ JSON API


async def test_api_inbox_pages_with_a_cursor(
    client: Client, conn: asyncpg.Connection, member_api: dict[str, str]
) -> None:
    ids = [
        await routed(conn, at=FIXED_NOW + dt.timedelta(minutes=i), text=f"Synpunkt nummer {i}.")
        for i in range(27)
    ]
    first = (await client.get(f"/api/v1/groups/{GROUP}/inbox", headers=member_api)).json()
    assert [i["id"] for i in first["items"]] == [str(i) for i in reversed(ids[2:])]
    assert first["counts"] == {"routed": 27}
    second = (
        await client.get(
            f"/api/v1/groups/{GROUP}/inbox", params={"after": first["next"]}, headers=member_api
        )
    ).json()
    assert [i["id"] for i in second["items"]] == [str(ids[1]), str(ids[0])]
    assert second["next"] is None
    oldest = (
        await client.get(
            f"/api/v1/groups/{GROUP}/inbox", params={"sort": "oldest"}, headers=member_api
        )
    ).json()
    assert oldest["items"][0]["id"] == str(ids[0])


async def test_api_inbox_refuses_bad_filters_by_name(
    client: Client, member_api: dict[str, str]
) -> None:
    response = await client.get(
        f"/api/v1/groups/{GROUP}/inbox",
        params={"after": "not-a-cursor", "category": "x", "assignee": "someone"},
        headers=member_api,
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["category", "assignee", "after"]


async def test_api_transitions_with_problems_and_nothing_written(
    client: Client, conn: asyncpg.Connection, member_api: dict[str, str]
) -> None:
    submitted = await make_feedback(conn, document=DOC, email="p@exempel.se")
    await route_to(conn, submitted.id, GROUP)
    item = submitted.id
    url = f"/api/v1/feedback/{item}/transitions"
    before = await counts(conn)
    skip = await client.post(url, json={"to": "changed", "version": "1.1"}, headers=member_api)
    assert skip.status_code == 422
    assert skip.json()["errors"][0]["field"] == "to"
    assert "cannot be taken" in skip.json()["errors"][0]["message"]
    unknown = await client.post(url, json={"to": "in_review", "x": 1}, headers=member_api)
    assert unknown.status_code == 422
    assert await counts(conn) == before

    ok = await client.post(url, json={"to": "in_review"}, headers=member_api)
    assert ok.status_code == 200
    assert ok.json()["status"] == "in_review"
    missing = await client.post(url, json={"to": "change_planned"}, headers=member_api)
    assert missing.json()["errors"] == [
        {
            "field": "answer",
            "code": "answer_required",
            "message": "Write an answer: whether the text will change and why, or why not.",
        }
    ]
    planned = await client.post(
        url, json={"to": "change_planned", "answer": PLAN}, headers=member_api
    )
    assert planned.json()["answers"][0]["will_change"] is True
    await conn.execute(
        "INSERT INTO document_versions (document_id, label, published_on) "
        "SELECT id, '2.1', '2026-11-21' FROM guidance_documents WHERE slug = $1",
        DOC,
    )
    changed = await client.post(url, json={"to": "changed", "version": "2.1"}, headers=member_api)
    assert changed.json()["changed_in_version"] == "2.1"
    timeline = (await client.get(f"/api/v1/feedback/{item}/timeline", headers=member_api)).json()
    assert [(e["action"], e["to_status"]) for e in timeline["events"]] == [
        ("feedback.submitted", "received"),
        ("feedback.routed", "routed"),
        ("feedback.in_review", "in_review"),
        ("feedback.change_planned", "change_planned"),
        ("feedback.changed", "changed"),
    ]
    templates = await conn.fetch(
        "SELECT template FROM outbox_messages WHERE contact_id IS NOT NULL ORDER BY id"
    )
    assert [t[0] for t in templates] == [
        "feedback_received",
        "feedback_in_review",
        "feedback_change_planned",
        "feedback_changed",
    ]
    # The submitter follows it to the end by receipt code.
    status = await client.post("/folj", data={"kod": submitted.receipt_code, "lang": "sv"})
    assert f'Texten är ändrad i <a href="/kunskapsstod/{DOC}?version=2.1">version 2.1</a>' in (
        status.text
    )
    assert "Svar: texten ska ändras" in status.text
    assert PLAN in status.text
    assert "Arbetsgruppen svarade att texten ska ändras." in status.text


async def test_api_outsider_gets_404_and_the_attempt_is_audited(
    client: Client, conn: asyncpg.Connection, outsider_api: dict[str, str]
) -> None:
    item = await routed(conn)
    before = await counts(conn)
    response = await client.post(
        f"/api/v1/feedback/{item}/transitions", json={"to": "in_review"}, headers=outsider_api
    )
    assert response.status_code == 404
    assert (
        await client.get(f"/api/v1/feedback/{item}/timeline", headers=outsider_api)
    ).status_code == 404
    answers, mails, events, forwards, still_routed = await counts(conn)
    assert (answers, mails, forwards, still_routed) == (before[0], before[1], before[3], before[4])
    assert events == before[2] + 2
    assert (
        await client.get(f"/api/v1/groups/{GROUP}/inbox", headers=outsider_api)
    ).status_code == 404


async def test_api_forward(
    client: Client,
    conn: asyncpg.Connection,
    member_api: dict[str, str],
    outsider_api: dict[str, str],
) -> None:
    item = await routed(conn)
    url = f"/api/v1/feedback/{item}/forward"
    bad = await client.post(url, json={"group": GROUP, "reason": "nej"}, headers=member_api)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["group", "reason"]
    ok = await client.post(
        url,
        json={"group": OTHER, "reason": "spans_groups", "note": "Gäller även diabetes."},
        headers=member_api,
    )
    assert ok.status_code == 200
    assert ok.json()["group"] == OTHER
    inbox = (await client.get(f"/api/v1/groups/{OTHER}/inbox", headers=outsider_api)).json()
    assert [i["id"] for i in inbox["items"]] == [str(item)]


async def test_planned_changes_are_linked_to_a_new_version_together(
    client: Client, conn: asyncpg.Connection, member: int, member_api: dict[str, str]
) -> None:
    items = [await routed(conn, email="p@exempel.se") for _ in range(2)]
    for item in items:
        for step in ({"to": "in_review"}, {"to": "change_planned", "answer": PLAN}):
            response = await client.post(
                f"/api/v1/feedback/{item}/transitions", json=step, headers=member_api
            )
            assert response.status_code == 200
    page = await client.get(f"/arbetsgrupp/{GROUP}/planerade")
    assert "Ingen senare version är publicerad än." in page.text
    await conn.execute(
        "INSERT INTO document_versions (document_id, label, published_on) "
        "SELECT id, '2.1', '2026-11-21' FROM guidance_documents WHERE slug = $1",
        DOC,
    )
    page = await client.get(f"/arbetsgrupp/{GROUP}/planerade")
    assert '<option value="2.1">2.1</option>' in page.text
    before = await counts(conn)
    wrong = await client.post(
        f"/arbetsgrupp/{GROUP}/planerade",
        data={"document": DOC, "version": "1.0", "item": [str(i) for i in items]},
    )
    assert wrong.status_code == 422
    assert "senare version" in wrong.text
    assert await counts(conn) == before
    linked = await client.post(
        f"/arbetsgrupp/{GROUP}/planerade",
        data={"document": DOC, "version": "2.1", "item": [str(i) for i in items]},
    )
    assert "2 synpunkter är kopplade" in linked.text
    statuses = await conn.fetch(
        "SELECT f.status, v.label FROM feedback f JOIN document_versions v "
        "ON v.id = f.changed_in_version_id WHERE f.id = ANY($1::uuid[])",
        items,
    )
    assert [tuple(s) for s in statuses] == [("changed", "2.1"), ("changed", "2.1")]
