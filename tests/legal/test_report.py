"""Reporting an accessibility problem: a report reaches the admins, bad input gets a clear error
in the reader's language with nothing lost, the form is rate limited like the other public
forms, and reports are erased after the configured period."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.legal.domain import ReportInput
from medskapa.legal.service import AccessibilityReports
from medskapa.settings import Settings
from tests.apps import app_for
from tests.factories import TEST_SECRET, csrf_follows_cookie, make_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
URL = "/tillganglighet/rapportera"
PROBLEM = "Knappen ”Skicka synpunkt” läses upp som ”knapp” utan namn i VoiceOver.\nSida 2."


async def counts(conn: asyncpg.Connection) -> tuple[int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM accessibility_reports"),
        await conn.fetchval("SELECT count(*) FROM contacts"),
    )


async def test_a_report_reaches_the_admins_who_mark_it_handled(
    client: Client, bare_client: Client, conn: asyncpg.Connection
) -> None:
    form = await client.get(URL, params={"sida": "/kunskapsstod"})
    assert 'value="/kunskapsstod"' in form.text
    sent = await client.post(
        URL,
        data={"page": "/kunskapsstod", "problem": PROBLEM, "email": "eva@exempel.se"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    done = await client.get(sent.headers["location"])
    assert "Tack för din rapport" in done.text
    assert "Du får svar till den e-postadress du skrev." in done.text
    assert "eva@exempel.se" not in sent.headers["location"]
    assert await counts(conn) == (1, 1)
    trail = await conn.fetch(
        "SELECT action, to_state, reason_code FROM audit_events "
        "WHERE subject_type = 'accessibility_report'"
    )
    assert [tuple(r) for r in trail] == [("accessibility_report.filed", "open", None)]

    # Only admins read them.
    assert (await bare_client.get("/admin/tillganglighet")).status_code == 401
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(bare_client, conn, moderator)
    assert (await bare_client.get("/admin/tillganglighet")).status_code == 403

    admin = await make_staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
    await sign_in_staff(client, conn, admin)
    listing = await client.get("/admin/tillganglighet")
    assert listing.status_code == 200
    assert "1 rapport väntar." in listing.text
    assert "VoiceOver" in listing.text
    assert 'href="mailto:eva@exempel.se"' in listing.text
    report_id = await conn.fetchval("SELECT id FROM accessibility_reports")
    handled = await client.post(
        f"/admin/tillganglighet/{report_id}/hanterad", follow_redirects=False
    )
    assert handled.status_code == 303
    after = await client.get(handled.headers["location"])
    assert "Rapporten är markerad som hanterad." in after.text
    assert "0 rapporter väntar." in after.text
    again = await client.post(f"/admin/tillganglighet/{report_id}/hanterad")
    assert again.status_code == 200
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE action = 'accessibility_report.handled'"
        )
        == 1
    )


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
        ok = await limited.post(URL, data={"problem": PROBLEM}, follow_redirects=False)
        assert ok.status_code == 303
    refused = await limited.post(URL, data={"problem": "Tredje rapporten", "lang": "en"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert "You have sent many reports in a short time." in refused.text
    assert ">Tredje rapporten</textarea>" in refused.text
    assert await counts(conn) == (2, 0)


async def test_reports_and_their_addresses_are_erased_after_the_retention_period(
    conn: asyncpg.Connection,
) -> None:
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    old = AccessibilityReports(conn, lambda: now - dt.timedelta(days=91))
    new = AccessibilityReports(conn, lambda: now - dt.timedelta(days=89))
    await old.file(ReportInput(problem="Gammal", email="gammal@exempel.se"))
    await new.file(ReportInput(problem="Ny", email="ny@exempel.se"))
    assert await counts(conn) == (2, 2)
    erased = await AccessibilityReports(conn, lambda: now).purge(90)
    assert erased == 1
    assert await conn.fetchval("SELECT problem FROM accessibility_reports") == "Ny"
    assert await conn.fetchval("SELECT email FROM contacts") == "ny@exempel.se"
