"""Reading a guidance document from a file: Markdown with TOML front matter, or a saved HTML
guidance page. Pure: bytes in, a checked document or a list of problems out; storing it is
catalogue/authoring.py's job.

Markdown::

    +++
    slug = "hjartsvikt"
    title = "Hjärtsvikt"
    kind = "care_pathway"
    group = "nag-hjartsvikt"
    version = "1.0"
    summary = "…"            # optional
    easy_read = "…"          # optional: an easy-to-read (lättläst) summary, plain text
    change_summary = "…"     # optional
    published_on = 2024-03-20  # optional: the date an earlier publication carried
    +++

    ## 1 Inledning
    Text …

    ### 1.1 Syfte
    …

``##`` and ``###`` headings become sections; a heading keeps the number it was written with.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from typing import Any

import msgspec
from markdown_it import MarkdownIt

from medskapa.catalogue import markdown
from medskapa.catalogue.domain import DocumentKind

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_SECTIONS = 300
MAX_HEADING = 300
MAX_TITLE = 300
MAX_SUMMARY = 5000
MAX_CHANGE_SUMMARY = 2000
MAX_EASY_READ = 3000
"""An easy-to-read (lättläst) summary: short, so that it stays easy to read."""
MAX_BODY = 200_000
MAX_KEY = 120

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LABEL = re.compile(r"^[0-9]+(\.[0-9]+){0,3}$")
KEY = re.compile(r"^([0-9]+(\.[0-9]+)*-)?[a-z0-9]+(-[a-z0-9]+)*$")
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(\S.*)$")
_FRONT_MATTER = re.compile(r"\A\ufeff?\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.S)

REQUIRED_FIELDS = ("slug", "title", "kind", "group", "version")
OPTIONAL_FIELDS = ("summary", "change_summary", "published_on", "easy_read")


class Problem(msgspec.Struct, frozen=True):
    """One reason a file cannot be imported."""

    code: str
    field: str | None = None
    detail: str = ""
    """A value from the file that helps find the place (a key, a field name), never text."""


class Rejected(Exception):
    """The content cannot be stored; ``problems`` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.problems = problems


class SectionDraft(msgspec.Struct, frozen=True):
    key: str
    number: str
    heading: str
    level: int
    body: str


class ImportedDocument(msgspec.Struct, frozen=True):
    slug: str
    title: str
    kind: str
    group: str
    version: str
    sections: list[SectionDraft]
    summary: str = ""
    change_summary: str = ""
    published_on: dt.date | None = None
    easy_read: str = ""
    """The version's easy-to-read (lättläst) summary, plain text."""
    removed: list[markdown.Removal] = []
    """What sanitising took out of the file, for the import report."""
    ignored: list[str] = []
    """Codes for parts of the file that are not part of any section (e.g. "title_heading")."""


def label_key(label: str) -> tuple[int, ...]:
    return tuple(int(part) for part in label.split("."))


_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d"})


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens: "Läkemedel och egenvård" becomes
    "lakemedel-och-egenvard"."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > 60:
            break
        slug = candidate
    return slug


def split_heading(text: str) -> tuple[str, str]:
    """("4.1", "Läkemedel") from "4.1 Läkemedel"; ("", "Bakgrund") when no number is written."""
    text = " ".join(text.split())
    match = _NUMBERED.match(text)
    if match:
        return match[1], match[2]
    return "", text


def section_key(number: str, heading: str) -> str:
    words = slugify(heading) or "avsnitt"
    return f"{number}-{words}" if number else words


# "## 2 Målgrupp och avgränsningar {#2-malgrupp}": a key written by hand, so that a section
# keeps its key (and its feedback) when its words change.
_EXPLICIT_KEY = re.compile(r"\s*\{#([^}\s]*)\}\s*$")


def make_section(heading_text: str, level: int, body: str) -> SectionDraft:
    explicit = _EXPLICIT_KEY.search(heading_text)
    if explicit:
        heading_text = heading_text[: explicit.start()]
    number, heading = split_heading(heading_text)
    key = explicit[1] if explicit else section_key(number, heading)
    return SectionDraft(key, number, heading, level, body.strip())


def check_sections(sections: list[SectionDraft]) -> list[Problem]:
    """Problems with a list of sections, from a file or from the editor."""
    problems: list[Problem] = []
    if not sections:
        return [Problem("empty_document")]
    if len(sections) > MAX_SECTIONS:
        problems.append(Problem("too_many_sections", detail=str(MAX_SECTIONS)))
    seen: set[str] = set()
    for section in sections:
        if not section.heading.strip():
            problems.append(Problem("empty_heading", "sections", section.key))
        elif len(section.heading) > MAX_HEADING:
            problems.append(Problem("heading_too_long", "sections", section.key))
        if len(section.body) > MAX_BODY:
            problems.append(Problem("section_too_long", "sections", section.key))
        if not KEY.match(section.key) or len(section.key) > MAX_KEY:
            problems.append(Problem("bad_section_key", "sections", section.key))
        elif section.key in seen:
            problems.append(Problem("duplicate_section_key", "sections", section.key))
        seen.add(section.key)
    return problems


def _decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise Rejected([Problem("file_too_large", detail=str(MAX_FILE_BYTES))])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected([Problem("not_utf8", detail=str(exc.start))]) from exc


def _text(value: Any, name: str, limit: int, problems: list[Problem], required: bool) -> str:
    if value is None:
        if required:
            problems.append(Problem("missing_field", name))
        return ""
    if not isinstance(value, str):
        problems.append(Problem("field_not_text", name))
        return ""
    value = value.strip()
    if required and not value:
        problems.append(Problem("missing_field", name))
    elif len(value) > limit:
        problems.append(Problem("field_too_long", name, str(limit)))
    return value


def check_metadata(fields: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The document's fields, each checked; unknown fields are problems too."""
    problems = [
        Problem("unknown_field", name)
        for name in fields
        if name not in REQUIRED_FIELDS and name not in OPTIONAL_FIELDS
    ]
    slug = _text(fields.get("slug"), "slug", 100, problems, True)
    if slug and not SLUG.match(slug):
        problems.append(Problem("bad_slug", "slug"))
    kind = _text(fields.get("kind"), "kind", 50, problems, True)
    if kind and kind not in DocumentKind.__members__.values():
        problems.append(Problem("unknown_kind", "kind", kind[:50]))
    group = _text(fields.get("group"), "group", 100, problems, True)
    if group and not SLUG.match(group):
        problems.append(Problem("unknown_group", "group", group[:100]))
    version = fields.get("version")
    if isinstance(version, float | int) and not isinstance(version, bool):
        problems.append(Problem("version_not_text", "version"))
        version = None
    version = _text(version, "version", 20, problems, True)
    if version and not LABEL.match(version):
        problems.append(Problem("bad_version", "version"))
    published_on = fields.get("published_on")
    if published_on is not None and (
        not isinstance(published_on, dt.date) or isinstance(published_on, dt.datetime)
    ):
        problems.append(Problem("bad_date", "published_on"))
        published_on = None
    checked = {
        "slug": slug,
        "title": _text(fields.get("title"), "title", MAX_TITLE, problems, True),
        "kind": kind,
        "group": group,
        "version": version,
        "summary": _text(fields.get("summary"), "summary", MAX_SUMMARY, problems, False),
        "change_summary": _text(
            fields.get("change_summary"), "change_summary", MAX_CHANGE_SUMMARY, problems, False
        ),
        "published_on": published_on,
        "easy_read": _text(fields.get("easy_read"), "easy_read", MAX_EASY_READ, problems, False),
    }
    return checked, problems


_SECTION_PARSER = MarkdownIt("commonmark").enable("table")


def _markdown_sections(body: str) -> tuple[list[SectionDraft], list[str], list[Problem]]:
    lines = body.splitlines()
    tokens = _SECTION_PARSER.parse(body)
    headings: list[tuple[int, int, int, str]] = []  # start line, end line, level, text
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map is not None:
            text = tokens[index + 1].content
            headings.append((token.map[0], token.map[1], int(token.tag[1]), text))
    sections: list[SectionDraft] = []
    ignored: list[str] = []
    problems: list[Problem] = []
    first = next((h for h in headings if h[2] in (2, 3)), None)
    preamble_end = first[0] if first else len(lines)
    for start, end, level, _ in headings:
        if level == 1 and end <= preamble_end:
            ignored.append("title_heading")
            lines[start:end] = [""] * (end - start)
    if "\n".join(lines[:preamble_end]).strip():
        problems.append(Problem("text_before_first_heading"))
    section_heads = [h for h in headings if h[2] in (2, 3)]
    for position, (_start, end, level, text) in enumerate(section_heads):
        stop = section_heads[position + 1][0] if position + 1 < len(section_heads) else len(lines)
        sections.append(make_section(text, level, "\n".join(lines[end:stop])))
    return sections, ignored, problems


def _removed(sections: list[SectionDraft]) -> list[markdown.Removal]:
    found: list[markdown.Removal] = []
    for section in sections:
        for removal in markdown.removals(section.body):
            if removal not in found:
                found.append(removal)
    return found


def _safe_bodies(sections: list[SectionDraft]) -> list[SectionDraft]:
    """Bodies as stored: raw HTML in Markdown is sanitised once here, so that what is stored
    is what is shown, and the report can say what was taken out."""
    return [
        msgspec.structs.replace(s, body=_sanitise_markdown(s.body).strip())
        if markdown.removals(s.body)
        else s
        for s in sections
    ]


def _sanitise_markdown(body: str) -> str:
    # Only the raw HTML and the links inside the Markdown are cleaned: nh3 on the whole text
    # would escape Markdown syntax such as "> quote".
    body = _LINK.sub(_clean_link, body)
    return _HTML_TAG.sub(_clean_tag, body)


# A Markdown link: its words, its address (one level of parentheses inside, as in "alert(1)").
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?\s*([a-zA-Z][a-zA-Z0-9+.\-]*):((?:[^()]|\([^()]*\))*)\)")
_HTML_TAG = re.compile(
    r"<(script|style|iframe|object|embed|template)\b[^>]*>.*?</\1\s*>"
    r"|<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>",
    re.S | re.I,
)
_EVENT_ATTRIBUTE = re.compile(r"""\s+on[a-z]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_HREF = re.compile(r"""\s+href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def _clean_link(match: re.Match[str]) -> str:
    """A link to a scheme that is not allowed keeps its words and loses the address."""
    return match[0] if match[2].lower() in markdown.URL_SCHEMES else match[1]


def _clean_tag(match: re.Match[str]) -> str:
    if match[1] is not None:
        return ""
    closing, name, attributes = match[2], match[3].lower(), match[4]
    if name not in markdown.ALLOWED_TAGS:
        return ""
    if closing:
        return f"</{name}>"
    attributes = _EVENT_ATTRIBUTE.sub("", attributes)

    def href(m: re.Match[str]) -> str:
        value = m[1] or m[2] or m[3] or ""
        scheme = markdown._SCHEME.match(value)
        return "" if scheme and scheme[1].lower() not in markdown.URL_SCHEMES else m[0]

    return f"<{name}{_HREF.sub(href, attributes)}>"


def read_markdown(data: bytes) -> ImportedDocument:
    """A document from Markdown with TOML front matter; Rejected lists every problem."""
    text = _decode(data).replace("\r\n", "\n")
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise Rejected([Problem("missing_front_matter")])
    try:
        fields = tomllib.loads(match[1])
    except tomllib.TOMLDecodeError as exc:
        raise Rejected([Problem("bad_front_matter", detail=str(exc)[:200])]) from exc
    metadata, problems = check_metadata(fields)
    sections, ignored, section_problems = _markdown_sections(text[match.end() :])
    problems += section_problems + check_sections(sections)
    if problems:
        raise Rejected(problems)
    removed = _removed(sections)
    return ImportedDocument(
        sections=_safe_bodies(sections),
        removed=removed,
        ignored=ignored,
        **metadata,
    )


def _html_to_markdown(fragment: str) -> str:
    from markdownify import markdownify

    return markdownify(
        fragment, heading_style="ATX", bullets="-", strip=["img"], escape_misc=False
    ).strip()


def read_html(data: bytes, fields: dict[str, Any]) -> ImportedDocument:
    """A document from a saved HTML guidance page. ``fields`` carry what a page does not say
    (slug, kind, group, version, …); the title, when not given, is the page's h1 or title."""
    # BeautifulSoup (with markdownify) is imported here, by the one use that reads HTML: ~48 ms
    # of CPU in every process's start otherwise (each server and CLI command imports this).
    from bs4 import BeautifulSoup, Tag

    text = _decode(data)
    soup = BeautifulSoup(text, "html.parser")
    fields = dict(fields)
    if not fields.get("title"):
        h1 = soup.find("h1") or soup.find("title")
        if h1 is not None:
            fields["title"] = h1.get_text(" ", strip=True)
    metadata, problems = check_metadata(fields)
    container = soup.find("main") or soup.find("article") or soup.body or soup
    raw_removed: list[markdown.Removal] = []
    inspector = markdown._Inspector()
    inspector.feed(str(container))
    inspector.close()
    for removal in inspector.removals:
        if removal.kind != "tag" or removal.name in markdown._DROP_WITH_CONTENT:
            raw_removed.append(removal)
    sections: list[SectionDraft] = []
    ignored: list[str] = []
    headings = [h for h in container.find_all(["h2", "h3"]) if isinstance(h, Tag)]
    for heading in headings:
        parts: list[str] = []
        for sibling in heading.next_siblings:
            if isinstance(sibling, Tag) and (
                sibling.name in ("h2", "h3") or sibling.find(["h2", "h3"]) is not None
            ):
                break
            parts.append(str(sibling))
        safe = markdown._clean("".join(parts))
        sections.append(
            make_section(
                heading.get_text(" ", strip=True), int(heading.name[1]), _html_to_markdown(safe)
            )
        )
    if headings and headings[0].find_previous(["p", "ul", "ol", "table"]) is not None:
        ignored.append("text_before_first_heading")
    problems += check_sections(sections)
    if problems:
        raise Rejected(problems)
    return ImportedDocument(sections=sections, removed=raw_removed, ignored=ignored, **metadata)
