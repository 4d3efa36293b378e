"""Hjälpte informationen på sidan dig? Readers say whether a version of a guidance document
(or one of its sections, in the widget) helped them, yes or no, with an optional short reason.

- Anonymous: no account, address or contact is stored. One answer per browser and version:
  the browser holds a random id of its own (``new_browser_id``: in its localStorage, or in a
  medskapa cookie where it runs no script); only a keyed hash of the id is stored, so the
  table cannot be matched with anything the browser or a log holds without the instance key.
- The reason is never shown to anyone as individual text: only counts leave the table
  (``counts``, which the statistics and dashboards read).
- The pages count every answer against a per-client rate limit (feedback/helpfulness_pages.py)
  before they call ``answer``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from medskapa.errors import FieldError, Invalid, NotFound, Refused
from medskapa.feedback import helpfulness_queries as queries
from medskapa.feedback.domain import InvalidText, clean_text
from medskapa.feedback.helpfulness_queries import HelpfulnessCount
from medskapa.feedback.helpfulness_texts import ERRORS
from medskapa.feedback.personal_data import find_personal_data
from medskapa.i18n import current_language
from medskapa.security.embedding import EMBED_PAGES
from medskapa.security.secrets import derive

__all__ = ["REASON_MAX", "HelpfulnessAnswer", "HelpfulnessCount", "answer", "counts"]

REASON_MAX = 300
BROWSER_STORAGE_KEY = "medskapa.webblasare"
"""Where the pages' script keeps the browser's id (static/js/helpful.js says the same)."""
BROWSER_COOKIE_DAYS = 365
"""How long the cookie that holds the id where no script runs is kept."""


def browser_cookie_name(insecure_cookies: bool) -> str:
    """The cookie that holds the id where no script runs. As the CSRF cookie: ``__Host-``
    where cookies are Secure, a plain name on http://127.0.0.1."""
    return "webblasare" if insecure_cookies else "__Host-webblasare"


Via = Literal["page", "widget"]
# What new_browser_id makes (22 characters of base64url, 128 bits), with room for ids made by
# a browser's own script (crypto.randomUUID: 36 characters).
_BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
_SWEDEN = ZoneInfo("Europe/Stockholm")


class HelpfulnessAnswer(msgspec.Struct, frozen=True, kw_only=True):
    document: str
    """The document's slug."""
    version: str | None
    """The version's label; None: the version the public reads."""
    section: str | None
    """The section's key; None: the document as a whole."""
    helpful: str
    """"ja" or "nej", as the form sends it."""
    reason: str = ""
    via: Via = "page"
    browser: str
    """The browser's random id (``valid_browser_id``)."""


def question(
    slug: str,
    version: str | None,
    section: str | None,
    *,
    embedded: bool = False,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What templates/feedback/_helpful_form.html shows: the question on a document page (the
    whole document), or on one section in the widget's dialog (``embedded``), in the current
    language (medskapa.i18n). The answer is sent with that language in its address (``?lang=``,
    which the language middleware honours), so the thanks or the errors come back in the
    language the question was asked in, in a frame too, where the language cookie is usually
    blocked and the browser's own languages may say otherwise."""
    language = current_language()
    path = f"{EMBED_PAGES if embedded else '/kunskapsstod/'}{slug}/hjalpte"
    return {
        "action": f"{path}?{urlencode({'lang': language})}",
        "version": version or "",
        "section": (section or "") if embedded else "",
        "via": "widget" if embedded else "page",
        "lang": language,
        "values": values or {},
        "errors": errors or {},
        "reason_max": REASON_MAX,
    }


def new_browser_id() -> str:
    return secrets.token_urlsafe(16)


def valid_browser_id(value: str | None) -> bool:
    return value is not None and _BROWSER_ID.match(value) is not None


def _browser_hash(key: bytes, browser: str) -> bytes:
    return derive(key, "helpfulness-browser", browser)[:16]


def _checked(given: HelpfulnessAnswer, version: queries.AnswerableVersion) -> tuple[bool, str]:
    errors: list[FieldError] = []
    helpful = given.helpful in ("ja", "nej")
    if not helpful:
        errors.append(FieldError("helpful", "choose_one"))
    reason = ""
    try:
        reason = clean_text(given.reason)
    except InvalidText as exc:
        errors.append(FieldError("reason", exc.code))
    if len(reason) > REASON_MAX:
        errors.append(FieldError("reason", "reason_too_long"))
    elif reason and find_personal_data(reason):
        # The answer is anonymous and no moderator reads it before it is stored: what would
        # make it personal data is refused instead of kept.
        errors.append(FieldError("reason", "reason_personal_data"))
    if given.section is not None and given.section not in version.section_keys:
        errors.append(FieldError("section", "unknown_section"))
    if errors:
        raise Invalid(errors, ERRORS)
    return given.helpful == "ja", reason


async def answer(
    conn: asyncpg.Connection, key: bytes, now: dt.datetime, given: HelpfulnessAnswer
) -> None:
    """Store one answer. ``NotFound`` for a document or version that takes no answers,
    ``Invalid`` for bad input, ``Refused("already_answered")`` when this browser has answered
    on this version before (the first answer stands)."""
    if not valid_browser_id(given.browser):
        raise ValueError("the pages give every answer a browser id")
    version = await queries.answerable_version(conn, given.document, given.version)
    if version is None:
        raise NotFound("No version of that guidance document takes answers here.")
    helpful, reason = _checked(given, version)
    stored = await queries.insert_answer(
        conn,
        version_id=version.id,
        section_key=given.section,
        helpful=helpful,
        reason=reason or None,
        via=given.via,
        browser_hash=_browser_hash(key, given.browser),
        day=now.astimezone(_SWEDEN).date(),
    )
    if not stored:
        raise Refused("already_answered", ERRORS)


async def has_answered(
    conn: asyncpg.Connection, key: bytes, document: str, version: str | None, browser: str
) -> bool:
    found = await queries.answerable_version(conn, document, version)
    return found is not None and await queries.has_answered(
        conn, found.id, _browser_hash(key, browser)
    )


async def counts(
    conn: asyncpg.Connection,
    *,
    document: str | None = None,
    programme_area: str | None = None,
    version: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[HelpfulnessCount]:
    """Yes and no per document, version and section (section None: the whole document), for
    the statistics: filtered by document slug, programme-area slug, version label and the
    days answered (Swedish dates, both ends included). Reasons are counted, never returned."""
    return await queries.counts(
        conn,
        document=document,
        programme_area=programme_area,
        version=version,
        since=since,
        until=until,
    )


async def erase_old_reasons(
    conn: asyncpg.Connection, now: dt.datetime, retention_days: int, *, batch: int = 1000
) -> int:
    """Erase the text of every reason given more than ``retention_days`` ago (Swedish days,
    as answers are dated); the answer, and that it came with a reason, stay for the counts."""
    before = now.astimezone(_SWEDEN).date() - dt.timedelta(days=retention_days)
    total = 0
    while True:
        async with conn.transaction():
            erased = await queries.erase_reasons(conn, before, batch)
        total += erased
        if erased < batch:
            return total
