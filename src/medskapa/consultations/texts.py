"""What the consultation pages and API say about errors, Swedish and English; the codes of
organisations (and through them feedback's) are included."""

from __future__ import annotations

from medskapa.errors import Language
from medskapa.organisations.texts import ERRORS as ORGANISATION_ERRORS

ERRORS: dict[str, dict[Language, str]] = {
    **ORGANISATION_ERRORS,
    "title_required": {"sv": "Skriv en rubrik.", "en": "Enter a title."},
    "title_too_long": {
        "sv": "Rubriken får vara högst 200 tecken.",
        "en": "The title can be at most 200 characters.",
    },
    "questions_required": {
        "sv": "Skriv minst en fråga till dem som svarar.",
        "en": "Write at least one question for respondents.",
    },
    "questions_too_long": {
        "sv": "En fråga får vara högst 1 000 tecken.",
        "en": "A question can be at most 1,000 characters.",
    },
    "questions_too_many": {
        "sv": "Ställ högst fem frågor.",
        "en": "Ask at most five questions.",
    },
    "start_required": {"sv": "Ange första dag.", "en": "Enter the first day."},
    "deadline_required": {"sv": "Ange sista dag.", "en": "Enter the last day."},
    "date_format": {
        "sv": "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-28.",
        "en": "Write the date as YYYY-MM-DD, for example 2026-03-28.",
    },
    "deadline_before_start": {
        "sv": "Sista dag kan inte vara före första dag.",
        "en": "The last day cannot be before the first day.",
    },
    "deadline_past": {
        "sv": "Sista dag har redan passerat. Välj ett senare datum.",
        "en": "The last day has already passed. Choose a later date.",
    },
    "not_your_group": {
        "sv": "Kunskapsstödet tillhör en annan grupp. Du kan bara skicka ut din egen grupps "
        "kunskapsstöd på remiss.",
        "en": "The document belongs to another group; you can only open consultations on your "
        "own group's documents.",
    },
    "patient_representative": {
        "sv": "Som patientföreträdare i gruppen kan du läsa remissen och svaren, men du skickar "
        "inte ut eller delar något för gruppen.",
        "en": "A patient representative reads the group's consultations but does not act for "
        "the group.",
    },
    "organisations_required": {
        "sv": "Välj vilka organisationer som bjuds in, eller öppna remissen för alla verifierade "
        "organisationer.",
        "en": "Choose the organisations to invite, or open the consultation to all verified "
        "organisations.",
    },
    "unknown_consultation": {
        "sv": "Remissen finns inte eller är inte riktad till er organisation.",
        "en": "The consultation does not exist or is not addressed to your organisation.",
    },
    "consultation_open": {
        "sv": "Remissen är fortfarande öppen. Sammanställningen kan delas med organisationerna "
        "först efter sista dag.",
        "en": "The consultation is still open. The table can be shared with the organisations "
        "only after its last day.",
    },
    "consultation_closed": {
        "sv": "Remissen är stängd: sista dag har passerat. Det som redan skickats finns kvar, "
        "men inget nytt tas emot.",
        "en": "The consultation is closed: its last day has passed. Everything sent before is "
        "kept, but nothing new is accepted.",
    },
}
