"""`medskapa structure ...` as a process against a real database: changes audited as the
command line, refusals in one sentence with nothing stored."""

from __future__ import annotations

import asyncpg

from tests.catalogue.test_structure_service import counts
from tests.factories import first_document
from tests.test_cli import run_cli


async def test_structure_commands(database_url: str, conn: asyncpg.Connection) -> None:
    env = {"MEDSKAPA_DATABASE_URL": database_url}
    steps = [
        (("area-create", "--slug", "njure", "--name", "Njure"), "Created programme area njure."),
        (("area-rename", "njure", "--name", "Njursjukdomar"), "is now called Njursjukdomar."),
        (
            (
                "group-create",
                "--slug",
                "nag-njure",
                "--name",
                "Njure",
                "--kind",
                "nag",
                "--area",
                "njure",
            ),
            "Created group nag-njure (NAG) in njure.",
        ),
        (("group-edit", "nag-njure", "--kind", "nsg"), "Group nag-njure saved."),
        (("area-create", "--slug", "urologi", "--name", "Urologi"), "Created"),
        (("group-move", "nag-njure", "--area", "urologi"), "is now in urologi."),
        (("group-archive", "nag-njure"), "Group nag-njure is archived."),
        (("group-archive", "nag-njure", "--restore"), "Group nag-njure is active."),
        (("area-archive", "njure"), "Programme area njure is archived."),
    ]
    for args, expected in steps:
        result = run_cli("structure", *args, env=env)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout
    document, _, _ = await first_document(conn)
    assigned = run_cli("structure", "document-assign", document, "--group", "nag-njure", env=env)
    assert f"Document {document} now belongs to nag-njure." in assigned.stdout
    listed = run_cli("structure", "list", env=env)
    assert "  nag-njure  NSG  Njure  documents: 1" in listed.stdout
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE actor = 'admin-cli' AND subject_type IN "
            "('programme_area', 'subject_group', 'document')"
        )
        == 10
    )


async def test_structure_command_refusals(database_url: str, conn: asyncpg.Connection) -> None:
    env = {"MEDSKAPA_DATABASE_URL": database_url}
    document, _, _ = await first_document(conn)
    owner = await conn.fetchval(
        "SELECT g.slug FROM guidance_documents d JOIN subject_groups g "
        "ON g.id = d.subject_group_id WHERE d.slug = $1",
        document,
    )
    before = await counts(conn)
    for args, expected in [
        (("area-create", "--slug", "Fel Slug", "--name", "X"), "slug: A slug has only"),
        (("group-archive", owner), "The group owns documents that are not archived"),
        (("group-move", owner, "--area", "finns-inte"), "area: No such programme area."),
        (("area-rename", "finns-inte", "--name", "X"), "nothing is called finns-inte."),
    ]:
        result = run_cli("structure", *args, env=env)
        assert result.returncode == 1
        assert result.stderr.startswith("medskapa: ")
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
    assert await counts(conn) == before
