"""The catalogue's Jinja filters, which app.py hands to the page templates
(web/templating.py): section bodies as sanitised HTML, and the public words for a document's
kind and status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from medskapa.catalogue import markdown
from medskapa.catalogue.domain import KIND_LABELS, STATUS_LABELS


def template_filters() -> dict[str, Callable[..., Any]]:
    return {
        # Section bodies: Markdown rendered and sanitised (catalogue/markdown.py), safe to insert.
        "markdown": lambda text: Markup(markdown.render(text or "")),  # noqa: S704
        "kind_label": lambda kind: KIND_LABELS.get(kind, kind),
        "status_label": lambda status: STATUS_LABELS.get(status, status),
    }
