"""What the national structure's codes say: Swedish for the admin page, English for the API and
the command line (catalogue/structure.py raises them with these texts)."""

from __future__ import annotations

from medskapa.errors import Texts

SLUG_MAX = 100
NAME_MAX = 200
DESCRIPTION_MAX = 2000

ERRORS: Texts = {
    "slug_required": {
        "sv": "Skriv en kortadress.",
        "en": "A slug is required.",
    },
    "bad_slug": {
        "sv": "Kortadressen får bara ha små bokstäver a–z, siffror och bindestreck mellan dem, "
        "till exempel hjart-karl.",
        "en": "A slug has only lower-case letters a-z, digits and single hyphens between them.",
    },
    "slug_too_long": {
        "sv": f"Kortadressen får vara högst {SLUG_MAX} tecken.",
        "en": f"A slug is at most {SLUG_MAX} characters.",
    },
    "slug_taken": {
        "sv": "Kortadressen används redan. Välj en annan.",
        "en": "That slug is already in use.",
    },
    "name_required": {
        "sv": "Skriv ett namn.",
        "en": "A name is required.",
    },
    "name_too_long": {
        "sv": f"Namnet får vara högst {NAME_MAX} tecken.",
        "en": f"A name is at most {NAME_MAX} characters.",
    },
    "description_too_long": {
        "sv": f"Beskrivningen får vara högst {DESCRIPTION_MAX} tecken.",
        "en": f"A description is at most {DESCRIPTION_MAX} characters.",
    },
    "unknown_kind": {
        "sv": "Välj om gruppen är en nationell arbetsgrupp (NAG) eller samverkansgrupp (NSG).",
        "en": "The kind is 'nag' or 'nsg'.",
    },
    "unknown_area": {
        "sv": "Välj ett programområde som finns.",
        "en": "No such programme area.",
    },
    "area_archived": {
        "sv": "Programområdet är arkiverat och kan inte få nya grupper.",
        "en": "That programme area is archived and takes no new groups.",
    },
    "unknown_group": {
        "sv": "Välj en grupp som finns.",
        "en": "No such group.",
    },
    "group_archived": {
        "sv": "Gruppen är arkiverad och kan inte få nya dokument.",
        "en": "That group is archived and takes no new documents.",
    },
    "unknown_document": {
        "sv": "Välj ett dokument som finns.",
        "en": "No such document.",
    },
    "unknown_action": {
        "sv": "Välj om du vill arkivera eller återställa.",
        "en": "Choose to archive or to bring back.",
    },
    "nothing_to_change": {
        "sv": "Ingenting att ändra.",
        "en": "The request changes nothing.",
    },
    "group_owns_documents": {
        "sv": "Gruppen äger dokument som inte är arkiverade. Flytta dokumenten till en annan grupp "
        "först, eller arkivera dem.",
        "en": "The group owns documents that are not archived; assign them to another group first.",
    },
    "group_has_rules": {
        "sv": "En aktiv dirigeringsregel skickar synpunkter till gruppen. Ändra eller inaktivera "
        "regeln först.",
        "en": "An active routing rule sends items to the group; change or deactivate it first.",
    },
    "group_has_open_items": {
        "sv": "Gruppen har synpunkter som inte är färdigbehandlade. Besvara, avsluta eller skicka "
        "dem vidare först.",
        "en": "The group has items it has not finished; answer, close or forward them first.",
    },
    "area_has_groups": {
        "sv": "Programområdet har grupper som inte är arkiverade. Flytta eller arkivera "
        "grupperna först.",
        "en": "The programme area has groups that are not archived; move or archive them first.",
    },
    "area_of_group_archived": {
        "sv": "Gruppens programområde är arkiverat. Flytta gruppen till ett annat "
        "programområde först.",
        "en": "The group's programme area is archived; move the group to another area first.",
    },
}
