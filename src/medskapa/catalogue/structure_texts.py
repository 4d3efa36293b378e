"""What the national structure's codes say: Swedish for the admin page, English for the API and
the command line (catalogue/structure.py raises them with these texts)."""

from __future__ import annotations

from medskapa.errors import Texts
from medskapa.i18n import N_

SLUG_MAX = 100
NAME_MAX = 200
DESCRIPTION_MAX = 2000
# The limits are written out in the messages below (a catalogue message is a literal).

ERRORS: Texts = {
    "slug_required": N_("Skriv en kortadress."),
    "bad_slug": N_(
        "Kortadressen får bara ha små bokstäver a–z, siffror och bindestreck mellan dem, "
        "till exempel hjart-karl."
    ),
    "slug_too_long": N_("Kortadressen får vara högst 100 tecken."),
    "slug_taken": N_("Kortadressen används redan. Välj en annan."),
    "name_required": N_("Skriv ett namn."),
    "name_too_long": N_("Namnet får vara högst 200 tecken."),
    "description_too_long": N_("Beskrivningen får vara högst 2 000 tecken."),
    "unknown_kind": N_(
        "Välj om gruppen är en nationell arbetsgrupp (NAG) eller samverkansgrupp (NSG)."
    ),
    "unknown_area": N_("Välj ett programområde som finns."),
    "area_archived": N_("Programområdet är arkiverat och kan inte få nya grupper."),
    "unknown_group": N_("Välj en grupp som finns."),
    "group_archived": N_("Gruppen är arkiverad och kan inte få nya dokument."),
    "unknown_document": N_("Välj ett dokument som finns."),
    "unknown_action": N_("Välj om du vill arkivera eller återställa."),
    "nothing_to_change": N_("Ingenting att ändra."),
    "group_owns_documents": N_(
        "Gruppen äger dokument som inte är arkiverade. Flytta dokumenten till en annan grupp "
        "först, eller arkivera dem."
    ),
    "group_has_rules": N_(
        "En aktiv dirigeringsregel skickar synpunkter till gruppen. Ändra eller inaktivera "
        "regeln först."
    ),
    "group_has_open_items": N_(
        "Gruppen har synpunkter som inte är färdigbehandlade. Besvara, avsluta eller skicka "
        "dem vidare först."
    ),
    "area_has_groups": N_(
        "Programområdet har grupper som inte är arkiverade. Flytta eller arkivera grupperna först."
    ),
    "area_of_group_archived": N_(
        "Gruppens programområde är arkiverat. Flytta gruppen till ett annat programområde först."
    ),
}
