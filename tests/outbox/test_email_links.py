"""Every link in every e-mail answers.

The mails are made by the flows that send them (registration, reset, sign-in, moderation,
routing, a group's steps, publishing, following, organisations, consultations, the scheduled
notices), each rendered as the relay renders it, both bodies. Every link is then opened in the
running app by the person the mail went to (signed in when it went to an account, anonymous
when it went to an address), with the real token it carries, without following redirects: it
must answer 200 or a redirect: not 404, not an error, not "sign in" or "no access".

A template folder that no flow here produces fails the test: a new mail needs its flow added
below before it can go out.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import asyncpg
import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, reset_second_factor
from medskapa.catalogue.importer import read_markdown
from medskapa.consultations.service import ConsultationInput, ConsultationService
from medskapa.feedback.lifecycle import GroupStep
from medskapa.organisations.service import OrganisationService
from medskapa.outbox.jobs import item_path
from medskapa.outbox.notices import send_digests, send_queue_notice
from medskapa.outbox.queue import TEMPLATES
from medskapa.outbox.render import render
from medskapa.resources import resource_dir
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from medskapa.security.sessions import create_session
from medskapa.settings import Settings
from medskapa.statements.round_service import RoundInput, RoundService
from medskapa.statements.service import StatementService
from medskapa.triage.service import TriageService
from tests.factories import (
    CSRF_COOKIE,
    HOST,
    MEMBER_PASSWORD,
    SESSION_COOKIE,
    STAFF_PASSWORD,
    api_token,
    enrol_totp,
    make_feedback,
    make_organisation,
    make_person,
    make_staff,
    principal_for,
    route_to,
    sign_in,
    sign_in_staff,
)

Client = AsyncTestClient[Litestar]

EMAIL_DIR = resource_dir("templates") / "email"
PARTS = ("subject.txt", "body.txt", "body.html")
DOC = "hjartsvikt-test"  # imported and published below, owned by nag-hjartsvikt
GROUP = "nag-hjartsvikt"
OTHER = "nag-diabetes"
MARKDOWN = (Path(__file__).parents[1] / "catalogue" / "files" / "hjartsvikt.md").read_bytes()
QUOTE = "Ett förhöjt värde ska leda vidare till ekokardiografi inom två veckor."
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NEW_PASSWORD = "blåbär i skogen efter regnet 93"
URL = re.compile(r"""https?://[^\s"'<>)]+""")


def template_folders() -> set[str]:
    """The mails there are: every folder under templates/email (the layouts are not mails)."""
    return {p.name for p in EMAIL_DIR.iterdir() if p.is_dir() and not p.name.startswith("_")}


def test_every_template_folder_is_a_known_mail_with_all_its_parts() -> None:
    folders = template_folders()
    assert folders == set(TEMPLATES), (
        f"folders without a TEMPLATES entry: {sorted(folders - TEMPLATES)}; "
        f"entries without a folder: {sorted(TEMPLATES - folders)}"
    )
    for name in sorted(folders):
        for part in PARTS:
            assert (EMAIL_DIR / name / part).is_file(), f"{name}/{part} is missing"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name == "href" and value]

    def handle_data(self, data: str) -> None:
        self.found += URL.findall(data)


def links_in(text: str, markup: str) -> list[str]:
    """Every link of both bodies: the URLs in the plain text, the hrefs and the URLs written
    out in the HTML (unescaped, as a mail program opens them)."""
    parser = _Links()
    parser.feed(markup)
    parser.close()
    return URL.findall(text) + [html.unescape(link) for link in parser.found]


def today(offset_days: int = 0, *, now: dt.datetime | None = None) -> str:
    moment = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(days=offset_days)
    return moment.astimezone(STOCKHOLM).date().isoformat()


def at(moment: dt.datetime) -> Any:
    return lambda: moment


async def post_ok(client: Client, path: str, data: dict[str, Any], expected: int = 200) -> None:
    response = await client.post(path, data=data, follow_redirects=False)
    assert response.status_code == expected, (path, response.status_code, response.text[:2000])


def signed_out(client: Client) -> None:
    client.cookies.delete(SESSION_COOKIE, domain=HOST)


# ------------------------------------------------------------------ the flows


async def accounts(client: Client, conn: asyncpg.Connection) -> None:
    """confirm_email, account_exists, password_reset, password_changed and the three
    second-factor mails, through the pages people use."""
    await make_person(conn, "konto@exempel.se")
    signed_out(client)
    await post_ok(client, "/konto/glomt-losenord", {"email": "konto@exempel.se"})
    for email in ("ny@exempel.se", "konto@exempel.se"):
        await post_ok(
            client,
            "/konto/registrera",
            {"email": email, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )

    changer = await make_person(conn, "byter@exempel.se")
    await sign_in(client, conn, changer)
    await post_ok(
        client,
        "/konto/losenord",
        {
            "current_password": MEMBER_PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
        303,
    )

    # A code seen over the shoulder is used again in a second sign-in (replayed), then
    # wrong codes until the account is locked.
    staff = await make_staff(conn, "tva.steg@exempel.se", GROUP)
    secret = await enrol_totp(conn, staff)
    code = pyotp.TOTP(secret).now()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(2):
        signed_out(client)
        await post_ok(
            client, "/logga-in", {"email": "tva.steg@exempel.se", "password": STAFF_PASSWORD}, 303
        )
        answer = await client.post("/logga-in/kod", data={"code": code}, follow_redirects=False)
        assert answer.status_code == (303 if attempt == 0 else 422), answer.text[:2000]
    for _ in range(5):
        await client.post("/logga-in/kod", data={"code": wrong}, follow_redirects=False)
    signed_out(client)

    # An admin removes the second factor of someone who lost their phone.
    lost = await make_staff(conn, "tappade@exempel.se", GROUP)
    await enrol_totp(conn, lost)
    await reset_second_factor(conn, email="tappade@exempel.se", now=dt.datetime.now(dt.UTC))


async def documents_and_feedback(client: Client, conn: asyncpg.Connection, app: Litestar) -> None:
    """Publishing, following, moderation, routing and a group's steps on one document: the
    feedback_* mails, follow_confirm/already/new_version, group_new_item, urgent_item,
    group_digest and moderation_queue_old."""
    now = dt.datetime.now(dt.UTC)
    lead = await make_staff(conn, "ledare@exempel.se", GROUP, RoleChoice.GROUP_LEAD)
    member = await make_staff(conn, "medlem@exempel.se", GROUP)
    daily = await make_staff(conn, "dagligen@exempel.se", GROUP)
    await conn.execute("UPDATE users SET new_item_mail = 'daily' WHERE id = $1", daily)
    headers = await api_token(conn, lead)
    imported = await client.post(
        "/api/v1/documents/import",
        content=MARKDOWN,
        params={"publish": "true"},
        headers={**headers, "Content-Type": "text/markdown"},
    )
    assert imported.status_code == 201, imported.text

    # A reader follows the document; asking again once confirmed says so.
    signed_out(client)
    await post_ok(client, f"/kunskapsstod/{DOC}/bevaka", {"email": "bevakare@exempel.se"})
    confirm = await conn.fetchval(
        "SELECT context->>'link' FROM outbox_messages WHERE template = 'follow_confirm'"
    )
    await post_ok(client, confirm, {})
    await post_ok(client, f"/kunskapsstod/{DOC}/bevaka", {"email": "bevakare@exempel.se"})

    # Submissions with an address: each gets a receipt (feedback_received).
    def submit(email: str, **values: Any) -> Any:
        return make_feedback(
            conn, now=now, document=DOC, email=email, consent_contact=True, **values
        )

    placed = await submit("placerad@exempel.se", section="2-utredning", quote=QUOTE)
    urgent = await submit("bradskande@exempel.se")
    rejected = await submit("avvisad@exempel.se")
    steps = [await submit(f"steg{n}@exempel.se") for n in range(4)]
    await make_feedback(conn, now=now, document=DOC, text="Väntar fortfarande på granskning.")

    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    for item, data in (
        (urgent, {"decision": "approve", "urgent": "ja"}),
        (rejected, {"decision": "reject", "reject_reason": "personal_care_matter"}),
    ):
        await post_ok(client, f"/moderering/synpunkter/{item.id}/beslut", data, 303)
    for item in (placed, *steps):
        await route_to(conn, item.id, GROUP, now)

    triage = TriageService(conn, at(now))
    staff = await principal_for(conn, member, second_factor=True)
    for item in steps:
        await triage.transition(staff, item.id, GroupStep(target="in_review"))
    planned, answered, closed, forwarded = (s.id for s in steps)
    await triage.transition(
        staff, planned, GroupStep(target="change_planned", answer="Vi skriver om avsnittet.")
    )
    await triage.transition(
        staff, answered, GroupStep(target="answered", answer="Texten står kvar, se avsnitt 2.")
    )
    await triage.transition(staff, closed, GroupStep(target="closed", reason="duplicate"))
    await triage.forward(staff, forwarded, OTHER, "other_group_owns_text", None)

    # Version 1.1: the quoted passage is rewritten; followers and the submitter are told.
    document = read_markdown(MARKDOWN)
    sections = [
        {"key": s.key, "number": s.number, "heading": s.heading, "level": s.level, "body": s.body}
        for s in document.sections
    ]
    sections[1]["body"] = sections[1]["body"].replace("inom två veckor", "inom tio dagar")
    draft = await client.put(
        f"/api/v1/documents/{DOC}/versions/1.1",
        json={"title": document.title, "summary": document.summary, "sections": sections},
        headers=headers,
    )
    assert draft.status_code == 200, draft.text
    published = await client.post(
        f"/api/v1/documents/{DOC}/versions/1.1/publish",
        json={"change_summary": "Kortare väntetid till ekokardiografi."},
        headers=headers,
    )
    assert published.status_code == 200, published.text
    await triage.transition(staff, planned, GroupStep(target="changed", version="1.1"))

    assert await send_digests(conn, now + dt.timedelta(hours=2), item_path(app)) == 1
    assert await send_queue_notice(conn, dt.timedelta(hours=48), now + dt.timedelta(hours=49))


async def organisations_and_consultations(conn: asyncpg.Connection) -> None:
    """organisation_invite, organisation_cosign_request, consultation_opened/reminder/preview,
    follow_consultation and statement_answered. The consultation ran last month, so that its
    links are opened as they are after the deadline."""
    now = dt.datetime.now(dt.UTC)
    opened_at = now - dt.timedelta(days=30)
    key = await instance_secret(conn, RECEIPT_KEY)
    org_a, coordinator_a = await make_organisation(
        conn, "Hjärt- och lungsjukas förening", "a@exempel.se"
    )
    org_b, _ = await make_organisation(conn, "Astma- och KOL-förbundet", "b@exempel.se")
    coordinator = await principal_for(conn, coordinator_a)
    await OrganisationService(conn, at(now), key).invite_by_email(
        coordinator, org_a, "ny.medlem@exempel.se"
    )
    statements = StatementService(conn, at(now), key)
    draft = await statements.create_statement(
        coordinator, org_a, "Yttrande om hjärtsvikt", document=DOC
    )
    await statements.invite_cosigner(coordinator, org_a, draft.id, org_b)

    kol_group = await make_staff(conn, "kol@exempel.se", group="nag-kol")
    group = await principal_for(conn, kol_group, second_factor=True)
    consultations = ConsultationService(conn, at(opened_at))
    consultation = await consultations.open_consultation(
        group,
        ConsultationInput(
            document="kol",
            version="2.0",
            title="Remiss: KOL, version 2.0",
            questions=["Är handlingsplanen vid försämring begriplig?"],
            start=today(now=opened_at),
            deadline=today(20, now=opened_at),
            organisations=[org_a, org_b],
        ),
    )
    while_open = opened_at + dt.timedelta(days=5)
    rounds = RoundService(conn, at(while_open))
    round_ = await rounds.open_round(
        coordinator,
        org_a,
        RoundInput(
            title="KOL", deadline=today(15, now=opened_at), consultation=str(consultation.id)
        ),
    )
    statements = StatementService(conn, at(while_open), key)
    statement = await statements.create_statement(
        coordinator, org_a, "Yttrande över KOL 2.0", round_id=str(round_.id)
    )
    await statements.save_section(
        coordinator, org_a, statement.id, heading="Handlingsplanen", body="Den behöver bilder."
    )
    sent = await statements.submit(coordinator, org_a, statement.id, category="suggestion")
    await route_to(conn, sent.feedback_id, "nag-kol", while_open)
    assert await ConsultationService(conn, at(opened_at + dt.timedelta(days=18))).remind() == 1, (
        "org_b has not answered"
    )
    await ConsultationService(conn, at(opened_at + dt.timedelta(days=22))).share_preview(
        group, consultation.id
    )
    triage = TriageService(conn, at(now))
    await triage.transition(group, sent.feedback_id, GroupStep(target="in_review"))
    await triage.transition(
        group, sent.feedback_id, GroupStep(target="answered", answer="Bilder kommer i 2.1.")
    )


async def kol_follower(client: Client, conn: asyncpg.Connection) -> None:
    """A confirmed follower of KOL, before the consultation on it opens."""
    signed_out(client)
    await post_ok(client, "/kunskapsstod/kol/bevaka", {"email": "kol.bevakare@exempel.se"})
    confirm = await conn.fetchval(
        "SELECT context->>'link' FROM outbox_messages WHERE template = 'follow_confirm' "
        "ORDER BY id DESC LIMIT 1"
    )
    await post_ok(client, confirm, {})


# ------------------------------------------------------------------ the links


async def site_reports(client: Client, conn: asyncpg.Connection) -> None:
    """site_feedback_received, _answered and _closed: two reports of accessibility problems
    with an address, one answered and one closed by an admin."""
    signed_out(client)
    for problem in ("Menyn går inte att nå med tangentbordet.", "Kontrasten är för låg."):
        await post_ok(
            client,
            "/tillganglighet/rapportera",
            {"page": "Startsidan", "problem": problem, "email": "rapport@exempel.se"},
        )
    answered, closed = [
        row["id"]
        for row in await conn.fetch(
            "SELECT id FROM feedback WHERE subject = 'site' ORDER BY created_at, body"
        )
    ]
    admin = await make_staff(conn, "forvaltare@exempel.se", role=RoleChoice.ADMIN)
    await sign_in_staff(client, conn, admin)
    await post_ok(client, f"/admin/tillganglighet/{answered}/ta-upp", {}, 303)
    await post_ok(
        client,
        f"/admin/tillganglighet/{answered}/svara",
        {"answer": "Tack! Menyn går nu att nå med tabbtangenten i alla webbläsare vi provat."},
        303,
    )
    await post_ok(client, f"/admin/tillganglighet/{closed}/avsluta", {}, 303)
    signed_out(client)


async def open_as_recipient(
    client: Client, conn: asyncpg.Connection, user_id: int | None, path: str
) -> int:
    """GET ``path`` as the mail's recipient: signed in (second factor done) when the mail went
    to an account, anonymous when it went to an address."""
    client.cookies.clear()
    if user_id is not None:
        token, csrf = await create_session(
            conn, user_id, dt.datetime.now(dt.UTC), second_factor=True
        )
        client.cookies.set(SESSION_COOKIE, token, domain=HOST)
        client.cookies.set(CSRF_COOKIE, csrf, domain=HOST)
    response = await client.get(path, follow_redirects=False)
    return response.status_code


async def test_every_link_in_every_mail_answers(
    client: Client, conn: asyncpg.Connection, app: Litestar, settings: Settings
) -> None:
    await accounts(client, conn)
    await documents_and_feedback(client, conn, app)
    await kol_follower(client, conn)
    await organisations_and_consultations(conn)
    await site_reports(client, conn)

    rows = await conn.fetch(
        "SELECT id, template, user_id, context FROM outbox_messages ORDER BY id"
    )
    made = {row["template"] for row in rows}
    assert made == template_folders(), (
        f"no flow here sends {sorted(template_folders() - made)}: add one to this test"
    )

    base = settings.base_url.rstrip("/")
    problems: list[str] = []
    checked: dict[str, int] = {}
    for row in rows:
        mail = render(row["template"], row["context"], base_url=base)
        links = links_in(mail.text, mail.html) + ([mail.unsubscribe] if mail.unsubscribe else [])
        if not links:
            problems.append(f"{row['template']}: no link")
        for link in dict.fromkeys(links):
            if not link.startswith(f"{base}/"):
                problems.append(f"{row['template']}: {link} is not under {base}")
                continue
            parts = urlsplit(link)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            status = await open_as_recipient(client, conn, row["user_id"], path)
            checked[f"{row['template']} {path}"] = status
            # Not 404, not an error, and not "sign in"/"no access" for the very person the
            # mail went to: a link they cannot open is as dead to them as a missing page.
            if status >= 400:
                problems.append(f"{row['template']}: {path} answered {status}")
    assert not problems, "\n".join(problems)
    assert {key.split(" ")[0] for key in checked} == made
