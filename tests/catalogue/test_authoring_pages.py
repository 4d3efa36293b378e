"""Guidance content in the browser (/admin/dokument) through HTTP: a group lead drafts, edits,
previews and publishes; others are refused; every bad input is said in Swedish and stores
nothing; a published version is read-only."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.feedback.lifecycle import GroupStep
from medskapa.security.permissions import Permission, declared_permission
from medskapa.triage.service import TriageService
from tests.factories import (
    FIXED_NOW,
    first_document,
    make_feedback,
    make_staff,
    principal_for,
    route_to,
    sign_in_staff,
)

Client = AsyncTestClient[Litestar]
PAGE = "/admin/dokument"


async def owner_of(conn: asyncpg.Connection, slug: str) -> str:
    return await conn.fetchval(
        "SELECT g.slug FROM guidance_documents d JOIN subject_groups g "
        "ON g.id = d.subject_group_id WHERE d.slug = $1",
        slug,
    )


async def other_group(conn: asyncpg.Connection, slug: str) -> str:
    return await conn.fetchval(
        "SELECT slug FROM subject_groups WHERE slug <> $1 ORDER BY slug LIMIT 1",
        await owner_of(conn, slug),
    )


async def snapshot(conn: asyncpg.Connection) -> list[Any]:
    """Everything an authoring form could change."""
    return [
        await conn.fetch(
            "SELECT document_id, label, title, summary, change_summary, published_on, "
            "updated_at FROM document_versions ORDER BY id"
        ),
        await conn.fetch(
            "SELECT version_id, key, heading, body, position FROM sections ORDER BY 1, 5"
        ),
        await conn.fetchval("SELECT count(*) FROM audit_events"),
        await conn.fetchval("SELECT count(*) FROM outbox_messages"),
    ]


@pytest.fixture
async def document(conn: asyncpg.Connection) -> tuple[str, str]:
    slug, label, _ = await first_document(conn)
    return slug, label


@pytest.fixture
async def lead(client: Client, conn: asyncpg.Connection, document: tuple[str, str]) -> int:
    user_id = await make_staff(
        conn, "lead@region.se", await owner_of(conn, document[0]), RoleChoice.GROUP_LEAD
    )
    await sign_in_staff(client, conn, user_id)
    return user_id


def next_label(label: str) -> str:
    major, _, minor = label.partition(".")
    return f"{major}.{int(minor or 0) + 1}"


def editor_form(page: str) -> dict[str, str]:
    """The editor's fields as the browser would send them."""
    form: dict[str, str] = {}
    for name, value in re.findall(
        r'<input type="(?:text|hidden)" [^>]*?name="([^"]+)" [^>]*?value="([^"]*)"', page
    ):
        form[name] = value
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page):
        form[name] = value
    for name, body in re.findall(
        r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        form[name] = body
    for name, level in re.findall(
        r'<select id="[^"]+" name="([^"]+)">\s*<option value="2"( selected)?', page
    ):
        form[name] = "2" if level else "3"
    form.pop("_csrf_token", None)
    return {k: _unescape(v) for k, v in form.items()}


def _unescape(text: str) -> str:
    return (
        text.replace("&#34;", '"')
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


async def draft(client: Client, slug: str, label: str) -> tuple[str, dict[str, str]]:
    created = await client.post(f"{PAGE}/{slug}", data={"label": label}, follow_redirects=False)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"{PAGE}/{slug}/{label}?klart=skapat"
    page = await client.get(created.headers["location"])
    assert page.status_code == 200
    return page.text, editor_form(page.text)


def test_every_route_needs_author_documents(app: Litestar) -> None:
    handlers = [
        h
        for route in app.routes
        for h in getattr(route, "route_handlers", [])
        if route.path.startswith(PAGE) and "OPTIONS" not in h.http_methods
    ]
    assert len(handlers) == 9
    assert {declared_permission(h) for h in handlers} == {Permission.AUTHOR_DOCUMENTS}


async def test_lead_drafts_edits_previews_and_publishes(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    slug, current = document
    listing = await client.get(PAGE)
    assert listing.status_code == 200
    assert f'<tr role="row" data-document="{slug}">' in listing.text
    versions = await client.get(f"{PAGE}/{slug}")
    assert "Skapa nytt utkast" in versions.text
    label = next_label(current)
    assert f'value="{label}"' in versions.text, "the next label is suggested"

    text, form = await draft(client, slug, label)
    assert "Utkastet är skapat" in text
    # The list shows each document's current version and its draft.
    row = (
        (await client.get(PAGE))
        .text.split(f'<tr role="row" data-document="{slug}">')[1]
        .split("</tr>")[0]
    )
    assert f'<td role="cell" data-label="Gällande version">{current}</td>' in row
    assert f'<a href="{PAGE}/{slug}/{label}">Utkast {label}</a>' in row
    assert form["section-0-key"], "the hidden key is kept"
    key = form["section-0-key"]
    form["section-0-heading"] = "Ny rubrik för avsnittet"
    form["section-0-body"] = "Det här är **ny** text.\r\n\r\n- en punkt"
    form["action"] = "spara"
    saved = await client.post(f"{PAGE}/{slug}/{label}", data=form, follow_redirects=False)
    assert saved.status_code == 303
    row = await conn.fetchrow(
        "SELECT s.key, s.heading, s.body FROM sections s JOIN document_versions v "
        "ON v.id = s.version_id WHERE v.label = $1 AND s.position = 1 AND v.document_id = "
        "(SELECT id FROM guidance_documents WHERE slug = $2)",
        label,
        slug,
    )
    assert (row["key"], row["heading"]) == (key, "Ny rubrik för avsnittet")
    assert row["body"] == "Det här är **ny** text.\n\n- en punkt"

    preview = await client.get(f"{PAGE}/{slug}/{label}/forhandsgranska")
    assert preview.status_code == 200
    assert "<strong>ny</strong>" in preview.text
    assert "Ny rubrik för avsnittet" in preview.text

    report = await client.get(f"{PAGE}/{slug}/{label}/publicera")
    assert report.status_code == 200
    assert "Var synpunkterna hamnar" in report.text
    published = await client.post(
        f"{PAGE}/{slug}/{label}/publicera",
        data={"change_summary": "Tydligare första avsnitt."},
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert published.headers["location"] == f"{PAGE}/{slug}/{label}?klart=publicerad&kopplade=0"
    page = await client.get(published.headers["location"])
    assert f"Version {label} är publicerad." in page.text
    assert f"/kunskapsstod/{slug}/andringar?fran={current}&amp;till={label}" in page.text
    assert (
        await conn.fetchval(
            "SELECT cv.label FROM current_versions cv JOIN guidance_documents d "
            "ON d.id = cv.document_id WHERE d.slug = $1",
            slug,
        )
        == label
    )
    actions = await conn.fetch(
        "SELECT action FROM audit_events WHERE actor = $1 ORDER BY id", f"user:{lead}"
    )
    assert [a["action"] for a in actions][-3:] == [
        "version.drafted",
        "version.edited",
        "version.published",
    ]


async def test_a_published_version_is_read_only(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    slug, current = document
    page = await client.get(f"{PAGE}/{slug}/{current}")
    assert page.status_code == 200
    assert "kan inte ändras" in page.text
    assert "<textarea" not in page.text
    assert "Spara utkastet" not in page.text
    before = await snapshot(conn)
    tried = await client.post(
        f"{PAGE}/{slug}/{current}",
        data={
            "title": "Annat",
            "section-0-heading": "Annat",
            "section-0-body": "x",
            "action": "spara",
        },
    )
    assert tried.status_code == 409
    assert "redan publicerad" in tried.text
    twice = await client.post(
        f"{PAGE}/{slug}/{current}/publicera", data={"change_summary": "Igen."}
    )
    assert twice.status_code == 409
    assert f"Version {current} är redan publicerad" in twice.text
    assert await snapshot(conn) == before


async def test_others_are_refused(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str]
) -> None:
    slug, current = document
    assert (await client.get(PAGE, follow_redirects=False)).status_code == 401
    other = await make_staff(
        conn, "annan@region.se", await other_group(conn, slug), RoleChoice.GROUP_LEAD
    )
    await sign_in_staff(client, conn, other)
    member = await make_staff(conn, "medlem@region.se", await owner_of(conn, slug))
    before = await snapshot(conn)
    assert (await client.get(PAGE)).status_code == 200
    assert f'data-document="{slug}"' not in (await client.get(PAGE)).text
    for path in (
        f"{PAGE}/{slug}",
        f"{PAGE}/{slug}/{current}",
        f"{PAGE}/{slug}/{current}/publicera",
    ):
        assert (await client.get(path)).status_code == 404, path
    created = await client.post(f"{PAGE}/{slug}", data={"label": next_label(current)})
    assert created.status_code == 404
    await sign_in_staff(client, conn, member)
    assert (await client.get(PAGE)).status_code == 403
    assert (await client.post(f"{PAGE}/{slug}", data={"label": "9.0"})).status_code == 403
    assert await snapshot(conn) == before


async def test_bad_inputs_say_what_is_wrong_and_store_nothing(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    slug, current = document
    before = await snapshot(conn)
    not_after = await client.post(f"{PAGE}/{slug}", data={"label": current})
    assert not_after.status_code in (409, 422)
    assert "<title>Fel: " in not_after.text
    assert f"Version {current} finns redan." in not_after.text
    assert 'aria-invalid="true"' in not_after.text
    earlier = await client.post(f"{PAGE}/{slug}", data={"label": "0.1"})
    assert f"Versionen måste komma efter den senaste, {current}." in earlier.text
    assert await snapshot(conn) == before

    label = next_label(current)
    _, form = await draft(client, slug, label)
    before = await snapshot(conn)
    duplicate = dict(form, action="spara")
    duplicate["section-1-key"] = form["section-0-key"]
    response = await client.post(f"{PAGE}/{slug}/{label}", data=duplicate)
    assert response.status_code == 422, (sorted(duplicate.items())[:12], response.text[-3000:])
    assert "Utkastet kunde inte sparas" in response.text
    assert "Avsnitt 2 har samma nyckel" in response.text
    assert 'href="#section-1-heading"' in response.text
    assert 'aria-describedby="section-1-heading-fel" aria-invalid="true"' in response.text

    empty = dict(form, action="spara")
    empty["section-0-heading"] = "   "
    response = await client.post(f"{PAGE}/{slug}/{label}", data=empty)
    assert response.status_code == 422
    assert "Avsnitt 1 saknar rubrik. Skriv en rubrik." in response.text
    no_title = dict(form, action="spara", title="")
    response = await client.post(f"{PAGE}/{slug}/{label}", data=no_title)
    assert "Uppgiften ”title” saknas." in response.text or "saknas" in response.text

    no_summary = await client.post(
        f"{PAGE}/{slug}/{label}/publicera", data={"change_summary": "  "}
    )
    assert no_summary.status_code == 422
    assert "Skriv en sammanfattning av ändringarna." in no_summary.text
    assert 'href="#change_summary"' in no_summary.text
    assert await snapshot(conn) == before


async def test_add_move_and_remove_change_only_the_form(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    slug, current = document
    label = next_label(current)
    _, form = await draft(client, slug, label)
    before = await snapshot(conn)
    first, second = form["section-0-heading"], form["section-1-heading"]
    moved = await client.post(f"{PAGE}/{slug}/{label}", data=dict(form, action="ned-0"))
    assert moved.status_code == 200
    assert "inte sparad" in moved.text
    after = editor_form(moved.text)
    assert (after["section-0-heading"], after["section-1-heading"]) == (second, first)
    added = await client.post(f"{PAGE}/{slug}/{label}", data=dict(after, action="lagg-till"))
    count = len([k for k in editor_form(added.text) if k.endswith("-heading")])
    assert count == len([k for k in form if k.endswith("-heading")]) + 1
    removed = await client.post(f"{PAGE}/{slug}/{label}", data=dict(after, action="ta-bort-0"))
    assert editor_form(removed.text)["section-0-heading"] == first
    assert await snapshot(conn) == before
    # Saved, the order sticks and the keys go with their sections.
    saved = await client.post(f"{PAGE}/{slug}/{label}", data=dict(after, action="spara"))
    assert saved.status_code == 200
    keys = await conn.fetch(
        "SELECT s.key FROM sections s JOIN document_versions v ON v.id = s.version_id "
        "JOIN guidance_documents d ON d.id = v.document_id "
        "WHERE d.slug = $1 AND v.label = $2 ORDER BY s.position LIMIT 2",
        slug,
        label,
    )
    assert [k["key"] for k in keys] == [form["section-1-key"], form["section-0-key"]]


MARKDOWN = """+++
slug = "egenvard-vid-yrsel"
title = "Egenvård vid yrsel"
kind = "patient_information"
group = "{group}"
version = "1.0"
+++

## 1 Inledning
Yrsel är vanligt. <script>alert(1)</script>

## 2 Vad du kan göra
Res dig långsamt. [Läs mer](javascript:alert(1)) <a href="#" onclick="x()">här</a>
"""


async def test_import_a_markdown_file_and_see_what_was_removed(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    group = await owner_of(conn, document[0])
    content = MARKDOWN.format(group=group).encode()
    response = await client.post(
        PAGE,
        files={"file": ("yrsel.md", content, "text/markdown")},
        data={"publish": "ja"},
    )
    assert response.status_code == 200, response.text
    assert "Filen är inlagd" in response.text
    assert "Den är publicerad." in response.text
    assert "Elementet &lt;script&gt; togs bort." in response.text
    assert "Attributet onclick togs bort" in response.text
    assert "Länkar med javascript: togs bort" in response.text
    body = await conn.fetchval(
        "SELECT string_agg(s.body, ' ') FROM sections s JOIN current_versions cv "
        "ON cv.version_id = s.version_id JOIN guidance_documents d ON d.id = cv.document_id "
        "WHERE d.slug = 'egenvard-vid-yrsel'"
    )
    assert "script" not in body
    assert "javascript" not in body
    assert "onclick" not in body


async def test_import_html_with_fields_and_bad_files(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    group = await owner_of(conn, document[0])
    before = await snapshot(conn)
    missing = await client.post(
        PAGE,
        files={"file": ("sida.html", b"<h1>Sida</h1><h2>Ett</h2><p>Text.</p>", "text/html")},
        data={"slug": "", "kind": "", "group": group, "version": "1.0"},
    )
    assert missing.status_code == 422
    assert "Filen kunde inte läggas in" in missing.text
    assert 'href="#slug"' in missing.text
    assert 'href="#kind"' in missing.text
    assert 'id="slug-fel"' in missing.text
    latin1 = await client.post(
        PAGE, files={"file": ("fil.md", '+++\nslug = "å"\n+++'.encode("latin-1"), "text/markdown")}
    )
    assert "inte sparad som UTF-8" in latin1.text
    too_large = await client.post(
        PAGE, files={"file": ("stor.md", b"a" * (2 * 1024 * 1024 + 1), "text/markdown")}
    )
    assert "Filen är för stor. Den får vara högst 2 MB." in too_large.text
    no_file = await client.post(PAGE, data={"slug": "x"}, files={"file": ("", b"", "text/plain")})
    assert "Välj en fil att lägga in." in no_file.text
    assert await snapshot(conn) == before
    html = await client.post(
        PAGE,
        files={
            "file": (
                "sida.html",
                b"<h1>Yrsel</h1><main><h2>1 Inledning</h2><p onclick='x()'>Text.</p></main>",
                "text/html",
            )
        },
        data={"slug": "yrsel", "kind": "patient_information", "group": group, "version": "1.0"},
    )
    assert html.status_code == 200
    assert "Den är ett utkast tills du publicerar den." in html.text
    assert "Attributet onclick togs bort" in html.text
    assert (
        await conn.fetchval("SELECT title FROM guidance_documents WHERE slug = 'yrsel'") == "Yrsel"
    )


async def test_publishing_links_the_planned_changes_chosen(
    client: Client, conn: asyncpg.Connection, document: tuple[str, str], lead: int
) -> None:
    slug, current = document
    group = await owner_of(conn, slug)
    item = await make_feedback(conn, document=slug)
    await route_to(conn, item.id, group)
    principal = await principal_for(conn, lead, second_factor=True)
    triage = TriageService(conn, lambda: FIXED_NOW)
    await triage.transition(principal, item.id, GroupStep(target="in_review"))
    await triage.transition(
        principal,
        item.id,
        GroupStep(target="change_planned", answer="Vi skriver om avsnittet i nästa version."),
    )
    label = next_label(current)
    await draft(client, slug, label)
    page = await client.get(f"{PAGE}/{slug}/{label}/publicera")
    assert f'value="{item.id}"' in page.text
    assert 'class="field-error"' not in page.text, "no error before anything was sent"
    published = await client.post(
        f"{PAGE}/{slug}/{label}/publicera",
        data={"change_summary": "Omskrivet avsnitt.", "item": str(item.id)},
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert published.headers["location"].endswith("kopplade=1")
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item.id) == "changed"
