"""Links in e-mail come from MEDSKAPA_BASE_URL only, never from what a request says its host is.

An attacker who can make the app build a reset link from ``Host: evil.example`` receives the
victim's token when the victim clicks. Two defences, both tested here against the running app:
requests for a host the app does not serve are refused, and even a request for a host it does
serve (a second name) with a hostile X-Forwarded-Host leaves only base-URL links in the outbox.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.app import create_app
from medskapa.audit.keys import binder
from medskapa.db.pool import create_pool
from medskapa.outbox.jobs import relay_key
from medskapa.outbox.queue import TEMPLATES
from medskapa.outbox.relay import Outcome, Relay
from medskapa.outbox.render import render
from medskapa.security.sessions import create_session
from medskapa.settings import Settings
from tests.factories import (
    SESSION_COOKIE,
    TEST_SECRET,
    make_feedback,
    make_organisation,
    make_person,
    make_staff,
)
from tests.moderation.conftest import Place, place  # noqa: F401 - the moderation tests' people
from tests.smtp import smtp_server

BASE = "https://medskapa.example"
SECOND_NAME = "alias.medskapa.example"
HOSTILE = {
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "http",
    "Forwarded": "host=evil.example;proto=http",
    "X-Original-Host": "evil.example",
}
URL = re.compile(r"""[a-z][a-z0-9+.-]*://[^\s"'<>)]+""", re.IGNORECASE)
PASSWORD = "gröna äpplen under tunga moln 47"

Client = AsyncTestClient[Litestar]


def links_in(text: str) -> list[str]:
    return URL.findall(text)


def future(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date().isoformat()


@pytest.fixture
def link_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url=BASE,
        allowed_hosts=SECOND_NAME,
    )


@pytest.fixture
def app_with_two_names(link_settings: Settings) -> Litestar:
    return create_app(link_settings)


@asynccontextmanager
async def browser_at(
    app: Litestar,
    host: str,
    conn: asyncpg.Connection | None = None,
    user_id: int | None = None,
) -> AsyncIterator[Client]:
    """A client that asks for ``host`` and sends hostile forwarding headers on every request;
    signed in as ``user_id`` (second factor done) when one is given."""
    async with AsyncTestClient(app=app, base_url=f"https://{host}") as client:
        client.headers.update(HOSTILE)
        if conn is not None and user_id is not None:
            now = dt.datetime.now(dt.UTC)
            token, csrf = await create_session(conn, user_id, now, second_factor=True)
            client.cookies.set(SESSION_COOKIE, token, domain=host)
            client.headers["x-csrf-token"] = csrf
        else:
            home = await client.get("/")
            assert home.status_code == 200
            # No session, no token: what a browser says of a form on the page it shows.
            client.headers["origin"] = f"https://{host}"
            client.headers["sec-fetch-site"] = "same-origin"
        yield client


async def test_a_request_for_a_host_the_app_does_not_serve_is_refused(
    app_with_two_names: Litestar, conn: asyncpg.Connection
) -> None:
    await make_person(conn, "offer@exempel.se")
    async with AsyncTestClient(app=app_with_two_names, base_url="https://evil.example") as evil:
        page = await evil.get("/")
        assert page.status_code == 400
        reset = await evil.post("/konto/glomt-losenord", data={"email": "offer@exempel.se"})
        assert reset.status_code == 400
        api = await evil.post(
            "/api/v1/auth/login", json={"email": "offer@exempel.se", "password": "x"}
        )
        assert api.status_code == 400
    async with AsyncTestClient(app=app_with_two_names, base_url="https://medskapa.example") as ok:
        # The port decides too: the configured name on another port is another origin.
        assert (await ok.get("/", headers={"Host": "medskapa.example:8443"})).status_code == 400
        assert (
            await ok.get("/", headers={"Host": "medskapa.example.evil.example"})
        ).status_code == (400)
        assert (await ok.get("/")).status_code == 200
        assert (await ok.get("/", headers={"Host": "medskapa.example:443"})).status_code == 200
        assert (await ok.get("/", headers={"Host": SECOND_NAME})).status_code == 200
    assert await conn.fetchval("SELECT count(*) FROM outbox_messages") == 0
    assert await conn.fetchval("SELECT count(*) FROM sessions") == 0


async def test_health_probes_answer_whatever_host_they_name(
    app_with_two_names: Litestar,
) -> None:
    """A kubelet probes the pod's IP (``Host: 10.1.2.3:8000``), a container health check
    ``127.0.0.1:8000``; neither knows the public name. /healthz builds no links."""
    async with AsyncTestClient(app=app_with_two_names, base_url="http://10.1.2.3:8000") as probe:
        health = await probe.get("/healthz")
        assert health.status_code == 200
        assert health.json()["database"] == "ok"
        assert (await probe.get("/healthz/x")).status_code in (400, 404)
        assert (await probe.get("/")).status_code == 400


async def test_every_mail_a_request_causes_links_only_to_the_base_url(
    app_with_two_names: Litestar,
    conn: asyncpg.Connection,
    database_url: str,
    link_settings: Settings,
    place: Place,  # noqa: F811
) -> None:
    # Reset, and registration (a new address, and one that has an account already).
    await make_person(conn, "konto@exempel.se")
    async with browser_at(app_with_two_names, SECOND_NAME) as visitor:
        for path, data in (
            ("/konto/glomt-losenord", {"email": "konto@exempel.se"}),
            (
                "/konto/registrera",
                {"email": "ny@exempel.se", "password": PASSWORD, "password_again": PASSWORD},
            ),
            (
                "/konto/registrera",
                {"email": "konto@exempel.se", "password": PASSWORD, "password_again": PASSWORD},
            ),
        ):
            response = await visitor.post(path, data=data)
            assert response.status_code == 200, (path, response.status_code)

    # An organisation invites by e-mail and makes an invitation link to copy.
    org_a, coordinator_a = await make_organisation(conn, "Hjärtföreningen", "a@exempel.se")
    org_b, _ = await make_organisation(conn, "Lungföreningen", "b@exempel.se")
    async with browser_at(app_with_two_names, SECOND_NAME, conn, coordinator_a) as coordinator:
        invited = await coordinator.post(
            f"/organisationer/{org_a}/inbjudningar",
            data={"email": "ny.medlem@exempel.se"},
            follow_redirects=False,
        )
        assert invited.status_code == 303
        made = await coordinator.post(
            f"/organisationer/{org_a}/inbjudningslankar", data={"days": "7"}
        )
        shown = re.search(r'<code id="inbjudningslank">([^<]+)</code>', made.text)
        assert shown is not None, made.text
        assert shown.group(1).startswith(f"{BASE}/inbjudan?token=")
        # ...and asks another organisation to co-sign a statement.
        drafted = await coordinator.post(
            f"/organisationer/{org_a}/yttranden",
            data={"title": "Yttrande om höftfraktur", "document": "hoftfraktur"},
            follow_redirects=False,
        )
        assert drafted.status_code == 303, drafted.text
        asked = await coordinator.post(
            f"{drafted.headers['location']}/medundertecknare", data={"organisation": org_b}
        )
        assert "Organisationen är tillfrågad" in asked.text

    # A subject group opens a consultation: the organisations' coordinators are told.
    group_member = await make_staff(conn, "kol@exempel.se", group="nag-kol")
    async with browser_at(app_with_two_names, SECOND_NAME, conn, group_member) as group:
        opened = await group.post(
            "/remisser",
            data={
                "document_version": "kol@2.0",
                "title": "Remiss om KOL 2.0",
                "questions": ["Är handlingsplanen begriplig?"],
                "start": future(0),
                "deadline": future(20),
                "organisations": [org_a, org_b],
            },
            follow_redirects=False,
        )
        assert opened.status_code == 303, opened.text

    # Moderation: approve one item as urgent (submitter, members and leads are told) and
    # reject another (its submitter is told).
    routed = await make_feedback(conn, email="skickade@exempel.se")
    rejected = await make_feedback(conn, email="avvisad@exempel.se")
    moderator_id = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    async with browser_at(app_with_two_names, SECOND_NAME, conn, moderator_id) as moderator:
        for item, data in (
            (routed, {"decision": "approve", "urgent": "ja"}),
            (rejected, {"decision": "reject", "reject_reason": "personal_care_matter"}),
        ):
            decided = await moderator.post(
                f"/moderering/synpunkter/{item.id}/beslut", data=data, follow_redirects=False
            )
            assert decided.status_code == 303, decided.text

    rows = await conn.fetch("SELECT template, context::text FROM outbox_messages ORDER BY id")
    made_templates = {row[0] for row in rows}
    assert made_templates >= {
        "password_reset",
        "confirm_email",
        "account_exists",
        "organisation_invite",
        "organisation_cosign_request",
        "consultation_opened",
        "feedback_routed",
        "feedback_rejected",
        "group_new_item",
        "urgent_item",
    }, made_templates
    for template, stored in rows:
        assert "evil.example" not in stored, template
        assert SECOND_NAME not in stored, template
        # What is stored is a path; the host is added when the mail is rendered.
        assert "://" not in stored, (template, stored)

    # Every row goes out through the real relay to a real SMTP server.
    with smtp_server() as smtp:
        relay_settings = msgspec.structs.replace(
            link_settings,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security="none",
            smtp_from="medskapa <no-reply@medskapa.example>",
        )
        pool = await create_pool(
            relay_settings, database_url, size=2, set_up=binder(relay_settings.secret_key)
        )
        try:
            relay = Relay(pool, relay_settings, await relay_key(pool))
            while await relay.run_once() != Outcome():
                pass
        finally:
            await pool.close()
        mails = smtp.mailbox.messages
    assert len(mails) == len(rows)
    for mail in mails:
        text = mail.get_body(("plain",)).get_content()
        markup = mail.get_body(("html",)).get_content()
        found = links_in(text) + links_in(markup)
        assert found, f"{mail['Subject']} has no link"
        for link in found:
            assert link.startswith(f"{BASE}/"), (mail["Subject"], link)


LEGACY_CONTEXT = {
    # Rows queued before links were stored as paths: full URLs, some with a poisoned host,
    # and a stored base_url that must not win over the configured one.
    "base_url": "http://evil.example",
    "link": "http://evil.example/konto/nytt-losenord?token=abc",
    "item_url": "//evil.example/arbetsgrupp/synpunkt/1",
    "items": [{"document_title": "KOL", "item_url": "http://evil.example:8000/x?y=1#z"}],
    "path": "/organisationer/hjartforeningen/yttranden/1",
    "follow_path": "/folj",
    "document_title": "KOL",
    "document_slug": "kol",
    "document": "KOL",
    "group_names": ["NPO Lunga"],
    "group_name": "NPO Lunga",
    "status": "answered",
    "reason_code": "personal_care_matter",
    "version_label": "2.0",
    "waiting": 12,
    "oldest_hours": 50,
    "organisation": "Hjärtföreningen",
    "consultation": "Remiss",
    "statement": "Yttrande",
    "version": "2.0",
    "deadline": "2026-12-01",
    "expires": "2026-12-01",
    "how": "changed",
    "answer": "Tack för rapporten.",
    "change_summary": "Nytt avsnitt",
    "changes": "http://evil.example/kunskapsstod/kol/andringar?fran=1.0&till=2.0",
    "unsubscribe": "http://evil.example/bevaka/avsluta/abc",
    "outcome": "moved",
    "section_path": "http://evil.example/kunskapsstod/kol?version=2.0#avsnitt-3-utredning",
}


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_old_rows_with_full_urls_render_with_the_configured_host(template: str) -> None:
    rendered = render(template, LEGACY_CONTEXT, base_url="https://medskapa.example/")
    for link in links_in(rendered.text) + links_in(rendered.html):
        assert link.startswith(f"{BASE}/"), link
        assert "evil" not in link
    if template == "password_reset":
        assert f"{BASE}/konto/nytt-losenord?token=abc" in rendered.text
