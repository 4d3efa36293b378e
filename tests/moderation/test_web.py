"""Moderation pages, routing-rule admin pages and the moderation JSON API, over HTTP."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.security.sessions import create_session
from tests.factories import (
    FIXED_NOW,
    SESSION_COOKIE,
    api_token,
    csrf_follows_cookie,
    make_feedback,
    make_staff,
    sign_in_staff,
)
from tests.moderation.conftest import Place

Client = AsyncTestClient[Litestar]
NAME = "Agneta Fredriksdotter"
TEXT = f"Jag heter {NAME}, mitt personnummer är 19121212-1212. <b>Fet</b> text om doser."


async def as_moderator(
    client: Client, conn: asyncpg.Connection, email: str = "mod@exempel.se"
) -> int:
    user_id = await make_staff(conn, email, role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, user_id)
    return user_id


async def as_admin(client: Client, conn: asyncpg.Connection) -> int:
    user_id = await make_staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
    await sign_in_staff(client, conn, user_id)
    return user_id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/moderering"),
        ("GET", "/moderering/synpunkter/{id}"),
        ("POST", "/moderering/synpunkter/{id}/beslut"),
        ("GET", "/moderering/synpunkter/{id}/original"),
        ("POST", "/moderering/synpunkter/{id}/original"),
        ("GET", "/api/v1/moderation/queue"),
        ("POST", "/api/v1/feedback/{id}/moderation"),
        ("POST", "/api/v1/feedback/{id}/moderation/original"),
        ("GET", "/admin/dirigering"),
        ("POST", "/admin/dirigering"),
        ("GET", "/admin/dirigering/forhandsgranska"),
    ],
)
async def test_only_moderators_and_admins_get_in(
    client: Client, bare_client: Client, conn: asyncpg.Connection, method: str, path: str
) -> None:
    item = await make_feedback(conn)
    url = path.format(id=item.id)
    body = (
        {"json": {"decision": "approve", "reason": "check_redaction"}}
        if "/api/" in url
        else {"data": {"decision": "approve"}}
    )
    kwargs = body if method == "POST" else {}
    anonymous = await client.request(method, url, **kwargs)
    assert anonymous.status_code == 401

    async def status_as(user_id: int, *, second_factor: bool = True) -> int:
        token, csrf = await create_session(
            conn, user_id, dt.datetime.now(dt.UTC), second_factor=second_factor
        )
        client.cookies.set(SESSION_COOKIE, token)
        # Signed-in requests carry the session's own CSRF token, as its pages' forms do.
        headers = {"x-csrf-token": csrf}
        return (await client.request(method, url, headers=headers, **kwargs)).status_code

    patient = await make_staff(conn, "pat@exempel.se", role=RoleChoice.PATIENT)
    assert await status_as(patient) == 403
    member = await make_staff(conn, "grupp@exempel.se", "nag-kol")
    assert await status_as(member) == 403
    # A moderator whose session has not passed the second factor is asked for it.
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    assert await status_as(moderator, second_factor=False) == 401
    if url.startswith("/admin"):
        assert await status_as(moderator) == 403

    if url.startswith("/api/"):
        patient_token = await api_token(conn, patient)
        forbidden = await bare_client.request(method, url, headers=patient_token, **kwargs)
        assert forbidden.status_code == 403
        assert forbidden.headers["content-type"].startswith("application/problem+json")
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item.id) == "received"


async def test_queue_shows_items_oldest_first_with_findings_marked_and_inert(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    await as_moderator(client, conn)
    first = await make_feedback(conn, text=TEXT, section=place.section_key, consent_public=True)
    later = FIXED_NOW + dt.timedelta(minutes=1)
    await make_feedback(conn, now=later, text="Andra synpunkten om kol.", category="suggestion")
    page = await client.get("/moderering")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "2 synpunkter väntar på granskning" in html
    assert html.index("personnummer är") < html.index("Andra synpunkten")
    assert "&lt;b&gt;Fet&lt;/b&gt;" in html
    assert "<b>Fet</b>" not in html
    assert '<mark class="pd" data-kind="personal_identity_number">19121212-1212' in html
    assert "Får visas öppet" in html
    assert place.document_title in html
    assert f"/moderering/synpunkter/{first.id}" in html

    filtered = await client.get(
        "/moderering", params={"kategori": "suggestion"}, headers={"HX-Request": "true"}
    )
    assert filtered.status_code == 200
    assert "<html" not in filtered.text
    assert "Visar 1 av 1 synpunkt som matchar filtret" in filtered.text
    assert "Andra synpunkten" in filtered.text
    assert "personnummer är" not in filtered.text

    bad = await client.get("/moderering", params={"kategori": "gnäll", "aldre-an": "2"})
    assert bad.status_code == 400
    assert "Kategorin finns inte" in bad.text
    assert "Åldern går inte att filtrera på" in bad.text


async def test_decide_in_the_form_and_the_submitter_sees_it_in_plain_words(
    client: Client, bare_client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    await as_moderator(client, conn)
    item = await make_feedback(conn, text=TEXT)
    page = await client.get(f"/moderering/synpunkter/{item.id}")
    assert page.status_code == 200
    assert "Du har synpunkten reserverad" in page.text
    edited = TEXT.replace(NAME, "").replace("19121212-1212", "[borttaget]")
    done = await client.post(
        f"/moderering/synpunkter/{item.id}/beslut",
        data={"decision": "redact", "redaction_reason": "personal_data", "text": edited},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/moderering?klart=redact"
    queue = await client.get(done.headers["location"])
    assert "Synpunkten är maskad, godkänd och skickad till ansvarig grupp." in queue.text
    assert "Ingen synpunkt väntar" in queue.text

    # The submitter's status page: the redacted text and what happened, never the original.
    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    status = await bare_client.post("/folj", data={"kod": item.receipt_code})
    assert status.status_code == 200
    assert NAME not in status.text
    assert "19121212-1212" not in status.text
    assert "Jag heter [borttaget], mitt personnummer är [borttaget]." in status.text
    assert "Skickad till ansvarig grupp" in status.text
    assert "tagit bort uppgifter som kunde visa vem du" in status.text

    decided = await client.get(f"/moderering/synpunkter/{item.id}")
    assert "Godkänn med maskning" in decided.text
    assert place.owner_name in decided.text
    assert NAME not in decided.text


async def test_rejection_for_a_care_matter_tells_the_submitter_where_to_turn(
    client: Client, bare_client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    await as_moderator(client, conn)
    item = await make_feedback(conn)
    await client.get(f"/moderering/synpunkter/{item.id}")
    done = await client.post(
        f"/moderering/synpunkter/{item.id}/beslut",
        data={
            "decision": "reject",
            "reject_reason": "personal_care_matter",
            "message": "Din vårdcentral kan hjälpa dig vidare.",
        },
    )
    assert "Synpunkten är avvisad" in done.text
    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    status = await bare_client.post("/folj", data={"kod": item.receipt_code})
    assert "Inte publicerad" in status.text
    assert "ring 1177" in status.text
    assert "patientnämnden" in status.text
    assert "Din vårdcentral kan hjälpa dig vidare." in status.text
    api = await bare_client.post("/api/v1/receipts/lookup", json={"code": item.receipt_code})
    texts = [step["text"] for step in api.json()["timeline"]]
    assert any("call 1177" in t for t in texts)


async def test_form_errors_are_specific_and_in_swedish(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    await as_moderator(client, conn)
    item = await make_feedback(conn)
    await client.get(f"/moderering/synpunkter/{item.id}")
    url = f"/moderering/synpunkter/{item.id}/beslut"
    none = await client.post(url, data={})
    assert none.status_code == 422
    assert "Välj ett beslut: godkänn, godkänn med maskning eller avvisa." in none.text
    empty = await client.post(
        url, data={"decision": "redact", "redaction_reason": "personal_data", "text": " "}
    )
    assert empty.status_code == 422
    assert "Den maskade texten är tom." in empty.text
    assert 'href="#maskad-text"' in empty.text
    reason = await client.post(url, data={"decision": "reject", "reject_reason": "tråkig"})
    assert "Skälet finns inte i listan" in reason.text
    assert 'href="#avvisningsskal"' in reason.text
    nul = await client.post(
        url, data={"decision": "reject", "reject_reason": "spam", "message": "a\x00b"}
    )
    assert nul.status_code == 422
    assert "otillåtet tecken (NUL)" in nul.text
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item.id) == "received"
    missing = await client.get(f"/moderering/synpunkter/{uuid.uuid4()}")
    assert missing.status_code == 404


async def test_a_second_moderator_gets_a_clear_conflict(
    client: Client, bare_client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    await as_moderator(client, conn)
    item = await make_feedback(conn)
    await client.get(f"/moderering/synpunkter/{item.id}")

    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    await as_moderator(bare_client, conn, "mod2@exempel.se")
    seen = await bare_client.get(f"/moderering/synpunkter/{item.id}")
    assert "En annan moderator granskar den här synpunkten just nu" in seen.text
    assert 'action="/moderering/synpunkter/' + str(item.id) + '/beslut"' not in seen.text
    queue = await bare_client.get("/moderering")
    assert "Granskas just nu av en annan moderator" in queue.text
    conflict = await bare_client.post(
        f"/moderering/synpunkter/{item.id}/beslut", data={"decision": "approve"}
    )
    assert conflict.status_code == 409
    assert "En annan moderator granskar just nu den här synpunkten" in conflict.text

    await client.post(f"/moderering/synpunkter/{item.id}/beslut", data={"decision": "approve"})
    late = await bare_client.post(
        f"/moderering/synpunkter/{item.id}/beslut",
        data={"decision": "reject", "reject_reason": "spam"},
    )
    assert late.status_code == 409
    assert "En annan moderator har redan beslutat" in late.text
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item.id) == "routed"


async def test_reading_the_original_on_the_page_needs_a_reason(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    moderator = await as_moderator(client, conn)
    item = await make_feedback(conn, text=TEXT)
    await client.get(f"/moderering/synpunkter/{item.id}")
    await client.post(
        f"/moderering/synpunkter/{item.id}/beslut",
        data={
            "decision": "redact",
            "redaction_reason": "personal_data",
            "text": TEXT.replace(NAME, ""),
        },
    )
    form = await client.get(f"/moderering/synpunkter/{item.id}/original")
    assert NAME not in form.text
    assert "Varför behöver du läsa originaltexten?" in form.text
    refused = await client.post(f"/moderering/synpunkter/{item.id}/original", data={})
    assert refused.status_code == 422
    assert "Välj varför du behöver läsa originaltexten." in refused.text
    assert NAME not in refused.text
    shown = await client.post(
        f"/moderering/synpunkter/{item.id}/original", data={"reason": "complaint"}
    )
    assert shown.status_code == 200
    assert NAME in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE action = 'moderation.original_read' "
            "AND actor = $1 AND reason_code = 'complaint'",
            f"user:{moderator}",
        )
        == 1
    )


async def test_api_queue_and_decisions(
    bare_client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    headers = await api_token(conn, moderator)
    first = await make_feedback(conn, text=TEXT, section=place.section_key)
    second = await make_feedback(
        conn, now=FIXED_NOW + dt.timedelta(minutes=1), category="suggestion"
    )

    queue = await bare_client.get("/api/v1/moderation/queue", headers=headers)
    assert queue.status_code == 200
    body = queue.json()
    assert body["total_waiting"] == 2
    assert [i["id"] for i in body["items"]] == [str(first.id), str(second.id)]
    item = body["items"][0]
    assert item["anchor"]["section"] == place.section_key
    assert item["anchor"]["document"] == place.document_slug
    assert [f["kind"] for f in item["personal_data"]] == ["personal_identity_number"]
    only = await bare_client.get(
        "/api/v1/moderation/queue", params={"category": "suggestion"}, headers=headers
    )
    assert [i["id"] for i in only.json()["items"]] == [str(second.id)]
    bad_filter = await bare_client.get(
        "/api/v1/moderation/queue", params={"category": "gnäll"}, headers=headers
    )
    assert bad_filter.status_code == 422

    url = f"/api/v1/feedback/{first.id}/moderation"
    approved = await bare_client.post(
        url, json={"decision": "approve", "urgent": True}, headers=headers
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "routed"
    assert approved.json()["urgent"] is True
    assert approved.json()["routes"] == [
        {
            "group": place.owner_slug,
            "group_name": place.owner_name,
            "rule_id": None,
            "matched": "owner",
        }
    ]
    again = await bare_client.post(url, json={"decision": "approve"}, headers=headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "already decided" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"decision": "reject", "reason": "boring"}, 422, [("reason", "unknown_reason_code")]),
        (
            {"decision": "redact", "reason": "personal_data", "text": ""},
            422,
            [("text", "redacted_text_required")],
        ),
        (
            {"decision": "redact", "reason": "personal_data", "text": "a\u0000"},
            422,
            [("text", "nul")],
        ),
        ({"decision": "maybe"}, 422, [("decision", "choose_decision")]),
        ({"decision": "approve", "extra": 1}, 422, None),
        ({"reason": "spam"}, 422, [("decision", "choose_decision")]),
    ],
)
async def test_api_bad_input_gets_problem_details_naming_fields(
    bare_client: Client, conn: asyncpg.Connection, place: Place, body: dict, status: int, fields
) -> None:
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    headers = await api_token(conn, moderator)
    item = await make_feedback(conn)
    response = await bare_client.post(
        f"/api/v1/feedback/{item.id}/moderation", json=body, headers=headers
    )
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    if fields is not None:
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == fields
        assert all(e["message"] for e in response.json()["errors"])
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item.id) == "received"


async def test_api_unknown_items_and_wrong_content_type(
    bare_client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    headers = await api_token(conn, moderator)
    unknown = await bare_client.post(
        f"/api/v1/feedback/{uuid.uuid4()}/moderation", json={"decision": "approve"}, headers=headers
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "There is no such feedback."
    not_uuid = await bare_client.post(
        "/api/v1/feedback/nope/moderation", json={"decision": "approve"}, headers=headers
    )
    assert not_uuid.status_code in (404, 422)
    item = await make_feedback(conn)
    form = await bare_client.post(
        f"/api/v1/feedback/{item.id}/moderation", data={"decision": "approve"}, headers=headers
    )
    assert form.status_code == 415


async def test_api_claim_and_original(
    bare_client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    first = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    second = await make_staff(conn, "mod2@exempel.se", role=RoleChoice.MODERATOR)
    mine, theirs = await api_token(conn, first), await api_token(conn, second)
    item = await make_feedback(conn, text=TEXT)
    base = f"/api/v1/feedback/{item.id}/moderation"
    claimed = await bare_client.post(f"{base}/claim", headers=mine)
    assert claimed.status_code == 200
    refused = await bare_client.post(f"{base}/claim", headers=theirs)
    assert refused.status_code == 409
    assert "Another moderator is reviewing" in refused.json()["detail"]
    blocked = await bare_client.post(base, json={"decision": "approve"}, headers=theirs)
    assert blocked.status_code == 409
    redacted = await bare_client.post(
        base,
        json={"decision": "redact", "reason": "personal_data", "text": TEXT.replace(NAME, "")},
        headers=mine,
    )
    assert redacted.status_code == 200
    no_reason = await bare_client.post(f"{base}/original", json={"reason": ""}, headers=theirs)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    original = await bare_client.post(
        f"{base}/original", json={"reason": "check_redaction"}, headers=theirs
    )
    assert original.status_code == 200
    assert original.json()["text"] == TEXT
    none = await bare_client.post(
        f"/api/v1/feedback/{(await make_feedback(conn)).id}/moderation/original",
        json={"reason": "check_redaction"},
        headers=theirs,
    )
    assert none.status_code == 404


async def test_routing_rules_admin_page_and_preview(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    await as_admin(client, conn)
    page = await client.get("/admin/dirigering")
    assert page.status_code == 200
    assert "Det finns inga regler" in page.text

    bad = await client.post("/admin/dirigering", data={"name": "", "kind": "keyword"})
    assert bad.status_code == 422
    assert "Ge regeln ett namn." in bad.text
    assert "Nyckelordet ska vara 2 till 100 tecken." in bad.text
    assert "Välj minst en ämnesgrupp" in bad.text

    created = await client.post(
        "/admin/dirigering",
        data={
            "name": "Läkemedel",
            "kind": "keyword",
            "keyword": "läkemedel",
            "priority": "10",
            "groups": [place.owner_slug, place.other_slug],
            "active": "ja",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    listing = await client.get(created.headers["location"])
    assert "Regeln är skapad." in listing.text
    assert "”läkemedel”" in listing.text
    rule_id = await conn.fetchval("SELECT id FROM routing_rules")
    assert sorted(
        await conn.fetchval(
            "SELECT array_agg(g.slug) FROM routing_rule_groups r "
            "JOIN subject_groups g ON g.id = r.group_id WHERE r.rule_id = $1",
            rule_id,
        )
    ) == sorted([place.owner_slug, place.other_slug])

    preview = await client.get(
        "/admin/dirigering/forhandsgranska",
        params={"dokument": place.document_slug, "kategori": "other", "text": "Om läkemedel"},
        headers={"HX-Request": "true"},
    )
    assert preview.status_code == 200
    assert "<html" not in preview.text
    assert f"<strong>{place.other_name}</strong> – enligt regeln ”Läkemedel”" in preview.text
    plain = await client.get(
        "/admin/dirigering/forhandsgranska",
        params={"dokument": place.document_slug, "kategori": "other", "text": "Om doser"},
    )
    assert f"<strong>{place.owner_name}</strong> – gruppen äger kunskapsstödet" in plain.text
    bad_preview = await client.get(
        "/admin/dirigering/forhandsgranska", params={"dokument": "", "kategori": "x"}
    )
    assert bad_preview.status_code == 422
    assert "Välj en kategori." in bad_preview.text

    edit = await client.get(f"/admin/dirigering/regel/{rule_id}")
    assert 'value="läkemedel"' in edit.text
    saved = await client.post(
        f"/admin/dirigering/regel/{rule_id}",
        data={
            "name": "Läkemedel",
            "kind": "keyword",
            "keyword": "doser",
            "priority": "5",
            "groups": [place.other_slug],
            "active": "ja",
        },
    )
    assert "Regeln är sparad." in saved.text
    off = await client.post(f"/admin/dirigering/regel/{rule_id}/aktiv", data={"active": "nej"})
    assert "Regeln är inaktiverad." in off.text
    assert not await conn.fetchval("SELECT active FROM routing_rules WHERE id = $1", rule_id)
    missing = await client.get("/admin/dirigering/regel/9999")
    assert missing.status_code == 404


async def test_releasing_an_item_lets_another_moderator_decide(
    client: Client, bare_client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    await as_moderator(client, conn)
    item = await make_feedback(conn)
    await client.get(f"/moderering/synpunkter/{item.id}")
    released = await client.post(f"/moderering/synpunkter/{item.id}/slapp", follow_redirects=False)
    assert released.status_code == 303
    assert released.headers["location"] == "/moderering"
    assert await conn.fetchval("SELECT count(*) FROM moderation_claims") == 0

    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    await as_moderator(bare_client, conn, "mod2@exempel.se")
    page = await bare_client.get(f"/moderering/synpunkter/{item.id}")
    assert "Du har synpunkten reserverad" in page.text
    done = await bare_client.post(
        f"/moderering/synpunkter/{item.id}/beslut", data={"decision": "approve"}
    )
    assert "Synpunkten är godkänd och skickad till ansvarig grupp." in done.text
