"""Lättläst: a version's easy-to-read summary, from the import file, the editor and the API, shown
on the document page behind a native disclosure that works without JavaScript."""

from __future__ import annotations

import html

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.catalogue import importer
from tests.catalogue.test_authoring_pages import (
    PAGE,
    draft,
    next_label,
    owner_of,
)
from tests.catalogue.test_authoring_pages import document as document
from tests.catalogue.test_authoring_pages import lead as lead
from tests.factories import api_token, make_staff

Client = AsyncTestClient[Litestar]
EASY = "Yrsel är vanligt.\nDet går oftast över.\nRing 1177 om du är orolig."
FILE = '''+++
slug = "egenvard-vid-yrsel"
title = "Egenvård vid yrsel"
kind = "patient_information"
group = "{group}"
version = "1.0"
summary = "Om yrsel."
easy_read = """{easy}"""
+++

## 1 Vad är yrsel?
Yrsel är en känsla av att det snurrar.
'''
TOGGLE = '<details class="easy-read" id="lattlast">'


def easy_read_on(page: str) -> str | None:
    """The easy-to-read text as the page shows it, or None when there is no toggle."""
    if TOGGLE not in page:
        return None
    start = page.index(TOGGLE)
    block = page[start : page.index("</details>", start)]
    assert "<summary>Läs en lättläst sammanfattning</summary>" in block
    text = block.split('<div class="easy-read-text">', 1)[1].split("</div>", 1)[0]
    return html.unescape(text)


def test_the_import_format_reads_it_and_refuses_it_too_long() -> None:
    read = importer.read_markdown(FILE.format(group="nag-kol", easy=EASY).encode())
    assert read.easy_read == EASY
    with pytest.raises(importer.Rejected) as refused:
        importer.read_markdown(FILE.format(group="nag-kol", easy="x" * 3001).encode())
    assert [(p.code, p.field) for p in refused.value.problems] == [("field_too_long", "easy_read")]


async def test_imported_it_is_shown_behind_a_toggle_without_javascript(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    group = await owner_of(conn, document[0])
    imported = await client.post(
        PAGE,
        files={"file": ("yrsel.md", FILE.format(group=group, easy=EASY).encode(), "text/md")},
        data={"publish": "ja"},
    )
    assert imported.status_code == 200, imported.text
    page = await client.get("/kunskapsstod/egenvard-vid-yrsel")
    assert easy_read_on(page.text) == EASY
    # Closed at first (a <details> without `open`): the reader chooses to open it; the text is
    # in the page itself, so it opens without any script.
    assert f"{TOGGLE[:-1]} open" not in page.text
    # A document without one has no toggle.
    other = await client.get(f"/kunskapsstod/{document[0]}")
    assert easy_read_on(other.text) is None


async def test_written_in_the_editor_it_is_kept_and_a_bad_one_explained(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    slug, label = document
    new = next_label(label)
    page, form = await draft(client, slug, new)
    assert '<label for="easy_read">Lättläst sammanfattning (valfri)</label>' in page
    form["easy_read"] = "x" * 3001
    form["title"] = "Ny titel som ska finnas kvar"
    refused = await client.post(f"{PAGE}/{slug}/{new}", data=form)
    assert refused.status_code == 422
    assert "3000" in refused.text
    assert 'id="easy_read"' in refused.text
    assert 'value="Ny titel som ska finnas kvar"' in refused.text
    assert (
        await conn.fetchval(
            "SELECT easy_read FROM document_versions WHERE label = $1 AND document_id = "
            "(SELECT id FROM guidance_documents WHERE slug = $2)",
            new,
            slug,
        )
        == ""
    )

    form["easy_read"] = EASY
    saved = await client.post(f"{PAGE}/{slug}/{new}", data=form, follow_redirects=False)
    assert saved.status_code == 303
    again = await client.get(saved.headers["location"])
    assert f">{html.escape(EASY)}</textarea>" in again.text
    published = await client.post(
        f"{PAGE}/{slug}/{new}/publicera",
        data={"change_summary": "Lättläst sammanfattning."},
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text
    shown = await client.get(f"/kunskapsstod/{slug}")
    assert easy_read_on(shown.text) == EASY


async def test_the_api_keeps_it_unless_it_is_given(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str]
) -> None:
    slug, label = document
    admin = await make_staff(conn, "admin@region.se", role=RoleChoice.ADMIN)
    headers = await api_token(conn, admin)
    new = next_label(label)
    url = f"/api/v1/documents/{slug}/versions/{new}"
    body = {"title": "Titel", "sections": [{"heading": "1 Inledning", "body": "Text."}]}
    first = await client.put(url, json={**body, "easy_read": EASY}, headers=headers)
    assert first.status_code in (200, 201), first.text
    stored = (
        "SELECT v.easy_read FROM document_versions v JOIN guidance_documents d "
        f"ON d.id = v.document_id WHERE d.slug = '{slug}' AND v.label = $1"
    )
    assert await conn.fetchval(stored, new) == EASY
    kept = await client.put(url, json=body, headers=headers)
    assert kept.status_code in (200, 201), kept.text
    assert await conn.fetchval(stored, new) == EASY
    cleared = await client.put(url, json={**body, "easy_read": ""}, headers=headers)
    assert cleared.status_code in (200, 201)
    assert await conn.fetchval(stored, new) == ""
    too_long = await client.put(url, json={**body, "easy_read": "x" * 3001}, headers=headers)
    assert too_long.status_code in (400, 422)
    assert await conn.fetchval(stored, new) == ""


async def test_the_demo_has_an_easy_to_read_summary(client: Client) -> None:
    page = await client.get("/kunskapsstod/leva-med-kol")
    text = easy_read_on(page.text)
    assert text is not None
    assert text.startswith("KOL är en sjukdom i lungorna.")
