from __future__ import annotations

import re
import uuid

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import first_document

Client = AsyncTestClient[Litestar]

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def stored(conn: asyncpg.Connection) -> tuple[int, int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM feedback"),
        await conn.fetchval("SELECT count(*) FROM contacts"),
        await conn.fetchval("SELECT count(*) FROM audit_events"),
    )


@pytest.fixture
async def doc(conn: asyncpg.Connection) -> tuple[str, str, str]:
    return await first_document(conn)


def form(slug: str, **values: str) -> dict[str, str]:
    base = {
        "lang": "sv",
        "role": "patient",
        "category": "hard_to_understand",
        "text": "Jag förstår inte vad som menas med uppföljning efter sex veckor.",
        "formular_id": uuid.uuid4().hex,
    }
    base.update(values)
    return base


# ------------------------------------------------------------------ HTML form


async def test_document_page_offers_feedback_on_document_and_each_section(
    client: Client, doc: tuple[str, str, str]
) -> None:
    slug, label, key = doc
    page = await client.get(f"/kunskapsstod/{slug}")
    assert f'href="/kunskapsstod/{slug}/synpunkt?version={label}"' in page.text
    assert f'href="/kunskapsstod/{slug}/synpunkt?version={label}&amp;avsnitt={key}"' in page.text
    assert f'hx-target="#synpunkt-{key}"' in page.text


async def test_form_page_without_javascript_and_fragment_for_htmx(
    client: Client, doc: tuple[str, str, str]
) -> None:
    slug, _, key = doc
    page = await client.get(f"/kunskapsstod/{slug}/synpunkt", params={"avsnitt": key})
    assert page.status_code == 200
    assert "<html" in page.text
    assert f'<option value="{key}" selected>' in page.text
    assert "1177" in page.text
    assert "patientnämnden" in page.text
    fragment = await client.get(
        f"/kunskapsstod/{slug}/synpunkt", params={"avsnitt": key}, headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith("<form")
    english = await client.get(f"/kunskapsstod/{slug}/synpunkt", params={"lang": "en"})
    assert "Send feedback" in english.text
    assert '<html lang="en">' in english.text


async def test_form_for_unknown_section_is_404(client: Client, doc: tuple[str, str, str]) -> None:
    slug, _, _ = doc
    response = await client.get(f"/kunskapsstod/{slug}/synpunkt", params={"avsnitt": "9-nej"})
    assert response.status_code == 404


async def test_submit_by_form_shows_receipt_once_and_status_later(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, key = doc
    response = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=form(slug, section=key))
    assert response.status_code == 200
    assert "Tack! Vi har tagit emot din synpunkt" in response.text
    assert response.headers["cache-control"] == "no-store"
    code = CODE.search(response.text).group(0)
    assert await conn.fetchval("SELECT status FROM feedback") == "received"

    status = await client.post("/folj", data={"kod": code.lower(), "lang": "sv"})
    assert status.status_code == 200
    assert "Mottagen – väntar på granskning" in status.text
    assert "Vi tog emot din synpunkt." in status.text
    assert "Jag förstår inte vad som menas" in status.text


async def test_double_click_submits_once_and_shows_the_same_receipt(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    values = form(slug)
    first = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=values)
    second = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=values)
    assert first.status_code == second.status_code == 200
    assert CODE.search(first.text).group(0) == CODE.search(second.text).group(0)
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 1


async def test_form_errors_keep_what_was_typed(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    before = await stored(conn)
    response = await client.post(
        f"/kunskapsstod/{slug}/synpunkt",
        data=form(slug, category="", email="anna@exempel", text="Min viktiga text <b>fet</b>"),
    )
    assert response.status_code == 422
    assert "Något behöver rättas innan du kan skicka" in response.text
    assert "Välj vad din synpunkt gäller." in response.text
    assert "Det ser inte ut som en e-postadress" in response.text
    assert "Min viktiga text &lt;b&gt;fet&lt;/b&gt;" in response.text
    assert 'value="anna@exempel"' in response.text
    assert await stored(conn) == before


async def test_personal_data_warning_then_send_anyway(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    values = form(slug, text="Jag heter Anna, 811218-9876, ring 070-123 45 67.")
    warned = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=values)
    assert warned.status_code == 200
    assert "Kontrollera din text innan du skickar" in warned.text
    assert "Ett personnummer: <mark>811218-9876</mark>" in warned.text
    assert "Ett telefonnummer: <mark>070-123 45 67</mark>" in warned.text
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0

    sent = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data={**values, "pd_confirmed": "ja"}
    )
    assert "Tack! Vi har tagit emot din synpunkt" in sent.text
    findings = await conn.fetchval("SELECT personal_data FROM feedback")
    assert [f["kind"] for f in findings] == ["personal_identity_number", "phone_number"]


async def test_honeypot_stores_nothing_and_keeps_the_text(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    response = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=form(slug, webbplats="http://spam.example")
    )
    assert response.status_code == 400
    assert "Jag förstår inte vad som menas" in response.text
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<div hx-get="/folj" hx-trigger="load">x</div>',
        "{{ 7*7 }}{% raw %}",
        "javascript:alert(1)",
    ],
)
async def test_user_text_is_rendered_inert(
    client: Client, doc: tuple[str, str, str], payload: str
) -> None:
    slug, _, _ = doc
    response = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=form(slug, text=f"Text {payload} slut")
    )
    code = CODE.search(response.text).group(0)
    status = await client.post("/folj", data={"kod": code})
    assert payload not in status.text or "<" not in payload
    assert "<script>alert(1)</script>" not in status.text
    assert 'hx-get="/folj"' not in status.text
    assert "49" not in status.text.split("Din text")[1].split("Vad har hänt?")[0]


async def test_withdraw_needs_confirmation_then_erase(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    response = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=form(slug, email="anna@exempel.se")
    )
    code = CODE.search(response.text).group(0)
    unconfirmed = await client.post("/folj", data={"kod": code, "atgard": "ta-tillbaka"})
    assert unconfirmed.status_code == 422
    assert "Kryssa i rutan för att bekräfta" in unconfirmed.text
    assert await conn.fetchval("SELECT status FROM feedback") == "received"

    withdrawn = await client.post(
        "/folj", data={"kod": code, "atgard": "ta-tillbaka", "bekrafta": "ja"}
    )
    assert "Synpunkten är tillbakatagen" in withdrawn.text
    erased = await client.post("/folj", data={"kod": code, "atgard": "radera", "bekrafta": "ja"})
    assert "Texten och e-postadressen är raderade" in erased.text
    assert await conn.fetchval("SELECT body FROM feedback") is None
    assert await conn.fetchval("SELECT count(*) FROM contacts") == 0


async def test_unknown_receipt_code_is_explained(client: Client) -> None:
    wrong = await client.post("/folj", data={"kod": "0000-0000-0000-0000"})
    assert wrong.status_code == 422
    assert "Vi hittar ingen synpunkt med den koden" in wrong.text
    malformed = await client.post("/folj", data={"kod": "hej"})
    assert "Koden består av 16 tecken" in malformed.text


async def test_receipt_code_never_travels_in_a_url(client: Client) -> None:
    page = await client.get("/folj")
    assert 'method="post" action="/folj"' in page.text
    response = await client.get("/folj", params={"kod": "0000-0000-0000-0000"})
    assert "0000-0000-0000-0000" not in response.text


# ------------------------------------------------------------------ JSON API


def api_body(slug: str, **values: object) -> dict[str, object]:
    body: dict[str, object] = {
        "document": slug,
        "category": "missing_information",
        "role": "relative",
        "text": "Det saknas information om vad närstående kan göra.",
    }
    body.update(values)
    return body


async def test_api_submit_and_lookup(client: Client, doc: tuple[str, str, str]) -> None:
    slug, label, key = doc
    response = await client.post(
        "/api/v1/feedback", json=api_body(slug, section=key, text="Ring 070-123 45 67")
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "receipt_code", "status", "personal_data", "safety"}
    assert body["safety"] == []
    assert body["status"] == "received"
    assert body["personal_data"] == [{"kind": "phone_number", "start": 5, "end": 18}]
    assert CODE.fullmatch(body["receipt_code"])

    lookup = await client.post("/api/v1/receipts/lookup", json={"code": body["receipt_code"]})
    assert lookup.status_code == 200
    status = lookup.json()
    assert status["status"] == "received"
    assert status["version"] == label
    assert status["section"] == key
    assert [e["event"] for e in status["timeline"]] == ["feedback.submitted"]


async def test_api_idempotency_key_replays_and_writes_once(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    headers = {"Idempotency-Key": "retry-7f3a"}
    first = await client.post("/api/v1/feedback", json=api_body(slug), headers=headers)
    again = await client.post("/api/v1/feedback", json=api_body(slug), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 1
    other = await client.post(
        "/api/v1/feedback", json=api_body(slug, text="Annan text"), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["title"] == "Idempotency-Key reused"
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 1


async def test_api_validation_names_each_field(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    before = await stored(conn)
    response = await client.post(
        "/api/v1/feedback",
        json=api_body(slug, text="a\u202eb", email="x@y\nBcc: z@w.se", section="9-nej"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert fields == {
        ("text", "bidi"),
        ("email", "email_characters"),
        ("section", "unknown_section"),
    }
    assert await stored(conn) == before


async def test_api_type_errors_are_422_naming_the_field(
    client: Client, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    response = await client.post("/api/v1/feedback", json=api_body(slug, category="spam"))
    assert response.status_code == 422
    assert "category" in str(response.json()["errors"])


async def test_api_refuses_wrong_content_type_and_huge_bodies(
    client: Client, conn: asyncpg.Connection
) -> None:
    wrong = await client.post(
        "/api/v1/feedback", content=b"document=x", headers={"Content-Type": "text/plain"}
    )
    assert wrong.status_code == 415
    huge = await client.post(
        "/api/v1/feedback",
        content=b'{"text": "' + b"a" * (10 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0


async def test_api_withdraw_and_erase(client: Client, doc: tuple[str, str, str]) -> None:
    slug, _, _ = doc
    code = (await client.post("/api/v1/feedback", json=api_body(slug))).json()["receipt_code"]
    withdrawn = await client.post("/api/v1/receipts/withdraw", json={"code": code})
    assert withdrawn.json()["status"] == "withdrawn"
    again = await client.post("/api/v1/receipts/withdraw", json={"code": code})
    assert again.status_code == 409
    erased = await client.post("/api/v1/receipts/erase", json={"code": code})
    assert erased.json()["erased"] is True
    unknown = await client.post("/api/v1/receipts/lookup", json={"code": "0000-0000-0000-0000"})
    assert unknown.status_code == 404


async def test_form_refuses_huge_bodies_and_odd_content(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    huge = await client.post(
        f"/kunskapsstod/{slug}/synpunkt",
        content=b"text=" + b"a" * (10 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413
    assert "För stort innehåll" in huge.text
    as_json = await client.post(f"/kunskapsstod/{slug}/synpunkt", json=form(slug))
    assert as_json.status_code in (400, 415, 422)
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0


async def test_form_with_broken_utf8_is_stored_with_replacement_or_refused(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    body = "&".join(f"{k}={v}" for k, v in form(slug).items() if k != "text")
    response = await client.post(
        f"/kunskapsstod/{slug}/synpunkt",
        content=(body + "&text=Trasig%ED%A0%80text%00slut").encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert "otillåtet tecken (NUL)" in response.text
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0


async def test_form_on_unknown_section_or_version_says_so(
    client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    slug, _, _ = doc
    section = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=form(slug, section="9-finns-inte")
    )
    assert section.status_code == 422
    assert "Avsnittet finns inte i den här versionen" in section.text
    version = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=form(slug, version="9.9"))
    assert version.status_code == 422
    assert "Den versionen av kunskapsstödet finns inte" in version.text
    missing = await client.post("/kunskapsstod/finns-inte/synpunkt", data=form("finns-inte"))
    assert missing.status_code == 404
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0
