"""The three ways a use case says no, shared by every area.

- ``NotFound``: nothing there for this asker (unknown, or not theirs: the asker cannot tell).
- ``Refused(code)``: understood, but not possible now (or not for this asker: ``status=403``).
- ``Invalid([FieldError])``: some input is not valid; each error names its field and a code.

Nothing was written when one of them is raised. Services raise them with codes; the texts for
the codes live in the area's ``texts.py`` (``code -> N_("Swedish text")``, translated through
the message catalogue: medskapa.i18n) and travel with the exception, because one code can mean
a different thing in another area ("name_required" for a routing rule and for an
organisation). ``medskapa.web.errors`` turns each of them into an error page in the reader's
language or RFC 9457 problem details, once, for the whole app; a page handler catches one
itself only where it shows the form again with the errors beside the fields.

This module is at the bottom of the house: it imports only medskapa.i18n.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from medskapa.i18n import N_, Language, current_language, translate

Texts = Mapping[str, str | Mapping[str, str]]
"""code -> the Swedish text, marked with N_() (its English is in the catalogue). The older
form, code -> {"sv": ..., "en": ...}, is still read, for code not yet moved to the catalogue."""

_NO_TEXTS: Texts = {}
_FALLBACK = N_("Värdet kan inte användas.")


class FieldError(msgspec.Struct, frozen=True):
    field: str
    code: str


def describe(texts: Texts, code: str, language: Language | None = None) -> str:
    """The text for ``code`` in ``language`` (by default the current one: medskapa.i18n); a
    generic sentence for a code without text (a code is never shown to a reader in its
    place)."""
    text = texts.get(code) or _FALLBACK
    if not isinstance(text, str):
        return text.get(language or current_language()) or translate(_FALLBACK, language)
    return translate(text, language)


class NotFound(Exception):
    """Nothing there for this asker: unknown, or someone else's. ``detail`` is the English
    sentence for the API; pages say it in Swedish."""

    def __init__(self, detail: str = "Nothing with that id is available to you.") -> None:
        super().__init__(detail)
        self.detail = detail


class Refused(Exception):
    """Understood, but not possible now; ``code`` says why. ``status`` is 409 unless the asker
    may not do this at all (403)."""

    def __init__(self, code: str, texts: Texts = _NO_TEXTS, *, status: int = 409) -> None:
        super().__init__(code)
        self.code = code
        self.texts = texts
        self.status = status

    def message(self, language: Language | None = None) -> str:
        return describe(self.texts, self.code, language)


class Invalid(Exception):
    """Some input is not valid; nothing was written."""

    def __init__(self, errors: list[FieldError], texts: Texts = _NO_TEXTS) -> None:
        super().__init__(", ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors
        self.texts = texts

    def message(self, error: FieldError, language: Language | None = None) -> str:
        return describe(self.texts, error.code, language)

    def by_field(self, language: Language | None = None) -> dict[str, str]:
        """The first message for each field, for a form shown again with its errors."""
        found: dict[str, str] = {}
        for error in self.errors:
            found.setdefault(error.field, self.message(error, language))
        return found


class CommandFailed(Exception):
    """A `medskapa` command could not do its work: the message (a sentence, or one reason a
    line) is what the person at the shell reads; the command exits with status 1."""
