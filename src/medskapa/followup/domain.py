"""The follow-up figures' rules, without I/O: reading the filters as they came, the periods
of a time series (weeks or months on Sweden's calendar), and the figures derived from the
counts (shares). The counts themselves, medians and 90th percentiles are the database's
(followup/queries.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from enum import StrEnum

import msgspec

from medskapa.errors import FieldError, Invalid
from medskapa.followup.texts import ERRORS
from medskapa.i18n import _, current_language

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LABEL = re.compile(r"^[0-9]+(\.[0-9]+)*$")
# A longer period says little more per week and costs a longer walk over the items.
LONGEST_PERIOD = dt.timedelta(days=5 * 366)
LONGEST_WEEKLY = dt.timedelta(days=2 * 366)
FIRST_DATE = dt.date(2000, 1, 1)


class Interval(StrEnum):
    WEEK = "week"
    MONTH = "month"


class Filters(msgspec.Struct, frozen=True, kw_only=True):
    """What the figures are over: items received from ``start`` to ``end`` (both whole days
    in Sweden), optionally in one programme area, group, document and version."""

    start: dt.date
    end: dt.date
    interval: Interval = Interval.MONTH
    area: str | None = None
    group: str | None = None
    document: str | None = None
    version: str | None = None

    def query(self) -> dict[str, str]:
        """These filters as a link's query (the CSV link beside the page, for one)."""
        values = {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "per": str(self.interval),
            "area": self.area,
            "group": self.group,
            "document": self.document,
            "version": self.version,
        }
        return {k: v for k, v in values.items() if v}


def default_filters(today: dt.date) -> Filters:
    """The last twelve months, this one included, per month."""
    month = today.month - 11
    start = dt.date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return Filters(start=start, end=today)


def _date(raw: str, field: str, errors: list[FieldError]) -> dt.date | None:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError(raw)
        value = dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(field, "bad_date"))
        return None
    if value < FIRST_DATE:
        errors.append(FieldError(field, "date_too_early"))
        return None
    return value


def _slug(raw: str | None, field: str, errors: list[FieldError]) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > 120 or not SLUG.fullmatch(value):
        errors.append(FieldError(field, f"unknown_{field}"))
        return None
    return value


def parse_filters(raw: Mapping[str, str | None], today: dt.date) -> Filters:
    """The filters from a query, each checked on its own; ``Invalid`` names every field that
    cannot be used. Whether a programme area, group, document or version exists and is the
    asker's is the service's question."""
    default = default_filters(today)
    errors: list[FieldError] = []
    start = default.start
    end = default.end
    if (raw.get("from") or "").strip():
        start = _date((raw.get("from") or "").strip(), "from", errors) or start
    if (raw.get("to") or "").strip():
        end = _date((raw.get("to") or "").strip(), "to", errors) or end
    interval = Interval.MONTH
    per = (raw.get("per") or "").strip()
    if per:
        if per not in Interval.__members__.values():
            errors.append(FieldError("per", "unknown_interval"))
        else:
            interval = Interval(per)
    if not errors:
        if start > end:
            errors.append(FieldError("to", "period_reversed"))
        elif end - start > LONGEST_PERIOD:
            errors.append(FieldError("from", "period_too_long"))
        elif interval is Interval.WEEK and end - start > LONGEST_WEEKLY:
            errors.append(FieldError("per", "too_many_weeks"))
    area = _slug(raw.get("area"), "area", errors)
    group = _slug(raw.get("group"), "group", errors)
    document = _slug(raw.get("document"), "document", errors)
    version = (raw.get("version") or "").strip() or None
    if version is not None:
        if len(version) > 20 or not LABEL.fullmatch(version):
            errors.append(FieldError("version", "unknown_version"))
        elif document is None:
            errors.append(FieldError("version", "version_needs_document"))
    if errors:
        raise Invalid(errors, ERRORS)
    return Filters(
        start=start,
        end=end,
        interval=interval,
        area=area,
        group=group,
        document=document,
        version=version,
    )


def periods(filters: Filters) -> list[dt.date]:
    """The first day of every week (Monday) or month that the period touches, in order: the
    time series shows each, also those without items."""
    if filters.interval is Interval.WEEK:
        first = filters.start - dt.timedelta(days=filters.start.weekday())
        count = (filters.end - first).days // 7 + 1
        return [first + dt.timedelta(weeks=i) for i in range(count)]
    out = []
    year, month = filters.start.year, filters.start.month
    while (year, month) <= (filters.end.year, filters.end.month):
        out.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


class Figures(msgspec.Struct, frozen=True, kw_only=True):
    """The figures of one row: all items in the filters, or one period, document, theme ...

    ``received`` counts moderated items that reached a group; ``answered`` those with at
    least one answer from a group; ``changed`` those whose text changed in a published
    version; the days are from receipt to the first answer, over the answered ones."""

    key: str
    label: str
    received: int
    answered: int
    change_planned: int
    changed: int
    median_days: float | None
    p90_days: float | None

    @property
    def changed_share(self) -> float | None:
        """The share of the received items that led to a change in the text (0-1)."""
        return None if not self.received else self.changed / self.received

    @property
    def answered_share(self) -> float | None:
        return None if not self.received else self.answered / self.received


def empty(key: str, label: str) -> Figures:
    return Figures(
        key=key,
        label=label,
        received=0,
        answered=0,
        change_planned=0,
        changed=0,
        median_days=None,
        p90_days=None,
    )


def period_label(start: dt.date, interval: Interval) -> str:
    """ "v. 5 2026" for a week (ISO week number, as Swedish calendars count), "2026-02" for a
    month."""
    if interval is Interval.WEEK:
        year, week, _day = start.isocalendar()
        return _("v. %(week)s %(year)s") % {"week": week, "year": year}
    return f"{start.year}-{start.month:02d}"


def series(filters: Filters, rows: Mapping[dt.date, Figures]) -> list[Figures]:
    """Every period of the filters with its figures, a period without items at zero."""
    return [
        rows.get(start) or empty(start.isoformat(), period_label(start, filters.interval))
        for start in periods(filters)
    ]


def days(value: float | None) -> str:
    """Days with one decimal (a decimal comma in Swedish), or a dash when there is nothing to
    count."""
    if value is None:
        return "–"
    shown = f"{value:.1f}"
    return shown if current_language() == "en" else shown.replace(".", ",")


def percent(share: float | None) -> str:
    """A share as a whole percent ("20 %" in Swedish, "20%" in English)."""
    if share is None:
        return "–"
    return f"{round(share * 100)}{'' if current_language() == 'en' else ' '}%"
