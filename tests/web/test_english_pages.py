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

from medskapa.accounts.admin import RoleChoice
from tests.factories import first_document, make_feedback, make_staff, route_to, sign_in_staff
from tests.i18n_check import swedish_left

pytestmark = pytest.mark.slow


async def _titles(conn: asyncpg.Connection) -> tuple[str, ...]:
    """The documents' titles: Swedish content, also in a page's <title>."""
    rows = await conn.fetch(
        "SELECT title FROM guidance_documents UNION ALL SELECT name FROM subject_groups"
    )
    return tuple(r[0] for r in rows)


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


async def test_the_staff_pages_in_english(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    """A moderator's, a group member's and an administrator's pages, with an item on each."""
    slug, _label, _section = await first_document(conn)
    waiting = await make_feedback(conn, document=slug)
    routed = await make_feedback(conn, document="hjartsvikt-nyupptackt")
    await route_to(conn, routed.id, "nag-hjartsvikt")
    staff = await make_staff(conn, "all@region.se", "nag-hjartsvikt", role=RoleChoice.GROUP_LEAD)
    await _grant(conn, staff, "admin")
    await sign_in_staff(client, conn, staff)
    await _english(client)
    paths = [
        "/mina-uppgifter",
        "/mina-synpunkter",
        "/konto",
        "/moderering",
        f"/moderering/synpunkter/{waiting.id}",
        "/arbetsgrupp",
        f"/arbetsgrupp/synpunkt/{routed.id}",
        "/admin",
        "/admin/anvandare",
        "/admin/struktur",
        "/admin/dokument",
        "/admin/dirigering",
        "/admin/utskick",
        "/organisationer",
        "/remisser",
    ]
    pages: dict[str, str] = {}
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="en">' in response.text, path
        pages[path] = response.text
    _nothing_swedish(pages, await _titles(conn))


async def _grant(conn: asyncpg.Connection, user_id: int, role: str) -> None:
    """The administrator's role beside the group lead's (a role change ends no session here:
    the session is made after it)."""
    await conn.execute("UPDATE users SET role = $2 WHERE id = $1", user_id, role)
