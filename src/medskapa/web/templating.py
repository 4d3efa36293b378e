"""Jinja environment: filters and globals shared by every page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup

from medskapa import __version__
from medskapa.catalogue import markdown
from medskapa.catalogue.domain import KIND_LABELS, STATUS_LABELS

HTMX_PATH = "/static/vendor/htmx-2.0.11/htmx.min.js"


STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_time(value: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as the clock in Sweden shows it (the database keeps UTC)."""
    if value is None:
        return ""
    return value.astimezone(STOCKHOLM).strftime(pattern)


def swedish_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return format_date(value, format="long", locale="sv_SE")


def configure(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters["swedish_date"] = swedish_date
    env.filters["local_time"] = local_time
    # Section bodies: Markdown rendered and sanitised (catalogue/markdown.py), safe to insert.
    env.filters["markdown"] = lambda text: Markup(markdown.render(text or ""))  # noqa: S704
    env.filters["kind_label"] = lambda kind: KIND_LABELS.get(kind, kind)
    env.filters["status_label"] = lambda status: STATUS_LABELS.get(status, status)
    env.globals["app_version"] = __version__
    env.globals["htmx_path"] = HTMX_PATH
