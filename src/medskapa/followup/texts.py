"""The words of the follow-up pages and their errors: Swedish message ids, their English in the
catalogue (medskapa.i18n)."""

from __future__ import annotations

from medskapa.i18n import N_

ERRORS: dict[str, str] = {
    "bad_date": N_("Skriv datumet som år-månad-dag, till exempel 2026-03-01."),
    "date_too_early": N_("Datumet är för tidigt. Välj ett datum från år 2000 och framåt."),
    "period_reversed": N_(
        "Slutdatumet ligger före startdatumet. Byt plats på dem eller välj ett senare slutdatum."
    ),
    "period_too_long": N_("Perioden är för lång. Välj högst fem år."),
    "too_many_weeks": N_(
        "Per vecka går att visa för högst två år. Välj en kortare period eller per månad."
    ),
    "unknown_interval": N_("Välj per vecka eller per månad."),
    "unknown_area": N_(
        "Det finns inget sådant programområde bland dem du kan följa upp. Välj ett i listan."
    ),
    "unknown_group": N_(
        "Det finns ingen sådan arbetsgrupp bland dem du kan följa upp. Välj en i listan."
    ),
    "unknown_document": N_(
        "Det finns inget sådant kunskapsstöd bland dem du kan följa upp. Välj ett i listan."
    ),
    "unknown_version": N_("Kunskapsstödet har ingen sådan version. Välj en i listan."),
    "version_needs_document": N_("Välj först ett kunskapsstöd; versionerna hör till det."),
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
