"""The words of the follow-up pages and their errors: Swedish first, English second."""

from __future__ import annotations

from typing import Literal

from medskapa.i18n import N_

Language = Literal["sv", "en"]

ERRORS: dict[str, dict[Language, str]] = {
    "bad_date": {
        "sv": "Skriv datumet som år-månad-dag, till exempel 2026-03-01.",
        "en": "Write the date as year-month-day, for example 2026-03-01.",
    },
    "date_too_early": {
        "sv": "Datumet är för tidigt. Välj ett datum från år 2000 och framåt.",
        "en": "The date is too early. Choose a date from the year 2000 on.",
    },
    "period_reversed": {
        "sv": "Slutdatumet ligger före startdatumet. Byt plats på dem eller välj ett senare "
        "slutdatum.",
        "en": "The end date is before the start date. Swap them or choose a later end date.",
    },
    "period_too_long": {
        "sv": "Perioden är för lång. Välj högst fem år.",
        "en": "The period is too long. Choose at most five years.",
    },
    "too_many_weeks": {
        "sv": "Per vecka går att visa för högst två år. Välj en kortare period eller per månad.",
        "en": "Per week can be shown for at most two years. Choose a shorter period or per month.",
    },
    "unknown_interval": {
        "sv": "Välj per vecka eller per månad.",
        "en": "Choose per week or per month.",
    },
    "unknown_area": {
        "sv": "Det finns inget sådant programområde bland dem du kan följa upp. Välj ett i listan.",
        "en": "There is no such programme area among those you can follow up. Choose one from "
        "the list.",
    },
    "unknown_group": {
        "sv": "Det finns ingen sådan arbetsgrupp bland dem du kan följa upp. Välj en i listan.",
        "en": "There is no such group among those you can follow up. Choose one from the list.",
    },
    "unknown_document": {
        "sv": "Det finns inget sådant kunskapsstöd bland dem du kan följa upp. Välj ett i listan.",
        "en": "There is no such guidance document among those you can follow up. Choose one "
        "from the list.",
    },
    "unknown_version": {
        "sv": "Kunskapsstödet har ingen sådan version. Välj en i listan.",
        "en": "The document has no such version. Choose one from the list.",
    },
    "version_needs_document": {
        "sv": "Välj först ett kunskapsstöd; versionerna hör till det.",
        "en": "Choose a guidance document first; the versions belong to it.",
    },
}

DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "document": (N_("Kunskapsstöd"), N_("Per kunskapsstöd"), N_("Synpunkter per kunskapsstöd")),
    "version": (N_("Version"), N_("Per version"), N_("Synpunkter per version")),
    "section": (N_("Avsnitt"), N_("Per avsnitt"), N_("Synpunkter per avsnitt")),
    "category": (N_("Kategori"), N_("Per kategori"), N_("Synpunkter per kategori")),
    "theme": (N_("Tema"), N_("Per tema"), N_("Synpunkter per tema")),
    "region": (
        N_("Region där vården gavs"),
        N_("Per region där vården gavs"),
        N_("Synpunkter per region där vården gavs"),
    ),
    "area": (N_("Programområde"), N_("Per programområde"), N_("Synpunkter per programområde")),
}
"""The breakdowns, in the order the page shows them: (column, heading, table caption)."""

PUBLIC_DIMENSIONS = ("version", "section", "category", "document")
"""The breakdowns a public statistics page shows: themes are a group's own working tags, and
regions of few items could point at a person."""

INTERVALS = {"week": N_("Per vecka"), "month": N_("Per månad")}
CAPTIONS = {"week": N_("Synpunkter per vecka"), "month": N_("Synpunkter per månad")}
