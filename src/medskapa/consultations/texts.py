"""What the consultation pages and API say about errors, Swedish and English; the codes of
organisations (and through them feedback's) are included."""

from __future__ import annotations

from medskapa.i18n import N_
from medskapa.organisations.texts import ERRORS as ORGANISATION_ERRORS

ERRORS: dict[str, str] = {
    **ORGANISATION_ERRORS,
    "title_required": N_("Skriv en rubrik."),
    "title_too_long": N_("Rubriken får vara högst 200 tecken."),
    "questions_required": N_("Skriv minst en fråga till dem som svarar."),
    "questions_too_long": N_("En fråga får vara högst 1 000 tecken."),
    "questions_too_many": N_("Ställ högst fem frågor."),
    "start_required": N_("Ange första dag."),
    "deadline_required": N_("Ange sista dag."),
    "date_format": N_("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-28."),
    "deadline_before_start": N_("Sista dag kan inte vara före första dag."),
    "deadline_past": N_("Sista dag har redan passerat. Välj ett senare datum."),
    "not_your_group": N_(
        "Kunskapsstödet tillhör en annan grupp. Du kan bara skicka ut din egen grupps "
        "kunskapsstöd på remiss."
    ),
    "patient_representative": N_(
        "Som patientföreträdare i gruppen kan du läsa remissen och svaren, men du skickar "
        "inte ut eller delar något för gruppen."
    ),
    "organisations_required": N_(
        "Välj vilka organisationer som bjuds in, eller öppna remissen för alla verifierade "
        "organisationer."
    ),
    "unknown_consultation": N_("Remissen finns inte eller är inte riktad till er organisation."),
    "consultation_open": N_(
        "Remissen är fortfarande öppen. Sammanställningen kan delas med organisationerna "
        "först efter sista dag."
    ),
    "consultation_closed": N_(
        "Remissen är stängd: sista dag har passerat. Det som redan skickats finns kvar, "
        "men inget nytt tas emot."
    ),
}
