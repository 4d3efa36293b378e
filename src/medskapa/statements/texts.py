"""What the pages and API of input rounds and joint statements say about errors, Swedish and
English; the codes of consultations and organisations (and feedback's) are included."""

from __future__ import annotations

from medskapa.consultations.texts import ERRORS as CONSULTATION_ERRORS
from medskapa.i18n import N_

ERRORS: dict[str, str] = {
    **CONSULTATION_ERRORS,
    "deadline_after_consultation": N_("Insamlingen måste sluta senast samma dag som remissen."),
    "round_closed": N_(
        "Insamlingen är stängd: sista dag har passerat. Det som redan skickats finns kvar, "
        "men inget nytt tas emot."
    ),
    "round_target_required": N_("Välj en remiss eller ett kunskapsstöd som insamlingen gäller."),
    "statement_target_required": N_(
        "Välj vilken insamling yttrandet bygger på, eller vilket kunskapsstöd det gäller."
    ),
    "unknown_round": N_("Insamlingen finns inte i er organisation."),
    "heading_required": N_("Skriv en rubrik för avsnittet."),
    "heading_too_long": N_("Rubriken får vara högst 200 tecken."),
    "body_required": N_("Skriv texten i avsnittet."),
    "body_too_long": N_("Avsnittet får vara högst 5 000 tecken."),
    "unknown_statement_section": N_("Avsnittet finns inte i yttrandet."),
    "unknown_input": N_("Synpunkten finns inte bland er organisations synpunkter."),
    "own_organisation": N_("Er egen organisation står redan bakom yttrandet."),
    "not_verified": N_(
        "Organisationen är inte verifierad ännu. Bara verifierade organisationer kan "
        "lämna eller skriva under yttranden."
    ),
    "already_submitted": N_("Yttrandet är redan skickat och kan inte längre ändras."),
    "already_signed": N_("Er organisation har redan skrivit under."),
    "own_statement": N_("Det är er egen organisations yttrande."),
    "statement_empty": N_("Yttrandet är tomt. Skriv minst ett avsnitt innan ni skickar."),
    "statement_too_long": N_(
        "Yttrandet är för långt att skicka: högst 5 000 tecken sammanlagt. Korta avsnitten."
    ),
}
