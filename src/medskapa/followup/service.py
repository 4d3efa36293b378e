"""The follow-up use cases: a dashboard for the asker's scope (a group lead's groups, or the
whole country for an admin), the public statistics of one document or programme area, and the
figures as CSV rows. Read only, each in one snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import asyncpg
import msgspec

from medskapa.errors import FieldError, Invalid, NotFound
from medskapa.feedback import helpfulness as helpfulness_answers
from medskapa.feedback.domain import CATEGORY_LABELS
from medskapa.followup import domain, queries
from medskapa.followup.domain import Figures, Filters
from medskapa.followup.texts import DIMENSIONS, ERRORS, PUBLIC_DIMENSIONS
from medskapa.i18n import N_, _
from medskapa.security.principal import Principal, Role

NOT_GIVEN = N_("Inte angiven")
ALL = N_("Alla")


class Breakdown(msgspec.Struct, frozen=True):
    dimension: str
    title: str
    heading: str
    caption: str
    """Swedish message ids; the page translates them."""
    rows: list[Figures]


class Helpfulness(msgspec.Struct, frozen=True):
    """The answers to "Hjälpte informationen på sidan dig?" on one document in the period
    (on the version of the filters, when one is chosen). Reasons are counted, never shown."""

    document: str
    title: str
    yes: int
    no: int
    with_reason: int

    @property
    def answers(self) -> int:
        return self.yes + self.no

    @property
    def yes_share(self) -> float | None:
        return None if not self.answers else self.yes / self.answers


async def _helpfulness(
    conn: asyncpg.Connection, filters: Filters, documents: dict[str, str]
) -> list[Helpfulness]:
    """Yes and no per document among ``documents`` (slug -> title), summed over versions and
    sections, answered within the filters' period."""
    counts = await helpfulness_answers.counts(
        conn,
        document=filters.document,
        programme_area=filters.area,
        version=filters.version,
        since=filters.start,
        until=filters.end,
    )
    sums: dict[str, list[int]] = {}
    for c in counts:
        if c.document in documents:
            total = sums.setdefault(c.document, [0, 0, 0])
            total[0] += c.yes
            total[1] += c.no
            total[2] += c.with_reason
    return sorted(
        (Helpfulness(slug, documents[slug], *total) for slug, total in sums.items()),
        key=lambda h: (-h.answers, h.title),
    )


class Dashboard(msgspec.Struct, frozen=True, kw_only=True):
    filters: Filters
    national: bool
    """Every group's items (an admin's overview), not only the asker's groups'."""
    total: Figures
    series: list[Figures]
    breakdowns: list[Breakdown]
    helpfulness: list[Helpfulness]
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
        return _(CATEGORY_LABELS.get(row.key or "", row.key or ""))
    if row.dimension == "region" and not row.key:
        return _(NOT_GIVEN)
    if row.dimension == "section" and (row.key or "").endswith("#"):
        return _("%(document)s: hela kunskapsstödet") % {"document": row.label}
    return row.label or row.key or _(NOT_GIVEN)


def _assemble(
    filters: Filters, rows: list[queries.Row], dimensions: tuple[str, ...]
) -> tuple[Figures, list[Figures], list[Breakdown]]:
    total = domain.empty("", _(ALL))
    by_period: dict[dt.date, Figures] = {}
    grouped: dict[str, list[Figures]] = {d: [] for d in dimensions}
    for row in rows:
        if row.dimension == "total":
            total = _figures(row, "", _(ALL))
        elif row.dimension == "period" and row.key:
            start = dt.date.fromisoformat(row.key)
            by_period[start] = _figures(row, row.key, domain.period_label(start, filters.interval))
        elif row.dimension in grouped:
            grouped[row.dimension].append(_figures(row, row.key or "", _label(row)))
    breakdowns = [Breakdown(d, *DIMENSIONS[d], grouped[d]) for d in dimensions]
    return total, domain.series(filters, by_period), breakdowns


def _pick(
    choices: list[queries.Choice], kind: str, slug: str | None, parent: str | None = None
) -> queries.Choice | None:
    """The option of this kind and slug; a version also by its document (``parent``)."""
    return next(
        (
            c
            for c in choices
            if c.kind == kind and c.slug == slug and (kind != "version" or c.parent == parent)
        ),
        None,
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
    documents = {
        c.slug: c.name
        for c in choices
        if c.kind == "document" and (filters.group is None or c.parent == filters.group)
    }
    return Dashboard(
        filters=filters,
        national=groups is None,
        total=total,
        series=series,
        breakdowns=breakdowns,
        helpfulness=await _helpfulness(conn, filters, documents),
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
    helpfulness: list[Helpfulness]
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
    documents = await queries.public_documents(
        conn, area_id=target.id if kind == "area" else None, document_id=scope.document_id
    )
    asked = msgspec.structs.replace(filters, area=target.slug) if kind == "area" else filters
    helpful = await _helpfulness(conn, asked, documents)
    return PublicStatistics(
        kind=kind,
        slug=target.slug,
        title=target.name,
        filters=filters,
        total=total,
        series=series,
        breakdowns=breakdowns,
        helpfulness=helpful,
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
    "helpful_yes",
    "helpful_no",
    "helpful_with_reason",
)


def csv_rows(
    total: Figures,
    series: list[Figures],
    breakdowns: list[Breakdown],
    helpful: list[Helpfulness],
) -> list[list]:
    """Every figure of a dashboard as rows under ``CSV_COLUMNS``: the totals, each period,
    each row of each breakdown, and the helpfulness answers per document (the last three
    columns, on their own rows)."""

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
            "",
            "",
            "",
        ]

    out = [line("total", total)]
    out += [line("period", f) for f in series]
    for breakdown in breakdowns:
        out += [line(breakdown.dimension, f) for f in breakdown.rows]
    out += [
        ["helpfulness", h.document, h.title, *[""] * 7, h.yes, h.no, h.with_reason] for h in helpful
    ]
    return out
