"""E-mail templates: one folder per message in ``templates/email/NAME/`` with ``subject.txt``,
``body.txt`` and ``body.html``, Swedish first with English below.

The HTML body is rendered with autoescaping; the plain-text body and the subject without (they
are never parsed as markup). A subject is one line, and never holds feedback text or personal
data: its template sees only the same context as the body, which holds no such thing.

Links: an outbox row holds paths (``/konto/nytt-losenord?token=...``), never a host. The one
``render`` below joins them with the base URL it is given (MEDSKAPA_BASE_URL, from the relay
and the development mailbox alike), so no request's Host header can reach a mail. Templates
write ``{{ absolute(link) }}`` for a stored path and ``{{ base_url }}/folj`` for a fixed one;
a ``base_url`` stored in a row (older rows have one) is ignored. Rows queued before links
were paths hold full URLs: ``absolute`` keeps their path and query and puts the configured
host in front.

One context key is also a header: ``unsubscribe``, the path of a one-click unsubscribe link
(mail to followers of a document). ``Rendered.unsubscribe`` is its absolute URL, which the
relay puts in ``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058); the body shows
the same link for people.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jinja2
import msgspec

from medskapa.feedback.texts import REJECTION_WORDS
from medskapa.i18n import translate
from medskapa.resources import resource_dir
from medskapa.triage.texts import CLOSE_REASON_LABELS

from .queue import TEMPLATES


class Rendered(msgspec.Struct, frozen=True):
    subject: str
    text: str
    html: str
    unsubscribe: str | None = None
    """Absolute one-click unsubscribe URL, for the List-Unsubscribe header; None for mail
    that is not a subscription."""


class TemplateMissing(LookupError):
    """The outbox row names a template that has no folder (or is not in TEMPLATES)."""


CLOSE_REASONS_EN: dict[str, str] = {
    "already_covered": "The text already says this",
    "out_of_scope": "Outside the scope of the guidance",
    "duplicate": "The same feedback has already been answered",
    "not_actionable": "Nothing in it can be acted on",
    "personal_care_matter": "It is about your own care (your care provider, 1177 or the "
    "patient advisory committee can help)",
}
assert set(CLOSE_REASONS_EN) == set(CLOSE_REASON_LABELS)


def _rejection(language: str) -> Any:
    return lambda code: translate(
        REJECTION_WORDS.get(code, REJECTION_WORDS["other"]), "en" if language == "en" else "sv"
    )


def _closed(labels: dict[str, str]) -> Any:
    return lambda code: labels.get(code, code)


def _join(base_url: str, target: str) -> str:
    parts = urlsplit(str(target))
    path = "/" + parts.path.lstrip("/")
    return base_url + urlunsplit(("", "", path, parts.query, parts.fragment))


@jinja2.pass_context
def _absolute(context: jinja2.runtime.Context, target: str) -> str:
    """The configured base URL followed by the path (and query) of ``target``; whatever host
    ``target`` names, if any, is dropped."""
    return _join(context["base_url"], target)


@functools.cache
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.FileSystemLoader(resource_dir("templates") / "email")
    common = {"loader": loader, "undefined": jinja2.StrictUndefined, "keep_trailing_newline": True}
    html = jinja2.Environment(autoescape=True, **common)
    text = jinja2.Environment(autoescape=False, **common)  # noqa: S701 - plain text, never HTML
    for env in (html, text):
        env.globals["rejection_sv"] = _rejection("sv")
        env.globals["rejection_en"] = _rejection("en")
        env.globals["closed_sv"] = _closed(CLOSE_REASON_LABELS)
        env.globals["closed_en"] = _closed(CLOSE_REASONS_EN)
        env.globals["absolute"] = _absolute
    return html, text


def render(template: str, context: dict[str, Any], *, base_url: str) -> Rendered:
    """Render one message with its links under ``base_url`` (settings.base_url). A missing
    context value is an error (StrictUndefined), not a blank."""
    if template not in TEMPLATES:
        raise TemplateMissing(template)
    context = {**context, "base_url": base_url.rstrip("/")}
    html_env, text_env = _environments()
    try:
        subject = text_env.get_template(f"{template}/subject.txt").render(context)
        text = text_env.get_template(f"{template}/body.txt").render(context)
        html = html_env.get_template(f"{template}/body.html").render(context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateMissing(template) from exc
    # A header must not contain a line break, whatever a context value holds.
    subject = " ".join(subject.split())
    unsubscribe = context.get("unsubscribe")
    return Rendered(
        subject=subject,
        text=text,
        html=html,
        unsubscribe=_join(context["base_url"], unsubscribe) if unsubscribe else None,
    )
