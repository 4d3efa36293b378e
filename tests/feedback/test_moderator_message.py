"""A rejecting moderator's words to the submitter reach every place the submitter looks: the
follow page, the JSON receipt lookup and the rejection e-mail (its body, never its subject)."""

from __future__ import annotations

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.moderation.service import DecisionInput
from medskapa.outbox.render import render
from tests.factories import make_feedback
from tests.moderation.conftest import moderation, moderator

Client = AsyncTestClient[Litestar]
MESSAGE = "Det här gäller din egen vård.\n\nKontakta din vårdcentral eller ring 1177."
BASE_URL = "https://medskapa.example"


async def rejected(conn: asyncpg.Connection, message: str | None, **submission: object) -> str:
    item = await make_feedback(conn, **submission)
    decision = DecisionInput(decision="reject", reason="personal_care_matter", message=message)
    await moderation(conn).decide(await moderator(conn), item.id, decision)
    return item.receipt_code


async def test_the_json_lookup_carries_the_moderators_message(
    client: Client, conn: asyncpg.Connection
) -> None:
    code = await rejected(conn, MESSAGE)
    status = (await client.post("/api/v1/receipts/lookup", json={"code": code})).json()
    assert status["status"] == "rejected"
    assert status["moderator_message"] == MESSAGE

    page = await client.post("/folj", data={"kod": code})
    assert "Kontakta din vårdcentral eller ring 1177." in page.text


async def test_without_a_message_the_lookup_says_null(
    client: Client, conn: asyncpg.Connection
) -> None:
    code = await rejected(conn, None)
    status = (await client.post("/api/v1/receipts/lookup", json={"code": code})).json()
    assert status["status"] == "rejected"
    assert status["moderator_message"] is None


async def test_the_openapi_schema_documents_the_message(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    out = schema["components"]["schemas"]["FeedbackStatusOut"]["properties"]
    described = out["moderator_message"]
    text = described.get("description") or " ".join(
        choice.get("description", "") for choice in described.get("oneOf", [])
    )
    assert "moderator" in text


async def test_the_rejection_mail_carries_the_message_in_its_body_only(
    conn: asyncpg.Connection,
) -> None:
    await rejected(conn, MESSAGE, email="anna@exempel.se", language="en")
    mail = await conn.fetchrow(
        "SELECT context, language FROM outbox_messages WHERE template = 'feedback_rejected'"
    )
    assert mail["context"]["message"] == MESSAGE
    rendered = render("feedback_rejected", mail["context"], base_url=BASE_URL)
    assert "1177" not in rendered.subject
    assert "vårdcentral" not in rendered.subject
    # Both languages of both bodies say that the moderator wrote, and what.
    assert "Moderatorn skriver till dig:" in rendered.text
    assert "The moderator writes to you:" in rendered.text
    assert rendered.text.count("Kontakta din vårdcentral eller ring 1177.") == 2
    assert "Moderatorn skriver till dig:" in rendered.html
    assert "The moderator writes to you:" in rendered.html
    assert rendered.html.count("<p>Kontakta din vårdcentral eller ring 1177.</p>") == 2


def test_a_rejection_mail_without_a_message_says_nothing_of_one() -> None:
    context = {"reason_code": "spam", "document_title": "KOL"}
    # Mails queued before the message was part of the context render as they did.
    for mail in (context, {**context, "message": None}):
        rendered = render("feedback_rejected", mail, base_url=BASE_URL)
        assert "Moderatorn skriver" not in rendered.text
        assert "moderator writes" not in rendered.html


def test_the_message_is_escaped_in_the_html_mail() -> None:
    context = {"reason_code": "spam", "document_title": "KOL", "message": "<a href=x>klicka</a>"}
    rendered = render("feedback_rejected", context, base_url=BASE_URL)
    assert "<a href=x>" not in rendered.html
    assert "&lt;a href=x&gt;klicka&lt;/a&gt;" in rendered.html
