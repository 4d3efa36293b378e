"""A patient organisation's round, member input and joint statement in a real browser, by
keyboard; every page axe-core clean."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from playwright.async_api import Page, expect

from medskapa.accounts.admin import RoleChoice
from medskapa.outbox.render import render
from medskapa.security.auth import DEV_SESSION_COOKIE
from medskapa.security.sessions import create_session
from tests.browser.axe import assert_accessible
from tests.factories import make_feedback, make_organisation, make_person, make_staff, route_to

pytestmark = pytest.mark.slow

INPUT = "Jag förstod inte när jag skulle börja träna efter operationen."


async def act_as(
    page: Page, conn: asyncpg.Connection, base_url: str, user_id: int, *, staff: bool = False
) -> None:
    token, _ = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=staff)
    await page.context.clear_cookies()
    await page.context.add_cookies([{"name": DEV_SESSION_COOKIE, "value": token, "url": base_url}])


async def press(page: Page, name: str) -> None:
    await page.get_by_role("button", name=name, exact=True).focus()
    await page.keyboard.press("Enter")


async def test_round_member_input_and_statement_by_keyboard(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    slug, coordinator = await make_organisation(conn, "Höftföreningen", "samordnare@exempel.se")
    member = await make_person(
        conn, "medlem@exempel.se", organisation=slug, role=RoleChoice.ORGANISATION_MEMBER
    )
    await act_as(page, conn, live_server, coordinator)
    await page.goto(f"{live_server}/organisationer/{slug}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Höftföreningen")
    await assert_accessible(page, "organisation")

    # A round without a title: the error is announced and named, nothing is lost.
    await page.get_by_label("Kunskapsstöd", exact=True).select_option("hoftfraktur")
    deadline = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    await page.locator("#round-deadline").fill(deadline)
    await press(page, "Starta insamlingen")
    await expect(page.locator("#felsammanfattning")).to_contain_text("Skriv en rubrik")
    await assert_accessible(page, "organisation-round-error")
    title = page.locator("#round-title")
    await title.focus()
    await page.keyboard.type("Vad tycker ni om höftfrakturvården?")
    await press(page, "Starta insamlingen")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vad tycker ni om höftfrakturvården?"
    )
    round_url = page.url

    await act_as(page, conn, live_server, member)
    await page.goto(round_url)
    await assert_accessible(page, "organisation-round")
    await page.get_by_label("Egen erfarenhet").focus()
    await page.keyboard.press("Space")
    await page.get_by_label("Din synpunkt").focus()
    await page.keyboard.type(INPUT)
    await page.get_by_label("Samordnarna får se att det är jag som skrivit").focus()
    await page.keyboard.press("Space")
    await press(page, "Spara min synpunkt")
    await expect(page.get_by_role("status")).to_contain_text("Din synpunkt är sparad")
    await expect(page.locator(".input-list")).to_contain_text(INPUT)
    await assert_accessible(page, "organisation-round-sent")

    await act_as(page, conn, live_server, coordinator)
    await page.goto(round_url)
    await expect(page.locator(".input-list")).to_contain_text("medlem@exempel.se")
    await page.goto(f"{live_server}/organisationer/{slug}")
    await page.locator("#statement-title").focus()
    await page.keyboard.type("Yttrande om höftfraktur")
    await page.get_by_label("Bygger på insamlingen").select_option(
        label="Vad tycker ni om höftfrakturvården?"
    )
    await press(page, "Skapa utkast")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Yttrande om höftfraktur")
    await assert_accessible(page, "statement-draft")

    await page.locator("#heading-new").focus()
    await page.keyboard.type("Rehabilitering")
    await page.locator("#body-new").focus()
    await page.keyboard.type("Patienter behöver veta när träningen börjar.")
    await press(page, "Lägg till avsnittet")
    await expect(page.get_by_role("status")).to_contain_text("Avsnittet är sparat")
    await page.get_by_role("button", name="Citera synpunkten").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Synpunkten är citerad")
    await expect(page.locator("blockquote.citation")).to_contain_text(INPUT)
    await assert_accessible(page, "statement-cited")

    await press(page, "Skicka yttrandet")
    await expect(page.locator("#kvittokod")).to_have_text(
        re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")
    )
    await expect(page.locator("#yttrande-status")).to_contain_text("Mottagen")
    await assert_accessible(page, "statement-submitted")
    assert await conn.fetchval("SELECT submitter_role FROM feedback") == "organisation"


FIRST = "Handlingsplanen vid försämring är svår att följa när man är andfådd."
SECOND = "Jag fick ingen träning förrän ett år efter diagnosen."
STATEMENT_TEXT = "Handlingsplanen behöver skrivas om tillsammans med patienter."
ANSWER = (
    "Tack. Texten ändras inte nu: handlingsplanen prövades med patienter i våras. "
    "Vi tar med era synpunkter när den ses över nästa år."
)


async def test_consultation_to_answer_the_whole_path(
    page: Page, live_server: str, conn: asyncpg.Connection
) -> None:
    """Group opens a consultation → coordinator opens a round → two members comment →
    coordinator cites both in a statement → a second organisation co-signs → submitted →
    moderated → routed → the group answers → the coordinators and the member who asked to be
    told see the answer (and get an e-mail); every page axe-clean."""
    org_a, coordinator_a = await make_organisation(
        conn, "Hjärt- och lungsjukas förening", "a@ex.se"
    )
    org_b, coordinator_b = await make_organisation(conn, "Astma- och KOL-förbundet", "b@ex.se")
    asks = await make_person(
        conn, "a1@ex.se", organisation=org_a, role=RoleChoice.ORGANISATION_MEMBER
    )
    quiet = await make_person(
        conn, "a2@ex.se", organisation=org_a, role=RoleChoice.ORGANISATION_MEMBER
    )
    group_member = await make_staff(conn, "kol@region.se", group="nag-kol")
    moderator = await make_staff(conn, "moderator@region.se", role=RoleChoice.MODERATOR)
    today = dt.datetime.now(ZoneInfo("Europe/Stockholm")).date()

    # 1. The subject group opens a consultation on the draft version.
    await act_as(page, conn, live_server, group_member, staff=True)
    await page.goto(f"{live_server}/remisser/ny")
    await assert_accessible(page, "consultation-form")
    await page.get_by_label("Kunskapsstöd och version").select_option("kol@2.0")
    await page.locator("#c-title").fill("Remiss: KOL, version 2.0")
    await page.locator("#c-question-1").fill("Är handlingsplanen vid försämring begriplig?")
    await page.locator("#c-start").fill(today.isoformat())
    await page.locator("#c-deadline").fill((today + dt.timedelta(days=20)).isoformat())
    await page.get_by_label("Hjärt- och lungsjukas förening").check()
    await press(page, "Skicka ut remissen")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Remiss: KOL, version 2.0")
    await assert_accessible(page, "consultation")

    # 2. The invited coordinator opens a round on it.
    await act_as(page, conn, live_server, coordinator_a)
    await page.goto(f"{live_server}/organisationer/{org_a}")
    consultation_id = await conn.fetchval("SELECT id FROM consultations")
    await page.get_by_label("Remiss (valfri)").select_option(str(consultation_id))
    await page.locator("#round-title").fill("Vad tycker ni om KOL-remissen?")
    await page.locator("#round-deadline").fill((today + dt.timedelta(days=10)).isoformat())
    await press(page, "Starta insamlingen")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vad tycker ni om KOL-remissen?"
    )
    round_url = page.url

    # 3. Two members comment; only the first asks to be told about the answer.
    for member, text, tell in ((asks, FIRST, True), (quiet, SECOND, False)):
        await act_as(page, conn, live_server, member)
        await page.goto(round_url)
        await page.get_by_label("Förslag").check()
        await page.get_by_label("Din synpunkt").fill(text)
        if tell:
            await page.get_by_label(re.compile("Berätta för mig när arbetsgruppen svarar")).check()
        await press(page, "Spara min synpunkt")
        await expect(page.get_by_role("status")).to_contain_text("Din synpunkt är sparad")

    # 4. The coordinator writes a statement citing both, and asks organisation B to co-sign.
    await act_as(page, conn, live_server, coordinator_a)
    await page.goto(f"{live_server}/organisationer/{org_a}")
    await page.locator("#statement-title").fill("Yttrande över KOL 2.0")
    await page.get_by_label("Bygger på insamlingen").select_option(
        label="Vad tycker ni om KOL-remissen?"
    )
    await press(page, "Skapa utkast")
    await page.locator("#heading-new").fill("Handlingsplan")
    await page.locator("#body-new").fill(STATEMENT_TEXT)
    await press(page, "Lägg till avsnittet")
    for _ in range(2):
        await page.get_by_role("button", name="Citera synpunkten").first.press("Enter")
        await expect(page.get_by_role("status")).to_contain_text("Synpunkten är citerad")
    await expect(page.locator("blockquote.citation")).to_have_count(2)
    await page.get_by_label(re.compile("Be en annan verifierad organisation")).fill(org_b)
    await press(page, "Be om underskrift")
    await expect(page.get_by_role("status")).to_contain_text("Organisationen är tillfrågad")
    statement_url = page.url.split("?")[0]

    # 5. Organisation B's coordinator follows the link in their e-mail and signs. The mail is
    # rendered as the relay would, under the server's MEDSKAPA_BASE_URL (its own address).
    template, context = await conn.fetchrow(
        "SELECT template, context FROM outbox_messages "
        "WHERE template = 'organisation_cosign_request' AND user_id = $1",
        coordinator_b,
    )
    mail = render(template, context, base_url=live_server)
    found = re.search(rf"{re.escape(live_server)}/\S+", mail.text)
    assert found is not None, mail.text
    link = found.group(0)
    await act_as(page, conn, live_server, coordinator_b)
    await page.goto(link)
    await assert_accessible(page, "statement-cosign")
    await press(page, "Skriv under som Astma- och KOL-förbundet")
    await expect(page.get_by_role("status")).to_contain_text("Ni har skrivit under yttrandet")

    # 6. Coordinator A submits it as the organisation.
    await act_as(page, conn, live_server, coordinator_a)
    await page.goto(statement_url)
    await press(page, "Skicka yttrandet")
    await expect(page.locator("#yttrande-status")).to_contain_text("Mottagen")
    await expect(page.locator("#gruppens-svar")).to_contain_text("inte svarat än")
    feedback_id = await conn.fetchval("SELECT feedback_id FROM statements")

    # 7. A moderator approves it; it is routed to the group that owns KOL.
    await act_as(page, conn, live_server, moderator, staff=True)
    await page.goto(f"{live_server}/moderering")
    await page.get_by_role("link", name="Granska och besluta").press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Granska synpunkt")
    await page.get_by_label("Godkänn", exact=True).check()
    await press(page, "Spara beslutet")
    await expect(page.locator(".notice-ok")).to_be_visible()
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", feedback_id) == (
        "routed"
    )

    # 8. The group answers.
    await act_as(page, conn, live_server, group_member, staff=True)
    await page.goto(f"{live_server}/arbetsgrupp/synpunkt/{feedback_id}")
    await page.get_by_role("button", name="Börja behandla").first.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("under behandling")
    answer = page.get_by_label("Svar till den som skrev: varför texten inte ändras")
    await answer.fill(ANSWER)
    await press(page, "Svara (texten ändras inte)")
    await expect(page.get_by_role("status")).to_contain_text("besvarad")

    # 9. Both organisations' coordinators read the answer on the statement; the member who
    # asked reads it beside their input; all three were sent an e-mail, the other member not.
    await act_as(page, conn, live_server, coordinator_a)
    await page.goto(statement_url)
    await expect(page.locator("#gruppens-svar")).to_contain_text(ANSWER)
    await assert_accessible(page, "statement-answered")
    await act_as(page, conn, live_server, coordinator_b)
    await page.goto(link)
    await expect(page.locator("#gruppens-svar")).to_contain_text(ANSWER)
    await act_as(page, conn, live_server, asks)
    await page.goto(round_url)
    await expect(page.locator(".input-list .cited")).to_contain_text("Yttrande över KOL 2.0")
    await expect(page.locator(".input-list .answer")).to_contain_text(ANSWER)
    await assert_accessible(page, "round-answered")
    told = await conn.fetch(
        "SELECT user_id FROM outbox_messages WHERE template = 'statement_answered'"
    )
    assert sorted(r["user_id"] for r in told) == sorted([coordinator_a, coordinator_b, asks])

    # 10. After the deadline the group shares its comment/response table in confidence with
    # the organisation that sent a statement; an individual's text stays hidden there unless
    # they allowed it to be shown.
    private = await make_feedback(
        conn, document="kol", version="2.0", text="Min egen historia om andnöd på natten."
    )
    await route_to(conn, private.id, "nag-kol")
    await conn.execute(
        "UPDATE consultations SET closes_at = now() - interval '1 minute' WHERE id = $1",
        consultation_id,
    )
    await act_as(page, conn, live_server, group_member, staff=True)
    await page.goto(f"{live_server}/remisser/{consultation_id}")
    await press(page, "Dela sammanställningen i förtroende med organisationerna som svarat")
    await expect(page.get_by_role("status")).to_contain_text("delad i förtroende")
    await page.get_by_role("link", name="Alla yttranden och synpunkter med gruppens svar").click()
    await expect(page.locator("table.data")).to_contain_text("Min egen historia om andnöd")
    await assert_accessible(page, "responses-group")

    await act_as(page, conn, live_server, coordinator_a)
    await page.goto(f"{live_server}/remisser/{consultation_id}")
    await page.get_by_role("link", name="Läs arbetsgruppens svarssammanställning").press("Enter")
    table = page.locator("table.data")
    await expect(table).to_contain_text("Yttrande över KOL 2.0")
    await expect(table).to_contain_text(ANSWER)
    await expect(table).to_contain_text("Texten visas inte")
    await expect(table).not_to_contain_text("Min egen historia om andnöd")
    await assert_accessible(page, "responses-preview")
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM outbox_messages WHERE template = 'consultation_preview'"
        )
        == 1
    )
