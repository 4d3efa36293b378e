"""A text with a safety signal, end to end over HTTP: the submitter without JavaScript is shown
where to get help before the text is sent and again on the receipt; the item waits flagged for
the moderator, whose urgent flag is chosen already, and approving it tells the group's lead."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.feedback.texts import REJECTION_WORDS
from medskapa.i18n import translate
from tests.factories import (
    FIXED_NOW,
    api_token,
    csrf_follows_cookie,
    make_feedback,
    make_staff,
    sign_in_staff,
)
from tests.moderation.conftest import Place

Client = AsyncTestClient[Litestar]
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
HELP_SV = "Behöver du hjälp nu?"
HELP_EN = "Do you need help now?"


def sent(text: str, lang: str = "sv", **extra: str) -> dict[str, str]:
    return {
        "lang": lang,
        "role": "patient",
        "category": "own_experience",
        "text": text,
        "formular_id": uuid.uuid4().hex,
        **extra,
    }


def panel_shown(html: str) -> bool:
    """The help panel in the form is present and not hidden."""
    found = re.search(r'<div class="notice help-now" id="[^"]*hjalp"([^>]*)>', html)
    return found is not None and "hidden" not in found.group(1)


async def test_help_is_shown_before_and_after_sending_and_the_item_is_urgent(
    client: Client, bare_client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    await bare_client.get("/")
    csrf_follows_cookie(bare_client)
    url = f"/kunskapsstod/{place.document_slug}/synpunkt"
    text = "Jag har tagit alla tabletter som fanns hemma och vill inte leva längre."

    first = await bare_client.post(url, data=sent(text))
    assert first.status_code == 200
    assert panel_shown(first.text)
    assert HELP_SV in first.text
    for number in ("tel:112", "tel:1177", "tel:90101"):
        assert f'href="{number}"' in first.text
    assert "Självmordslinjen" in first.text
    assert "psykiatriska akutmottagning" in first.text
    assert 'name="hjalp_visad" value="ja"' in first.text
    assert text in first.text, "what was typed is kept"
    assert await conn.fetchval("SELECT count(*) FROM feedback") == 0

    second = await bare_client.post(url, data=sent(text, hjalp_visad="ja"))
    assert second.status_code == 200
    assert "Tack! Vi har tagit emot din synpunkt" in second.text
    assert HELP_SV in second.text
    assert 'href="tel:90101"' in second.text
    assert await conn.fetchval("SELECT urgent FROM feedback") is True
    item_id = await conn.fetchval("SELECT id FROM feedback")

    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    queue = await client.get("/moderering")
    assert "Möjlig säkerhetssignal:" in queue.text
    page = await client.get(f"/moderering/synpunkter/{item_id}")
    assert re.search(
        r'<input type="checkbox" id="bradskande" name="urgent" value="ja" checked', page.text
    )
    assert "Möjlig säkerhetssignal." in page.text
    done = await client.post(
        f"/moderering/synpunkter/{item_id}/beslut",
        data={"decision": "approve", "urgent": "ja"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    urgent_mail = await conn.fetch(
        "SELECT user_id FROM outbox_messages WHERE template = 'urgent_item'"
    )
    assert [row["user_id"] for row in urgent_mail] == [place.lead_id]


async def test_in_english_the_help_is_in_english(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    url = f"/kunskapsstod/{place.document_slug}/synpunkt"
    text = "I have chest pain and I can't breathe, the section did not say what to do."
    first = await client.post(url, data=sent(text, "en"))
    assert panel_shown(first.text)
    assert HELP_EN in first.text
    assert "psychiatric emergency service" in first.text
    receipt = await client.post(url, data=sent(text, "en", hjalp_visad="ja"))
    assert "Thank you! We have received your feedback" in receipt.text
    assert HELP_EN in receipt.text


async def test_the_live_check_having_shown_the_help_sends_at_once(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    # The browser's check sets hjalp_visad when it opened the panel: one send, one item.
    url = f"/kunskapsstod/{place.document_slug}/synpunkt"
    receipt = await client.post(url, data=sent("Jag vill dö.", hjalp_visad="ja"))
    assert CODE.search(receipt.text)
    assert HELP_SV in receipt.text


async def test_ordinary_feedback_on_life_with_copd_gets_no_help_panel_and_is_not_urgent(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    url = f"/kunskapsstod/{place.document_slug}/synpunkt"
    form = await client.get(url)
    assert not panel_shown(form.text), "the panel waits hidden for the live check"
    receipt = await client.post(
        url, data=sent("Avsnittet om livet med KOL är bra men texten om andnöd är svår.")
    )
    assert CODE.search(receipt.text)
    assert HELP_SV not in receipt.text
    assert await conn.fetchval("SELECT urgent FROM feedback") is False


async def test_the_api_says_which_safety_signal_it_found(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    body = {
        "document": place.document_slug,
        "category": "other",
        "role": "relative",
        "text": "Min pappa andas inte och vaknar inte, vad står det om det här?",
    }
    created = await client.post("/api/v1/feedback", json=body)
    assert created.status_code == 201
    assert created.json()["safety"] == ["medical_emergency"]
    assert await conn.fetchval("SELECT urgent FROM feedback") is True
    plain = await client.post("/api/v1/feedback", json={**body, "text": "Texten är tydlig."})
    assert plain.json()["safety"] == []


async def test_own_care_complaints_name_ivo_beside_patientnamnden(
    client: Client, place: Place
) -> None:
    for lang, ivo in (("sv", "Inspektionen för vård och omsorg (IVO)"), ("en", "(IVO)")):
        form = await client.get(
            f"/kunskapsstod/{place.document_slug}/synpunkt", params={"lang": lang}
        )
        care_note = form.text.split('<p class="care-note">', 1)[1].split("</p>", 1)[0]
        assert "patientnämnden" in care_note
        assert ivo in care_note
        footer = form.text.split('<footer class="site-footer"', 1)[1]
        assert ivo in footer
    for lang in ("sv", "en"):
        rejected = translate(REJECTION_WORDS["personal_care_matter"], lang)
        assert "patientnämnden" in rejected
        assert "(IVO)" in rejected


async def test_an_urgent_item_waits_first_in_the_queue_however_long_it_is(
    client: Client, conn: asyncpg.Connection, place: Place
) -> None:
    """A possible safety signal is not left behind a day's ordinary feedback: it leads the
    moderation queue, on the page and through the API, even past the page's limit."""
    for minutes in (0, 1):
        await make_feedback(
            conn,
            now=FIXED_NOW + dt.timedelta(minutes=minutes),
            text=f"Vanlig synpunkt nummer {minutes} om texten.",
        )
    urgent = await make_feedback(
        conn, now=FIXED_NOW + dt.timedelta(minutes=5), text="Jag vill inte leva längre."
    )
    moderator = await make_staff(conn, "mod@exempel.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    page = (await client.get("/moderering")).text
    assert page.index("Jag vill inte leva längre.") < page.index("Vanlig synpunkt nummer 0")
    token = await api_token(conn, moderator)
    first = await client.get("/api/v1/moderation/queue", params={"limit": 1}, headers=token)
    assert first.status_code == 200
    assert [item["id"] for item in first.json()["items"]] == [str(urgent.id)]
    # Among the ordinary ones the oldest still comes first.
    rest = await client.get("/api/v1/moderation/queue", headers=token)
    texts = [item["text"] for item in rest.json()["items"]]
    assert texts[1:] == [
        "Vanlig synpunkt nummer 0 om texten.",
        "Vanlig synpunkt nummer 1 om texten.",
    ]
