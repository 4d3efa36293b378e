"""The national structure through HTTP: the admin page /admin/struktur (forms, Swedish errors,
nothing stored on a refusal) and the JSON API for admins (problem details)."""

from __future__ import annotations

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.catalogue.structure_api import StructureApi
from medskapa.catalogue.structure_pages import StructureAdminPages
from medskapa.security.permissions import Permission, declared_permission
from tests.catalogue.test_structure_service import counts
from tests.factories import api_token, first_document, make_staff, sign_in_staff

Client = AsyncTestClient[Litestar]
PAGE = "/admin/struktur"


@pytest.fixture
async def admin(client: Client, conn: asyncpg.Connection) -> int:
    user_id = await make_staff(conn, "admin@region.se", role=RoleChoice.ADMIN)
    await sign_in_staff(client, conn, user_id)
    return user_id


@pytest.fixture
async def admin_api(conn: asyncpg.Connection, admin: int) -> dict[str, str]:
    return await api_token(conn, admin)


async def owner_of(conn: asyncpg.Connection, document: str) -> str:
    return await conn.fetchval(
        "SELECT g.slug FROM guidance_documents d JOIN subject_groups g "
        "ON g.id = d.subject_group_id WHERE d.slug = $1",
        document,
    )


def test_every_structure_route_needs_an_admin(app: Litestar) -> None:
    handlers = [
        h
        for route in app.routes
        for h in getattr(route, "route_handlers", [])
        if h.fn.__qualname__.split(".")[0] in (StructureAdminPages.__name__, StructureApi.__name__)
    ]
    assert len(handlers) >= 14
    assert {declared_permission(h) for h in handlers} == {Permission.ADMINISTER}


async def test_others_are_refused(client: Client, conn: asyncpg.Connection) -> None:
    assert (await client.get(PAGE)).status_code == 401
    lead = await make_staff(conn, "lena@region.se", "nag-kol", RoleChoice.GROUP_LEAD)
    await sign_in_staff(client, conn, lead)
    assert (await client.get(PAGE)).status_code == 403
    headers = await api_token(conn, lead)
    before = await counts(conn)
    response = await client.post(
        "/api/v1/programme-areas", json={"slug": "ny", "name": "Ny"}, headers=headers
    )
    assert response.status_code == 403
    assert await counts(conn) == before


async def test_page_lists_areas_groups_kinds_and_counts(client: Client, admin: int) -> None:
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "<h1>Programområden och grupper</h1>" in page.text
    assert "Nationell arbetsgrupp (NAG)" in page.text
    assert "Nationell samverkansgrupp (NSG)" in page.text
    assert '<td role="cell" data-label="Kortadress">nag-hjartsvikt</td>' in page.text


async def test_create_area_and_group_by_form(
    client: Client, conn: asyncpg.Connection, admin: int
) -> None:
    created = await client.post(
        f"{PAGE}/programomraden",
        data={"slug": "njursjukdomar", "name": "Njursjukdomar"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"] == f"{PAGE}?klart=omrade"
    group = await client.post(
        f"{PAGE}/grupper",
        data={
            "slug": "nsg-njursvikt",
            "name": "Njursvikt",
            "kind": "nsg",
            "area": "njursjukdomar",
            "description": "",
        },
    )
    assert group.status_code == 200
    assert "Gruppen är skapad." in group.text
    assert (
        '<td role="cell" data-label="Sort">Nationell samverkansgrupp (NSG)</td>'
        '<td role="cell" data-label="Kortadress">nsg-njursvikt</td>'
    ) in group.text
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE actor = $1 AND action IN "
            "('programme_area.created', 'subject_group.created')",
            f"user:{admin}",
        )
        == 2
    )


async def test_bad_group_form_says_what_is_wrong_in_swedish(
    client: Client, conn: asyncpg.Connection, admin: int
) -> None:
    before = await counts(conn)
    response = await client.post(
        f"{PAGE}/grupper",
        data={"slug": "NAG Njure", "name": "", "kind": "nag", "area": "finns-inte"},
    )
    assert response.status_code == 422
    assert "<title>Fel: " in response.text
    assert "Gruppen kunde inte skapas" in response.text
    assert "Kortadressen får bara ha små bokstäver" in response.text
    assert "Skriv ett namn." in response.text
    assert "Välj ett programområde som finns." in response.text
    assert 'id="group-slug" name="slug" maxlength="100" value="NAG Njure"' in response.text
    assert 'aria-invalid="true" aria-describedby="group-fel-name"' in response.text
    assert await counts(conn) == before


async def test_duplicate_slug_and_archiving_a_group_with_documents_are_refused(
    client: Client, conn: asyncpg.Connection, admin: int
) -> None:
    document, _, _ = await first_document(conn)
    owner = await owner_of(conn, document)
    before = await counts(conn)
    duplicate = await client.post(
        f"{PAGE}/grupper",
        data={"slug": owner, "name": "Igen", "kind": "nag", "area": "psykisk-halsa"},
    )
    assert duplicate.status_code == 422
    assert "Kortadressen används redan. Välj en annan." in duplicate.text
    refused = await client.post(
        f"{PAGE}/grupper/arkiv", data={"subject": owner, "action": "arkivera"}
    )
    assert refused.status_code == 409
    assert "Gruppen äger dokument som inte är arkiverade." in refused.text
    assert await counts(conn) == before


async def test_move_rename_assign_and_archive_by_form(
    client: Client, conn: asyncpg.Connection, admin: int
) -> None:
    document, _, _ = await first_document(conn)
    owner = await owner_of(conn, document)
    await client.post(f"{PAGE}/programomraden", data={"slug": "nytt", "name": "Nytt område"})
    moved = await client.post(f"{PAGE}/grupper/flytta", data={"subject": owner, "area": "nytt"})
    assert "Gruppen är flyttad" in moved.text
    renamed = await client.post(
        f"{PAGE}/grupper/andra", data={"subject": owner, "name": "Nytt gruppnamn", "kind": "nsg"}
    )
    assert "Gruppen är ändrad." in renamed.text
    assert await conn.fetchrow(
        "SELECT g.name, g.kind, a.slug FROM subject_groups g JOIN programme_areas a "
        "ON a.id = g.programme_area_id WHERE g.slug = $1",
        owner,
    ) == ("Nytt gruppnamn", "nsg", "nytt")
    await client.post(
        f"{PAGE}/grupper",
        data={"slug": "nag-ny", "name": "Ny grupp", "kind": "nag", "area": "nytt"},
    )
    for row in await conn.fetch(
        "SELECT d.slug FROM guidance_documents d JOIN subject_groups g "
        "ON g.id = d.subject_group_id WHERE g.slug = $1",
        owner,
    ):
        assigned = await client.post(
            f"{PAGE}/dokument", data={"subject": row["slug"], "group": "nag-ny"}
        )
        assert "Dokumentet tillhör nu den valda gruppen." in assigned.text
    archived = await client.post(
        f"{PAGE}/grupper/arkiv", data={"subject": owner, "action": "arkivera"}
    )
    assert "Gruppen är arkiverad." in archived.text
    # An archived group is no longer offered for documents.
    assert (
        f'<option value="{owner}">'
        not in archived.text.split('id="document-group"')[1].split("</select>")[0]
    )
    bad_area = await client.post(
        f"{PAGE}/programomraden/namn", data={"subject": "nytt", "name": " "}
    )
    assert bad_area.status_code == 422
    assert "Skriv ett namn." in bad_area.text


async def test_archived_area_disappears_from_the_public_filter(
    client: Client, conn: asyncpg.Connection, admin: int
) -> None:
    await client.post(f"{PAGE}/programomraden", data={"slug": "tomt", "name": "Tomt område"})
    assert "Tomt område" in (await client.get("/kunskapsstod")).text
    archived = await client.post(
        f"{PAGE}/programomraden/arkiv", data={"subject": "tomt", "action": "arkivera"}
    )
    assert "Programområdet är arkiverat." in archived.text
    assert "Tomt område" not in (await client.get("/kunskapsstod")).text


# ------------------------------------------------------------------ JSON API


async def test_api_creates_changes_and_lists(
    client: Client, conn: asyncpg.Connection, admin_api: dict[str, str]
) -> None:
    area = await client.post(
        "/api/v1/programme-areas", json={"slug": "njure", "name": "Njure"}, headers=admin_api
    )
    assert area.status_code == 201
    assert area.json() == {"slug": "njure", "name": "Njure", "archived": False}
    group = await client.post(
        "/api/v1/groups",
        json={"slug": "nag-njure", "name": "Njure", "kind": "nag", "programme_area": "njure"},
        headers=admin_api,
    )
    assert group.status_code == 201
    assert group.json()["documents"] == 0
    changed = await client.patch(
        "/api/v1/groups/nag-njure", json={"kind": "nsg", "name": "Njurar"}, headers=admin_api
    )
    assert changed.status_code == 200
    assert (changed.json()["kind"], changed.json()["name"]) == ("nsg", "Njurar")
    groups = (await client.get("/api/v1/groups", headers=admin_api)).json()
    assert {"slug": "nag-njure", "programme_area": "njure", "kind": "nsg"}.items() <= next(
        g for g in groups if g["slug"] == "nag-njure"
    ).items()
    document, _, _ = await first_document(conn)
    assigned = await client.put(
        f"/api/v1/documents/{document}/group", json={"group": "nag-njure"}, headers=admin_api
    )
    assert assigned.json() == {"document": document, "group": "nag-njure"}
    renamed = await client.patch(
        "/api/v1/programme-areas/njure", json={"name": "Njursjukdomar"}, headers=admin_api
    )
    assert renamed.json()["name"] == "Njursjukdomar"
    areas = (await client.get("/api/v1/programme-areas", headers=admin_api)).json()
    assert {"slug": "njure", "name": "Njursjukdomar", "archived": False} in areas


async def test_api_problems(
    client: Client, conn: asyncpg.Connection, admin_api: dict[str, str]
) -> None:
    document, _, _ = await first_document(conn)
    owner = await owner_of(conn, document)
    before = await counts(conn)
    invalid = await client.post(
        "/api/v1/groups",
        json={"slug": "Bad", "name": "", "kind": "x", "programme_area": "finns-inte"},
        headers=admin_api,
    )
    assert invalid.status_code == 422
    assert invalid.headers["content-type"].startswith("application/problem+json")
    assert {e["field"]: e["code"] for e in invalid.json()["errors"]} == {
        "slug": "bad_slug",
        "name": "name_required",
        "kind": "unknown_kind",
        "programme_area": "unknown_area",
    }
    refused = await client.patch(
        f"/api/v1/groups/{owner}", json={"archived": True}, headers=admin_api
    )
    assert refused.status_code == 409
    assert "owns documents" in refused.json()["detail"]
    missing = await client.patch(
        "/api/v1/programme-areas/finns-inte", json={"name": "X"}, headers=admin_api
    )
    assert missing.status_code == 404
    unknown = await client.put(
        f"/api/v1/documents/{document}/group", json={"group": "finns-inte"}, headers=admin_api
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["code"] == "unknown_group"
    extra = await client.post(
        "/api/v1/programme-areas",
        json={"slug": "ok", "name": "Ok", "owner": "x"},
        headers=admin_api,
    )
    assert extra.status_code in (400, 422)
    assert await counts(conn) == before


async def test_api_takes_only_a_boolean_for_archived(
    client: Client, conn: asyncpg.Connection, admin_api: dict[str, str]
) -> None:
    before = await counts(conn)
    for url in ("/api/v1/programme-areas/psykisk-halsa", "/api/v1/groups/nag-kol"):
        for value in (0, "false", "nej"):
            response = await client.patch(url, json={"archived": value}, headers=admin_api)
            assert response.status_code == 422, (url, value)
    assert await counts(conn) == before
