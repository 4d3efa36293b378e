"""Following a document by e-mail (Bevaka): double opt-in, one mail per event through the real
relay to a real SMTP server, one-click unsubscribe (RFC 8058) without a cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.catalogue.following import notify_consultation_opened, notify_new_version
from medskapa.consultations.service import ConsultationInput
from medskapa.organisations import domain as organisations_domain
from medskapa.outbox.relay import Relay
from medskapa.outbox.render import render
from tests.organisations.conftest import Services, World, services, who, world  # noqa: F401
from tests.relaying import drain, relay_to
from tests.smtp import SmtpServer, smtp_server

BASE = "https://medskapa.example"
ADDRESS = "Eva.Bevakare@exempel.se"
SLUG = "kol"
Client = AsyncTestClient[Litestar]


@pytest.fixture
def smtp() -> AsyncIterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def relay(database_url: str, smtp: SmtpServer) -> AsyncIterator[Relay]:
    async with relay_to(database_url, smtp, BASE) as relay:
        yield relay


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def link_in(mail: EmailMessage, path_prefix: str) -> str:
    """The path (and query) of the first link to ``path_prefix`` in the plain-text body."""
    found = re.search(rf"{re.escape(BASE)}({re.escape(path_prefix)}\S*)", text_of(mail))
    assert found, text_of(mail)
    return found.group(1)


async def counts(conn: asyncpg.Connection) -> tuple[int, int, int]:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM followers), (SELECT count(*) FROM contacts), "
        "(SELECT count(*) FROM outbox_messages)"
    )
    return row[0], row[1], row[2]


async def follow(client: Client, email: str, slug: str = SLUG) -> Any:
    return await client.post(f"/kunskapsstod/{slug}/bevaka", data={"email": email})


async def document_id(conn: asyncpg.Connection, slug: str = SLUG) -> int:
    return await conn.fetchval("SELECT id FROM guidance_documents WHERE slug = $1", slug)


async def publish(conn: asyncpg.Connection, label: str, summary: str) -> tuple[int, int, str]:
    """A new published version of the document, as the publish service leaves it; returns the
    document id, the version id and the label of the version before it."""
    doc = await document_id(conn)
    previous = await conn.fetchval(
        "SELECT label FROM document_versions WHERE document_id = $1 AND published_on IS NOT NULL "
        "ORDER BY published_on DESC, id DESC LIMIT 1",
        doc,
    )
    has_published_at = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'document_versions' AND column_name = 'published_at')"
    )
    columns = "document_id, label, change_summary, published_on" + (
        ", published_at" if has_published_at else ""
    )
    values = "$1, $2, $3, current_date" + (", now()" if has_published_at else "")
    version = await conn.fetchval(
        f"INSERT INTO document_versions ({columns}) VALUES ({values}) RETURNING id",
        doc,
        label,
        summary,
    )
    return doc, version, previous


async def confirmed_follower(client: Client, relay: Relay, smtp: SmtpServer, email: str) -> None:
    assert (await follow(client, email)).status_code == 200
    await drain(relay)
    mail = smtp.mailbox.to(email)[-1]
    link = link_in(mail, "/bevaka/bekrafta/")
    assert (await client.post(link)).status_code == 200


async def test_follow_confirm_notify_once_and_unsubscribe_with_one_click(
    client: Client,
    bare_client: Client,
    conn: asyncpg.Connection,
    relay: Relay,
    smtp: SmtpServer,
) -> None:
    page = await client.get(f"/kunskapsstod/{SLUG}")
    assert "Bevaka kunskapsstödet med e-post" in page.text
    assert f'action="/kunskapsstod/{SLUG}/bevaka"' in page.text

    asked = await follow(client, ADDRESS)
    assert asked.status_code == 200
    assert "Titta i din e-post" in asked.text
    assert ADDRESS not in asked.text

    assert await drain(relay) == 1
    (confirm_mail,) = smtp.mailbox.to(ADDRESS)
    assert confirm_mail["Subject"] == (
        "Bekräfta att du vill bevaka ett kunskapsstöd / "
        "Confirm that you want to follow a guidance document"
    )
    assert confirm_mail["List-Unsubscribe"] is None, "nothing to unsubscribe from yet"
    link = link_in(confirm_mail, "/bevaka/bekrafta/")
    assert re.fullmatch(r"/bevaka/bekrafta/[A-Za-z0-9_-]{43}", link)
    token = link.rsplit("/", 1)[1]
    stored = await conn.fetchval("SELECT token_hash FROM follower_tokens")
    assert stored == hashlib.sha256(token.encode()).digest(), "only the token's hash is kept"

    # Opening the link (as a mail scanner does) changes nothing: it shows a button.
    shown = await bare_client.get(link)
    assert shown.status_code == 200
    assert "Ja, bevaka kunskapsstödet" in shown.text
    assert await conn.fetchval("SELECT confirmed_at FROM followers") is None

    confirmed = await client.post(link)
    assert confirmed.status_code == 200
    assert "Du bevakar kunskapsstödet" in confirmed.text
    assert await conn.fetchval("SELECT confirmed_at FROM followers") is not None
    again = await client.post(link)
    assert "Du bevakar kunskapsstödet" in again.text, "confirming twice is harmless"

    async with conn.transaction():
        doc, version, previous = await publish(conn, "9.1", "Nytt avsnitt om andningsträning.")
        now = dt.datetime.now(dt.UTC)
        assert await notify_new_version(conn, document_id=doc, version_id=version, now=now) == 1
        assert await notify_new_version(conn, document_id=doc, version_id=version, now=now) == 0

    assert await drain(relay) == 1
    mail = smtp.mailbox.to(ADDRESS)[-1]
    assert mail["Subject"] == (
        "Ny version av ett kunskapsstöd du bevakar / New version of a guidance document you follow"
    )
    body = text_of(mail)
    assert "version 9.1" in body
    assert "Nytt avsnitt om andningsträning." in body
    assert f"{BASE}/kunskapsstod/{SLUG}/andringar?fran={previous}&till=9.1" in body
    assert f"{BASE}/kunskapsstod/{SLUG}" in body.splitlines()
    unsubscribe = link_in(mail, "/bevaka/avsluta/")
    assert mail["List-Unsubscribe"] == f"<{BASE}{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in mail.get_body(("html",)).get_content()

    # A mail program's one-click POST: no cookie, no CSRF token, the RFC 8058 body.
    bare_client.cookies.clear()
    clicked = await bare_client.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert clicked.status_code == 200
    assert "Du bevakar inte längre kunskapsstödet" in clicked.text
    follower = await conn.fetchrow("SELECT contact_id, email_hash, unsubscribed_at FROM followers")
    assert follower["unsubscribed_at"] is not None
    assert follower["contact_id"] is None
    assert follower["email_hash"] is None
    assert await conn.fetchval("SELECT count(*) FROM contacts WHERE email ILIKE $1", ADDRESS) == 0
    trail = await conn.fetch(
        "SELECT action, from_state, to_state, reason_code FROM audit_events "
        "WHERE subject_type = 'follower' ORDER BY seq"
    )
    assert [tuple(r) for r in trail] == [
        ("follower.requested", None, "pending", None),
        ("follower.confirmed", "pending", "confirmed", None),
        ("follower.unsubscribed", "confirmed", "unsubscribed", "one_click"),
    ]

    # The link from the old mail still answers, and says so.
    later = await bare_client.get(unsubscribe)
    assert "Du bevakar inte längre kunskapsstödet" in later.text
    async with conn.transaction():
        doc, version, _ = await publish(conn, "9.2", "Ännu en ändring.")
        now = dt.datetime.now(dt.UTC)
        assert await notify_new_version(conn, document_id=doc, version_id=version, now=now) == 0
    assert await drain(relay) == 0


def test_the_unsubscribe_header_is_made_from_the_configured_base_url() -> None:
    rendered = render(
        "follow_consultation",
        {
            "document": "KOL",
            "version": "2.0",
            "deadline": "1 december 2026",
            "link": "/kunskapsstod/kol",
            "unsubscribe": "http://evil.example/bevaka/avsluta/abc",
        },
        base_url=BASE,
    )
    assert rendered.unsubscribe == f"{BASE}/bevaka/avsluta/abc"
    assert (
        render(
            "follow_confirm", {"document": "KOL", "link": "/x", "expires": "1 maj"}, base_url=BASE
        ).unsubscribe
        is None
    )


async def test_unconfirmed_followers_hear_nothing(client: Client, conn: asyncpg.Connection) -> None:
    assert (await follow(client, "vantar@exempel.se")).status_code == 200
    queued = await conn.fetchval("SELECT count(*) FROM outbox_messages")
    async with conn.transaction():
        doc, version, _ = await publish(conn, "9.1", "Ändrat.")
        now = dt.datetime.now(dt.UTC)
        assert await notify_new_version(conn, document_id=doc, version_id=version, now=now) == 0
    assert await conn.fetchval("SELECT count(*) FROM outbox_messages") == queued


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Skriv den e-postadress du vill få breven till."),
        ("inte-en-adress", "Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se."),
        ("eva@exempel.se\r\nBcc: x@y.se", "tecken som inte får finnas i en adress"),
    ],
)
async def test_a_bad_address_is_refused_in_swedish_and_nothing_is_stored(
    client: Client, conn: asyncpg.Connection, typed: str, error: str
) -> None:
    before = await counts(conn)
    answer = await follow(client, typed)
    assert answer.status_code == 422
    assert error in answer.text
    assert "<title>Fel: Bevaka" in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert await counts(conn) == before


async def test_an_unknown_document_is_404(client: Client) -> None:
    assert (await follow(client, "eva@exempel.se", slug="finns-inte")).status_code == 404
    assert (await client.get("/kunskapsstod/finns-inte/bevaka")).status_code == 404


async def test_unknown_and_expired_links_say_so_and_change_nothing(
    client: Client, conn: asyncpg.Connection, relay: Relay, smtp: SmtpServer
) -> None:
    unknown = "/bevaka/bekrafta/" + "A" * 43
    for response in (await client.get(unknown), await client.post(unknown)):
        assert response.status_code == 404
        assert "Länken fungerar inte" in response.text
    gone = await client.post("/bevaka/avsluta/" + "B" * 43)
    assert gone.status_code == 404
    assert "Länken fungerar inte" in gone.text
    assert (await client.get("/bevaka/avsluta/kort")).status_code == 404

    await follow(client, "sen@exempel.se")
    await drain(relay)
    link = link_in(smtp.mailbox.to("sen@exempel.se")[0], "/bevaka/bekrafta/")
    await conn.execute("UPDATE follower_tokens SET expires_at = now() - interval '1 minute'")
    for response in (await client.get(link), await client.post(link)):
        assert response.status_code == 410
        assert "Länken har gått ut" in response.text
        assert f'href="/kunskapsstod/{SLUG}/bevaka"' in response.text
    assert await conn.fetchval("SELECT confirmed_at FROM followers") is None


async def test_following_twice_gives_the_same_answer_and_one_follower(
    client: Client, conn: asyncpg.Connection, relay: Relay, smtp: SmtpServer
) -> None:
    first = await follow(client, "tva.ganger@exempel.se")
    second = await follow(client, "  TVA.Ganger@Exempel.se ")
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert await conn.fetchval("SELECT count(*) FROM followers") == 1
    assert await conn.fetchval("SELECT count(*) FROM contacts WHERE email ILIKE 'tva%'") == 1
    await drain(relay)
    mails = smtp.mailbox.messages
    assert len(mails) == 2, "a follower still waiting gets a fresh link"
    await client.post(link_in(mails[-1], "/bevaka/bekrafta/"))

    # Already following: the page says the same; the mail says so, with a way out.
    third = await follow(client, "tva.ganger@exempel.se")
    assert third.text == first.text
    await drain(relay)
    already = smtp.mailbox.messages[-1]
    assert already["Subject"] == (
        "Du bevakar redan kunskapsstödet / You already follow the guidance document"
    )
    assert already["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert await conn.fetchval("SELECT count(*) FROM followers") == 1


async def test_the_form_is_rate_limited_per_client_and_quietly_per_address(
    client: Client, conn: asyncpg.Connection
) -> None:
    for _ in range(3):
        assert (await follow(client, "samma@exempel.se")).status_code == 200
    queued = await conn.fetchval("SELECT count(*) FROM outbox_messages")
    fourth = await follow(client, "samma@exempel.se")
    assert fourth.status_code == 200, "the same answer: it tells no one about the address"
    assert await conn.fetchval("SELECT count(*) FROM outbox_messages") == queued, (
        "no more than three mails an hour to one address"
    )
    for n in range(6):
        assert (await follow(client, f"person{n}@exempel.se")).status_code == 200
    limited = await follow(client, "en.till@exempel.se")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Du har bett om att bevaka många gånger på kort tid" in limited.text
    assert (
        await conn.fetchval("SELECT count(*) FROM contacts WHERE email = 'en.till@exempel.se'") == 0
    )


async def test_only_the_unsubscribe_post_goes_without_a_csrf_token(
    bare_client: Client, client: Client, relay: Relay, smtp: SmtpServer, conn: asyncpg.Connection
) -> None:
    refused = await bare_client.post(f"/kunskapsstod/{SLUG}/bevaka", data={"email": "x@exempel.se"})
    assert refused.status_code == 403
    await follow(client, "knapp@exempel.se")
    await drain(relay)
    link = link_in(smtp.mailbox.to("knapp@exempel.se")[0], "/bevaka/bekrafta/")
    assert (await bare_client.post(link)).status_code == 403, "confirming needs the form's token"
    assert (await bare_client.post(link + "/x")).status_code in (403, 404)

    # The button on the unsubscribe page works too (with the page's token).
    await client.post(link)
    await follow(client, "knapp@exempel.se")
    await drain(relay)
    unsubscribe = link_in(smtp.mailbox.to("knapp@exempel.se")[-1], "/bevaka/avsluta/")
    page = await client.get(unsubscribe)
    assert '<button type="submit">Sluta bevaka</button>' in page.text
    done = await client.post(unsubscribe)
    assert "Du bevakar inte längre kunskapsstödet" in done.text
    reason = await conn.fetchval(
        "SELECT reason_code FROM audit_events WHERE action = 'follower.unsubscribed'"
    )
    assert reason == "link"


async def test_a_consultation_opening_tells_confirmed_followers_once(
    client: Client,
    conn: asyncpg.Connection,
    relay: Relay,
    smtp: SmtpServer,
    services: Services,  # noqa: F811 - the organisation tests' fixtures, imported above
    who: Any,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    await confirmed_follower(client, relay, smtp, "remiss@exempel.se")
    await follow(client, "obekraftad@exempel.se")
    await drain(relay)
    before = len(smtp.mailbox.messages)

    now = dt.datetime.now(dt.UTC)
    today = organisations_domain.local_date(now)
    group = await who(world.group_member, staff=True)
    opened = await services(now).consultations.open_consultation(
        group,
        ConsultationInput(
            document=SLUG,
            version="2.0",
            title="Remiss om KOL",
            questions=["Saknas något?"],
            start=today.isoformat(),
            deadline=(today + dt.timedelta(days=20)).isoformat(),
            organisations=[world.org_a],
        ),
    )
    async with conn.transaction():
        assert await notify_consultation_opened(conn, consultation_id=opened.id, now=now) == 0
    await drain(relay)
    new = smtp.mailbox.messages[before:]
    to_follower = [m for m in new if m["To"] == "remiss@exempel.se"]
    assert len(to_follower) == 1
    (mail,) = to_follower
    assert mail["Subject"] == (
        "Remiss om ett kunskapsstöd du bevakar / Consultation on a guidance document you follow"
    )
    assert mail["List-Unsubscribe"].startswith(f"<{BASE}/bevaka/avsluta/")
    assert f"{BASE}/kunskapsstod/{SLUG}" in text_of(mail)
    assert not [m for m in new if m["To"] == "obekraftad@exempel.se"]
    assert urlsplit(mail["List-Unsubscribe"].strip("<>")).netloc == "medskapa.example"
