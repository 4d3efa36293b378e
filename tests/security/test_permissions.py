from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from medskapa.security.permissions import (
    PUBLIC_PREFIXES,
    RULES,
    Permission,
    allows,
    declared_permission,
)
from medskapa.security.principal import ANONYMOUS, Principal, Role


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


def test_every_permission_has_a_rule() -> None:
    assert set(RULES) == set(Permission)


@pytest.mark.parametrize(
    ("principal", "granted"),
    [
        (ANONYMOUS, {Permission.PUBLIC}),
        (Principal(user_id=1, role=Role.PATIENT), {Permission.PUBLIC, Permission.SIGNED_IN}),
        (
            Principal(user_id=2, role=Role.MODERATOR),
            {Permission.PUBLIC, Permission.SIGNED_IN, Permission.MODERATE},
        ),
        (
            Principal(user_id=3, role=Role.PATIENT, groups={7: "member"}),
            {Permission.PUBLIC, Permission.SIGNED_IN, Permission.WORK_IN_GROUP},
        ),
        (
            Principal(user_id=4, role=Role.PATIENT, groups={7: "lead"}),
            {
                Permission.PUBLIC,
                Permission.SIGNED_IN,
                Permission.WORK_IN_GROUP,
                Permission.LEAD_GROUP,
            },
        ),
        (
            Principal(user_id=5, role=Role.PATIENT, organisations={3: "coordinator"}),
            {
                Permission.PUBLIC,
                Permission.SIGNED_IN,
                Permission.BELONG_TO_ORGANISATION,
                Permission.COORDINATE_ORGANISATION,
            },
        ),
        (
            Principal(user_id=6, role=Role.ADMIN),
            {Permission.PUBLIC, Permission.SIGNED_IN, Permission.MODERATE, Permission.ADMINISTER},
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


async def test_form_post_with_a_foreign_csrf_token_is_refused(
    client: AsyncTestClient[Litestar], bare_client: AsyncTestClient[Litestar]
) -> None:
    await bare_client.get("/")
    foreign = client.headers["x-csrf-token"]
    assert bare_client.cookies["__Host-csrf"] != foreign
    response = await bare_client.post(
        "/folj", data={"kod": "0000-0000-0000-0000", "_csrf_token": foreign}
    )
    assert response.status_code == 403
    own = await bare_client.post(
        "/folj",
        data={"kod": "0000-0000-0000-0000", "_csrf_token": bare_client.cookies["__Host-csrf"]},
    )
    assert own.status_code == 422
