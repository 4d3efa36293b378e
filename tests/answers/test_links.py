"""Public answers can be found: the document page, the receipt and the status page link to the
document's answers page, and "changed in version 1.2" links to that version wherever it is
shown. Every such link answers 200."""

from __future__ import annotations

import re
import uuid

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.feedback.lifecycle import GroupStep
from medskapa.triage.service import TriageService
from tests.factories import (
    FIXED_NOW,
    make_feedback,
    make_staff,
    principal_for,
    route_to,
    sign_in_staff,
)

Client = AsyncTestClient[Litestar]
DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
ANSWERS = f"/kunskapsstod/{DOC}/svar"
VERSION = f"/kunskapsstod/{DOC}?version=1.2"
PLAN = "Tack! Vi skriver om avsnittet i nästa version så att uppföljningen blir tydligare."


def hrefs(html: str) -> set[str]:
    return {h.replace("&amp;", "&") for h in re.findall(r'href="([^"#]+)', html)}


async def answer(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200, path


async def changed_item(conn: asyncpg.Connection, member: int) -> tuple[uuid.UUID, str]:
    """An item the group has changed the text for, in version 1.2; with its receipt code."""
    submitted = await make_feedback(conn, document=DOC, consent_public=True)
    await route_to(conn, submitted.id, GROUP)
    triage = TriageService(conn, lambda: FIXED_NOW)
    who = await principal_for(conn, member, second_factor=True)
    await triage.transition(who, submitted.id, GroupStep(target="in_review"))
    await triage.transition(who, submitted.id, GroupStep(target="change_planned", answer=PLAN))
    await conn.execute(
        "INSERT INTO document_versions (document_id, label, published_on) "
        "SELECT id, '1.2', '2026-11-20' FROM guidance_documents WHERE slug = $1",
        DOC,
    )
    await triage.transition(who, submitted.id, GroupStep(target="changed", version="1.2"))
    return submitted.id, submitted.receipt_code


async def test_the_document_page_links_to_its_answers(client: Client) -> None:
    page = await client.get(f"/kunskapsstod/{DOC}")
    assert ANSWERS in hrefs(page.text)
    assert ">Synpunkter och arbetsgruppens svar</a>" in page.text
    await answer(client, ANSWERS)


async def test_the_receipt_links_to_the_answers_in_both_languages(client: Client) -> None:
    for lang, words in (
        ("sv", "Läs andras synpunkter och arbetsgruppens svar"),
        ("en", "Read others' feedback and the working group's answers"),
    ):
        receipt = await client.post(
            f"/kunskapsstod/{DOC}/synpunkt",
            data={
                "lang": lang,
                "role": "patient",
                "category": "hard_to_understand",
                "text": "Jag förstår inte vad som menas med uppföljning efter sex veckor.",
                "formular_id": uuid.uuid4().hex,
            },
        )
        assert receipt.status_code == 200
        assert "receipt-code" in receipt.text
        assert ANSWERS in hrefs(receipt.text)
        assert words in receipt.text
    await answer(client, ANSWERS)


async def test_status_page_links_to_the_answers_and_to_the_changed_version(
    client: Client, conn: asyncpg.Connection
) -> None:
    member = await make_staff(conn, "anna@region.se", GROUP)
    _, code = await changed_item(conn, member)

    page = await client.post("/folj", data={"kod": code})
    assert page.status_code == 200
    links = hrefs(page.text)
    assert ANSWERS in links
    assert VERSION in links
    assert f'<a href="{VERSION}">version 1.2</a>' in page.text
    english = await client.post("/folj", data={"kod": code, "lang": "en"})
    assert "The text has changed in <a" in english.text
    assert VERSION in hrefs(english.text)
    for path in (ANSWERS, VERSION):
        await answer(client, path)
    shown = await client.get(VERSION)
    assert "<dt>Version</dt><dd>1.2" in shown.text


async def test_the_answers_page_and_the_group_item_link_the_changed_version(
    client: Client, conn: asyncpg.Connection
) -> None:
    member = await make_staff(conn, "anna@region.se", GROUP)
    item, _ = await changed_item(conn, member)

    public = await client.get(ANSWERS)
    assert f'i <a href="{VERSION}">version 1.2</a>' in public.text

    await sign_in_staff(client, conn, member)
    staff = await client.get(f"/arbetsgrupp/synpunkt/{item}")
    assert staff.status_code == 200
    assert f'i <a href="{VERSION}">version 1.2</a>' in staff.text
    await answer(client, VERSION)
