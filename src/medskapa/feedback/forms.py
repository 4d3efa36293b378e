"""The feedback form: what it shows (the document's sections, what the submitter already
typed, the errors beside their fields, what the personal-data check found) and how it reads
what was sent."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from typing import Any

import msgspec
from litestar import Request
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from medskapa.feedback.domain import QUOTE_MAX, TEXT_MAX, Category, SubmitterRole
from medskapa.feedback.helpfulness import question
from medskapa.feedback.queries import FormDocument
from medskapa.feedback.safety import client_rules
from medskapa.feedback.texts import Language, ui
from medskapa.regions.domain import HealthcareRegion
from medskapa.security.embedding import EMBED_PAGES
from medskapa.web.forms import field
from medskapa.web.templating import local_time

HONEYPOT_FIELD = "webbplats"
SAFETY_SHOWN_FIELD = "hjalp_visad"


@functools.cache
def _safety_rules_json() -> str:
    """The phrase list as the form's live check reads it: the same for every form, so encoded
    once per process, not on every render."""
    return msgspec.json.encode(client_rules()).decode()


"""Set when the submitter has been shown where to get help (by the server or the live check)."""
FORM_ID_FIELD = "formular_id"
# The text fields of the form, as they are kept to show it again.
TEXT_FIELDS = (
    "version",
    "section",
    "quote",
    "quote_prefix",
    "quote_suffix",
    "category",
    "role",
    "text",
    "care_region",
    "email",
)


class FoundData(msgspec.Struct, frozen=True):
    """What the personal-data check found, shown only to the submitter who typed it."""

    name: str
    text: str


class FormState(msgspec.Struct, kw_only=True):
    """Everything the form template needs, including what the submitter already typed."""

    values: dict[str, Any]
    errors: dict[str, str] = {}
    general_error: str | None = None
    findings: list[FoundData] = []
    token: str = ""
    regions: list[HealthcareRegion] = []
    """The choices for the region where the care took place."""
    safety: bool = False
    """The text carries a safety signal: the form shows where to get help now, once."""


def sent_values(data: dict[str, Any]) -> dict[str, Any]:
    """What the submitter sent, as the form shows it again: text as typed, consents as
    booleans."""
    values: dict[str, Any] = {name: field(data, name) for name in TEXT_FIELDS}
    values["consent_public"] = field(data, "consent_public") == "ja"
    values["consent_contact"] = field(data, "consent_contact") == "ja"
    return values


def _form_id(token: str) -> str:
    """A prefix for the ids of one form: unique among forms open on one page, the same each
    time that form is shown again, and only id-safe characters whatever the client sent."""
    return "f" + hashlib.blake2s(token.encode(errors="replace"), digest_size=4).hexdigest() + "-"


def embedded(request: Request[Any, Any, Any]) -> bool:
    """Whether the page is the one a guidance website frames in the widget's dialog."""
    return request.scope["path"].startswith(EMBED_PAGES)


def page_path(request: Request[Any, Any, Any], slug: str, page: str) -> str:
    """The path of one of a document's feedback pages (``synpunkt``, ``hjalpte``): under
    /inbaddad/ for the framed pages, under /kunskapsstod/ otherwise."""
    return f"{EMBED_PAGES if embedded(request) else '/kunskapsstod/'}{slug}/{page}"


def helpful_form(
    request: Request[Any, Any, Any],
    slug: str,
    version: str | None,
    section: str | None,
    *,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    """ "Hjälpte informationen på sidan dig?" as this page shows it (helpfulness.question), in
    the current language."""
    return question(slug, version, section, embedded=embedded(request), values=values)


def _form_context(
    request: Request[Any, Any, Any],
    document: FormDocument,
    state: FormState,
    language: Language,
    fragment: bool,
) -> dict[str, Any]:
    version = document.version(state.values.get("version") or None) or document.version(None)
    return {
        "embedded": embedded(request),
        "form_action": page_path(request, document.slug, "synpunkt"),
        "helpful": helpful_form(
            request,
            document.slug,
            version.label if version else None,
            state.values.get("section") or None,
        ),
        "document": document,
        "version": version,
        "form": state,
        "form_id": _form_id(state.token),
        "t": ui(),
        "lang": language,
        "fragment": fragment,
        "text_max": TEXT_MAX,
        "quote_max": QUOTE_MAX,
        "categories": list(Category),
        "roles": list(SubmitterRole),
        "honeypot": HONEYPOT_FIELD,
        "token_field": FORM_ID_FIELD,
        "safety_field": SAFETY_SHOWN_FIELD,
        "safety_rules": _safety_rules_json(),
    }


def render_form(
    request: Request[Any, Any, Any],
    document: FormDocument,
    state: FormState,
    language: Language,
    status_code: int = HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Template:
    """The form on its own page, or only the form when htmx asks for it in place."""
    fragment = request.headers.get("hx-request") == "true"
    return Template(
        "feedback/form_fragment.html" if fragment else "feedback/form_page.html",
        context=_form_context(request, document, state, language, fragment),
        status_code=status_code,
        headers=headers,
    )


def try_again_at(until: dt.datetime) -> str:
    """When a limited submitter may send again, as the clock in Sweden shows it, rounded up to
    the minute so that trying at that time works."""
    rounded = until.replace(second=0, microsecond=0)
    if rounded < until:
        rounded += dt.timedelta(minutes=1)
    return local_time(rounded, "%H.%M")
