"""Hostile text, and the check that a page rendered it inert.

A page is inert to a payload when rendering it adds no element and no attribute that a page
with harmless text in the same place does not have: no <script>, no on* handler, no hx-*
attribute, no javascript: URL, and template syntax shows as the characters typed.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(document.cookie)</script>',
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">klicka</a>',
    "javascript:alert(1)",
    '<div hx-get="/konto/logga-ut" hx-trigger="load">x</div>',
    '<button hx-post="/api/v1/auth/logout" hx-trigger="load">x</button>',
    "{{ 7*7 }}",
    "{% for x in range(3) %}x{% endfor %}",
    "${7*7}",
    "<iframe src=//example.org></iframe>",
    "<style>body{display:none}</style>",
    '<form action="//example.org"><input name=x></form>',
    "</textarea><script>alert(1)</script>",
    "'; DROP TABLE feedback; --",
    "<!--",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=//example.org">',
]
HARMLESS = "Jag förstår inte vad som menas med uppföljning."
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href"}
)


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Counted, not just seen: a payload that adds a second <script> to a page that has
        # one already is as live as the first.
        self.found: Counter[str] = Counter()
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found[f"<{tag}>"] += 1
        for name, value in attrs:
            self.found[f"{tag}[{name}]"] += 1
            # A javascript: URL runs where a URL is followed; in a text field's value (the
            # statement editor shows a heading as typed) it is just text.
            if name in URL_ATTRIBUTES and value and value.strip().lower().startswith("javascript:"):
                self.found[f"{tag}[{name}=javascript:]"] += 1


def _parse(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert(page: str, baseline: str, payload: str) -> None:
    """``page`` shows ``payload`` where ``baseline`` shows harmless text: the payload is there
    as the characters typed (so it was rendered, and template syntax was not evaluated), and
    nothing new is live."""
    shown, base = _parse(page), _parse(baseline)
    assert payload in "".join(shown.text), f"{payload!r} is not shown as typed"
    added = shown.found - base.found  # what the payload page has more of
    assert not added, f"{payload!r} added {sorted(added)}"
