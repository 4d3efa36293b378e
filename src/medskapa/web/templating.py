"""Jinja environment: filters and globals shared by every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup

from medskapa import __version__
from medskapa.i18n import (
    current_language,
    format_day,
    format_moment,
    format_number,
    gettext,
    ngettext,
    pgettext,
)
from medskapa.security.permissions import Permission, may, principal_of
from medskapa.security.principal import ANONYMOUS
from medskapa.web.language import language_links as links_for

HTMX_PATH = "/static/vendor/htmx-2.0.11/htmx.min.js"


STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_time(value: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as the clock in Sweden shows it (the database keeps UTC), in the page's
    language.

    ``"long"``, ``"time"`` and ``"short"`` are the labelled forms pages use ("2 december 2026
    kl. 14.05 (svensk tid)", "2 December 2026 at 14:05 (Swedish time)", "kl. 14.05 (svensk
    tid)"); any other pattern is a strftime pattern of digits, unlabelled."""
    if value is None:
        return ""
    if pattern in ("long", "time", "short"):
        return format_moment(value, pattern)
    return value.astimezone(STOCKHOLM).strftime(pattern)


def swedish_date(value: dt.date | None) -> str:
    """A date in words in the page's language ("2 december 2026", "2 December 2026"); a
    moment is first put on Sweden's clock, so an event at 23.30 UTC falls on the Swedish date
    it happened. (The name is older than the English pages.)"""
    if value is None:
        return ""
    return format_day(value)


def number(value: int | float | None) -> str:
    """A number as the page's language writes it ("5 000", "5,000")."""
    return "" if value is None else format_number(value)


def lang_sv() -> Markup:
    """`` lang="sv"`` on an element that shows Swedish content (a document's text, a Swedish
    name) on a page in another language, so that a screen reader reads it as Swedish; nothing
    on a Swedish page, where the page's own lang says it."""
    return Markup("") if current_language() == "sv" else Markup(' lang="sv"')


def swedish_name(value: object) -> Markup | object:
    """``{{ group.name | sv }}``: a Swedish name (a group, a region, a document) in a
    ``<span lang="sv">`` on a page in another language, so that a screen reader says it in
    Swedish; the value as it is on a Swedish page."""
    if current_language() == "sv" or value is None or value == "":
        return value
    return Markup('<span lang="sv">%s</span>') % value


def user_text() -> Markup:
    """`` data-user-text`` on what someone wrote (feedback, an answer) on a page in another
    language than Swedish: it is in whatever language they wrote it, which the test that an
    English page has no Swedish interface text (tests/i18n_check.py) passes over."""
    return Markup("") if current_language() == "sv" else Markup(" data-user-text")


@pass_context
def language_links(context: Context) -> dict[str, Any]:
    """The page's language, the switch to the other one and the hreflang alternates
    (web/language.py), from the configured base URL."""
    request = context.get("request")
    settings = getattr(request.app.state, "settings", None) if request is not None else None
    base_url = settings.base_url if settings is not None else ""
    return links_for(request, base_url)


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
    # {% trans %}, _() and ngettext() in the page's language (medskapa.i18n); new-style, so a
    # translated text is escaped like any other value and takes %(name)s variables.
    env.add_extension("jinja2.ext.i18n")
    # A {% trans %} block's line breaks and indentation are not part of its message.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True, pgettext=pgettext
    )
    env.filters["swedish_date"] = swedish_date
    env.filters["local_time"] = local_time
    env.filters.update(filters or {})
    env.globals["app_version"] = __version__
    env.globals["htmx_path"] = HTMX_PATH
    env.globals["can"] = can
    env.globals["current_language"] = current_language
    env.globals["language_links"] = language_links
    env.globals["lang_sv"] = lang_sv
    env.globals["user_text"] = user_text
    env.filters["number"] = number
    env.filters["sv"] = swedish_name
