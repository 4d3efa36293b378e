from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import pytest

from medskapa.accounts.admin import RoleChoice
from medskapa.consultations.service import ConsultationService
from medskapa.organisations.service import OrganisationService
from medskapa.security.principal import Principal
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from medskapa.statements.round_service import RoundService
from medskapa.statements.service import StatementService
from tests.factories import make_organisation, make_person, make_staff, principal_for

# A Monday in Stockholm; the consultations below run over the DST change of 29 March 2026.
NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)


@dataclass
class World:
    """Two verified organisations, one unverified, members, and a KOL group member."""

    org_a: str
    org_b: str
    org_c: str
    coordinator_a: int
    coordinator_b: int
    coordinator_c: int
    member_a1: int
    member_a2: int
    member_b: int
    group_member: int


@pytest.fixture
async def world(conn: asyncpg.Connection) -> World:
    org_a, coordinator_a = await make_organisation(
        conn, "Hjärt- och lungsjukas förening", "a@exempel.se"
    )
    org_b, coordinator_b = await make_organisation(conn, "Astma- och KOL-förbundet", "b@exempel.se")
    org_c, coordinator_c = await make_organisation(
        conn, "Nystartade föreningen", "c@exempel.se", verified=False
    )
    member_a1 = await make_person(
        conn, "a1@exempel.se", organisation=org_a, role=RoleChoice.ORGANISATION_MEMBER
    )
    member_a2 = await make_person(
        conn, "a2@exempel.se", organisation=org_a, role=RoleChoice.ORGANISATION_MEMBER
    )
    member_b = await make_person(
        conn, "b1@exempel.se", organisation=org_b, role=RoleChoice.ORGANISATION_MEMBER
    )
    group_member = await make_staff(conn, "kol@exempel.se", group="nag-kol")
    return World(
        org_a,
        org_b,
        org_c,
        coordinator_a,
        coordinator_b,
        coordinator_c,
        member_a1,
        member_a2,
        member_b,
        group_member,
    )


@dataclass
class ServicesAt:
    """The services of organisations, consultations, rounds and statements, on one clock."""

    organisations: OrganisationService
    consultations: ConsultationService
    rounds: RoundService
    statements: StatementService


Services = Callable[[dt.datetime], ServicesAt]


@pytest.fixture
async def services(conn: asyncpg.Connection) -> Services:
    """The services, with a clock that shows the given time."""
    key = await instance_secret(conn, RECEIPT_KEY)

    def at(now: dt.datetime) -> ServicesAt:
        def clock() -> dt.datetime:
            return now

        return ServicesAt(
            OrganisationService(conn, clock, key),
            ConsultationService(conn, clock),
            RoundService(conn, clock),
            StatementService(conn, clock, key),
        )

    return at


@pytest.fixture
async def who(conn: asyncpg.Connection) -> Callable[..., object]:
    async def principal(user_id: int, *, staff: bool = False) -> Principal:
        return await principal_for(conn, user_id, second_factor=staff)

    return principal
