"""Reporting an accessibility problem: a report becomes a feedback item about the site, so its
sender gets a receipt code to follow it on /folj (and by e-mail, through the outbox relay, when
they left an address); the admins take it up, answer and close it through the lifecycle, each
step in the trail. Bad input gets a clear error in the reader's language with nothing lost, the
form is rate limited like the other public forms, and the text, page and address are erased
after the configured period."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.feedback.service import FeedbackService, detach_account
from medskapa.legal.domain import ReportInput
from medskapa.legal.service import AccessibilityReports
from medskapa.outbox.relay import Relay
from medskapa.settings import Settings
from tests.apps import app_for
from tests.factories import (
    TEST_SECRET,
    csrf_follows_cookie,
    make_person,
    make_staff,
    sign_in,
    sign_in_staff,
)
from tests.relaying import drain, relay_to
from tests.smtp import SmtpServer, smtp_server

Client = AsyncTestClient[Litestar]
URL = "/tillganglighet/rapportera"
PROBLEM = "Knappen ”Skicka synpunkt” läses upp som ”knapp” utan namn i VoiceOver.\nSida 2."
ANSWER = "Tack! Knappen har nu ett namn som skärmläsare läser upp. Rättat i dag."
BASE = "https://medskapa.example"


async def counts(conn: asyncpg.Connection) -> tuple[int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM feedback WHERE subject = 'site'"),
        await conn.fetchval("SELECT count(*) FROM contacts"),
    )


def receipt_code(page: str) -> str:
    found = re.search(r'id="kvittokod">.*?</span>([^<]+)</p>', page, re.S)
    assert found, page
    return found.group(1).strip()


async def follow(client: Client, code: str, **extra: str) -> str:
    response = await client.post("/folj", data={"kod": code, **extra})
    assert response.status_code == 200, response.text
    return response.text


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def relay(database_url: str, smtp: SmtpServer) -> AsyncIterator[Relay]:
    async with relay_to(database_url, smtp, BASE) as relay:
        yield relay


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return body.get_content()


async def test_a_report_is_a_feedback_item_its_sender_follows_with_the_receipt_code(
    client: Client, conn: asyncpg.Connection
) -> None:
    form = await client.get(URL, params={"sida": "/kunskapsstod"})
    assert 'value="/kunskapsstod"' in form.text
    sent = await client.post(
        URL, data={"page": "/kunskapsstod", "problem": PROBLEM, "email": "eva@exempel.se"}
    )
    assert sent.status_code == 200
    assert sent.headers["cache-control"] == "no-store"
    assert "Tack för din rapport" in sent.text
    assert "Vi skickar också svaret till den e-postadress du skrev." in sent.text
    code = receipt_code(sent.text)
    assert code not in await conn.fetchval("SELECT receipt_hash::text FROM feedback")
    assert await counts(conn) == (1, 1)
    row = await conn.fetchrow(
        "SELECT subject, category, site_page, body, document_id, version_id, status FROM feedback"
    )
    assert dict(row) == {
        "subject": "site",
        "category": "accessibility",
        "site_page": "/kunskapsstod",
        "body": PROBLEM,
        "document_id": None,
        "version_id": None,
        "status": "received",
    }
    # The receipt mail, queued with the item; it names no document.
    assert await conn.fetchval(
        "SELECT template FROM outbox_messages WHERE contact_id IS NOT NULL"
    ) == ("site_feedback_received")

    status = await follow(client, code)
    assert "Tillgänglighetsproblem på webbplatsen" in status
    assert "Webbplatsen: /kunskapsstod" in status
    assert "VoiceOver" in status
    assert "Mottagen – väntar på webbplatsens förvaltare" in status
    assert "Vi tog emot din synpunkt." in status
    assert "Kunskapsstöd" not in status.split("<main")[1]

    # The API reads it like any feedback, with no document.
    api = await client.post("/api/v1/receipts/lookup", json={"code": code})
    assert api.status_code == 200, api.text
    body = api.json()
    assert (body["document"], body["version"], body["category"], body["status"]) == (
        None,
        None,
        "accessibility",
        "received",
    )

    english = await client.post(
        URL, data={"problem": "Focus is not visible in the menu.", "lang": "en"}
    )
    assert '<html lang="en">' in english.text
    assert "Thank you for your report" in english.text
    assert "Your receipt code is" in english.text
    assert "receipt-code" in english.text

    # Withdrawn and erased by its code, like any feedback.
    withdrawn = await follow(client, code, atgard="ta-tillbaka", bekrafta="ja")
    assert "Synpunkten är tillbakatagen." in withdrawn
    erased = await follow(client, code, atgard="radera", bekrafta="ja")
    assert "Texten och e-postadressen är raderade." in erased
    row = await conn.fetchrow(
        "SELECT body, site_page, contact_id, status FROM feedback WHERE language = 'sv'"
    )
    assert dict(row) == {"body": None, "site_page": None, "contact_id": None, "status": "withdrawn"}


async def test_admins_take_up_answer_and_close_and_the_sender_is_mailed(
    client: Client,
    bare_client: Client,
    conn: asyncpg.Connection,
    smtp: SmtpServer,
    relay: Relay,
) -> None:
    sent = await client.post(
        URL, data={"page": "Startsidan", "problem": PROBLEM, "email": "eva@exempel.se"}
    )
    code = receipt_code(sent.text)
    item_id = await conn.fetchval("SELECT id FROM feedback WHERE subject = 'site'")

    # Only admins see or handle them; a POST without the CSRF token is refused.
    assert (await bare_client.get("/admin/tillganglighet")).status_code == 401
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(bare_client, conn, moderator)
    assert (await bare_client.get("/admin/tillganglighet")).status_code == 403
    assert (await bare_client.get(f"/admin/tillganglighet/{item_id}")).status_code == 403
    refused = await bare_client.post(f"/admin/tillganglighet/{item_id}/avsluta")
    assert refused.status_code == 403

    admin = await make_staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
    await sign_in_staff(client, conn, admin)
    listing = await client.get("/admin/tillganglighet")
    assert listing.status_code == 200
    assert "1 rapport väntar." in listing.text
    assert "VoiceOver" in listing.text
    assert f'href="/admin/tillganglighet/{item_id}"' in listing.text
    page = await client.get(f"/admin/tillganglighet/{item_id}")
    assert "eva@exempel.se" in page.text
    assert "Startsidan" in page.text
    assert "Rapporten kom in" in page.text

    taken = await client.post(f"/admin/tillganglighet/{item_id}/ta-upp", follow_redirects=False)
    assert taken.status_code == 303
    after = await client.get(taken.headers["location"])
    assert "Rapporten är tagen upp." in after.text
    assert "Tagen upp" in after.text
    assert "Webbplatsens förvaltare arbetar med din rapport" in await follow(client, code)

    short = await client.post(f"/admin/tillganglighet/{item_id}/svara", data={"answer": "Tack!"})
    assert short.status_code == 422
    assert "Svaret behöver vara minst 20 tecken." in short.text
    assert ">Tack!</textarea>" in short.text
    answered = await client.post(
        f"/admin/tillganglighet/{item_id}/svara", data={"answer": ANSWER}, follow_redirects=False
    )
    assert answered.status_code == 303
    assert "Svaret är sparat" in (await client.get(answered.headers["location"])).text

    status = await follow(client, code)
    assert "Svar från webbplatsens förvaltare" in status
    assert ANSWER in status
    assert "Webbplatsens förvaltare svarade." in status

    # Answered: closing it now is not a step it can take.
    again = await client.post(f"/admin/tillganglighet/{item_id}/avsluta")
    assert again.status_code == 409
    assert "Rapporten är redan besvarad, avslutad eller tillbakatagen" in again.text
    trail = await conn.fetch(
        "SELECT actor, action, from_state, to_state FROM audit_events "
        "WHERE subject_type = 'feedback' AND subject_id = $1 ORDER BY seq",
        str(item_id),
    )
    assert [tuple(r) for r in trail] == [
        ("submitter", "feedback.submitted", None, "received"),
        (f"user:{admin}", "site_feedback.in_review", "received", "in_review"),
        (f"user:{admin}", "site_feedback.answered", "in_review", "answered"),
    ]
    assert "0 rapporter väntar." in (await client.get("/admin/tillganglighet")).text

    # Through the real relay to a real SMTP server: the receipt, then the answer itself.
    assert await drain(relay) == 2
    mails = smtp.mailbox.to("eva@exempel.se")
    assert [m["Subject"] for m in mails] == [
        "Vi har tagit emot din rapport / We have received your report",
        "Din rapport har fått svar / Your report has been answered",
    ]
    assert f"{BASE}/folj" in text_of(mails[0])
    assert ANSWER in text_of(mails[1])
    assert "VoiceOver" not in text_of(mails[0]) + text_of(mails[1])

    # A second report, closed without an answer: the sender is told.
    await client.post(
        URL, data={"problem": "Tabellen går inte att läsa.", "email": "bo@exempel.se"}
    )
    second = await conn.fetchval(
        "SELECT id FROM feedback WHERE subject = 'site' AND status = 'received'"
    )
    closed = await client.post(f"/admin/tillganglighet/{second}/avsluta", follow_redirects=False)
    assert closed.status_code == 303
    assert await drain(relay) == 2
    assert [m["Subject"] for m in smtp.mailbox.to("bo@exempel.se")][-1] == (
        "Din rapport är avslutad / Your report has been closed"
    )


async def test_a_signed_in_sender_finds_the_report_in_mina_synpunkter_and_the_data_download(
    client: Client, conn: asyncpg.Connection
) -> None:
    person = await make_person(conn, "pat@exempel.se")
    await sign_in(client, conn, person)
    sent = await client.post(URL, data={"page": "Sök", "problem": PROBLEM})
    assert 'href="/mina-synpunkter"' in sent.text
    mine = await client.get("/mina-synpunkter")
    assert mine.status_code == 200
    assert "Tillgänglighetsproblem på webbplatsen" in mine.text
    assert "VoiceOver" in mine.text
    data = (await client.get("/konto/mina-data")).json()
    [item] = data["feedback"]
    assert (item["about"], item["document"], item["page"], item["category"]) == (
        "site",
        None,
        "Sök",
        "accessibility",
    )
    assert item["text"] == PROBLEM

    # When the account is deleted the report stays, anonymised, as all feedback does: no link
    # to the account and no address.
    await client.post(URL, data={"problem": "Kontrasten är för låg.", "email": "pat@exempel.se"})
    async with conn.transaction():
        assert await detach_account(conn, person) == 2
    assert await conn.fetchval("SELECT count(*) FROM feedback WHERE user_id IS NOT NULL") == 0
    assert await conn.fetchval("SELECT count(*) FROM contacts") == 0
    assert await conn.fetchval("SELECT count(*) FROM feedback WHERE subject = 'site'") == 2


@pytest.mark.parametrize(
    ("lang", "values", "errors"),
    [
        (
            "sv",
            {"problem": "   ", "email": "eva@exempel"},
            ["Beskriv problemet du stötte på.", "Skriv e-postadressen som namn@exempel.se"],
        ),
        (
            "en",
            {"problem": "", "email": "eva@"},
            ["Describe the problem you came across.", "Write the e-mail address as"],
        ),
        ("sv", {"problem": "x" * 5001}, ["Beskrivningen får vara högst 5 000 tecken."]),
        ("sv", {"problem": "Fel\x00tecken"}, ["Texten innehåller tecken som inte kan sparas."]),
        ("en", {"problem": "Ok", "page": "p" * 501}, ["at most 500 characters"]),
    ],
)
async def test_bad_input_is_explained_in_the_readers_language_and_kept(
    client: Client,
    conn: asyncpg.Connection,
    lang: str,
    values: dict[str, str],
    errors: list[str],
) -> None:
    sent = await client.post(URL, data={"lang": lang, "page": "Startsidan", **values})
    assert sent.status_code == 422
    assert f'<html lang="{lang}">' in sent.text
    for error in errors:
        assert error in sent.text
    assert 'aria-invalid="true"' in sent.text
    if "\x00" not in values["problem"] and len(values["problem"]) < 100:
        assert f">{values['problem']}</textarea>" in sent.text
    assert await counts(conn) == (0, 0)


async def test_a_filled_honeypot_stores_nothing(client: Client, conn: asyncpg.Connection) -> None:
    sent = await client.post(URL, data={"problem": PROBLEM, "webbplats": "http://spam"})
    assert sent.status_code == 400
    assert await counts(conn) == (0, 0)


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[Client]:
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, submit_limit=2)
    async with AsyncTestClient(app=app_for(settings, "limited"), base_url="https://127.0.0.1") as c:
        await c.get("/")
        csrf_follows_cookie(c)
        yield c


async def test_reports_are_rate_limited_and_the_text_is_kept(
    limited: Client, conn: asyncpg.Connection
) -> None:
    # Refused for its content: does not use up the limit of two.
    bad = await limited.post(URL, data={"problem": ""})
    assert bad.status_code == 422
    for _ in range(2):
        ok = await limited.post(URL, data={"problem": PROBLEM})
        assert ok.status_code == 200
        assert "receipt-code" in ok.text
    refused = await limited.post(URL, data={"problem": "Tredje rapporten", "lang": "en"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert "You have sent many reports in a short time." in refused.text
    assert ">Tredje rapporten</textarea>" in refused.text
    assert await counts(conn) == (2, 0)


async def test_text_page_and_address_are_erased_after_the_retention_period(
    conn: asyncpg.Connection,
) -> None:
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    old = AccessibilityReports(conn, lambda: now - dt.timedelta(days=91))
    new = AccessibilityReports(conn, lambda: now - dt.timedelta(days=89))
    key = b"k" * 32
    await old.file(ReportInput(problem="Gammal", page="Start", email="gammal@exempel.se"), key)
    await new.file(ReportInput(problem="Ny", page="Sök", email="ny@exempel.se"), key)
    assert await counts(conn) == (2, 2)
    erased = await AccessibilityReports(conn, lambda: now).purge(90)
    assert erased == 1
    assert await AccessibilityReports(conn, lambda: now).purge(90) == 0
    rows = await conn.fetch("SELECT body, site_page, erased_at FROM feedback ORDER BY created_at")
    assert [(r["body"], r["site_page"]) for r in rows] == [(None, None), ("Ny", "Sök")]
    assert rows[0]["erased_at"] == now
    assert await conn.fetchval("SELECT array_agg(email) FROM contacts") == ["ny@exempel.se"]
    # The item and its trail stay: the trail never held the text.
    assert (
        await conn.fetchval("SELECT count(*) FROM audit_events WHERE subject_type = 'feedback'")
        == 2
    )


async def test_a_receipt_code_for_a_report_is_looked_up_like_any(conn: asyncpg.Connection) -> None:
    submitted = await AccessibilityReports(conn, lambda: dt.datetime.now(dt.UTC)).file(
        ReportInput(problem=PROBLEM), b"r" * 32
    )
    view = await FeedbackService(conn, lambda: dt.datetime.now(dt.UTC), b"r" * 32).lookup(
        submitted.receipt_code
    )
    assert (view.record.subject, view.record.document_slug, view.record.body) == (
        "site",
        None,
        PROBLEM,
    )


async def test_a_report_that_sounds_like_a_crisis_shows_where_to_get_help_now(
    client: Client,
) -> None:
    sent = await client.post(URL, data={"problem": "Jag funderar på självmord. Sidan är rörig."})
    assert sent.status_code == 200
    assert "Behöver du hjälp nu?" in sent.text
    calm = await client.post(URL, data={"problem": PROBLEM})
    assert "Behöver du hjälp nu?" not in calm.text


async def test_the_same_form_sent_twice_is_one_report_with_one_receipt(
    client: Client, conn: asyncpg.Connection
) -> None:
    """A resubmitted receipt page or a double click without script: the form's one-time id
    makes it one report, answered with the same receipt; the id reused for another text is
    refused with the text kept, and stores nothing."""
    form = await client.get(URL)
    found = re.search(r'name="formular_id" value="([0-9a-f]{32})"', form.text)
    assert found, "the form carries a one-time id"
    values = {"formular_id": found.group(1), "page": "Startsidan", "problem": PROBLEM}
    first = await client.post(URL, data=values)
    again = await client.post(URL, data=values)
    assert first.status_code == again.status_code == 200
    assert receipt_code(first.text) == receipt_code(again.text)
    assert await conn.fetchval("SELECT count(*) FROM feedback WHERE subject = 'site'") == 1

    other = await client.post(URL, data=values | {"problem": "Kontrasten är för låg i menyn."})
    assert other.status_code == 422
    assert "Formuläret har redan skickats med annat innehåll" in other.text
    assert "Kontrasten är för låg i menyn." in other.text
    fresh = re.search(r'name="formular_id" value="([0-9a-f]{32})"', other.text)
    assert fresh
    assert fresh.group(1) != found.group(1)
    assert await conn.fetchval("SELECT count(*) FROM feedback WHERE subject = 'site'") == 1
