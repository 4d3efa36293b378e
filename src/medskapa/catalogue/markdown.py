"""Section bodies: CommonMark (with tables) rendered to HTML and sanitised, and the plain text a
reader sees, which is what quoted passages are matched against.

Rendering is a pure function of the text, so it is cached per process: a published version never
changes, and a draft's edited text is a new key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

import msgspec
import nh3
from markdown_it import MarkdownIt

# What a section body may contain once rendered. Headings inside a body start at h4: the
# section's own heading is h2 or h3 on the page.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "sup", "sub",
        "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "h4", "h5", "h6",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Tags whose content goes with them (the rest are unwrapped: their text stays).
_DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})
# Wrappers whose removal loses nothing a reader sees: not worth a line in the import report.
_HARMLESS = frozenset({"span", "div", "u", "s", "small", "section", "article", "main", "font"})
# Attributes that carry presentation only.
_QUIET_ATTRIBUTES = frozenset({"id", "class", "lang", "dir", "style"})


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
    # Every link becomes a token, so that a javascript: link is removed by the sanitiser and
    # reported, instead of silently staying in the text as "[label](javascript:…)".
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


_MARKDOWN = _parser()
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")


class Removal(msgspec.Struct, frozen=True):
    """Something the sanitiser took out: a tag, an attribute, or a link's address."""

    kind: str
    """"tag", "attribute" or "link"."""
    name: str
    """The tag, attribute or URL scheme, e.g. "script", "onclick", "javascript"."""


class _Inspector(HTMLParser):
    """Lists what sanitising will remove, for the import report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.removals: list[Removal] = []

    def _note(self, removal: Removal) -> None:
        if removal not in self.removals:
            self.removals.append(removal)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        known = tag in ALLOWED_TAGS
        if not known and tag not in _HARMLESS:
            self._note(Removal("tag", tag))
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name.startswith("on"):
                self._note(Removal("attribute", name))
            elif not known:
                continue
            elif name == "href" and value is not None:
                match = _SCHEME.match(value)
                if match and match[1].lower() not in URL_SCHEMES:
                    self._note(Removal("link", match[1].lower()))
            elif name not in allowed and name not in _QUIET_ATTRIBUTES:
                self._note(Removal("attribute", name))


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        link_rel="noopener noreferrer",
        strip_comments=True,
        # Table cells keep their alignment (markdown-it writes it as a style), nothing else.
        filter_style_properties={"text-align"},
    )


@lru_cache(maxsize=4096)
def render(markdown: str) -> str:
    """Safe HTML for a section body."""
    return _clean(_MARKDOWN.render(markdown))


def removals(markdown: str) -> list[Removal]:
    """What rendering ``markdown`` removes (scripts, event handlers, javascript: links, …)."""
    inspector = _Inspector()
    inspector.feed(_MARKDOWN.render(markdown))
    inspector.close()
    return inspector.removals


class _Text(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "li", "tr", "th", "td", "pre", "blockquote", "h4", "h5", "h6", "br", "hr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def plain_text(markdown: str) -> str:
    """The words a reader sees in the rendered body, whitespace collapsed: what a selection
    in the browser gives, and what quoted passages are stored and found against."""
    parser = _Text()
    parser.feed(render(markdown))
    parser.close()
    return _WHITESPACE.sub(" ", "".join(parser.parts)).strip()
