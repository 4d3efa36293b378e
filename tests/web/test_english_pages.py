"""Every page shown in English says nothing in Swedish but the documents' own (Swedish) text,
which is marked lang="sv" (tests/i18n_check.py); the same pages in Swedish are unchanged."""

from __future__ import annotations

import os
import re
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import first_document, make_feedback
from tests.i18n_check import swedish_left

pytestmark = pytest.mark.slow


async def _titles(conn: asyncpg.Connection) -> tuple[str, ...]:
    """The documents' titles: Swedish content, also in a page's <title>."""
    return tuple(r["title"] for r in await conn.fetch("SELECT title FROM guidance_documents"))


async def _english(client: AsyncTestClient[Litestar]) -> None:
    chosen = await client.get("/sprak?lang=en&till=/", follow_redirects=False)
    assert chosen.status_code == 303


def _nothing_swedish(pages: dict[str, str], content: tuple[str, ...] = ()) -> None:
    """Fails with what is still Swedish, page by page."""
    left = "\n".join(
        f"{path}: {found}" for path, html in pages.items() if (found := swedish_left(html, content))
    )
    if left and os.environ.get("I18N_DUMP"):
        for n, (path, html) in enumerate(pages.items()):
            (Path(os.environ["I18N_DUMP"]) / f"{n}.html").write_text(f"<!-- {path} -->\n{html}")
    if left:
        pytest.fail(f"Swedish on English pages:\n{left}", pytrace=False)


async def test_the_public_pages_in_english(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, _label, section = await first_document(conn)
    submitted = await make_feedback(conn)
    await _english(client)
    paths = [
        "/",
        "/kunskapsstod",
        "/kunskapsstod?q=kol",
        "/kunskapsstod?q=xyzzyqwerty",
        f"/kunskapsstod/{slug}",
        f"/kunskapsstod/{slug}/synpunkt",
        f"/kunskapsstod/{slug}/synpunkt?avsnitt={section}",
        f"/kunskapsstod/{slug}/svar",
        "/folj",
        "/logga-in",
        "/konto/registrera",
        "/konto/glomt-losenord",
        "/finns-inte",
        "/moderering",
    ]
    pages: dict[str, str] = {}
    for path in paths:
        response = await client.get(path)
        assert '<html lang="en">' in response.text, path
        pages[path] = response.text
    status = await client.post("/folj", data={"kod": submitted.receipt_code})
    assert status.status_code == 200
    pages["POST /folj"] = status.text
    wrong = await client.post("/folj", data={"kod": "AAAA-AAAA-AAAA-AAAA"})
    assert wrong.status_code == 422
    assert "We find no feedback with that code" in wrong.text
    pages["POST /folj (unknown)"] = wrong.text
    _nothing_swedish(pages, await _titles(conn))


async def test_giving_feedback_in_english(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, label, _section = await first_document(conn)
    await _english(client)
    form = await client.get(f"/kunskapsstod/{slug}/synpunkt")
    token = re.search(r'name="formular_id" value="([^"]+)"', form.text)
    assert token is not None
    base = {"version": label, "formular_id": token.group(1), "lang": "en"}
    invalid = await client.post(f"/kunskapsstod/{slug}/synpunkt", data=base)
    assert invalid.status_code == 422
    assert "Please write your feedback before sending." in invalid.text
    sent = await client.post(
        f"/kunskapsstod/{slug}/synpunkt",
        data={
            **base,
            "role": "patient",
            "category": "hard_to_understand",
            "text": "The section on follow-up is hard to follow.",
        },
    )
    assert sent.status_code == 200
    assert "Your receipt code is" in sent.text
    _nothing_swedish({"invalid": invalid.text, "receipt": sent.text}, await _titles(conn))
