"""Two languages: Swedish, the source language, and English, through gettext catalogues.

Every message id is the Swedish text itself, as a page or a service writes it: Swedish needs no
catalogue (a Swedish ``.po`` would only copy each id into its msgstr), a template still reads in
Swedish, and the English catalogue, ``locale/en/LC_MESSAGES/messages.po``, says how each Swedish
sentence reads in English. ``tests/i18n`` fails when a message has no English, or the catalogue
is out of date with the sources (``scripts/i18n`` extracts and updates it).

The language of the work at hand lives in a context variable: the language middleware
(web/language.py) sets it for each request, which runs in its own task (or, for a synchronous
handler, a thread given a copy of the task's context), so concurrent requests never see each
other's choice. Work done outside a request (mail, jobs) names its language with
``use_language`` or ``translate``.

Mark a string with ``_()`` where it is used, or with ``N_()`` in a module-level table (the
text is looked up later, with ``_(table[key])``). This module is at the bottom of the house: it
imports nothing of medskapa.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Literal, cast
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")
SOURCE: Language = "sv"
"""The language of every message id, and the one shown when nothing else is asked for."""

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

# Babel's locale for each language: dates, numbers, month names.
BABEL_LOCALES: dict[Language, str] = {"sv": "sv_SE", "en": "en_GB"}
# What each language is called in itself: the language switch names the other one so.
NATIVE_NAMES: dict[Language, str] = {"sv": "Svenska", "en": "English"}

_current: ContextVar[Language] = ContextVar("medskapa_language", default=SOURCE)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def language_or_none(value: object) -> Language | None:
    """``value`` if it names one of the two languages ("en", "EN", "sv"), else None."""
    if not isinstance(value, str):
        return None
    lowered = value.strip().lower()
    return cast(Language, lowered) if lowered in LANGUAGES else None


def negotiate(
    query: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> Language:
    """The language of a request: an explicit ``?lang=`` first, then the language the reader
    chose earlier (the cookie), then the first of their browser's languages that we have
    (``Accept-Language``, with its q-values), else Swedish. Anything unknown is passed over."""
    for explicit in (query, cookie):
        found = language_or_none(explicit)
        if found is not None:
            return found
    if accept_language:
        wanted: list[tuple[float, int, str]] = []
        for position, part in enumerate(accept_language.split(",")[:20]):
            tag, _sep, params = part.strip().partition(";")
            quality = 1.0
            for param in params.split(";"):
                key, _eq, number = param.strip().partition("=")
                if key.strip() == "q":
                    try:
                        quality = float(number)
                    except ValueError:
                        quality = 0.0
            if tag and quality > 0:
                wanted.append((-quality, position, tag.strip()))
        preferred = [tag for _q, _p, tag in sorted(wanted)]
        found = language_or_none(negotiate_locale(preferred, list(LANGUAGES), sep="-"))
        if found is not None:
            return found
    return SOURCE


@cache
def catalogue(language: Language) -> _gettext.NullTranslations:
    """The messages of ``language``: none for Swedish (the ids are Swedish). The compiled
    ``.mo`` (made when the package is built: hatch_build.py) when it is at least as new as its
    ``.po``; in a source checkout run without building, the ``.po`` compiled in memory."""
    if language == SOURCE:
        return _gettext.NullTranslations()
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    with po.open("rb") as handle:
        messages = read_po(handle, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def current_language() -> Language:
    return _current.get()


def activate(language: Language) -> None:
    """Sets the language for the rest of this task (a request's middleware does this)."""
    _current.set(language)


@contextmanager
def use_language(language: Language) -> Iterator[None]:
    """The language for a block of work outside a request's own (a mail to a submitter)."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def translate(message: str, language: Language | None = None) -> str:
    """``message`` (its Swedish id) in ``language``, by default the current one."""
    return catalogue(language or _current.get()).gettext(message)


def gettext(message: str) -> str:
    return catalogue(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """For a Swedish word that reads differently in English by where it stands."""
    return catalogue(_current.get()).pgettext(context, message)


_ = gettext


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue where it is defined (a table); it is translated
    where it is shown, with ``_()``."""
    return message


class Labels(Mapping[str, str]):
    """A table of names (a status, a category, a role): key -> Swedish name, marked with
    ``N_``; each name is read in the current language, in Python and in a template alike
    (``labels[key]``, ``labels.get(key)``, ``labels.items()``)."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)

    def __getitem__(self, key: str) -> str:
        return gettext(self._names[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"Labels({self._names!r})"

    def swedish(self, key: str) -> str:
        """The name as written (in Swedish), whatever the current language."""
        return self._names[key]


def babel_locale(language: Language | None = None) -> Locale:
    return Locale.parse(BABEL_LOCALES[language or _current.get()])


# Named styles of a moment on the clock in Sweden, per language.
_MOMENT_STYLES: dict[str, dict[Language, str]] = {
    "long": {"sv": "d MMMM y 'kl.' HH.mm", "en": "d MMMM y 'at' HH:mm"},
    "time": {"sv": "'kl.' HH.mm", "en": "HH:mm"},
    "short": {"sv": "yyyy-MM-dd HH.mm", "en": "d MMM y, HH:mm"},
}


def zone_label() -> str:
    """Which clock every time on a page is (Sweden's, summer or winter)."""
    return gettext("svensk tid")


def format_moment(value: dt.datetime, style: str = "long") -> str:
    """A moment as the clock in Sweden shows it, in the current language: "2 december 2026 kl.
    14.05 (svensk tid)" or "2 December 2026 at 14:05 (Swedish time)"."""
    language = _current.get()
    pattern = _MOMENT_STYLES[style][language]
    shown = format_datetime(value, pattern, tzinfo=STOCKHOLM, locale=BABEL_LOCALES[language])
    return f"{shown} ({zone_label()})"


def format_day(value: dt.date) -> str:
    """A date in words ("2 december 2026", "2 December 2026"); a moment is first put on
    Sweden's clock, so an event at 23.30 UTC falls on the Swedish date it happened."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(STOCKHOLM).date()
    return format_date(value, format="long", locale=BABEL_LOCALES[_current.get()])


def format_number(value: int | float | Decimal) -> str:
    """A number as the current language writes it ("5 000" / "5,000")."""
    return format_decimal(value, locale=BABEL_LOCALES[_current.get()])
