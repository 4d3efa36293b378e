"""What each content problem (catalogue/importer.py ``Problem``) and each removal means, in plain
words (Swedish message ids, English in the catalogue). ``{detail}`` is a value from the file
(a field name, a key, a limit)."""

from __future__ import annotations

from medskapa.catalogue.importer import Problem
from medskapa.catalogue.markdown import Removal
from medskapa.i18n import N_, Language, translate

PROBLEMS: dict[str, str] = {
    "file_too_large": N_("Filen är för stor. Den får vara högst 2 MB."),
    "not_utf8": N_("Filen är inte sparad som UTF-8. Spara den som UTF-8 och försök igen."),
    "unsupported_format": N_("Filen måste vara Markdown (.md) eller en sparad HTML-sida (.html)."),
    "missing_front_matter": N_(
        "Filen saknar uppgifter överst. Börja med en rad +++, uppgifterna (slug, title, kind, "
        "group, version) och en rad +++."
    ),
    "bad_front_matter": N_("Uppgifterna överst i filen går inte att läsa som TOML: {detail}"),
    "unknown_field": N_(
        "Uppgiften ”{field}” finns inte. Tillåtna är slug, title, kind, group, version, "
        "summary, change_summary, published_on och easy_read."
    ),
    "missing_field": N_("Uppgiften ”{field}” saknas."),
    "field_not_text": N_("Uppgiften ”{field}” ska vara text inom citattecken."),
    "field_too_long": N_("Uppgiften ”{field}” är för lång (högst {detail} tecken)."),
    "bad_slug": N_(
        "Adressnamnet (slug) får bara innehålla små bokstäver a–z, siffror och bindestreck."
    ),
    "unknown_kind": N_(
        "Dokumenttypen ”{detail}” finns inte. Välj care_pathway, clinical_guidance, "
        "treatment_recommendation eller patient_information."
    ),
    "unknown_group": N_("Det finns ingen arbetsgrupp som heter ”{detail}”."),
    "version_not_text": N_('Versionen ska skrivas inom citattecken, till exempel version = "1.1".'),
    "bad_version": N_("Versionen ska vara siffror med punkter, till exempel 1.0 eller 2.1."),
    "bad_date": N_("Publiceringsdatumet ska vara ett datum, till exempel 2024-03-20."),
    "text_before_first_heading": N_(
        "Det finns text före första rubriken (## eller ###). All text måste höra till ett avsnitt."
    ),
    "empty_document": N_(
        "Dokumentet har inga avsnitt. Rubriker på nivå ## eller ### blir avsnitt."
    ),
    "too_many_sections": N_("Dokumentet har för många avsnitt (högst {detail})."),
    "empty_heading": N_("Ett avsnitt saknar rubrik ({detail})."),
    "heading_too_long": N_("En rubrik är för lång ({detail}); högst 300 tecken."),
    "section_too_long": N_("Avsnittet {detail} är för långt."),
    "bad_section_key": N_(
        "Avsnittsnyckeln ”{detail}” får bara innehålla siffror, punkter, små bokstäver a–z och "
        "bindestreck."
    ),
    "duplicate_section_key": N_(
        "Två avsnitt har samma nyckel ”{detail}”. Ge dem olika rubriker eller nummer."
    ),
    "group_archived": N_("Arbetsgruppen ”{detail}” är arkiverad och kan inte få nya dokument."),
    "not_group_lead": N_("Du kan bara lägga in dokument för arbetsgrupper där du är ordförande."),
    "group_differs": N_(
        "Dokumentet ägs av arbetsgruppen ”{detail}”. En ny version kan inte byta grupp; flytta "
        "dokumentet under Struktur."
    ),
    "kind_differs": N_("Dokumentet är av typen ”{detail}”. En ny version kan inte byta typ."),
    "document_archived": N_("Dokumentet är arkiverat och kan inte få nya versioner."),
    "document_exists": N_(
        "Det finns redan ett dokument med adressnamnet ”{detail}”. Lägg till en ny version i det."
    ),
    "unknown_item": N_("En av de planerade ändringarna finns inte i dina arbetsgruppers inkorgar."),
    "version_exists": N_("Version {detail} finns redan."),
    "draft_exists": N_(
        "Det finns redan ett utkast (version {detail}). Publicera eller arbeta vidare i det."
    ),
    "version_not_after_current": N_("Versionen måste komma efter den senaste, {detail}."),
    "already_published": N_(
        "Version {detail} är redan publicerad. En publicerad version ändras aldrig."
    ),
    "change_summary_required": N_(
        "Skriv en sammanfattning av ändringarna. Den visas för läsare och följare."
    ),
}

REMOVALS: dict[str, str] = {
    "tag": N_("Elementet <{name}> togs bort."),
    "attribute": N_("Attributet {name} togs bort (skript i händelser tillåts inte)."),
    "link": N_("Länkar med {name}: togs bort (bara http, https, mailto och tel är tillåtna)."),
}

IGNORED: dict[str, str] = {
    "title_heading": N_("Huvudrubriken (#) användes inte: titeln kommer från uppgifterna överst."),
    "text_before_first_heading": N_(
        "Text före första avsnittet (till exempel ingress och meny) togs inte med."
    ),
}


def problem_text(problem: Problem, lang: Language | None = None) -> str:
    text = PROBLEMS.get(problem.code, N_("Innehållet kan inte sparas."))
    return translate(text, lang).format(field=problem.field or "", detail=problem.detail)


def removal_text(removal: Removal, lang: Language | None = None) -> str:
    return translate(REMOVALS[removal.kind], lang).format(name=removal.name)


def ignored_text(code: str, lang: Language | None = None) -> str:
    text = IGNORED.get(code)
    return translate(text, lang) if text is not None else code
