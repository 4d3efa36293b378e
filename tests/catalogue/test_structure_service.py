"""The national structure's use cases against a real database: each change with its audit event,
each bad input and refusal with a specific code and nothing written."""

from __future__ import annotations

import asyncpg
import pytest

from medskapa.audit.verify import verify
from medskapa.catalogue.structure import StructureService
from medskapa.catalogue.structure_queries import GroupRow
from medskapa.errors import Invalid, NotFound, Refused
from tests.factories import FIXED_NOW, first_document

ADMIN = "user:1"


def structure(conn: asyncpg.Connection) -> StructureService:
    return StructureService(conn, lambda: FIXED_NOW)


async def counts(conn: asyncpg.Connection) -> tuple[object, ...]:
    """What any change would alter: rows, names, kinds, archive marks, owners, the trail."""
    return tuple(
        [
            await conn.fetch("SELECT slug, name, archived_at FROM programme_areas ORDER BY id"),
            await conn.fetch(
                "SELECT slug, name, kind, description, programme_area_id, archived_at "
                "FROM subject_groups ORDER BY id"
            ),
            await conn.fetch("SELECT slug, subject_group_id FROM guidance_documents ORDER BY id"),
            await conn.fetchval("SELECT count(*) FROM audit_events"),
        ]
    )


async def events(conn: asyncpg.Connection, subject_type: str) -> list[tuple[object, ...]]:
    rows = await conn.fetch(
        "SELECT actor, action, subject_id, from_state, to_state, reason_code FROM audit_events "
        "WHERE subject_type = $1 ORDER BY id",
        subject_type,
    )
    return [tuple(r) for r in rows]


async def new_area(conn: asyncpg.Connection, slug: str = "njursjukdomar") -> int:
    await structure(conn).create_area(ADMIN, slug=slug, name="Njursjukdomar")
    return await conn.fetchval("SELECT id FROM programme_areas WHERE slug = $1", slug)


async def new_group(
    conn: asyncpg.Connection, slug: str = "nag-njursvikt", area: str = "njursjukdomar"
) -> GroupRow:
    return await structure(conn).create_group(
        ADMIN, slug=slug, name="NAG Njursvikt", kind="nag", area=area, description="Om njurar."
    )


def codes(exc: pytest.ExceptionInfo[Invalid]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


async def test_create_area_and_group_are_stored_and_audited(conn: asyncpg.Connection) -> None:
    area_id = await new_area(conn)
    group = await structure(conn).create_group(
        ADMIN, slug="nsg-dialys", name="  NSG   Dialys ", kind="NSG", area="njursjukdomar"
    )
    assert (group.name, group.kind, group.area_slug) == ("NSG Dialys", "nsg", "njursjukdomar")
    assert group.archived_at is None
    assert group.document_count == 0
    assert await events(conn, "programme_area") == [
        (ADMIN, "programme_area.created", str(area_id), None, None, None)
    ]
    assert await events(conn, "subject_group") == [
        (ADMIN, "subject_group.created", str(group.id), None, "nsg", None)
    ]
    assert (await verify(conn)).intact


@pytest.mark.parametrize(
    ("slug", "name", "expected"),
    [
        ("", "Namn", {"slug": "slug_required"}),
        ("Hjärta", "Namn", {"slug": "bad_slug"}),
        ("två--streck", "Namn", {"slug": "bad_slug"}),
        ("-borjar-med-streck", "Namn", {"slug": "bad_slug"}),
        ("a" * 101, "Namn", {"slug": "slug_too_long"}),
        ("bra-slug", "   ", {"name": "name_required"}),
        ("bra-slug", "x" * 201, {"name": "name_too_long"}),
        ("", "", {"slug": "slug_required", "name": "name_required"}),
    ],
)
async def test_bad_area_input_is_refused_and_nothing_stored(
    conn: asyncpg.Connection, slug: str, name: str, expected: dict[str, str]
) -> None:
    before = await counts(conn)
    with pytest.raises(Invalid) as exc:
        await structure(conn).create_area(ADMIN, slug=slug, name=name)
    assert codes(exc) == expected
    assert await counts(conn) == before


async def test_duplicate_slugs_are_refused(conn: asyncpg.Connection) -> None:
    await new_area(conn)
    await new_group(conn)
    before = await counts(conn)
    with pytest.raises(Invalid) as exc:
        await structure(conn).create_area(ADMIN, slug="njursjukdomar", name="Igen")
    assert codes(exc) == {"slug": "slug_taken"}
    with pytest.raises(Invalid) as exc:
        await new_group(conn)
    assert codes(exc) == {"slug": "slug_taken"}
    assert await counts(conn) == before


async def test_bad_group_input_names_every_field(conn: asyncpg.Connection) -> None:
    before = await counts(conn)
    with pytest.raises(Invalid) as exc:
        await structure(conn).create_group(
            ADMIN,
            slug="Fel Slug",
            name="",
            kind="arbetsgrupp",
            area="finns-inte",
            description="x" * 2001,
        )
    assert codes(exc) == {
        "slug": "bad_slug",
        "name": "name_required",
        "kind": "unknown_kind",
        "area": "unknown_area",
        "description": "description_too_long",
    }
    assert await counts(conn) == before


async def test_rename_and_archive_area(conn: asyncpg.Connection) -> None:
    area_id = await new_area(conn)
    s = structure(conn)
    renamed = await s.update_area(ADMIN, "njursjukdomar", name="Njur- och urinvägssjukdomar")
    assert renamed.name == "Njur- och urinvägssjukdomar"
    archived = await s.update_area(ADMIN, "njursjukdomar", archived=True)
    assert archived.archived_at == FIXED_NOW
    back = await s.update_area(ADMIN, "njursjukdomar", archived=False)
    assert back.archived_at is None
    assert [e[1:5] for e in await events(conn, "programme_area")] == [
        ("programme_area.created", str(area_id), None, None),
        ("programme_area.renamed", str(area_id), None, None),
        ("programme_area.archived", str(area_id), "active", "archived"),
        ("programme_area.unarchived", str(area_id), "archived", "active"),
    ]


async def test_area_with_live_groups_is_not_archived(conn: asyncpg.Connection) -> None:
    await new_area(conn)
    await new_group(conn)
    before = await counts(conn)
    with pytest.raises(Refused) as exc:
        await structure(conn).update_area(ADMIN, "njursjukdomar", archived=True)
    assert exc.value.code == "area_has_groups"
    assert await counts(conn) == before


async def test_unknown_area_or_group_is_not_found(conn: asyncpg.Connection) -> None:
    s = structure(conn)
    before = await counts(conn)
    with pytest.raises(NotFound):
        await s.update_area(ADMIN, "finns-inte", name="Namn")
    with pytest.raises(NotFound):
        await s.update_group(ADMIN, "finns-inte", name="Namn")
    with pytest.raises(NotFound):
        await s.assign_document(ADMIN, "finns-inte", "nag-hjartsvikt")
    assert await counts(conn) == before


async def test_archived_area_takes_no_new_or_moved_groups(conn: asyncpg.Connection) -> None:
    await new_area(conn)
    await new_area(conn, "tomt-omrade")
    s = structure(conn)
    await s.update_area(ADMIN, "tomt-omrade", archived=True)
    await new_group(conn)
    before = await counts(conn)
    with pytest.raises(Invalid) as exc:
        await new_group(conn, "nag-annan", area="tomt-omrade")
    assert codes(exc) == {"area": "area_archived"}
    with pytest.raises(Invalid) as exc:
        await s.update_group(ADMIN, "nag-njursvikt", area="tomt-omrade")
    assert codes(exc) == {"area": "area_archived"}
    with pytest.raises(Invalid) as exc:
        await s.update_group(ADMIN, "nag-njursvikt", area="finns-inte", name="Nytt namn")
    assert codes(exc) == {"area": "unknown_area"}
    assert await counts(conn) == before


async def test_edit_and_move_group_audits_each_change(conn: asyncpg.Connection) -> None:
    old_area = await new_area(conn)
    new_area_id = await new_area(conn, "urologi")
    group = await new_group(conn)
    moved = await structure(conn).update_group(
        ADMIN, "nag-njursvikt", name="NSG Njurar", kind="nsg", description="", area="urologi"
    )
    assert (moved.name, moved.kind, moved.description, moved.area_slug) == (
        "NSG Njurar",
        "nsg",
        "",
        "urologi",
    )
    assert [e[1:5] for e in (await events(conn, "subject_group"))[1:]] == [
        ("subject_group.renamed", str(group.id), None, None),
        ("subject_group.kind_changed", str(group.id), "nag", "nsg"),
        ("subject_group.described", str(group.id), None, None),
        (
            "subject_group.moved",
            str(group.id),
            f"programme_area:{old_area}",
            f"programme_area:{new_area_id}",
        ),
    ]


async def test_bad_edit_changes_nothing_even_with_good_fields(conn: asyncpg.Connection) -> None:
    await new_area(conn)
    await new_group(conn)
    before = await counts(conn)
    with pytest.raises(Invalid) as exc:
        await structure(conn).update_group(ADMIN, "nag-njursvikt", name="Bra namn", kind="xyz")
    assert codes(exc) == {"kind": "unknown_kind"}
    with pytest.raises(Invalid) as exc:
        await structure(conn).update_group(ADMIN, "nag-njursvikt")
    assert codes(exc) == {"name": "nothing_to_change"}
    assert await counts(conn) == before


async def test_group_owning_a_live_document_is_not_archived(conn: asyncpg.Connection) -> None:
    slug, _, _ = await first_document(conn)
    owner = await conn.fetchval(
        "SELECT g.slug FROM guidance_documents d JOIN subject_groups g "
        "ON g.id = d.subject_group_id WHERE d.slug = $1",
        slug,
    )
    before = await counts(conn)
    with pytest.raises(Refused) as exc:
        await structure(conn).update_group(ADMIN, owner, archived=True)
    assert exc.value.code == "group_owns_documents"
    assert await counts(conn) == before


async def test_assign_document_then_archive_the_emptied_group(conn: asyncpg.Connection) -> None:
    slug, _, _ = await first_document(conn)
    old_group = await conn.fetchrow(
        "SELECT g.id, g.slug FROM guidance_documents d JOIN subject_groups g "
        "ON g.id = d.subject_group_id WHERE d.slug = $1",
        slug,
    )
    await new_area(conn)
    group = await new_group(conn)
    s = structure(conn)
    # Every document of the old group goes to the new one; then the old group may be archived.
    owned = await conn.fetch(
        "SELECT slug FROM guidance_documents WHERE subject_group_id = $1", old_group["id"]
    )
    for row in owned:
        moved = await s.assign_document(ADMIN, row["slug"], "nag-njursvikt")
        assert moved.group_slug == "nag-njursvikt"
    archived = await s.update_group(ADMIN, old_group["slug"], archived=True)
    assert archived.archived_at == FIXED_NOW
    document_id = await conn.fetchval("SELECT id FROM guidance_documents WHERE slug = $1", slug)
    assert (ADMIN, "document.group_assigned", str(document_id)) in [
        e[:3] for e in await events(conn, "document")
    ]
    assert (
        f"subject_group:{old_group['id']}",
        f"subject_group:{group.id}",
    ) in [e[3:5] for e in await events(conn, "document")]
    # The archived group takes no documents back, and is not offered for new memberships.
    before = await counts(conn)
    with pytest.raises(Invalid) as exc:
        await s.assign_document(ADMIN, slug, old_group["slug"])
    assert codes(exc) == {"group": "group_archived"}
    with pytest.raises(Invalid) as exc:
        await s.assign_document(ADMIN, slug, "finns-inte")
    assert codes(exc) == {"group": "unknown_group"}
    assert await counts(conn) == before


async def test_group_under_archived_area_is_not_brought_back(conn: asyncpg.Connection) -> None:
    await new_area(conn)
    await new_group(conn)
    s = structure(conn)
    await s.update_group(ADMIN, "nag-njursvikt", archived=True)
    await s.update_area(ADMIN, "njursjukdomar", archived=True)
    before = await counts(conn)
    with pytest.raises(Refused) as exc:
        await s.update_group(ADMIN, "nag-njursvikt", archived=False)
    assert exc.value.code == "area_of_group_archived"
    assert await counts(conn) == before
    await new_area(conn, "urologi")
    back = await s.update_group(ADMIN, "nag-njursvikt", archived=False, area="urologi")
    assert back.archived_at is None
    assert back.area_slug == "urologi"


async def test_archived_area_leaves_the_public_filter(conn: asyncpg.Connection) -> None:
    from medskapa.catalogue.queries import programme_areas

    await new_area(conn)
    assert "njursjukdomar" in [a.slug for a in await programme_areas(conn)]
    await structure(conn).update_area(ADMIN, "njursjukdomar", archived=True)
    assert "njursjukdomar" not in [a.slug for a in await programme_areas(conn)]


async def test_group_still_reached_by_a_rule_or_holding_open_items_is_not_archived(
    conn: asyncpg.Connection,
) -> None:
    from tests.factories import make_feedback, route_to

    await new_area(conn)
    group = await new_group(conn)
    rule_id = await conn.fetchval(
        "INSERT INTO routing_rules (name, kind, keyword, created_at, updated_at) "
        "VALUES ('Njurar', 'keyword', 'njure', now(), now()) RETURNING id"
    )
    await conn.execute(
        "INSERT INTO routing_rule_groups (rule_id, group_id) VALUES ($1, $2)", rule_id, group.id
    )
    s = structure(conn)
    before = await counts(conn)
    with pytest.raises(Refused) as exc:
        await s.update_group(ADMIN, "nag-njursvikt", archived=True)
    assert exc.value.code == "group_has_rules"
    assert await counts(conn) == before
    await conn.execute("UPDATE routing_rules SET active = false WHERE id = $1", rule_id)
    item = await make_feedback(conn)
    await route_to(conn, item.id, "nag-njursvikt")
    before = await counts(conn)
    with pytest.raises(Refused) as exc:
        await s.update_group(ADMIN, "nag-njursvikt", archived=True)
    assert exc.value.code == "group_has_open_items"
    assert await counts(conn) == before
    await conn.execute("UPDATE feedback SET status = 'closed' WHERE id = $1", item.id)
    archived = await s.update_group(ADMIN, "nag-njursvikt", archived=True)
    assert archived.archived_at == FIXED_NOW
