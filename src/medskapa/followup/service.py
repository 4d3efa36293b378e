"""The follow-up use cases: a dashboard for the asker's scope (a group lead's groups, or the
whole country for an admin), the public statistics of one document or programme area, and the
figures as CSV rows. Read only, each in one snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import asyncpg
import msgspec

from medskapa.errors import FieldError, Invalid, NotFound
from medskapa.feedback.domain import CATEGORY_LABELS
from medskapa.followup import domain, queries
from medskapa.followup.domain import Figures, Filters
from medskapa.followup.texts import DIMENSIONS, ERRORS, PUBLIC_DIMENSIONS
from medskapa.security.principal import Principal, Role

NOT_GIVEN = "Inte angiven"


class Breakdown(msgspec.Struct, frozen=True):
    dimension: str
    title: str
    rows: list[Figures]


class Dashboard(msgspec.Struct, frozen=True, kw_only=True):
    filters: Filters
    national: bool
    """Every group's items (an admin's overview), not only the asker's groups'."""
    total: Figures
    series: list[Figures]
    breakdowns: list[Breakdown]
    choices: dict[str, list[queries.Choice]]


def groups_of(principal: Principal) -> list[int] | None:
    """The groups whose items the asker follows up: None (all) for an admin, else the groups
    they lead. The route's guard (``Permission.FOLLOW_UP``) has let in only these two."""
    if principal.role == Role.ADMIN:
        return None
    return sorted(g for g, role in principal.groups.items() if role == "lead")


def _figures(row: queries.Row, key: str, label: str) -> Figures:
    return Figures(
        key=key,
        label=label,
        received=row.received,
        answered=row.answered,
        change_planned=row.change_planned,
        changed=row.changed,
        median_days=None if row.median_days is None else round(row.median_days, 1),
        p90_days=None if row.p90_days is None else round(row.p90_days, 1),
    )


def _label(row: queries.Row) -> str:
    if row.dimension == "category":
        return CATEGORY_LABELS.get(row.key or "", row.key or "")
    if row.dimension == "region" and not row.key:
        return NOT_GIVEN
    return row.label or row.key or NOT_GIVEN


def _assemble(
    filters: Filters, rows: list[queries.Row], dimensions: tuple[str, ...]
) -> tuple[Figures, list[Figures], list[Breakdown]]:
    total = domain.empty("", "Alla")
    by_period: dict[dt.date, Figures] = {}
    grouped: dict[str, list[Figures]] = {d: [] for d in dimensions}
    for row in rows:
        if row.dimension == "total":
            total = _figures(row, "", "Alla")
        elif row.dimension == "period" and row.key:
            start = dt.date.fromisoformat(row.key)
            by_period[start] = _figures(row, row.key, domain.period_label(start, filters.interval))
        elif row.dimension in grouped:
            grouped[row.dimension].append(_figures(row, row.key or "", _label(row)))
    breakdowns = [Breakdown(d, DIMENSIONS[d], grouped[d]) for d in dimensions]
    return total, domain.series(filters, by_period), breakdowns


def _pick(
    choices: list[queries.Choice], kind: str, slug: str | None, parent: str | None = None
) -> queries.Choice | None:
    return next(
        (c for c in choices if c.kind == kind and c.slug == slug and c.parent == parent), None
    )


def _scope(
    filters: Filters, groups: list[int] | None, choices: list[queries.Choice]
) -> queries.Scope:
    """The filters as ids, each checked against what the asker may follow up: an unknown
    slug and another group's alike are "not among yours"."""
    errors: list[FieldError] = []
    ids: dict[str, int | None] = {}
    for kind, slug in (
        ("area", filters.area),
        ("group", filters.group),
        ("document", filters.document),
    ):
        found = _pick(choices, kind, slug) if slug else None
        if slug and found is None:
            errors.append(FieldError(kind, f"unknown_{kind}"))
        ids[kind] = found.id if found else None
    version_id = None
    if filters.version and filters.document and ids["document"]:
        version = _pick(choices, "version", filters.version, filters.document)
        if version is None:
            errors.append(FieldError("version", "unknown_version"))
        else:
            version_id = version.id
    if errors:
        raise Invalid(errors, ERRORS)
    return queries.Scope(
        start=filters.start,
        end=filters.end,
        interval=str(filters.interval),
        groups=groups,
        area_id=ids["area"],
        group_id=ids["group"],
        document_id=ids["document"],
        version_id=version_id,
    )


def _by_kind(choices: list[queries.Choice]) -> dict[str, list[queries.Choice]]:
    out: dict[str, list[queries.Choice]] = {"area": [], "group": [], "document": [], "version": []}
    for choice in choices:
        out[choice.kind].append(choice)
    return out


async def dashboard(
    conn: asyncpg.Connection,
    principal: Principal,
    raw: Mapping[str, str | None],
    today: dt.date,
) -> Dashboard:
    """The figures over the asker's items in the filters ``raw`` (as they came in a query).
    ``Invalid`` names each filter that cannot be used: a malformed one, or a programme area,
    group, document or version that is not among the asker's."""
    groups = groups_of(principal)
    filters = domain.parse_filters(raw, today)
    choices = await queries.choices(conn, groups)
    scope = _scope(filters, groups, choices)
    rows = await queries.breakdowns(conn, scope)
    total, series, breakdowns = _assemble(filters, rows, tuple(DIMENSIONS))
    return Dashboard(
        filters=filters,
        national=groups is None,
        total=total,
        series=series,
        breakdowns=breakdowns,
        choices=_by_kind(choices),
    )


async def choices_for(conn: asyncpg.Connection, principal: Principal) -> dict[str, list]:
    """The filters' options alone: what the page shows beside errors in its filters."""
    return _by_kind(await queries.choices(conn, groups_of(principal)))


class PublicStatistics(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    """"document" or "area"."""
    slug: str
    title: str
    filters: Filters
    total: Figures
    series: list[Figures]
    breakdowns: list[Breakdown]
    versions: list[str]


async def public_statistics(
    conn: asyncpg.Connection,
    kind: str,
    slug: str,
    raw: Mapping[str, str | None],
    today: dt.date,
) -> PublicStatistics:
    """The statistics anyone may see of one public document or programme area: counts and
    times over moderated items, broken down by period, version, section, category and (for a
    programme area) document. No theme or region: those are a group's working tags, and a
    region with few items could point at a person."""
    target = await queries.public_target(conn, kind, slug)
    if target is None:
        raise NotFound("No such guidance document or programme area.")
    unfiltered = {k: v for k, v in raw.items() if k in ("from", "to", "per", "version")}
    if kind == "document":
        unfiltered["document"] = slug
    elif unfiltered.get("version"):
        raise Invalid([FieldError("version", "version_needs_document")], ERRORS)
    filters = domain.parse_filters(unfiltered, today)
    versions = await queries.version_labels(conn, target.id) if kind == "document" else []
    version_id = None
    if filters.version:
        version_id = await queries.version_id(conn, target.id, filters.version)
        if version_id is None:
            raise Invalid([FieldError("version", "unknown_version")], ERRORS)
    scope = queries.Scope(
        start=filters.start,
        end=filters.end,
        interval=str(filters.interval),
        area_id=target.id if kind == "area" else None,
        document_id=target.id if kind == "document" else None,
        version_id=version_id,
    )
    rows = await queries.breakdowns(conn, scope, themes=False)
    dimensions = tuple(d for d in PUBLIC_DIMENSIONS if kind == "area" or d != "document")
    total, series, breakdowns = _assemble(filters, rows, dimensions)
    return PublicStatistics(
        kind=kind,
        slug=target.slug,
        title=target.name,
        filters=filters,
        total=total,
        series=series,
        breakdowns=breakdowns,
        versions=versions,
    )


CSV_COLUMNS = (
    "dimension",
    "key",
    "label",
    "received",
    "answered",
    "change_planned",
    "changed",
    "changed_share",
    "median_days_to_first_answer",
    "p90_days_to_first_answer",
)


def csv_rows(total: Figures, series: list[Figures], breakdowns: list[Breakdown]) -> list[list]:
    """Every figure of a dashboard as rows under ``CSV_COLUMNS``: the totals, each period and
    each row of each breakdown."""

    def line(dimension: str, f: Figures) -> list:
        share = f.changed_share
        return [
            dimension,
            f.key,
            f.label,
            f.received,
            f.answered,
            f.change_planned,
            f.changed,
            "" if share is None else f"{share:.4f}",
            "" if f.median_days is None else f.median_days,
            "" if f.p90_days is None else f.p90_days,
        ]

    out = [line("total", total)]
    out += [line("period", f) for f in series]
    for breakdown in breakdowns:
        out += [line(breakdown.dimension, f) for f in breakdown.rows]
    return out
