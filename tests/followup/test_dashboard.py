"""Every figure of the follow-up dashboard against the hand-worked fixture (fixture.py)."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from medskapa.errors import Invalid
from medskapa.followup import service
from medskapa.followup.domain import Figures
from medskapa.security.principal import Principal, Role
from tests.followup.fixture import DOC, GROUP, Items

TODAY = dt.date(2026, 3, 31)
WEEKS = {"from": "2026-03-02", "to": "2026-03-15", "per": "week"}
ADMIN = Principal(user_id=1, role=Role.ADMIN, second_factor=True)


async def lead_of(conn: asyncpg.Connection, slug: str) -> Principal:
    group_id = await conn.fetchval("SELECT id FROM subject_groups WHERE slug = $1", slug)
    return Principal(user_id=2, role=Role.PATIENT, groups={group_id: "lead"}, second_factor=True)


def numbers(f: Figures) -> tuple:
    return (f.received, f.answered, f.change_planned, f.changed, f.median_days, f.p90_days)


def rows(board: service.Dashboard, dimension: str) -> dict[str, Figures]:
    found = next(b for b in board.breakdowns if b.dimension == dimension)
    return {r.label: r for r in found.rows}


async def test_totals_median_p90_and_share(conn: asyncpg.Connection, items: Items) -> None:
    board = await service.dashboard(conn, await lead_of(conn, GROUP), WEEKS, TODAY)
    # A, B, C, D, E. First answers after 1, 2, 4 and 10 days: the median between 2 and 4 is
    # 3; the 90th percentile at 0.9 x 3 = 2.7 places, 4 + 0.7 x (10 - 4) = 8.2.
    assert numbers(board.total) == (5, 4, 0, 1, 3.0, 8.2)
    assert board.total.changed_share == pytest.approx(0.2)
    assert board.total.answered_share == pytest.approx(0.8)
    assert not board.national


async def test_per_week_in_swedish_time(conn: asyncpg.Connection, items: Items) -> None:
    board = await service.dashboard(conn, await lead_of(conn, GROUP), WEEKS, TODAY)
    # Week 10 (2-8 March): A (Monday 00.30 in Sweden), B, C; days 1, 2, 4: median 2, 90th
    # percentile 2 + 0.8 x 2 = 3.6. Week 11 (9-15 March): D and E (Sunday 23.59 in Sweden).
    assert [(r.label, *numbers(r)) for r in board.series] == [
        ("v. 10 2026", 3, 3, 0, 1, 2.0, 3.6),
        ("v. 11 2026", 2, 1, 0, 0, 10.0, 10.0),
    ]


async def test_per_month_and_an_empty_month(conn: asyncpg.Connection, items: Items) -> None:
    raw = {"from": "2026-02-01", "to": "2026-03-31", "per": "month"}
    board = await service.dashboard(conn, await lead_of(conn, GROUP), raw, TODAY)
    # March holds the two outside the weeks too: 22.30 UTC on 1 March is 23.30 on 1 March in
    # Sweden, 23.00 UTC on the 15th is 00.00 on 16 March; both answered.
    assert [(r.label, r.received, r.answered) for r in board.series] == [
        ("2026-02", 0, 0),
        ("2026-03", 7, 6),
    ]


async def test_breakdowns(conn: asyncpg.Connection, items: Items) -> None:
    board = await service.dashboard(conn, await lead_of(conn, GROUP), WEEKS, TODAY)
    category = rows(board, "category")
    # A and E: 1 and 10 days, median 5.5, 90th 1 + 0.9 x 9 = 9.1. B and C: 2 and 4 days.
    assert numbers(category["Svårt att förstå"]) == (2, 2, 0, 0, 5.5, 9.1)
    assert numbers(category["Något saknas"]) == (2, 2, 0, 1, 3.0, 3.8)
    assert numbers(category["Förslag"]) == (1, 0, 0, 0, None, None)
    version = {label.rsplit(" ", 1)[-1]: r for label, r in rows(board, "version").items()}
    assert numbers(version["1.0"]) == (3, 3, 0, 1, 2.0, 3.6)
    assert numbers(version["1.1"]) == (2, 1, 0, 0, 10.0, 10.0)
    [document] = rows(board, "document").values()
    assert document.key == DOC
    assert document.received == 5
    region = rows(board, "region")
    assert region["Region Stockholm"].received == 1
    assert region["Inte angiven"].received == 4
    assert [r.received for r in rows(board, "area").values()] == [5]
    [theme] = rows(board, "theme").values()
    assert theme.label.startswith(items.theme)
    assert numbers(theme) == (2, 2, 0, 0, 1.5, 1.9)
    sections = rows(board, "section")
    assert sorted(r.received for r in sections.values()) == [1, 4]
    assert sections["Hjärtsvikt – nyupptäckt: hela kunskapsstödet"].received == 4


async def test_filters_narrow_the_figures(conn: asyncpg.Connection, items: Items) -> None:
    lead = await lead_of(conn, GROUP)
    board = await service.dashboard(conn, lead, {**WEEKS, "document": DOC, "version": "1.1"}, TODAY)
    assert numbers(board.total) == (2, 1, 0, 0, 10.0, 10.0)
    board = await service.dashboard(
        conn, lead, {**WEEKS, "area": "hjart-och-karlsjukdomar", "group": GROUP}, TODAY
    )
    assert board.total.received == 5


async def test_the_lead_sees_only_their_groups_the_admin_the_country(
    conn: asyncpg.Connection, items: Items
) -> None:
    other = await service.dashboard(conn, await lead_of(conn, "nag-diabetes"), WEEKS, TODAY)
    assert other.total.received == 1
    assert {c.slug for c in other.choices["group"]} == {"nag-diabetes"}
    assert DOC not in {c.slug for c in other.choices["document"]}
    with pytest.raises(Invalid) as refused:
        await service.dashboard(
            conn, await lead_of(conn, "nag-diabetes"), {**WEEKS, "group": GROUP}, TODAY
        )
    assert [e.code for e in refused.value.errors] == ["unknown_group"]
    national = await service.dashboard(conn, ADMIN, WEEKS, TODAY)
    assert national.national
    assert national.total.received == 6
    assert sorted(r.received for r in rows(national, "area").values()) == [1, 5]


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ({"from": "2026-13-01"}, {"from": "bad_date"}),
        ({"from": "igår"}, {"from": "bad_date"}),
        ({"to": "1999-12-31"}, {"to": "date_too_early"}),
        ({"from": "2026-03-10", "to": "2026-03-01"}, {"to": "period_reversed"}),
        ({"from": "2015-01-01", "to": "2026-03-01"}, {"from": "period_too_long"}),
        ({"from": "2022-01-01", "to": "2026-03-01", "per": "week"}, {"per": "too_many_weeks"}),
        ({"per": "dag"}, {"per": "unknown_interval"}),
        ({"area": "<script>"}, {"area": "unknown_area"}),
        ({"area": "finns-inte"}, {"area": "unknown_area"}),
        ({"group": "nag-diabetes"}, {"group": "unknown_group"}),
        ({"document": "typ-2-diabetes-primarvard"}, {"document": "unknown_document"}),
        ({"version": "1.0"}, {"version": "version_needs_document"}),
        ({"document": DOC, "version": "9.9"}, {"version": "unknown_version"}),
        ({"document": DOC, "version": "1.0; drop"}, {"version": "unknown_version"}),
    ],
)
async def test_bad_filters_are_named(
    conn: asyncpg.Connection, raw: dict[str, str], errors: dict[str, str]
) -> None:
    with pytest.raises(Invalid) as refused:
        await service.dashboard(conn, await lead_of(conn, GROUP), raw, TODAY)
    assert {e.field: e.code for e in refused.value.errors} == errors
    assert all(refused.value.message(e) for e in refused.value.errors)


async def test_helpfulness_per_document(conn: asyncpg.Connection, items: Items) -> None:
    lead = await service.dashboard(conn, await lead_of(conn, GROUP), WEEKS, TODAY)
    assert [(h.document, h.yes, h.no, h.with_reason) for h in lead.helpfulness] == [(DOC, 2, 1, 1)]
    assert lead.helpfulness[0].yes_share == pytest.approx(2 / 3)
    national = await service.dashboard(conn, ADMIN, WEEKS, TODAY)
    assert {h.document: h.yes for h in national.helpfulness} == {
        DOC: 2,
        "typ-2-diabetes-primarvard": 1,
    }
    later = await service.dashboard(
        conn, await lead_of(conn, GROUP), {"from": "2026-03-16", "to": "2026-03-31"}, TODAY
    )
    assert [(h.yes, h.no) for h in later.helpfulness] == [(1, 0)]
