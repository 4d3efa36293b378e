"""The organisation pages through HTTP: forms, refusals and isolation between organisations."""

from __future__ import annotations

import datetime as dt
import re

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.organisations.service import INVITES_PER_ADDRESS
from tests.consultations.test_service import open_kol
from tests.factories import (
    STAFF_PASSWORD,
    enrol_totp,
    make_feedback,
    make_person,
    make_staff,
    route_to,
    sign_in,
    sign_in_staff,
)
from tests.organisations.conftest import Services, World

Client = AsyncTestClient[Litestar]


def future(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date().isoformat()


async def open_round(client: Client, conn: asyncpg.Connection, world: World) -> int:
    await sign_in(client, conn, world.coordinator_a)
    response = await client.post(
        f"/organisationer/{world.org_a}/omgangar",
        data={
            "title": "Höftfraktur – vad tycker ni?",
            "deadline": future(10),
            "document": "hoftfraktur",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def add_input(client: Client, round_id: int, org: str, **data: str) -> object:
    values = {"category": "own_experience", "text": "Rehabiliteringen kom igång för sent."}
    values.update(data)
    return await client.post(
        f"/organisationer/{org}/omgangar/{round_id}/synpunkter", data=values, follow_redirects=False
    )


async def test_register_an_organisation_and_an_admin_verifies_it(
    client: Client, conn: asyncpg.Connection
) -> None:
    user = await make_person(conn, "ny@exempel.se")
    await sign_in(client, conn, user)
    created = await client.post(
        "/organisationer",
        data={"name": "Föreningen för höftfrakturer", "description": "Vi finns i hela landet."},
    )
    assert created.status_code == 200
    assert "Organisationen är registrerad" in created.text
    assert "Inte verifierad ännu" in created.text
    not_staff = await client.post("/organisationer/foreningen-for-hoftfrakturer/verifiera")
    assert not_staff.status_code == 401  # admin work needs a second factor first
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    not_admin = await client.post("/organisationer/foreningen-for-hoftfrakturer/verifiera")
    assert not_admin.status_code == 403

    admin = await make_staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
    await sign_in_staff(client, conn, admin)
    verified = await client.post("/organisationer/foreningen-for-hoftfrakturer/verifiera")
    assert "Organisationen är verifierad" in verified.text
    assert "Verifierad organisation" in verified.text
    again = await client.post("/organisationer/foreningen-for-hoftfrakturer/verifiera")
    assert again.status_code == 409
    assert "redan verifierad" in again.text
    listing = await client.get("/organisationer")
    assert "Föreningen för höftfrakturer" in listing.text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Skriv organisationens namn"),
        ("x" * 201, "högst 200 tecken"),
        ("Förening\x00", "otillåtet tecken (NUL)"),
        ("!!!", "bokstäver eller siffror"),
        ("Astma- och KOL-förbundet", "finns redan en organisation"),
    ],
)
async def test_bad_organisation_names_are_refused(
    client: Client, conn: asyncpg.Connection, world: World, name: str, message: str
) -> None:
    user = await make_person(conn, "ny@exempel.se")
    await sign_in(client, conn, user)
    before = await conn.fetchval("SELECT count(*) FROM organisations")
    response = await client.post("/organisationer", data={"name": name, "description": ""})
    assert response.status_code == 422
    assert message in response.text
    assert await conn.fetchval("SELECT count(*) FROM organisations") == before


async def test_invite_by_e_mail_join_once_and_the_address_is_forgotten(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    await sign_in(client, conn, world.coordinator_a)
    response = await client.post(
        f"/organisationer/{world.org_a}/inbjudningar", data={"email": "ny.medlem@exempel.se"}
    )
    assert "Inbjudan är skickad" in response.text
    mail = await conn.fetchrow(
        "SELECT template, contact_id, context FROM outbox_messages "
        "WHERE template = 'organisation_invite'"
    )
    assert mail["contact_id"] is not None
    token = mail["context"]["link"].split("token=")[1]
    assert "ny.medlem" not in str(mail["context"])
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM organisation_invitations WHERE token_hash::text LIKE $1",
            f"%{token}%",
        )
        == 0
    )

    newcomer = await make_person(conn, "ny.medlem@exempel.se")
    await sign_in(client, conn, newcomer)
    page = await client.get("/inbjudan", params={"token": token})
    assert "Gå med i Hjärt- och lungsjukas förening" in page.text
    joined = await client.post("/inbjudan", data={"token": token}, follow_redirects=False)
    assert joined.status_code == 303
    assert (
        await conn.fetchval(
            "SELECT role FROM organisation_memberships WHERE user_id = $1", newcomer
        )
        == "member"
    )
    assert (
        await conn.fetchval("SELECT count(*) FROM contacts WHERE email = 'ny.medlem@exempel.se'")
        == 0
    )

    other = await make_person(conn, "annan@exempel.se")
    await sign_in(client, conn, other)
    used = await client.post("/inbjudan", data={"token": token})
    assert used.status_code == 422
    assert "Inbjudan är redan använd" in used.text
    assert (await client.get("/inbjudan", params={"token": token})).status_code == 422


async def test_invitation_mail_needs_a_verified_organisation_and_is_limited(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    """Anyone can register an organisation: its name must not reach strangers' inboxes
    before an admin has verified it, and one address gets few invitations a day."""
    await sign_in(client, conn, world.coordinator_c)
    unverified = await client.post(
        f"/organisationer/{world.org_c}/inbjudningar", data={"email": "offer@exempel.se"}
    )
    assert unverified.status_code == 422
    assert "när en administratör har verifierat" in unverified.text
    assert await conn.fetchval("SELECT count(*) FROM outbox_messages") == 0

    await sign_in(client, conn, world.coordinator_a)
    statuses = [
        (
            await client.post(
                f"/organisationer/{world.org_a}/inbjudningar", data={"email": "offer@exempel.se"}
            )
        ).status_code
        for _ in range(INVITES_PER_ADDRESS.hits + 1)
    ]
    assert statuses == [200] * INVITES_PER_ADDRESS.hits + [422]
    refused = await client.post(
        f"/organisationer/{world.org_a}/inbjudningar", data={"email": "Offer@exempel.se"}
    )
    assert "redan fått flera inbjudningar" in refused.text
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM outbox_messages WHERE template = 'organisation_invite'"
        )
        == INVITES_PER_ADDRESS.hits
    )


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Skriv en e-postadress"),
        ("inte-en-adress", "Det ser inte ut som en e-postadress"),
        ("a@b.se\x00", "tecken som inte får finnas"),
    ],
)
async def test_bad_invitation_addresses_are_refused(
    client: Client, conn: asyncpg.Connection, world: World, email: str, message: str
) -> None:
    await sign_in(client, conn, world.coordinator_a)
    response = await client.post(
        f"/organisationer/{world.org_a}/inbjudningar", data={"email": email}
    )
    assert response.status_code == 422
    assert message in response.text
    assert await conn.fetchval("SELECT count(*) FROM organisation_invitations") == 0


async def test_invitation_link_works_for_many_until_it_expires(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    await sign_in(client, conn, world.coordinator_a)
    bad = await client.post(
        f"/organisationer/{world.org_a}/inbjudningslankar", data={"days": "365"}
    )
    assert bad.status_code == 422
    assert "från 1 till 90" in bad.text
    page = await client.post(f"/organisationer/{world.org_a}/inbjudningslankar", data={"days": "7"})
    link = re.search(r'id="inbjudningslank">([^<]+)<', page.text)
    assert link is not None
    token = link.group(1).split("token=")[1]
    for email in ("en@exempel.se", "tva@exempel.se"):
        user = await make_person(conn, email)
        await sign_in(client, conn, user)
        joined = await client.post("/inbjudan", data={"token": token}, follow_redirects=False)
        assert joined.status_code == 303
    await conn.execute(
        "UPDATE organisation_invitations SET created_at = now() - interval '8 days', "
        "expires_at = now() - interval '1 day'"
    )
    late = await make_person(conn, "sen@exempel.se")
    await sign_in(client, conn, late)
    expired = await client.post("/inbjudan", data={"token": token})
    assert expired.status_code == 422
    assert "Inbjudan har gått ut" in expired.text
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM organisation_memberships WHERE user_id = $1", late
        )
        == 0
    )
    unknown = await client.post("/inbjudan", data={"token": "x" * 43})
    assert "Inbjudan finns inte" in unknown.text


async def test_coordinator_removes_a_member_who_then_sees_nothing(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    round_id = await open_round(client, conn, world)
    removed = await client.post(
        f"/organisationer/{world.org_a}/medlemmar/ta-bort", data={"user": str(world.member_a1)}
    )
    assert "Medlemmen är borttagen" in removed.text
    last = await client.post(
        f"/organisationer/{world.org_a}/medlemmar/ta-bort", data={"user": str(world.coordinator_a)}
    )
    assert last.status_code == 409
    assert "minst en samordnare" in last.text
    unknown = await client.post(
        f"/organisationer/{world.org_a}/medlemmar/ta-bort", data={"user": "nej"}
    )
    assert unknown.status_code == 404
    await sign_in(client, conn, world.member_a1)
    assert (
        await client.get(f"/organisationer/{world.org_a}/omgangar/{round_id}")
    ).status_code == 403


async def test_member_input_with_or_without_name(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    round_id = await open_round(client, conn, world)
    await sign_in(client, conn, world.member_a1)
    page = await client.get(f"/organisationer/{world.org_a}/omgangar/{round_id}")
    assert "Lämna din synpunkt" in page.text
    section = await conn.fetchval(
        "SELECT s.key FROM sections s JOIN input_rounds r ON r.version_id = s.version_id "
        "WHERE r.id = $1 ORDER BY s.position LIMIT 1",
        round_id,
    )
    sent = await add_input(client, round_id, world.org_a, show_name="ja", section=section)
    assert sent.status_code == 303
    await sign_in(client, conn, world.member_a2)
    await add_input(client, round_id, world.org_a, text="Min man fick ingen information.")
    own = await client.get(f"/organisationer/{world.org_a}/omgangar/{round_id}")
    assert "Min man fick ingen information." in own.text
    assert "Rehabiliteringen kom igång för sent." not in own.text

    await sign_in(client, conn, world.coordinator_a)
    seen = await client.get(f"/organisationer/{world.org_a}/omgangar/{round_id}")
    assert "a1@exempel.se" in seen.text
    assert "a2@exempel.se" not in seen.text
    assert "Namn visas inte" in seen.text
    # Nothing reached the feedback table: member input is not routed by itself.
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Skriv din synpunkt"),
        ({"text": "x" * 5001}, "högst 5 000 tecken"),
        ({"text": "Hej\x00"}, "otillåtet tecken (NUL)"),
        ({"category": "nonsense"}, "Välj ett av alternativen"),
        ({"section": "99-finns-inte"}, "Avsnittet finns inte"),
        ({"quote": "något som inte står där"}, "Välj vilket avsnitt citatet kommer från"),
    ],
)
async def test_bad_member_input_is_refused_and_nothing_stored(
    client: Client, conn: asyncpg.Connection, world: World, data: dict[str, str], message: str
) -> None:
    round_id = await open_round(client, conn, world)
    await sign_in(client, conn, world.member_a1)
    response = await add_input(client, round_id, world.org_a, **data)
    assert response.status_code == 422
    assert message in response.text
    assert await conn.fetchval("SELECT count(*) FROM member_inputs") == 0


async def test_quote_must_be_in_the_section(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    round_id = await open_round(client, conn, world)
    section, body = await conn.fetchrow(
        "SELECT s.key, s.body FROM sections s JOIN input_rounds r ON r.version_id = s.version_id "
        "WHERE r.id = $1 ORDER BY s.position LIMIT 1",
        round_id,
    )
    await sign_in(client, conn, world.member_a1)
    wrong = await add_input(
        client, round_id, world.org_a, section=section, quote="står inte här alls"
    )
    assert wrong.status_code == 422
    assert "hittar inte den citerade texten" in wrong.text
    right = await add_input(
        client, round_id, world.org_a, section=section, quote=body.split(".")[0]
    )
    assert right.status_code == 303
    assert await conn.fetchval("SELECT quote_exact FROM member_inputs") == body.split(".")[0]


async def test_closed_round_refuses_clearly_and_keeps_what_was_sent(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    round_id = await open_round(client, conn, world)
    await sign_in(client, conn, world.member_a1)
    assert (await add_input(client, round_id, world.org_a)).status_code == 303
    # The deadline passes.
    await conn.execute("UPDATE input_rounds SET closes_at = now() - interval '1 minute'")
    late = await add_input(client, round_id, world.org_a, text="För sent inskickat.")
    assert late.status_code == 409
    assert "Insamlingen är stängd" in late.text
    assert "Rehabiliteringen kom igång för sent." in late.text
    assert await conn.fetchval("SELECT count(*) FROM member_inputs") == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "Skriv en rubrik"),
        ({"deadline": "imorgon"}, "ÅÅÅÅ-MM-DD"),
        ({"deadline": "2020-01-01"}, "Sista dag har redan passerat"),
        ({"document": "finns-inte"}, "hittar inte kunskapsstödet"),
        ({"document": ""}, "Välj en remiss eller ett kunskapsstöd"),
        ({"consultation": "424242"}, "Remissen finns inte"),
        ({"title": "Runda\x00"}, "otillåtet tecken (NUL)"),
    ],
)
async def test_bad_rounds_are_refused(
    client: Client, conn: asyncpg.Connection, world: World, data: dict[str, str], message: str
) -> None:
    await sign_in(client, conn, world.coordinator_a)
    values = {"title": "Runda", "deadline": future(5), "document": "hoftfraktur"}
    values.update(data)
    response = await client.post(f"/organisationer/{world.org_a}/omgangar", data=values)
    assert response.status_code == 422
    assert message in response.text
    assert await conn.fetchval("SELECT count(*) FROM input_rounds") == 0


async def test_a_member_cannot_open_rounds(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    await sign_in(client, conn, world.member_a1)
    response = await client.post(
        f"/organisationer/{world.org_a}/omgangar",
        data={"title": "Runda", "deadline": future(5), "document": "hoftfraktur"},
    )
    assert response.status_code == 403


async def test_another_organisation_gets_404_on_every_route_that_takes_an_id(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    round_id = await open_round(client, conn, world)
    created = await client.post(
        f"/organisationer/{world.org_a}/yttranden",
        data={"title": "Vårt yttrande", "round": str(round_id)},
        follow_redirects=False,
    )
    statement_id = created.headers["location"].rsplit("/", 1)[1]
    await sign_in(client, conn, world.member_a1)
    await add_input(client, round_id, world.org_a)
    input_id = await conn.fetchval("SELECT id FROM member_inputs")

    outsiders = [world.coordinator_b, world.member_b]
    for outsider in outsiders:
        await sign_in(client, conn, outsider)
        for org in (world.org_a, world.org_b):
            probes = [
                client.get(f"/organisationer/{org}/omgangar/{round_id}"),
                client.post(
                    f"/organisationer/{org}/omgangar/{round_id}/synpunkter",
                    data={"category": "other", "text": "x"},
                ),
            ]
            if outsider == world.coordinator_b:
                base = f"/organisationer/{org}/yttranden/{statement_id}"
                probes += [
                    client.get(base),
                    client.post(f"{base}/avsnitt", data={"heading": "X", "body": "Y"}),
                    client.post(f"{base}/citat", data={"input": str(input_id)}),
                    client.post(f"{base}/medundertecknare", data={"organisation": world.org_b}),
                    client.post(f"{base}/underteckna"),
                    client.post(f"{base}/skicka", data={"category": "other"}),
                ]
            for probe in probes:
                response = await probe
                assert response.status_code in (403, 404), response.request.url
                assert "Vårt yttrande" not in response.text
                assert "Rehabiliteringen" not in response.text
    refusals = await conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE action = 'organisation.access_refused' "
        "AND actor = $1",
        f"user:{world.coordinator_b}",
    )
    assert refusals == 2 * 8
    assert await conn.fetchval("SELECT count(*) FROM statement_sections") == 0
    assert await conn.fetchval("SELECT count(*) FROM member_inputs") == 1


@pytest.mark.parametrize("bad_id", ["abc", "999999", "-1", "1e5", "%00"])
async def test_unknown_ids_are_404(
    client: Client, conn: asyncpg.Connection, world: World, bad_id: str
) -> None:
    await sign_in(client, conn, world.coordinator_a)
    # A NUL in a path is refused before any route sees it (web/boundary.py).
    unknown, unshared = (400, 400) if bad_id == "%00" else (404, 401)
    for path in (
        f"/organisationer/{world.org_a}/omgangar/{bad_id}",
        f"/organisationer/{world.org_a}/yttranden/{bad_id}",
        f"/remisser/{bad_id}",
        f"/remisser/{bad_id}/svarssammanstallning",
    ):
        assert (await client.get(path)).status_code == unknown, path
    assert (await client.get("/organisationer/finns-inte")).status_code == 404
    # Sharing a response table is staff work: without a second factor the guard answers 401
    # before any consultation is looked up.
    assert (await client.post(f"/remisser/{bad_id}/dela")).status_code == unshared


async def test_statement_drafted_cited_cosigned_and_submitted(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    round_id = await open_round(client, conn, world)
    for member in (world.member_a1, world.member_a2):
        await sign_in(client, conn, member)
        await add_input(client, round_id, world.org_a, text=f"Synpunkt från medlem {member}.")
    await sign_in(client, conn, world.coordinator_a)
    empty_title = await client.post(
        f"/organisationer/{world.org_a}/yttranden", data={"title": "", "round": str(round_id)}
    )
    assert empty_title.status_code == 422
    created = await client.post(
        f"/organisationer/{world.org_a}/yttranden",
        data={"title": "Yttrande om höftfraktur", "round": str(round_id)},
        follow_redirects=False,
    )
    base = created.headers["location"]
    nothing = await client.post(f"{base}/skicka", data={"category": "other"})
    assert nothing.status_code == 409
    assert "Yttrandet är tomt" in nothing.text
    too_long = await client.post(f"{base}/avsnitt", data={"heading": "Rehab", "body": "x" * 5001})
    assert too_long.status_code == 422
    assert "högst 5 000 tecken" in too_long.text
    saved = await client.post(
        f"{base}/avsnitt", data={"heading": "Rehabilitering", "body": "Rehab måste starta tidigt."}
    )
    assert "Avsnittet är sparat" in saved.text
    assert "a@exempel.se" in saved.text  # the edit history names the editor
    inputs = [r[0] for r in await conn.fetch("SELECT id FROM member_inputs ORDER BY created_at")]
    for input_id in inputs:
        cited = await client.post(f"{base}/citat", data={"input": str(input_id)})
        assert "Synpunkten är citerad" in cited.text
    bogus = await client.post(f"{base}/citat", data={"input": "inte-ett-id"})
    assert bogus.status_code == 422
    assert "finns inte bland er organisations synpunkter" in bogus.text
    unverified = await client.post(f"{base}/medundertecknare", data={"organisation": world.org_c})
    assert "inte verifierad" in unverified.text
    asked = await client.post(f"{base}/medundertecknare", data={"organisation": world.org_b})
    assert "Organisationen är tillfrågad" in asked.text

    await sign_in(client, conn, world.coordinator_b)
    statement_id = base.rsplit("/", 1)[1]
    as_b = f"/organisationer/{world.org_b}/yttranden/{statement_id}"
    page = await client.get(as_b)
    assert "Rehab måste starta tidigt." in page.text
    assert "Synpunkt från medlem" in page.text  # citations, anonymised
    assert "a1@exempel.se" not in page.text
    signed = await client.post(f"{as_b}/underteckna")
    assert "Ni har skrivit under yttrandet" in signed.text
    assert (await client.post(f"{as_b}/skicka", data={"category": "other"})).status_code == 404

    await sign_in(client, conn, world.coordinator_a)
    bad_category = await client.post(f"{base}/skicka", data={"category": "nej"})
    assert bad_category.status_code == 422
    sent = await client.post(
        f"{base}/skicka", data={"category": "suggestion", "consent_public": "ja"}
    )
    assert "Yttrandet är skickat" in sent.text
    assert re.search(r'id="kvittokod">[A-Z0-9-]{19}<', sent.text)
    assert "Mottagen – väntar på granskning" in sent.text
    feedback = await conn.fetchrow("SELECT submitter_role, status, consent_public FROM feedback")
    assert tuple(feedback) == ("organisation", "received", True)
    # Group's answer travels back through the feedback item's status.
    await conn.execute("UPDATE feedback SET status = 'answered'")
    answered = await client.get(base)
    assert "Besvarad" in answered.text
    locked = await client.post(f"{base}/avsnitt", data={"heading": "Sent", "body": "Ändring"})
    assert locked.status_code == 409
    assert "redan skickat" in locked.text


async def test_group_member_opens_a_consultation_with_the_form(
    client: Client, conn: asyncpg.Connection, world: World
) -> None:
    await sign_in_staff(client, conn, world.group_member)
    form = await client.get("/remisser/ny")
    assert "Kroniskt obstruktiv lungsjukdom (KOL), version 2.0" in form.text
    bad = await client.post(
        "/remisser",
        data={
            "document_version": "kol@2.0",
            "title": "",
            "questions": ["", ""],
            "start": future(0),
            "deadline": "x",
        },
    )
    assert bad.status_code == 422
    assert "Skriv en rubrik" in bad.text
    assert "Skriv minst en fråga" in bad.text
    assert "ÅÅÅÅ-MM-DD" in bad.text
    opened = await client.post(
        "/remisser",
        data={
            "document_version": "kol@2.0",
            "title": "Remiss om KOL 2.0",
            "questions": ["Är handlingsplanen begriplig?", "Saknas något?"],
            "start": future(0),
            "deadline": future(20),
            "organisations": [world.org_a],
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    path = opened.headers["location"]
    overview = await client.get(path)
    assert "Yttranden från organisationer (0)" in overview.text

    await sign_in(client, conn, world.coordinator_a)
    assert "Är handlingsplanen begriplig?" in (await client.get(path)).text
    assert "Remiss om KOL 2.0" in (await client.get("/remisser")).text
    await sign_in(client, conn, world.coordinator_b)
    assert (await client.get(path)).status_code == 404
    assert "Remiss om KOL 2.0" not in (await client.get("/remisser")).text


async def test_a_password_only_group_session_cannot_read_the_response_table(
    client: Client,
    conn: asyncpg.Connection,
    services: Services,
    who: object,
    world: World,
) -> None:
    """Issue 12, finding 4 as reported: a group member whose session has passed only the
    password read the consultation's response table, patients' text included."""
    patient_text = "Jag förstår inte handlingsplanen vid försämring av min KOL."
    consultation_id = await open_kol(services, who, world)
    version = await conn.fetchval(
        "SELECT version_id FROM consultations WHERE id = $1", consultation_id
    )
    item = await make_feedback(conn, document="kol", text=patient_text)
    await conn.execute("UPDATE feedback SET version_id = $2 WHERE id = $1", item.id, version)
    await route_to(conn, item.id, "nag-kol")
    await enrol_totp(conn, world.group_member)
    signed = await client.post(
        "/logga-in",
        data={"email": "kol@exempel.se", "password": STAFF_PASSWORD},
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/logga-in/kod"
    table = await client.get(f"/remisser/{consultation_id}/svarssammanstallning")
    assert table.status_code == 401
    assert patient_text not in table.text
    # The same member with the second factor passed reads it (the test can fail).
    await sign_in_staff(client, conn, world.group_member)
    full = await client.get(f"/remisser/{consultation_id}/svarssammanstallning")
    assert full.status_code == 200
    assert patient_text in full.text
