"""Reading guidance documents from files: Markdown with TOML front matter and saved HTML pages,
and every way a file can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from medskapa.catalogue import markdown
from medskapa.catalogue.importer import (
    MAX_FILE_BYTES,
    Rejected,
    read_html,
    read_markdown,
)

FILES = Path(__file__).with_name("files")
FRONT = """+++
slug = "testdok"
title = "Testdokument"
kind = "clinical_guidance"
group = "nag-kol"
version = "1.0"
+++
"""
HTML_FIELDS = {
    "slug": "kol-sida",
    "kind": "clinical_guidance",
    "group": "nag-kol",
    "version": "1.0",
}


def codes(exc: pytest.ExceptionInfo[Rejected]) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in exc.value.problems]


def test_markdown_sections_keep_their_written_numbers_and_levels() -> None:
    document = read_markdown((FILES / "hjartsvikt.md").read_bytes())
    assert (document.slug, document.version, document.group) == (
        "hjartsvikt-test",
        "1.0",
        "nag-hjartsvikt",
    )
    assert [(s.key, s.number, s.heading, s.level) for s in document.sections] == [
        ("1-inledning", "1", "Inledning", 2),
        ("2-utredning", "2", "Utredning", 2),
        ("4-behandling", "4", "Behandling", 2),
        ("4.1-lakemedel", "4.1", "Läkemedel", 3),
    ]
    assert document.ignored == ["title_heading"]
    assert document.removed == []
    html = markdown.render(document.sections[3].body)
    assert "<table>" in html
    assert "<td>ACE-hämmare</td>" in html
    assert 'href="https://www.lakemedelsverket.se"' in html
    assert "<li>EKG</li>" in markdown.render(document.sections[1].body)


def test_a_written_key_is_kept_when_the_words_differ() -> None:
    document = read_markdown(
        (FRONT + "## 2 Målgrupp och avgränsningar {#2-malgrupp}\n\nText.\n").encode()
    )
    section = document.sections[0]
    assert (section.key, section.heading) == ("2-malgrupp", "Målgrupp och avgränsningar")


def test_scripts_handlers_and_javascript_links_are_removed_and_reported() -> None:
    text = FRONT + (
        "## 1 Inledning\n\nHej <script>alert(1)</script> och "
        '[klicka](javascript:alert(document.cookie)) och <a href="#x" onclick="y()">här</a>.'
        "\n\n<img src=x onerror=alert(1)>\n"
    )
    document = read_markdown(text.encode())
    body = document.sections[0].body
    assert "<script" not in body
    assert "alert" not in body
    assert "onclick" not in body
    assert "klicka" in body
    assert "här" in body
    assert {(r.kind, r.name) for r in document.removed} >= {
        ("tag", "script"),
        ("link", "javascript"),
        ("attribute", "onclick"),
        ("attribute", "onerror"),
    }
    rendered = markdown.render(body)
    assert "<script" not in rendered
    assert "javascript:" not in rendered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("## 1 A\n\nx\n", []),
        ("Ingen rubrik alls.\n", [("text_before_first_heading", None), ("empty_document", None)]),
        ("", [("empty_document", None)]),
        ("Text först.\n\n## 1 A\n\nx\n", [("text_before_first_heading", None)]),
        ("## 1 A\n\nx\n\n## 1 A\n\ny\n", [("duplicate_section_key", "sections")]),
    ],
)
def test_section_problems(text: str, expected: list[tuple[str, str | None]]) -> None:
    if not expected:
        assert read_markdown((FRONT + text).encode()).sections
        return
    with pytest.raises(Rejected) as exc:
        read_markdown((FRONT + text).encode())
    assert codes(exc) == expected


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ('slug = "a"\n', [("missing_field", "title"), ("missing_field", "kind")]),
        (
            'slug = "Ogiltig Slug"\ntitle = "T"\nkind = "poem"\ngroup = "nag-kol"\n'
            'version = "1.0"\nauthor = "x"\n',
            [("unknown_field", "author"), ("bad_slug", "slug"), ("unknown_kind", "kind")],
        ),
        (
            'slug = "a"\ntitle = "T"\nkind = "care_pathway"\ngroup = "nag-kol"\nversion = 1.1\n',
            [("version_not_text", "version"), ("missing_field", "version")],
        ),
        (
            'slug = "a"\ntitle = "T"\nkind = "care_pathway"\ngroup = "nag-kol"\n'
            'version = "v2"\npublished_on = "igår"\n',
            [("bad_version", "version"), ("bad_date", "published_on")],
        ),
    ],
)
def test_front_matter_problems_are_all_named(
    front: str, expected: list[tuple[str, str | None]]
) -> None:
    with pytest.raises(Rejected) as exc:
        read_markdown(f"+++\n{front}+++\n\n## 1 A\n\nx\n".encode())
    for problem in expected:
        assert problem in codes(exc)


def test_missing_or_broken_front_matter() -> None:
    with pytest.raises(Rejected) as exc:
        read_markdown(b"## 1 A\n\nx\n")
    assert codes(exc) == [("missing_front_matter", None)]
    with pytest.raises(Rejected) as exc:
        read_markdown(b'+++\nslug = "a\n+++\n## 1 A\n')
    assert codes(exc)[0] == ("bad_front_matter", None)


def test_file_over_two_megabytes_or_not_utf8_is_refused() -> None:
    with pytest.raises(Rejected) as exc:
        read_markdown(FRONT.encode() + b"## 1 A\n\n" + b"x" * MAX_FILE_BYTES)
    assert codes(exc) == [("file_too_large", None)]
    with pytest.raises(Rejected) as exc:
        read_markdown(FRONT.encode() + "## 1 Översikt\n\nå".encode("latin-1"))
    assert codes(exc) == [("not_utf8", None)]
    with pytest.raises(Rejected) as exc:
        read_html("<h2>Å</h2>".encode("utf-16"), HTML_FIELDS)
    assert codes(exc) == [("not_utf8", None)]


def test_saved_html_page_becomes_sections_and_loses_its_scripts() -> None:
    document = read_html((FILES / "sida.html").read_bytes(), HTML_FIELDS)
    assert document.title == "KOL i primärvården"
    assert [(s.key, s.level) for s in document.sections] == [
        ("1-bakgrund", 2),
        ("2-utredning", 2),
        ("2.1-spirometri", 3),
    ]
    background, investigation, spirometry = (s.body for s in document.sections)
    assert background == (
        "KOL är en **vanlig** sjukdom som ofta upptäcks sent.\n\n"
        "Rökstopp är den viktigaste åtgärden."
    )
    assert "Spirometri ska alltid göras." in investigation
    assert "javascript" not in investigation
    assert "Klicka här" in investigation
    assert "1. Före bronkdilatation" in spirometry
    assert "document.cookie" not in spirometry
    assert "evil" not in spirometry
    assert {(r.kind, r.name) for r in document.removed} >= {
        ("tag", "script"),
        ("tag", "iframe"),
        ("attribute", "onmouseover"),
        ("link", "javascript"),
    }
    # The menu, the page's own script and the introduction are not sections.
    assert "Start" not in "".join(s.body for s in document.sections)
    assert document.ignored == ["text_before_first_heading"]


def test_html_page_needs_its_fields_and_a_heading() -> None:
    with pytest.raises(Rejected) as exc:
        read_html(b"<main><h1>T</h1><p>Bara text.</p></main>", {"slug": "a"})
    found = codes(exc)
    assert ("missing_field", "kind") in found
    assert ("missing_field", "version") in found
    assert ("empty_document", None) in found
