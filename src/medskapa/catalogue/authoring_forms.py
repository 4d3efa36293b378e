"""The draft editor's form, read and written without JavaScript: each section is a numbered
group of fields (``section-3-heading`` …), and the buttons that add, remove and move sections
act on what was typed, so nothing typed is lost and nothing is stored until "Spara".

Pure: form fields in, sections and Swedish error messages out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec

from medskapa.catalogue.authoring import SectionInput
from medskapa.catalogue.authoring_texts import problem_text
from medskapa.catalogue.importer import MAX_SECTIONS, Problem, make_section
from medskapa.catalogue.reanchoring import AnchorReport
from medskapa.feedback.domain import CATEGORY_LABELS
from medskapa.i18n import N_, Labels, gettext
from medskapa.triage import texts as triage_texts
from medskapa.web.forms import field

_SECTION_FIELD = re.compile(r"^section-(\d{1,4})-heading$")
_ACTION = re.compile(r"^(upp|ned|ta-bort)-(\d{1,4})$")
SECTION_ANCHOR = "avsnitt-{index}"
# What a saved HTML page does not say about itself, asked in the import form.
HTML_FIELDS = ("slug", "kind", "group", "version", "title")


class SectionForm(msgspec.Struct, frozen=True):
    """One section as the editor shows it."""

    key: str
    number: str
    heading: str
    level: int
    body: str

    def as_input(self) -> SectionInput:
        return SectionInput(
            heading=self.heading,
            body=self.body,
            number=self.number.strip(),
            level=self.level,
            key=self.key.strip() or None,
        )

    @property
    def effective_key(self) -> str:
        """The key the section gets when saved: its own, or one made from its heading."""
        if self.key.strip():
            return self.key.strip()
        heading = f"{self.number.strip()} {self.heading}" if self.number.strip() else self.heading
        return make_section(heading, 2, "").key


def blank_headings(sections: Sequence[SectionForm]) -> list[Problem]:
    """Sections whose heading field is empty. Checked here because the service reads a number
    and a heading as one line ("4.1 Läkemedel"): "4.1" alone would become the heading."""
    return [
        Problem("empty_heading", "sections", s.effective_key)
        for s in sections
        if not s.heading.strip()
    ]


def read_sections(form: dict[str, Any]) -> list[SectionForm]:
    """The sections in the order of their numbers in the form."""
    indices = sorted({int(m[1]) for name in form if (m := _SECTION_FIELD.match(name))})[
        : MAX_SECTIONS + 1
    ]
    sections = []
    for i in indices:
        level = field(form, f"section-{i}-level")
        sections.append(
            SectionForm(
                key=field(form, f"section-{i}-key"),
                number=field(form, f"section-{i}-number"),
                heading=field(form, f"section-{i}-heading"),
                level=3 if level == "3" else 2,
                # Browsers send textarea lines with CRLF; the stored text uses LF.
                body=field(form, f"section-{i}-body").replace("\r\n", "\n"),
            )
        )
    return sections


def apply_action(
    sections: list[SectionForm], action: str
) -> tuple[list[SectionForm], str, int | None] | None:
    """A structural change the buttons ask for: the new list, what to tell the reader, and
    the position to bring into view. None for "save" (or an unknown button)."""
    if action == "lagg-till":
        return (
            [*sections, SectionForm("", "", "", 2, "")],
            gettext("Ett nytt avsnitt är tillagt sist."),
            len(sections),
        )
    match = _ACTION.match(action)
    if match is None:
        return None
    verb, index = match[1], int(match[2])
    if index >= len(sections):
        return None
    changed = list(sections)
    name = _name(sections[index])
    if verb == "ta-bort":
        del changed[index]
        return (
            changed,
            gettext("Avsnittet {name} är borttaget.").format(name=name),
            min(index, len(changed) - 1) if changed else None,
        )
    target = index - 1 if verb == "upp" else index + 1
    if not 0 <= target < len(sections):
        return (
            sections,
            gettext("Avsnittet {name} kan inte flyttas längre.").format(name=name),
            index,
        )
    changed[index], changed[target] = changed[target], changed[index]
    moved = (
        gettext("Avsnittet {name} är flyttat upp ett steg.")
        if verb == "upp"
        else gettext("Avsnittet {name} är flyttat ned ett steg.")
    )
    return changed, moved.format(name=name), target


def _name(section: SectionForm) -> str:
    text = f"{section.number} {section.heading}".strip()
    return f"”{text}”" if text else gettext("utan rubrik")


# A section's problem names its key, which the editor does not show: here it is named by its
# place instead ("Avsnitt 3"), and the message sits at the field it is about.
_SECTION_PROBLEMS = {
    "empty_heading": ("heading", N_("Avsnitt {n} saknar rubrik. Skriv en rubrik.")),
    "heading_too_long": ("heading", N_("Rubriken i avsnitt {n} är för lång (högst 300 tecken).")),
    "section_too_long": ("body", N_("Texten i avsnitt {n} är för lång.")),
    "bad_section_key": ("heading", N_("Avsnitt {n}: {text}")),
    "duplicate_section_key": (
        "heading",
        N_(
            "Avsnitt {n} har samma nyckel (”{key}”) som ett annat avsnitt. Ge dem olika "
            "rubriker eller nummer."
        ),
    ),
}
_TOP_FIELDS = {
    "title": "title",
    "summary": "summary",
    "change_summary": "change_summary",
    "easy_read": "easy_read",
}


def editor_errors(problems: Sequence[Problem], sections: Sequence[SectionForm]) -> dict[str, str]:
    """Field id → Swedish message. A section's problem is shown at every section with that key
    (a duplicate at both)."""
    errors: dict[str, str] = {}
    for problem in problems:
        text = problem_text(problem)
        if problem.code in _SECTION_PROBLEMS:
            part, template = _SECTION_PROBLEMS[problem.code]
            hits = [i for i, s in enumerate(sections) if s.effective_key == problem.detail]
            if not hits:
                errors.setdefault("sections", text)
            for i in hits:
                errors.setdefault(
                    f"section-{i}-{part}",
                    gettext(template).format(n=i + 1, key=problem.detail, text=text),
                )
        elif problem.field in _TOP_FIELDS:
            errors.setdefault(_TOP_FIELDS[problem.field], text)
        else:
            errors.setdefault("sections", text)
    return errors


# ---------------------------------------------------------------- messages for the pages

OUTCOMES = Labels(
    {
        "same": N_("På samma ställe"),
        "moved": N_("Flyttad"),
        "changed": N_("Ändrad"),
        "gone": N_("Borttagen"),
    }
)


def outcome_text(outcome: str, confidence: float) -> str:
    if outcome == "changed":
        return gettext("Ändrad (säkerhet {value} %)").format(value=round(confidence * 100))
    return OUTCOMES.get(outcome, outcome)


def sections_view(stored: Sequence[Any]) -> list[dict[str, Any]]:
    """Sections as the public page shows them: a heading with its written number."""
    return [
        {
            "key": s.key,
            "title": section_title(s.number, s.heading),
            "level": s.level,
            "body": s.body,
        }
        for s in stored
    ]


def section_title(number: str, heading: str) -> str:
    return f"{number} {heading}" if number else heading


def next_label(latest: str | None) -> str:
    if latest is None:
        return "1.0"
    parts = latest.split(".")
    if len(parts) == 1:
        return f"{latest}.1"
    return ".".join([*parts[:-1], str(int(parts[-1]) + 1)])


_LABEL_TEXTS = Labels(
    {
        "missing_label": N_("Skriv ett versionsnummer, till exempel 1.1."),
    }
)


def label_text(problem: Problem) -> str:
    return _LABEL_TEXTS.get(problem.code) or problem_text(problem)


_IMPORT_FIELD_TEXTS = Labels(
    {
        "no_file": N_("Välj en fil att lägga in."),
    }
)


def import_errors(
    problems: list[Problem], *, html: bool
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Field id → message (joined when a field has several), and the summary's (id, message)
    list. For a saved HTML page the document's fields are form fields; for Markdown they are
    in the file."""
    errors: dict[str, str] = {}
    summary: list[tuple[str, str]] = []
    for problem in problems:
        text = _IMPORT_FIELD_TEXTS.get(problem.code) or problem_text(problem)
        field = "file"
        if html and problem.field in HTML_FIELDS:
            field = problem.field
        errors[field] = f"{errors[field]} {text}" if field in errors else text
        summary.append((field, text))
    return errors, summary


def publish_errors(problems: list[Problem]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        field = "change_summary" if problem.field == "change_summary" else "version"
        text = problem_text(problem)
        errors[field] = f"{errors[field]} {text}" if field in errors else text
    return errors


def report_rows(report: AnchorReport) -> list[dict[str, Any]]:
    return [
        {
            "id": entry.feedback_id,
            "received_at": entry.received_at,
            "category": CATEGORY_LABELS.get(entry.category, entry.category),
            "status": triage_texts.GROUP_STATUS_LABELS.get(entry.status, entry.status),
            "from_version": entry.from_version,
            "from_section": entry.from_section,
            "from_heading": entry.from_heading,
            "heading": entry.heading,
            "outcome": entry.outcome,
            "outcome_text": outcome_text(entry.outcome, entry.confidence),
            "section_key": entry.section_key,
            "passage": entry.passage,
        }
        for entry in report.items
    ]
