"""Whether a page shown in English still says something in Swedish.

The page's interface text (its visible text and the labels a screen reader reads: aria-label,
title, alt, placeholder, a button's value) outside any element marked ``lang="sv"`` (a
document's own text, a Swedish name kept on purpose, which a screen reader then reads in
Swedish) or ``data-user-text`` (what someone wrote, in whatever language they wrote it) must
contain:
- no message of the catalogue in its Swedish form (where its English differs), and
- no word with å, ä or ö, unless the English catalogue itself keeps that word (a Swedish name
  such as "patientnämnden", explained in English beside it), and
- none of a few everyday Swedish words that have no å, ä or ö ("och", "eller", "inte" ...):
  together these catch a sentence that was never marked for translation at all.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

ENGLISH = Path(__file__).resolve().parent.parent / "src/medskapa/locale/en/LC_MESSAGES/messages.po"
_LABELS = ("aria-label", "title", "alt", "placeholder", "aria-description")
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}|%%")
_NORDIC_WORD = re.compile(r"[\wÅÄÖåäö-]*[ÅÄÖåäö][\wÅÄÖåäö-]*")
_EVERYDAY = re.compile(
    # Whole words only: not inside an address or a slug ("hjart-och-karlsjukdomar").
    r"(?<![\w/-])(och|eller|inte|att|synpunkt(?:en|er|erna)?|kunskapsstöd(?:et|en)?"
    r"|avsnitt(?:et)?|Skicka|Spara|Avbryt|Visa|Sök|Logga|Tillbaka|sidan|Granska|Godkänn)"
    r"(?![\w/-])"
)


@cache
def _catalogue() -> tuple[tuple[str, ...], frozenset[str]]:
    with ENGLISH.open("rb") as handle:
        english = read_po(handle, locale="en")
    fragments: list[str] = []
    kept: set[str] = set()
    for message in english:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        kept.update(w.lower() for s in strings for w in _NORDIC_WORD.findall(s))
        for swedish, english_text in zip(ids, strings, strict=False):
            if swedish == english_text:
                continue
            for piece in _PLACEHOLDER.split(swedish):
                piece = " ".join(piece.split())
                # A fragment long enough to mean something on its own.
                if len(piece) >= 4 and (" " in piece or _NORDIC_WORD.search(piece)):
                    fragments.append(piece)
    return tuple(sorted(set(fragments), key=len, reverse=True)), frozenset(kept)


def interface_text(html: str) -> str:
    """The text of the page that is the interface: what is not marked ``lang="sv"``."""
    soup = BeautifulSoup(html, "html.parser")
    for gone in soup(["script", "style", "template", "title"]):
        gone.decompose()
    for marked in soup.select('[lang^="sv"], [data-user-text]'):
        if marked.name != "html":
            marked.decompose()
    parts = [soup.get_text(" ")]
    for element in soup.find_all(True):
        parts += [str(element[a]) for a in _LABELS if element.has_attr(a)]
        if element.name == "input" and element.get("type") in ("submit", "button"):
            parts.append(str(element.get("value", "")))
    return " ".join(" ".join(parts).split())


def swedish_left(html: str, content: tuple[str, ...] = ()) -> list[str]:
    """What in a page shown in English is still Swedish: [] when nothing is. ``content`` is
    Swedish text the page shows where no element can mark it (a document's title in
    ``<title>``)."""
    text = interface_text(html)
    # <title> holds text only: a Swedish name in it cannot be marked, so the names the page
    # is about (``content``) are taken out of the title alone.
    found_title = re.search(r"<title>(.*?)</title>", html, re.S)
    title = " ".join(found_title.group(1).split()) if found_title else ""
    for known in content:
        title = title.replace(known, " ")
    text = f"{text} {title}"
    fragments, kept = _catalogue()
    found = [f for f in fragments if f in text]
    found += sorted(
        {w for w in _NORDIC_WORD.findall(text) if w.lower() not in kept and not w.isupper()}
    )
    found += sorted(set(_EVERYDAY.findall(text)))
    return found
