from __future__ import annotations

import re

import asyncpg
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, set_role
from medskapa.security.permissions import (
    PUBLIC_PREFIXES,
    RULES,
    Permission,
    allows,
    declared_permission,
)
from medskapa.security.principal import ANONYMOUS, Principal, Role
from tests.factories import FIXED_NOW, STAFF_PASSWORD, enrol_totp, make_organisation, make_staff


def test_every_route_declares_a_permission(app: Litestar) -> None:
    undeclared = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(PUBLIC_PREFIXES):
            continue
        for handler in route.route_handlers:
            # Litestar answers OPTIONS itself; it runs no handler of ours.
            if handler.http_methods == {"OPTIONS"}:
                continue
            if declared_permission(handler) is None:
                undeclared.append(f"{sorted(handler.http_methods)} {route.path}")
    assert undeclared == []


def test_routes_are_checked_without_litestar_guards(app: Litestar) -> None:
    """The permission check is one middleware (security/permissions.py): Litestar copies the
    route handler for every guard on every request. Only the outbox's local-or-admin rule,
    on one rarely used route, is still a guard."""
    guarded = {
        f"{sorted(handler.http_methods)} {route.path}": [g.__name__ for g in guards]
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if (guards := handler.resolve_guards())
    }
    assert all(names == ["local_or_admin"] for names in guarded.values()), guarded


def test_every_permission_has_a_rule() -> None:
    assert set(RULES) == set(Permission)


@pytest.mark.parametrize(
    ("principal", "granted"),
    [
        (ANONYMOUS, {Permission.PUBLIC}),
        # A staff session that has passed only the password: nothing but the second step.
        (Principal(pending_user_id=8), {Permission.PUBLIC, Permission.SECOND_STEP}),
        (
            Principal(user_id=1, role=Role.PATIENT),
            {Permission.PUBLIC, Permission.SECOND_STEP, Permission.SIGNED_IN},
        ),
        (
            Principal(user_id=2, role=Role.MODERATOR),
            {Permission.PUBLIC, Permission.SECOND_STEP, Permission.SIGNED_IN, Permission.MODERATE},
        ),
        (
            Principal(user_id=3, role=Role.PATIENT, groups={7: "member"}),
            {
                Permission.PUBLIC,
                Permission.SECOND_STEP,
                Permission.SIGNED_IN,
                Permission.WORK_IN_GROUP,
            },
        ),
        # A patient representative reads the group's inbox (which group and what they may do
        # there is checked per item in triage/service.py), and leads nothing.
        (
            Principal(user_id=9, role=Role.PATIENT, groups={7: "patient_representative"}),
            {
                Permission.PUBLIC,
                Permission.SECOND_STEP,
                Permission.SIGNED_IN,
                Permission.WORK_IN_GROUP,
            },
        ),
        (
            Principal(user_id=4, role=Role.PATIENT, groups={7: "lead"}),
            {
                Permission.PUBLIC,
                Permission.SECOND_STEP,
                Permission.SIGNED_IN,
                Permission.WORK_IN_GROUP,
                Permission.LEAD_GROUP,
                Permission.AUTHOR_DOCUMENTS,
                Permission.FOLLOW_UP,
            },
        ),
        (
            Principal(user_id=5, role=Role.PATIENT, organisations={3: "coordinator"}),
            {
                Permission.PUBLIC,
                Permission.SECOND_STEP,
                Permission.SIGNED_IN,
                Permission.BELONG_TO_ORGANISATION,
                Permission.COORDINATE_ORGANISATION,
            },
        ),
        (
            Principal(user_id=6, role=Role.ADMIN),
            {
                Permission.PUBLIC,
                Permission.SECOND_STEP,
                Permission.SIGNED_IN,
                Permission.MODERATE,
                Permission.AUTHOR_DOCUMENTS,
                Permission.FOLLOW_UP,
                Permission.ADMINISTER,
            },
        ),
    ],
)
def test_permission_map(principal: Principal, granted: set[Permission]) -> None:
    assert {p for p in Permission if allows(principal, p)} == granted


async def test_form_post_without_csrf_token_is_refused(
    bare_client: AsyncTestClient[Litestar],
) -> None:
    response = await bare_client.post("/folj", data={"kod": "0000-0000-0000-0000"})
    assert response.status_code == 403


async def test_without_a_session_a_token_proves_nothing_the_origin_does(
    bare_client: AsyncTestClient[Litestar],
) -> None:
    """A visitor without a session has no token (security/csrf.py): a form sent with any token
    but without our origin is refused, and one from our own page is taken without one."""
    await bare_client.get("/")
    assert not bare_client.cookies
    response = await bare_client.post(
        "/folj", data={"kod": "0000-0000-0000-0000", "_csrf_token": "x" * 43}
    )
    assert response.status_code == 403
    own = await bare_client.post(
        "/folj",
        data={"kod": "0000-0000-0000-0000"},
        headers={"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
    )
    assert own.status_code == 422


PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
SAMPLE = {"int": "1", "uuid": "00000000-0000-4000-8000-000000000001", "str": "x", "path": "x"}


def concrete(path: str) -> str:
    return PARAMETER.sub(lambda m: SAMPLE[m.group(2)], path)


def routes_by_permission(app: Litestar) -> list[tuple[str, str, Permission]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(PUBLIC_PREFIXES):
            continue
        for handler in route.route_handlers:
            if handler.http_methods == {"OPTIONS"}:
                continue
            permission = declared_permission(handler)
            assert permission is not None
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append((method, concrete(route.path), permission))
    return found


async def test_a_password_only_staff_session_is_signed_in_nowhere_but_the_second_step(
    app: Litestar, client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    """The rule, for every route: a staff member whose session has passed only the password
    is not signed in anywhere (401), whatever else they are (here an admin, moderator, group
    lead and organisation coordinator at once), except on the second-step pages."""
    user_id = await make_staff(conn, "allt@exempel.se", role=RoleChoice.ADMIN)
    await set_role(
        conn, email="allt@exempel.se", role=RoleChoice.GROUP_LEAD, group="nag-kol", now=FIXED_NOW
    )
    slug, _ = await make_organisation(conn, "Förening", "samordnare@exempel.se")
    await set_role(
        conn,
        email="allt@exempel.se",
        role=RoleChoice.ORGANISATION_COORDINATOR,
        organisation=slug,
        now=FIXED_NOW,
    )
    await enrol_totp(conn, user_id)
    signed = await client.post(
        "/logga-in",
        data={"email": "allt@exempel.se", "password": STAFF_PASSWORD},
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/logga-in/kod"

    walked = routes_by_permission(app)
    let_through = []
    for method, path, permission in walked:
        if permission in (Permission.PUBLIC, Permission.SECOND_STEP) or path == "/logga-ut":
            continue
        response = await client.request(method, path, follow_redirects=False)
        if response.status_code != 401:
            let_through.append(f"{method} {path} ({permission}): {response.status_code}")
        if not await conn.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", user_id):
            # A route ended the session (e.g. "log out everywhere" let through): sign in with
            # the password again, so the rest of the walk still tests a password-only session.
            let_through.append(f"{method} {path} ended the session")
            await client.post(
                "/logga-in", data={"email": "allt@exempel.se", "password": STAFF_PASSWORD}
            )
    assert let_through == []
    assert len(walked) > 100
    # The second step itself answers the same session.
    assert (await client.get("/logga-in/kod")).status_code == 200
    assert await conn.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", user_id) == 1

    # Control: with the second factor passed, the same session is let in where it belongs.
    await conn.execute("UPDATE sessions SET second_factor_at = now() WHERE user_id = $1", user_id)
    for path in ("/konto", "/arbetsgrupp", "/moderering", "/admin/anvandare"):
        assert (await client.get(path)).status_code == 200, path


async def test_only_the_one_click_unsubscribe_post_goes_without_a_csrf_token(
    app: Litestar, bare_client: AsyncTestClient[Litestar]
) -> None:
    """Every unsafe page route refuses a browser-less POST without a token (403), except the
    RFC 8058 one-click unsubscribe URL (catalogue/following.py), whose path holds its secret."""
    let_through = []
    for method, path, _ in routes_by_permission(app):
        if method in ("GET", "HEAD") or path.startswith("/api/"):
            continue
        bare_client.cookies.clear()
        response = await bare_client.request(method, path, follow_redirects=False)
        if response.status_code != 403:
            let_through.append(f"{method} {path}: {response.status_code}")
    assert let_through == []
    bare_client.cookies.clear()
    one_click = await bare_client.post(
        "/bevaka/avsluta/" + "A" * 43,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 404, "past the CSRF check: an unknown link, said so"
    assert "Länken fungerar inte" in one_click.text
    for near_miss in ("/bevaka/avsluta/" + "A" * 44, "/bevaka/bekrafta/" + "A" * 43):
        bare_client.cookies.clear()
        assert (await bare_client.post(near_miss)).status_code == 403, near_miss
