"""Guidance content through the API, the service and the command line: import, draft, publish,
the re-anchoring report, and everything that must be refused with nothing stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.catalogue.authoring import CLI, AuthoringService
from medskapa.catalogue.importer import Rejected, read_markdown
from tests.factories import api_token, make_feedback, make_staff, route_to
from tests.test_cli import run_cli

Client = AsyncTestClient[Litestar]
FILES = Path(__file__).with_name("files")
MARKDOWN = (FILES / "hjartsvikt.md").read_bytes()
SLUG = "hjartsvikt-test"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


async def lead(conn: asyncpg.Connection, group: str = "nag-hjartsvikt") -> dict[str, str]:
    user_id = await make_staff(conn, f"lead-{group}@example.se", group, RoleChoice.GROUP_LEAD)
    return await api_token(conn, user_id)


async def import_file(
    client: Client, headers: dict[str, str], data: bytes = MARKDOWN, **params: Any
) -> Any:
    return await client.post(
        "/api/v1/documents/import",
        content=data,
        params=params,
        headers={**headers, "Content-Type": "text/markdown"},
    )


def sections_of(document: Any) -> list[dict[str, Any]]:
    """The sections of a document as the write API takes them back."""
    return [
        {"key": s.key, "number": s.number, "heading": s.heading, "level": s.level, "body": s.body}
        for s in document.sections
    ]


async def counts(conn: asyncpg.Connection) -> tuple[int, int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM guidance_documents"),
        await conn.fetchval("SELECT count(*) FROM document_versions"),
        await conn.fetchval("SELECT count(*) FROM sections"),
    )


async def test_lead_imports_and_publishes_and_the_public_reads_it(
    client: Client, conn: asyncpg.Connection
) -> None:
    headers = await lead(conn)
    response = await import_file(client, headers)
    assert response.status_code == 201, response.text
    assert response.json() == {
        "slug": SLUG,
        "version": "1.0",
        "new_document": True,
        "published": False,
        "sections": 4,
        "removed": [],
        "ignored": ["The top heading (#) was not used: the title comes from the front matter."],
    }
    # A draft is the group's: the public does not see it.
    assert (await client.get(f"/kunskapsstod/{SLUG}")).status_code == 404
    published = await client.post(
        f"/api/v1/documents/{SLUG}/versions/1.0/publish",
        json={"change_summary": "Första versionen."},
        headers=headers,
    )
    assert published.status_code == 200, published.text
    page = await client.get(f"/kunskapsstod/{SLUG}")
    assert page.status_code == 200
    # The written numbers stay in the contents, the headings and the anchors.
    assert '<a href="#avsnitt-4.1-lakemedel">4.1 Läkemedel</a>' in page.text
    assert '<h3 id="rubrik-4.1-lakemedel">4.1 Läkemedel</h3>' in page.text
    assert "<td>ACE-hämmare</td>" in page.text
    actions = await conn.fetch(
        "SELECT action FROM audit_events WHERE subject_type = 'document' AND subject_id = "
        "(SELECT id::text FROM guidance_documents WHERE slug = $1) ORDER BY seq",
        SLUG,
    )
    assert [a["action"] for a in actions] == [
        "document.created",
        "version.imported",
        "version.published",
    ]


async def test_import_report_names_what_was_removed(
    client: Client, conn: asyncpg.Connection
) -> None:
    headers = await lead(conn)
    hostile = MARKDOWN.replace(
        b"Med tidig diagnos",
        b'<script>fetch("/x")</script><a href="#" onclick="x()">Med</a> tidig diagnos',
    )
    response = await import_file(client, headers, hostile, publish="true")
    assert response.status_code == 201
    assert response.json()["removed"] == [
        "The element <script> was removed.",
        "The attribute onclick was removed (scripts in event handlers are not allowed).",
    ]
    page = (await client.get(f"/kunskapsstod/{SLUG}")).text
    assert "fetch(" not in page
    assert "onclick" not in page


async def test_html_page_import(client: Client, conn: asyncpg.Connection) -> None:
    headers = await lead(conn, "nag-kol")
    response = await client.post(
        "/api/v1/documents/import",
        content=(FILES / "sida.html").read_bytes(),
        params={
            "slug": "kol-sida",
            "kind": "clinical_guidance",
            "group": "nag-kol",
            "version": "1.0",
            "publish": "true",
        },
        headers={**headers, "Content-Type": "text/html; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["sections"] == 3
    page = await client.get("/kunskapsstod/kol-sida")
    assert "KOL i primärvården" in page.text
    assert "<strong>vanlig</strong>" in page.text
    assert "evil.example" not in page.text
    assert "onmouseover" not in page.text


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (
            lambda t: t.replace(b'group = "nag-hjartsvikt"', b'group = "nag-okand"'),
            422,
            "unknown_group",
        ),
        (lambda t: t.replace(b'kind = "care_pathway"', b'kind = "dikt"'), 422, "unknown_kind"),
        (lambda t: t.replace(b"## 2 Utredning", b"## 1 Inledning"), 422, "duplicate_section_key"),
        (lambda t: t.replace(b"+++\n\n#", b'extra = "x"\n+++\n\n#'), 422, "unknown_field"),
        (lambda t: t.split(b"# Hj")[0], 422, "empty_document"),
    ],
)
async def test_bad_files_store_nothing(
    client: Client, conn: asyncpg.Connection, change: Any, status: int, code: str
) -> None:
    headers = await lead(conn)
    before = await counts(conn)
    response = await import_file(client, headers, change(MARKDOWN))
    assert response.status_code == status, response.text
    assert code in [e["code"] for e in response.json()["errors"]]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await counts(conn) == before


async def test_only_leads_of_the_owning_group_and_admins_author(
    client: Client, conn: asyncpg.Connection
) -> None:
    other = await lead(conn, "nag-kol")
    before = await counts(conn)
    refused = await import_file(client, other)
    assert refused.status_code == 422
    assert [e["code"] for e in refused.json()["errors"]] == ["not_group_lead"]
    assert await counts(conn) == before
    member = await make_staff(conn, "member@example.se", "nag-hjartsvikt")
    forbidden = await import_file(client, await api_token(conn, member))
    assert forbidden.status_code == 403
    # Another group's lead cannot see or publish a document that is not theirs.
    assert (await import_file(client, await lead(conn), publish="true")).status_code == 201
    foreign = await client.get(f"/api/v1/documents/{SLUG}/versions/1.0/anchors", headers=other)
    assert foreign.status_code == 404


async def test_version_rules(client: Client, conn: asyncpg.Connection) -> None:
    headers = await lead(conn)
    assert (await import_file(client, headers, publish="true")).status_code == 201
    again = await client.post(
        f"/api/v1/documents/{SLUG}/versions/1.0/publish",
        json={"change_summary": "Igen."},
        headers=headers,
    )
    assert again.status_code == 409
    assert [e["code"] for e in again.json()["errors"]] == ["already_published"]
    document = read_markdown(MARKDOWN)
    frozen = await client.put(
        f"/api/v1/documents/{SLUG}/versions/1.0",
        json={"title": "Ändrad", "sections": sections_of(document)},
        headers=headers,
    )
    assert frozen.status_code == 409
    # Not after the current one.
    older = await import_file(client, headers, MARKDOWN.replace(b'"1.0"', b'"0.9"'))
    assert older.status_code == 422
    assert [e["code"] for e in older.json()["errors"]] == ["version_not_after_current"]
    # A draft needs a change summary to be published.
    draft = await client.put(
        f"/api/v1/documents/{SLUG}/versions/1.1",
        json={"title": document.title, "sections": sections_of(document)},
        headers=headers,
    )
    assert draft.status_code == 200, draft.text
    blank = await client.post(
        f"/api/v1/documents/{SLUG}/versions/1.1/publish",
        json={"change_summary": "   "},
        headers=headers,
    )
    assert blank.status_code == 422
    assert [e["code"] for e in blank.json()["errors"]] == ["change_summary_required"]
    assert await conn.fetchval(
        "SELECT published_on IS NULL FROM document_versions WHERE label = '1.1' AND "
        "document_id = (SELECT id FROM guidance_documents WHERE slug = $1)",
        SLUG,
    )


async def test_a_published_version_cannot_change_even_in_sql(conn: asyncpg.Connection) -> None:
    version_id = await conn.fetchval(
        "SELECT version_id FROM current_versions LIMIT 1",
    )
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("UPDATE sections SET body = 'x' WHERE version_id = $1", version_id)
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("DELETE FROM sections WHERE version_id = $1", version_id)
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute(
            "UPDATE document_versions SET change_summary = 'x' WHERE id = $1", version_id
        )


async def test_feedback_follows_the_text_into_the_new_version(
    client: Client, conn: asyncpg.Connection
) -> None:
    headers = await lead(conn)
    assert (await import_file(client, headers, publish="true")).status_code == 201
    changed_quote = await make_feedback(
        conn,
        document=SLUG,
        section="2-utredning",
        quote="Ett förhöjt värde ska leda vidare till ekokardiografi inom två veckor.",
        text="Två veckor är för länge att vänta.",
        email="patient@example.se",
        consent_contact=True,
    )
    same_quote = await make_feedback(
        conn, document=SLUG, section="1-inledning", quote="Med tidig diagnos och rätt behandling"
    )
    whole_section = await make_feedback(conn, document=SLUG, section="4-behandling")
    for item in (changed_quote, same_quote, whole_section):
        await route_to(conn, item.id, "nag-hjartsvikt")
    document = read_markdown(MARKDOWN)
    sections = sections_of(document)
    sections[1]["body"] = sections[1]["body"].replace("inom två veckor", "inom tio dagar")
    sections[3]["body"] += "\n\nNytt stycke om egenvård."
    draft = await client.put(
        f"/api/v1/documents/{SLUG}/versions/1.1",
        json={"title": document.title, "summary": document.summary, "sections": sections},
        headers=headers,
    )
    assert draft.status_code == 200, draft.text
    report = (
        await client.get(f"/api/v1/documents/{SLUG}/versions/1.1/anchors", headers=headers)
    ).json()
    assert report["published"] is False
    outcomes = {item["feedback_id"]: item for item in report["items"]}
    assert outcomes[str(changed_quote.id)]["outcome"] == "changed"
    assert 0.5 < outcomes[str(changed_quote.id)]["confidence"] < 1
    assert "tio dagar" in outcomes[str(changed_quote.id)]["passage"]
    # Sections are named as a reader knows them, in the old version and the new.
    assert outcomes[str(changed_quote.id)]["from_heading"] == "2 Utredning"
    assert outcomes[str(changed_quote.id)]["heading"] == "2 Utredning"
    assert outcomes[str(same_quote.id)]["outcome"] == "same"
    assert outcomes[str(whole_section.id)]["section_key"] == "4-behandling"
    assert report["counts"]["changed"] >= 1
    assert report["counts"]["gone"] == 0
    published = await client.post(
        f"/api/v1/documents/{SLUG}/versions/1.1/publish",
        json={"change_summary": "Kortare väntetid till ekokardiografi."},
        headers=headers,
    )
    assert published.status_code == 200
    assert published.json()["published"] is True
    # The report is stored with the version and does not change afterwards.
    stored = await client.get(f"/api/v1/documents/{SLUG}/versions/1.1/anchors", headers=headers)
    assert stored.json()["items"] == published.json()["items"]
    # The submitter's status page says where the passage is now, and links it.
    status = await client.post("/folj", data={"kod": changed_quote.receipt_code})
    assert 'data-passage-outcome="changed"' in status.text
    assert "stycket har skrivits om" in status.text
    assert f'href="/kunskapsstod/{SLUG}?version=1.1#avsnitt-2-utredning">2 Utredning</a>' in (
        status.text
    )
    unchanged = await client.post("/folj", data={"kod": same_quote.receipt_code})
    assert 'data-passage-outcome="same"' in unchanged.text
    # The submitter who left an address hears where the passage went.
    mail = await conn.fetchrow(
        "SELECT context FROM outbox_messages WHERE template = 'feedback_passage_placed'"
    )
    assert mail["context"]["outcome"] == "changed"
    assert (
        mail["context"]["section_path"] == f"/kunskapsstod/{SLUG}?version=1.1#avsnitt-2-utredning"
    )
    assert "patient@example.se" not in str(mail["context"])


async def test_planned_changes_are_linked_in_the_publish_step(
    client: Client, conn: asyncpg.Connection
) -> None:
    headers = await lead(conn)
    assert (await import_file(client, headers, publish="true")).status_code == 201
    item = await make_feedback(conn, document=SLUG, section="2-utredning")
    await route_to(conn, item.id, "nag-hjartsvikt")
    await conn.execute("UPDATE feedback SET status = 'change_planned' WHERE id = $1", item.id)
    document = read_markdown(MARKDOWN)
    await client.put(
        f"/api/v1/documents/{SLUG}/versions/1.1",
        json={"title": document.title, "sections": sections_of(document)},
        headers=headers,
    )
    response = await client.post(
        f"/api/v1/documents/{SLUG}/versions/1.1/publish",
        json={"change_summary": "Ändrat efter synpunkter.", "link_planned": [str(item.id)]},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    row = await conn.fetchrow(
        "SELECT f.status, v.label FROM feedback f "
        "JOIN document_versions v ON v.id = f.changed_in_version_id WHERE f.id = $1",
        item.id,
    )
    assert (row["status"], row["label"]) == ("changed", "1.1")


async def test_create_document_as_json(client: Client, conn: asyncpg.Connection) -> None:
    headers = await lead(conn)
    body = {
        "slug": "ny-rekommendation",
        "title": "Ny rekommendation",
        "kind": "treatment_recommendation",
        "group": "nag-hjartsvikt",
        "version": "1.0",
        "sections": [{"number": "1", "heading": "Rekommendation", "body": "Gör så här."}],
    }
    created = await client.post("/api/v1/documents", json=body, headers=headers)
    assert created.status_code == 201, created.text
    twice = await client.post("/api/v1/documents", json=body, headers=headers)
    assert twice.status_code == 409
    assert [e["code"] for e in twice.json()["errors"]] == ["document_exists"]


async def test_service_refuses_an_archived_group(conn: asyncpg.Connection) -> None:
    await conn.execute(
        "UPDATE subject_groups SET archived_at = now() WHERE slug = 'nag-hjartsvikt'"
    )
    with pytest.raises(Rejected) as exc:
        await AuthoringService(conn, lambda: NOW).import_document(CLI, read_markdown(MARKDOWN))
    assert [p.code for p in exc.value.problems] == ["group_archived"]


def test_cli_imports_and_publishes_and_refuses_twice(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "hjartsvikt.md"
    path.write_bytes(MARKDOWN)
    env = {"MEDSKAPA_DATABASE_URL": database_url}
    first = run_cli("documents", "import", str(path), "--publish", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "Imported hjartsvikt-test version 1.0 (4 sections), published, a new document."
    )
    second = run_cli("documents", "import", str(path), env=env)
    assert second.returncode == 1
    assert second.stderr.strip() == "medskapa: Nothing was imported:\n- Version 1.0 already exists."
    bad = tmp_path / "fel.txt"
    bad.write_text("x")
    third = run_cli("documents", "import", str(bad), env=env)
    assert "must be Markdown (.md) or a saved HTML page (.html)" in third.stderr


async def test_two_imports_of_one_new_document_at_once_store_it_once(
    database_url: str, conn: asyncpg.Connection
) -> None:
    import asyncio

    from medskapa.audit.keys import AuditKeys, bind
    from medskapa.db.pool import init_connection
    from tests.factories import TEST_SECRET

    async def one() -> str:
        own = await asyncpg.connect(database_url)
        try:
            await init_connection(own)
            bind(own, AuditKeys.from_secret(TEST_SECRET))
            try:
                await AuthoringService(own, lambda: NOW).import_document(
                    CLI, read_markdown(MARKDOWN)
                )
            except Rejected as exc:
                return exc.problems[0].code
            return "imported"
        finally:
            await own.close()

    results = await asyncio.gather(one(), one())
    # Whichever comes second is refused by name (the slug, or the version if the first had
    # committed before it looked), never a database error.
    assert results.count("imported") == 1
    assert {r for r in results if r != "imported"} <= {"document_exists", "version_exists"}
    assert await conn.fetchval("SELECT count(*) FROM guidance_documents WHERE slug = $1", SLUG) == 1
