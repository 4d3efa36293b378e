"""Jinja environment: filters and globals shared by every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine

from medskapa import __version__
from medskapa.security.permissions import Permission, may, principal_of
from medskapa.security.principal import ANONYMOUS

HTMX_PATH = "/static/vendor/htmx-2.0.11/htmx.min.js"


STOCKHOLM = ZoneInfo("Europe/Stockholm")
ZONE_LABEL = "svensk tid"
"""How every time on a staff page says which clock it is (Sweden's, summer or winter)."""

# Named styles of ``local_time``; anything else is a strftime pattern.
_STYLES = {
    "long": "d MMMM y 'kl.' HH.mm",  # 2 december 2026 kl. 14.05
    "time": "'kl.' HH.mm",  # kl. 14.05
}


def local_time(value: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as the clock in Sweden shows it (the database keeps UTC).

    ``"long"`` and ``"time"`` are the labelled forms staff pages use ("2 december 2026 kl.
    14.05 (svensk tid)", "kl. 14.05 (svensk tid)"); any other pattern is a strftime pattern,
    unlabelled."""
    if value is None:
        return ""
    if pattern in _STYLES:
        shown = format_datetime(value, _STYLES[pattern], tzinfo=STOCKHOLM, locale="sv_SE")
        return f"{shown} ({ZONE_LABEL})"
    return value.astimezone(STOCKHOLM).strftime(pattern)


def swedish_date(value: dt.date | None) -> str:
    """A date in words ("2 december 2026"); a moment is first put on Sweden's clock, so an
    event at 23.30 UTC falls on the Swedish date it happened."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(STOCKHOLM).date()
    return format_date(value, format="long", locale="sv_SE")


@pass_context
def can(context: Context, permission: str) -> bool:
    """``can("moderate")`` in a template: whether the person viewing the page would be let
    into a route that needs that permission (its rule and, for staff work, the second
    factor), so that a page links only to what they may open. An unknown name is an error."""
    request = context.get("request")
    principal = principal_of(request) if request is not None else ANONYMOUS
    return may(principal, Permission(permission))


def configure(
    engine: JinjaTemplateEngine, filters: Mapping[str, Callable[..., Any]] | None = None
) -> None:
    """The environment every page shares; ``filters`` are the areas' own, which the app
    (app.py) hands in, since this kit knows no area."""
    env = engine.engine
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters["swedish_date"] = swedish_date
    env.filters["local_time"] = local_time
    env.filters.update(filters or {})
    env.globals["app_version"] = __version__
    env.globals["htmx_path"] = HTMX_PATH
    env.globals["can"] = can
