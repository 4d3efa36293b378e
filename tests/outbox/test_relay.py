"""The relay against a real SMTP server: the right mail to the right people, once; outages,
refusals and dead letters; many relays at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import quopri
import re
import secrets
from email import message_from_bytes, policy

import asyncpg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from medskapa.audit.verify import verify
from medskapa.moderation.service import DecisionInput
from medskapa.outbox import admin
from medskapa.outbox.queries import Claimed
from medskapa.outbox.queue import TEMPLATES
from medskapa.outbox.relay import (
    BATCH,
    MAX_ATTEMPTS,
    Composer,
    Outcome,
    Relay,
    _quoted_printable,
    backoff,
)
from medskapa.outbox.render import render
from medskapa.settings import Settings
from tests.factories import FIXED_NOW, TEST_SECRET, make_feedback
from tests.moderation.conftest import BASE_URL, Place, moderation, moderator
from tests.outbox.conftest import Clock
from tests.smtp import SmtpServer

COUNT = int(os.environ.get("MEDSKAPA_TEST_OUTBOX_COUNT", "10000"))
ADDRESS = "anna.andersson@exempel.se"
TEXT = "Avsnittet om uppföljning är svårt att förstå för mig som patient."


async def statuses(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT status, count(*) FROM outbox_messages GROUP BY status")
    return {row[0]: row[1] for row in rows}


async def drain(relay: Relay) -> Outcome:
    total = Outcome()
    while (outcome := await relay.run_once()) != Outcome():
        total = Outcome(
            total.sent + outcome.sent, total.retried + outcome.retried, total.dead + outcome.dead
        )
    return total


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>{{7*7}}'
CONTEXT = {
    "base_url": "https://medskapa.example",
    "document_title": HOSTILE,
    "document_slug": "kol",
    "document": HOSTILE,
    "follow_path": "/folj",
    "group_names": [HOSTILE, "NPO Hjärta"],
    "group_name": HOSTILE,
    "status": "answered",
    "reason_code": "personal_care_matter",
    "version_label": "2.0",
    "item_url": "https://medskapa.example/arbetsgrupp/synpunkt/1",
    "items": [{"document_title": HOSTILE, "item_url": "https://medskapa.example/x"}],
    "waiting": 12,
    "oldest_hours": 50,
    "link": "https://medskapa.example/konto/bekrafta?token=abc",
    "organisation": HOSTILE,
    "consultation": HOSTILE,
    "statement": HOSTILE,
    "version": "2.0",
    "deadline": "1 december 2026",
    "expires": "1 december 2026",
    "path": "/organisationer/hjartforeningen/yttranden/1",
    "how": "changed",
    "change_summary": HOSTILE,
    "changes": "/kunskapsstod/kol/andringar?fran=1.0&till=2.0",
    "unsubscribe": "/bevaka/avsluta/abc",
    "outcome": "changed",
    "section_path": "/kunskapsstod/kol?version=2.0#avsnitt-3-utredning",
    "answer": HOSTILE,
}


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders_inert_in_both_languages(template: str) -> None:
    rendered = render(template, CONTEXT, base_url="https://medskapa.example")

    assert rendered.subject
    assert "\n" not in rendered.subject
    assert " / " in rendered.subject, "Swedish first, then English"
    assert "<" not in rendered.subject
    assert "@" not in rendered.subject
    assert "<script>" not in rendered.html
    assert "<img" not in rendered.html
    assert '<div lang="en">' in rendered.html
    assert "{{" not in rendered.text.replace(HOSTILE, "")
    assert "Hello" in rendered.text
    assert "Hej" in rendered.text


def test_a_missing_context_value_is_an_error_not_a_blank() -> None:
    with pytest.raises(Exception, match="document_title"):
        render("feedback_received", {"follow_path": "/folj"}, base_url="https://x")


def test_backoff_grows_spreads_and_is_capped() -> None:
    assert backoff(1, lambda: 1.0) == dt.timedelta(seconds=30)
    assert backoff(3, lambda: 1.0) == dt.timedelta(seconds=120)
    assert backoff(20, lambda: 1.0) == dt.timedelta(hours=1)
    assert backoff(3, lambda: 0.5) == dt.timedelta(seconds=60)
    assert backoff(3, lambda: 0.0) == dt.timedelta(seconds=1)


COMPOSER = Composer(
    Settings(
        database_url="postgresql://unused/unused",
        secret_key=TEST_SECRET,
        base_url="https://medskapa.example",
        smtp_host="127.0.0.1",
        smtp_from="medskapa – utskick <no-reply@medskapa.example>",
    ),
    b"relay-key",
)


def claimed(template: str, context: dict[str, object], address: str) -> Claimed:
    return Claimed(
        id=7,
        template=template,
        language="sv",
        context=context,
        attempts=1,
        address=address,
        trail_seq=None,
        trail_hash=None,
    )


def test_a_message_on_the_wire_is_well_formed_and_reads_back_as_rendered() -> None:
    unsubscribe = f"/bevaka/avsluta/{secrets.token_urlsafe(32)}"
    context = {**CONTEXT, "unsubscribe": unsubscribe}
    out = COMPOSER.build(claimed("follow_new_version", context, ADDRESS), FIXED_NOW)
    rendered = render("follow_new_version", context, base_url="https://medskapa.example")

    assert out.sender == "no-reply@medskapa.example"
    assert out.recipient == ADDRESS
    assert not out.utf8
    assert out.content.isascii()
    lines = out.content.split(b"\r\n")
    assert lines[-1] == b"", "CRLF line ends throughout"
    assert not any(b"\n" in line or b"\r" in line for line in lines)
    head, _, body = out.content.partition(b"\r\n\r\n")
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    # The URL whole, in angle brackets, however long: a mail program looks for <https:...>
    # here and does not decode RFC 2047 words in this field.
    assert f"\r\nList-Unsubscribe: <https://medskapa.example{unsubscribe}>\r\n".encode() in head
    assert b"=?" not in head.split(b"\r\nList-Unsubscribe:")[1].split(b"\r\n")[0]

    mail = message_from_bytes(out.content, policy=policy.default)
    assert [part.defects for part in mail.walk()] == [[], [], []]
    assert mail["From"] == "medskapa – utskick <no-reply@medskapa.example>"
    assert mail["To"] == ADDRESS
    assert mail["Subject"] == rendered.subject
    assert mail["Date"].datetime == FIXED_NOW
    assert re.fullmatch(r"<outbox\.7\.[0-9a-f]{16}@medskapa\.example>", mail["Message-ID"])
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Content-Language"] == "sv, en"
    assert mail["List-Unsubscribe"] == f"<https://medskapa.example{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    plain, html = mail.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content_type() == "text/html"
    assert html.get_content().replace("\r\n", "\n") == rendered.html


def test_a_subject_outside_ascii_is_encoded_and_mail_without_a_list_has_no_unsubscribe() -> None:
    out = COMPOSER.build(
        claimed("feedback_received", {"document_title": "KOL", "follow_path": "/folj"}, ADDRESS),
        FIXED_NOW,
    )
    head = out.content.partition(b"\r\n\r\n")[0]
    assert b"List-Unsubscribe" not in head
    mail = message_from_bytes(out.content, policy=policy.default)
    assert mail["List-Unsubscribe"] is None
    subject = render("feedback_answered", CONTEXT, base_url="https://x").subject
    assert not subject.isascii()
    out = COMPOSER.build(claimed("feedback_answered", CONTEXT, ADDRESS), FIXED_NOW)
    assert out.content.isascii()
    assert message_from_bytes(out.content, policy=policy.default)["Subject"] == subject


def test_an_address_outside_ascii_goes_out_as_utf8() -> None:
    out = COMPOSER.build(
        claimed(
            "feedback_received", {"document_title": "KOL", "follow_path": "/folj"}, "åsa@exempel.se"
        ),
        FIXED_NOW,
    )
    assert out.utf8, "the relay asks the server for SMTPUTF8"
    assert out.recipient == "åsa@exempel.se"
    assert "\r\nTo: åsa@exempel.se\r\n".encode() in out.content


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
@example("a line that ends in spaces   \nand = signs =_ and a . alone\n.\n")
@example("x" * 300 + "å" * 100)
@example("carriage\rreturns\r\nand\n")
def test_a_body_is_quoted_printable_that_decodes_to_the_text(text: str) -> None:
    encoded = _quoted_printable(text)

    assert encoded.isascii()
    assert encoded.endswith(b"\r\n")
    lines = encoded.split(b"\r\n")[:-1]
    assert all(len(line) <= 76 and b"\r" not in line and b"\n" not in line for line in lines)
    assert b"=_" not in encoded, "so no body line can match the multipart boundary"
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected += "" if expected.endswith("\n") else "\n"
    assert quopri.decodestring(encoded).decode().replace("\r\n", "\n") == expected


async def test_submission_moderation_and_routing_mail_the_right_people_once(
    conn: asyncpg.Connection,
    place: Place,
    smtp: SmtpServer,
    relay: Relay,
) -> None:
    item = await make_feedback(conn, email=ADDRESS, text=TEXT)
    mod = await moderator(conn)
    await moderation(conn).decide(mod, item.id, DecisionInput(decision="approve"))

    assert await drain(relay) == Outcome(sent=4)
    assert await drain(relay) == Outcome(), "nothing is sent twice"

    to_submitter = smtp.mailbox.to(ADDRESS)
    assert sorted(m["Subject"] for m in to_submitter) == [
        "Din synpunkt har gått vidare / Your feedback has been passed on",
        "Vi har tagit emot din synpunkt / We have received your feedback",
    ]
    for address in ("medlem@exempel.se", "ledare@exempel.se"):
        (mail,) = smtp.mailbox.to(address)
        assert mail["Subject"] == "Ny synpunkt till din arbetsgrupp / New feedback for your group"
        assert (
            f"{BASE_URL}/arbetsgrupp/synpunkt/{item.id}" in mail.get_body(("plain",)).get_content()
        )
    assert smtp.mailbox.to("annan@exempel.se") == [], "the other group was not routed to"

    for mail in smtp.mailbox.messages:
        assert re.fullmatch(r"<outbox\.\d+\.[0-9a-f]{16}@medskapa\.example>", mail["Message-ID"])
        body = mail.get_body(("plain",)).get_content() + mail.get_body(("html",)).get_content()
        assert TEXT not in body, "feedback text never goes out by e-mail"
        assert mail["Auto-Submitted"] == "auto-generated"
    assert await statuses(conn) == {"sent": 4}
    sends = await conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE action = 'outbox.sent' AND actor LIKE 'system:%'"
    )
    assert sends == 4
    assert (await verify(conn)).intact


async def test_smtp_down_then_busy_delays_mail_but_loses_none(
    conn: asyncpg.Connection,
    smtp: SmtpServer,
    relay: Relay,
    clock: Clock,
) -> None:
    smtp.stop()
    for n in range(3):
        await make_feedback(conn, email=f"person{n}@exempel.se")  # submissions still succeed
    assert await relay.run_once() == Outcome(retried=3)
    row = await conn.fetchrow(
        "SELECT min(attempts), max(next_attempt_at), bool_and(lease_until IS NULL) "
        "FROM outbox_messages WHERE status = 'pending'"
    )
    assert row[0] == 1
    assert row[1] > clock.now
    assert row[2]
    assert await relay.run_once() == Outcome(), "nothing is due before its backoff"

    smtp.start()
    smtp.mailbox.reply = "451 4.3.0 Mailbox busy, try again later"
    clock.advance(hours=1)
    assert await relay.run_once() == Outcome(retried=3)
    assert await conn.fetchval("SELECT array_agg(DISTINCT last_error) FROM outbox_messages") == [
        "SMTP 451"
    ], "the reply code is kept, the server's words are not"

    smtp.mailbox.reply = None
    clock.advance(hours=1)
    assert await drain(relay) == Outcome(sent=3)
    assert sorted(m["To"] for m in smtp.mailbox.messages) == [
        f"person{n}@exempel.se" for n in range(3)
    ]
    assert await statuses(conn) == {"sent": 3}


async def test_permanent_refusal_is_a_dead_letter_until_an_admin_retries(
    conn: asyncpg.Connection, smtp: SmtpServer, relay: Relay, clock: Clock
) -> None:
    await make_feedback(conn, email=ADDRESS)
    smtp.mailbox.reply = "550 5.1.1 <anna.andersson@exempel.se>: Recipient address rejected"
    assert await relay.run_once() == Outcome(dead=1)
    (letter,) = await admin.dead_letters(conn)
    assert letter.template == "feedback_received"
    assert letter.last_error == "SMTP 550", "no address from the server's reply is stored"
    assert (await admin.counts(conn)).dead == 1
    clock.advance(days=1)
    assert await relay.run_once() == Outcome(), "a dead letter is not retried by itself"

    smtp.mailbox.reply = None
    assert await admin.retry(conn, letter.id, "admin:test", clock.now)
    assert not await admin.retry(conn, letter.id, "admin:test", clock.now), "only once"
    assert await relay.run_once() == Outcome(sent=1)
    assert [m["To"] for m in smtp.mailbox.messages] == [ADDRESS]
    actions = await conn.fetch(
        "SELECT action FROM audit_events WHERE subject_type = 'outbox_message' ORDER BY seq"
    )
    assert [a[0] for a in actions] == ["outbox.dead", "outbox.retried", "outbox.sent"]


async def test_temporary_failures_end_as_dead_letters_after_the_last_attempt(
    conn: asyncpg.Connection, smtp: SmtpServer, relay: Relay, clock: Clock
) -> None:
    await make_feedback(conn, email=ADDRESS)
    smtp.mailbox.reply = "421 4.7.0 Try again later"
    for _ in range(MAX_ATTEMPTS - 1):
        assert await relay.run_once() == Outcome(retried=1)
        clock.advance(hours=2)
    assert await relay.run_once() == Outcome(dead=1)
    assert await statuses(conn) == {"dead": 1}


async def test_erased_contact_takes_its_unsent_mail_with_it(
    conn: asyncpg.Connection, smtp: SmtpServer, relay: Relay
) -> None:
    await make_feedback(conn, email=ADDRESS)
    await conn.execute("DELETE FROM contacts")
    assert await relay.run_once() == Outcome()
    assert smtp.mailbox.messages == []


async def test_a_resend_after_a_lost_lease_carries_the_same_message_id(
    conn: asyncpg.Connection, smtp: SmtpServer, relay: Relay, clock: Clock
) -> None:
    await make_feedback(conn, email=ADDRESS)
    assert await relay.run_once() == Outcome(sent=1)
    # As if the relay had died after the server accepted, before it could mark the row.
    await conn.execute(
        "UPDATE outbox_messages SET status = 'pending', next_attempt_at = $1", clock.now
    )
    assert await relay.run_once() == Outcome(sent=1)
    first, second = smtp.mailbox.messages
    assert first["Message-ID"] == second["Message-ID"]


async def test_an_address_outside_ascii_is_delivered_with_smtputf8(
    conn: asyncpg.Connection, smtp: SmtpServer, relay: Relay
) -> None:
    await make_feedback(conn, email="åsa@exempel.se")
    assert await relay.run_once() == Outcome(sent=1)
    (raw,) = smtp.mailbox.raw
    assert "\r\nTo: åsa@exempel.se\r\n".encode() in raw


async def test_an_address_that_cannot_be_a_header_is_a_dead_letter_not_an_injection(
    conn: asyncpg.Connection, smtp: SmtpServer, relay: Relay, clock: Clock
) -> None:
    # Addresses are checked when they are given (clean_email); this one got past that.
    contact = await conn.fetchval(
        "INSERT INTO contacts (email, created_at) VALUES ($1, $2) RETURNING id",
        "anna@exempel.se\r\nBcc: annan@exempel.se",
        clock.now,
    )
    await conn.execute(
        "INSERT INTO outbox_messages (template, contact_id, context, created_at, "
        "next_attempt_at) VALUES ('feedback_received', $1, $2, $3, $3)",
        contact,
        {"document_title": "KOL", "follow_path": "/folj"},
        clock.now,
    )
    assert await relay.run_once() == Outcome(dead=1)
    assert smtp.mailbox.raw == []
    assert await conn.fetchval("SELECT last_error FROM outbox_messages") == "unsendable To"


async def fill(conn: asyncpg.Connection, count: int, now: dt.datetime) -> None:
    contacts = await conn.fetch(
        "INSERT INTO contacts (email, created_at) "
        "SELECT 'p' || n || '@exempel.se', $2 FROM generate_series(1, $1) n RETURNING id",
        count,
        now,
    )
    await conn.executemany(
        "INSERT INTO outbox_messages (template, contact_id, context, created_at, "
        "next_attempt_at) VALUES ('feedback_received', $1, $2, $3, $3)",
        [(row[0], {"document_title": "KOL", "follow_path": "/folj"}, now) for row in contacts],
    )


@pytest.mark.slow
async def test_two_relays_send_ten_thousand_messages_exactly_once(
    conn: asyncpg.Connection,
    smtp: SmtpServer,
    relay: Relay,
    pool: asyncpg.Pool,
    relay_settings: Settings,
    clock: Clock,
) -> None:
    await fill(conn, COUNT, clock.now)
    second = Relay(pool, relay_settings, relay._key, clock)

    first_total, second_total = await asyncio.gather(drain(relay), drain(second))

    assert first_total.sent + second_total.sent == COUNT
    assert min(first_total.sent, second_total.sent) > COUNT // 10, "both relays did work"
    ids = smtp.mailbox.headers("Message-ID")
    assert len(ids) == COUNT
    assert len(set(ids)) == COUNT
    assert len(set(smtp.mailbox.headers("To"))) == COUNT
    assert await statuses(conn) == {"sent": COUNT}


async def test_one_smtp_connection_carries_batch_after_batch(
    conn: asyncpg.Connection, smtp: SmtpServer, relay: Relay, clock: Clock
) -> None:
    await fill(conn, 2 * BATCH + 10, clock.now)
    assert await drain(relay) == Outcome(sent=2 * BATCH + 10)
    assert len(set(smtp.mailbox.peers)) == 1, "no new connection for each message or batch"


async def test_a_connection_lost_mid_batch_loses_nothing_and_sends_nothing_twice(
    conn: asyncpg.Connection, smtp: SmtpServer, relay: Relay, clock: Clock
) -> None:
    await fill(conn, 2 * BATCH, clock.now)
    # The server hangs up instead of answering a DATA, once in each batch.
    smtp.mailbox.drop = {10, BATCH + 5}

    assert await drain(relay) == Outcome(sent=2 * BATCH)

    ids = smtp.mailbox.headers("Message-ID")
    assert len(ids) == len(set(ids)) == 2 * BATCH
    assert len(set(smtp.mailbox.peers)) == 3, "a fresh connection after each loss"
    assert await statuses(conn) == {"sent": 2 * BATCH}
