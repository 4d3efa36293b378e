"""What the pages and API of input rounds and joint statements say about errors, Swedish and
English; the codes of consultations and organisations (and feedback's) are included."""

from __future__ import annotations

from medskapa.consultations.texts import ERRORS as CONSULTATION_ERRORS
from medskapa.errors import Language

ERRORS: dict[str, dict[Language, str]] = {
    **CONSULTATION_ERRORS,
    "deadline_after_consultation": {
        "sv": "Insamlingen måste sluta senast samma dag som remissen.",
        "en": "The round must end no later than the consultation.",
    },
    "round_closed": {
        "sv": "Insamlingen är stängd: sista dag har passerat. Det som redan skickats finns kvar, "
        "men inget nytt tas emot.",
        "en": "The round is closed: its last day has passed. Everything sent before is kept, "
        "but nothing new is accepted.",
    },
    "round_target_required": {
        "sv": "Välj en remiss eller ett kunskapsstöd som insamlingen gäller.",
        "en": "Choose a consultation or a guidance document for the round.",
    },
    "statement_target_required": {
        "sv": "Välj vilken insamling yttrandet bygger på, eller vilket kunskapsstöd det gäller.",
        "en": "Choose the round the statement builds on, or the guidance document it is about.",
    },
    "unknown_round": {
        "sv": "Insamlingen finns inte i er organisation.",
        "en": "That round does not exist in your organisation.",
    },
    "heading_required": {"sv": "Skriv en rubrik för avsnittet.", "en": "Enter a heading."},
    "heading_too_long": {
        "sv": "Rubriken får vara högst 200 tecken.",
        "en": "The heading can be at most 200 characters.",
    },
    "body_required": {"sv": "Skriv texten i avsnittet.", "en": "Enter the section's text."},
    "body_too_long": {
        "sv": "Avsnittet får vara högst 5 000 tecken.",
        "en": "A section can be at most 5,000 characters.",
    },
    "unknown_statement_section": {
        "sv": "Avsnittet finns inte i yttrandet.",
        "en": "That section is not in the statement.",
    },
    "unknown_input": {
        "sv": "Synpunkten finns inte bland er organisations synpunkter.",
        "en": "That input is not among your organisation's input.",
    },
    "own_organisation": {
        "sv": "Er egen organisation står redan bakom yttrandet.",
        "en": "Your own organisation already stands behind the statement.",
    },
    "not_verified": {
        "sv": "Organisationen är inte verifierad ännu. Bara verifierade organisationer kan "
        "lämna eller skriva under yttranden.",
        "en": "The organisation is not verified yet. Only verified organisations can send or "
        "co-sign statements.",
    },
    "already_submitted": {
        "sv": "Yttrandet är redan skickat och kan inte längre ändras.",
        "en": "The statement has already been sent and can no longer be changed.",
    },
    "already_signed": {
        "sv": "Er organisation har redan skrivit under.",
        "en": "Your organisation has already signed.",
    },
    "own_statement": {
        "sv": "Det är er egen organisations yttrande.",
        "en": "This is your own organisation's statement.",
    },
    "statement_empty": {
        "sv": "Yttrandet är tomt. Skriv minst ett avsnitt innan ni skickar.",
        "en": "The statement is empty. Write at least one section before sending.",
    },
    "statement_too_long": {
        "sv": "Yttrandet är för långt att skicka: högst 5 000 tecken sammanlagt. Korta avsnitten.",
        "en": "The statement is too long to send: at most 5,000 characters in all.",
    },
}
