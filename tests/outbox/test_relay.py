"""The relay against a real SMTP server: the right mail to the right people, once; outages,
refusals and dead letters; many relays at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re

import asyncpg
import pytest

from medskapa.audit.verify import verify
from medskapa.moderation.service import DecisionInput
from medskapa.outbox import admin
from medskapa.outbox.queue import TEMPLATES
from medskapa.outbox.relay import MAX_ATTEMPTS, Outcome, Relay, backoff
from medskapa.outbox.render import render
from medskapa.settings import Settings
from tests.factories import make_feedback
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
