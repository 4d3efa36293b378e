"""Every payload through the feedback form, shown on every page that shows it back."""

from __future__ import annotations

import re
import uuid

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import first_document
from tests.hostile.inert import HARMLESS, PAYLOADS, assert_inert

Client = AsyncTestClient[Litestar]
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _form(text: str, **extra: str) -> dict[str, str]:
    return {
        "lang": "sv",
        "role": "patient",
        "category": "suggestion",
        "text": text,
        "formular_id": uuid.uuid4().hex,
        **extra,
    }


async def _status_page(client: Client, slug: str, text: str) -> str:
    receipt = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=_form(text))
    assert receipt.status_code in (200, 201), receipt.text[:300]
    code = CODE.search(receipt.text)
    assert code is not None
    return (await client.post("/folj", data={"kod": code.group(0)})).text


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_status_page_shows_payload_inert(client: Client, conn, payload: str) -> None:
    slug, _, _ = await first_document(conn)
    baseline = await _status_page(client, slug, HARMLESS)
    page = await _status_page(client, slug, payload)
    assert_inert(page, baseline, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_form_with_errors_shows_payload_inert(client: Client, conn, payload: str) -> None:
    """A form sent back with an error keeps the text, inert."""
    slug, _, _ = await first_document(conn)
    # An unknown category is refused; the page shows the form again with the text in it.
    baseline = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=_form(HARMLESS, category="nonsense")
    )
    page = await client.post(
        f"/kunskapsstod/{slug}/synpunkt", data=_form(payload, category="nonsense")
    )
    assert page.status_code == baseline.status_code == 422
    assert_inert(page.text, baseline.text, payload)
