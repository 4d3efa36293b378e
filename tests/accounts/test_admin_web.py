"""The admin page for users, roles and memberships."""

from __future__ import annotations

import datetime as dt

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.security.sessions import create_session
from tests.factories import make_staff, sign_in_staff

Client = AsyncTestClient[Litestar]


async def test_admin_grants_a_group_role_and_the_users_sessions_end(
    client: Client, conn: asyncpg.Connection
) -> None:
    admin = await make_staff(conn, "admin@region.se", role=RoleChoice.ADMIN)
    person = await make_staff(conn, "eva@region.se", role=RoleChoice.PATIENT)
    await create_session(conn, person, dt.datetime.now(dt.UTC), second_factor=False)
    await sign_in_staff(client, conn, admin)
    group = await conn.fetchrow("SELECT slug, name FROM subject_groups ORDER BY slug LIMIT 1")

    page = await client.get("/admin/anvandare", params={"sok": "EVA@"})
    assert page.status_code == 200
    assert "eva@region.se" in page.text
    assert "admin@region.se" not in page.text, "the search narrows the list"

    granted = await client.post(
        "/admin/anvandare/roll",
        data={"email": "eva@region.se", "role": "group-lead", "group": group["slug"]},
    )
    assert granted.status_code == 200
    assert "Rollen är given" in granted.text
    assert f"{group['name']} (ledare)" in granted.text
    role = await conn.fetchval("SELECT role FROM group_memberships WHERE user_id = $1", person)
    assert role == "lead"
    assert await conn.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", person) == 0
    actor = await conn.fetchval(
        "SELECT actor FROM audit_events WHERE subject_type = 'user' AND subject_id = $1 "
        "ORDER BY seq DESC LIMIT 1",
        str(person),
    )
    assert actor.startswith("user:"), "the admin's pseudonym, not the command line"


async def test_bad_role_requests_are_named_and_change_nothing(
    client: Client, conn: asyncpg.Connection
) -> None:
    admin = await make_staff(conn, "admin@region.se", role=RoleChoice.ADMIN)
    await make_staff(conn, "eva@region.se", role=RoleChoice.PATIENT)
    await sign_in_staff(client, conn, admin)
    cases = [
        ({"email": "ingen@region.se", "role": "moderator"}, "inget konto med den e-postadressen"),
        ({"email": "eva@region.se", "role": "group-member"}, "Välj vilken arbetsgrupp"),
        ({"email": "eva@region.se", "role": "kung"}, "Välj en av rollerna"),
        (
            {"email": "eva@region.se", "role": "organisation-member", "organisation": "x"},
            "ingen organisation",
        ),
    ]
    for form, message in cases:
        response = await client.post("/admin/anvandare/roll", data=form)
        assert response.status_code == 422, form
        assert message in response.text, form
        assert 'value="eva@region.se"' in response.text or form["email"] != "eva@region.se"
    assert await conn.fetchval("SELECT count(*) FROM group_memberships") == 0
    assert await conn.fetchval("SELECT role FROM users WHERE email = 'eva@region.se'") == "patient"


async def test_only_admins_reach_the_user_admin(client: Client, conn: asyncpg.Connection) -> None:
    assert (await client.get("/admin/anvandare")).status_code == 401
    moderator = await make_staff(conn, "mod@region.se", role=RoleChoice.MODERATOR)
    await sign_in_staff(client, conn, moderator)
    assert (await client.get("/admin/anvandare")).status_code == 403
    refused = await client.post(
        "/admin/anvandare/roll", data={"email": "mod@region.se", "role": "admin"}
    )
    assert refused.status_code == 403
    assert await conn.fetchval("SELECT role FROM users WHERE id = $1", moderator) == "moderator"
