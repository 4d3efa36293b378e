"""What each content problem (catalogue/importer.py ``Problem``) and each removal means, in plain
Swedish and in English. ``{detail}`` is a value from the file (a field name, a key, a limit)."""

from __future__ import annotations

from medskapa.catalogue.importer import Problem
from medskapa.catalogue.markdown import Removal

PROBLEMS: dict[str, tuple[str, str]] = {
    "file_too_large": (
        "Filen är för stor. Den får vara högst 2 MB.",
        "The file is too large. It may be at most 2 MB.",
    ),
    "not_utf8": (
        "Filen är inte sparad som UTF-8. Spara den som UTF-8 och försök igen.",
        "The file is not saved as UTF-8. Save it as UTF-8 and try again.",
    ),
    "unsupported_format": (
        "Filen måste vara Markdown (.md) eller en sparad HTML-sida (.html).",
        "The file must be Markdown (.md) or a saved HTML page (.html).",
    ),
    "missing_front_matter": (
        "Filen saknar uppgifter överst. Börja med en rad +++, uppgifterna (slug, title, kind, "
        "group, version) och en rad +++.",
        "The file has no front matter. Start with a line +++, the fields (slug, title, kind, "
        "group, version) and a line +++.",
    ),
    "bad_front_matter": (
        "Uppgifterna överst i filen går inte att läsa som TOML: {detail}",
        "The front matter is not valid TOML: {detail}",
    ),
    "unknown_field": (
        "Uppgiften ”{field}” finns inte. Tillåtna är slug, title, kind, group, version, "
        "summary, change_summary, published_on och easy_read.",
        "There is no field “{field}”. Allowed: slug, title, kind, group, version, summary, "
        "change_summary, published_on and easy_read.",
    ),
    "missing_field": ("Uppgiften ”{field}” saknas.", "The field “{field}” is missing."),
    "field_not_text": (
        "Uppgiften ”{field}” ska vara text inom citattecken.",
        "The field “{field}” must be text in quotes.",
    ),
    "field_too_long": (
        "Uppgiften ”{field}” är för lång (högst {detail} tecken).",
        "The field “{field}” is too long (at most {detail} characters).",
    ),
    "bad_slug": (
        "Adressnamnet (slug) får bara innehålla små bokstäver a–z, siffror och bindestreck.",
        "The slug may contain only lowercase letters a–z, digits and hyphens.",
    ),
    "unknown_kind": (
        "Dokumenttypen ”{detail}” finns inte. Välj care_pathway, clinical_guidance, "
        "treatment_recommendation eller patient_information.",
        "There is no document kind “{detail}”. Choose care_pathway, clinical_guidance, "
        "treatment_recommendation or patient_information.",
    ),
    "unknown_group": (
        "Det finns ingen arbetsgrupp som heter ”{detail}”.",
        "There is no group “{detail}”.",
    ),
    "version_not_text": (
        'Versionen ska skrivas inom citattecken, till exempel version = "1.1".',
        'The version must be in quotes, e.g. version = "1.1".',
    ),
    "bad_version": (
        "Versionen ska vara siffror med punkter, till exempel 1.0 eller 2.1.",
        "The version must be digits with dots, e.g. 1.0 or 2.1.",
    ),
    "bad_date": (
        "Publiceringsdatumet ska vara ett datum, till exempel 2024-03-20.",
        "The publication date must be a date, e.g. 2024-03-20.",
    ),
    "text_before_first_heading": (
        "Det finns text före första rubriken (## eller ###). All text måste höra till ett avsnitt.",
        "There is text before the first heading (## or ###). All text must belong to a section.",
    ),
    "empty_document": (
        "Dokumentet har inga avsnitt. Rubriker på nivå ## eller ### blir avsnitt.",
        "The document has no sections. Headings at level ## or ### become sections.",
    ),
    "too_many_sections": (
        "Dokumentet har för många avsnitt (högst {detail}).",
        "The document has too many sections (at most {detail}).",
    ),
    "empty_heading": (
        "Ett avsnitt saknar rubrik ({detail}).",
        "A section has no heading ({detail}).",
    ),
    "heading_too_long": (
        "En rubrik är för lång ({detail}); högst 300 tecken.",
        "A heading is too long ({detail}); at most 300 characters.",
    ),
    "section_too_long": (
        "Avsnittet {detail} är för långt.",
        "The section {detail} is too long.",
    ),
    "bad_section_key": (
        "Avsnittsnyckeln ”{detail}” får bara innehålla siffror, punkter, små bokstäver a–z och "
        "bindestreck.",
        "The section key “{detail}” may contain only digits, dots, lowercase a–z and hyphens.",
    ),
    "duplicate_section_key": (
        "Två avsnitt har samma nyckel ”{detail}”. Ge dem olika rubriker eller nummer.",
        "Two sections have the same key “{detail}”. Give them different headings or numbers.",
    ),
    "group_archived": (
        "Arbetsgruppen ”{detail}” är arkiverad och kan inte få nya dokument.",
        "The group “{detail}” is archived and cannot take new documents.",
    ),
    "not_group_lead": (
        "Du kan bara lägga in dokument för arbetsgrupper där du är ordförande.",
        "You can only add documents for groups you lead.",
    ),
    "group_differs": (
        "Dokumentet ägs av arbetsgruppen ”{detail}”. En ny version kan inte byta grupp; flytta "
        "dokumentet under Struktur.",
        "The document is owned by the group “{detail}”. A new version cannot change group; "
        "move the document under Structure.",
    ),
    "kind_differs": (
        "Dokumentet är av typen ”{detail}”. En ny version kan inte byta typ.",
        "The document is of kind “{detail}”. A new version cannot change its kind.",
    ),
    "document_archived": (
        "Dokumentet är arkiverat och kan inte få nya versioner.",
        "The document is archived and cannot get new versions.",
    ),
    "document_exists": (
        "Det finns redan ett dokument med adressnamnet ”{detail}”. Lägg till en ny version i det.",
        "There is already a document with the slug “{detail}”. Add a new version to it.",
    ),
    "unknown_item": (
        "En av de planerade ändringarna finns inte i dina arbetsgruppers inkorgar.",
        "One of the planned changes is not in your groups' inboxes.",
    ),
    "version_exists": (
        "Version {detail} finns redan.",
        "Version {detail} already exists.",
    ),
    "draft_exists": (
        "Det finns redan ett utkast (version {detail}). Publicera eller arbeta vidare i det.",
        "There is already a draft (version {detail}). Publish it or keep working on it.",
    ),
    "version_not_after_current": (
        "Versionen måste komma efter den senaste, {detail}.",
        "The version must come after the latest one, {detail}.",
    ),
    "already_published": (
        "Version {detail} är redan publicerad. En publicerad version ändras aldrig.",
        "Version {detail} is already published. A published version never changes.",
    ),
    "change_summary_required": (
        "Skriv en sammanfattning av ändringarna. Den visas för läsare och följare.",
        "Write a summary of the changes. Readers and followers see it.",
    ),
}

REMOVALS: dict[str, tuple[str, str]] = {
    "tag": ("Elementet <{name}> togs bort.", "The element <{name}> was removed."),
    "attribute": (
        "Attributet {name} togs bort (skript i händelser tillåts inte).",
        "The attribute {name} was removed (scripts in event handlers are not allowed).",
    ),
    "link": (
        "Länkar med {name}: togs bort (bara http, https, mailto och tel är tillåtna).",
        "Links using {name}: were removed (only http, https, mailto and tel are allowed).",
    ),
}

IGNORED: dict[str, tuple[str, str]] = {
    "title_heading": (
        "Huvudrubriken (#) användes inte: titeln kommer från uppgifterna överst.",
        "The top heading (#) was not used: the title comes from the front matter.",
    ),
    "text_before_first_heading": (
        "Text före första avsnittet (till exempel ingress och meny) togs inte med.",
        "Text before the first section (such as an introduction or menu) was not included.",
    ),
}


def _pick(texts: tuple[str, str], lang: str) -> str:
    return texts[1] if lang == "en" else texts[0]


def problem_text(problem: Problem, lang: str = "sv") -> str:
    texts = PROBLEMS.get(
        problem.code, ("Innehållet kan inte sparas.", "The content cannot be saved.")
    )
    return _pick(texts, lang).format(field=problem.field or "", detail=problem.detail)


def removal_text(removal: Removal, lang: str = "sv") -> str:
    return _pick(REMOVALS[removal.kind], lang).format(name=removal.name)


def ignored_text(code: str, lang: str = "sv") -> str:
    return _pick(IGNORED.get(code, (code, code)), lang)
