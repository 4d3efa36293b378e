"""What the organisation pages and API say about errors, Swedish and English. Codes shared with
feedback (text, quote, section, characters) come from feedback's texts."""

from __future__ import annotations

from medskapa.feedback.texts import ERRORS as FEEDBACK_ERRORS
from medskapa.feedback.texts import Language

ERRORS: dict[str, dict[Language, str]] = {
    "name_required": {"sv": "Skriv organisationens namn.", "en": "Enter the organisation's name."},
    "name_too_long": {
        "sv": "Namnet får vara högst 200 tecken.",
        "en": "The name can be at most 200 characters.",
    },
    "name_letters": {
        "sv": "Namnet behöver innehålla bokstäver eller siffror.",
        "en": "The name needs letters or digits.",
    },
    "name_taken": {
        "sv": "Det finns redan en organisation med det namnet.",
        "en": "An organisation with that name already exists.",
    },
    "description_too_long": {
        "sv": "Beskrivningen får vara högst 2 000 tecken.",
        "en": "The description can be at most 2,000 characters.",
    },
    "email_required": {"sv": "Skriv en e-postadress.", "en": "Enter an e-mail address."},
    "invite_needs_verification": {
        "sv": "Inbjudningar med e-post kan skickas när en administratör har verifierat "
        "organisationen. Tills dess kan ni bjuda in med en länk.",
        "en": "E-mail invitations can be sent once an administrator has verified the "
        "organisation. Until then, invite with a link.",
    },
    "invite-organisation_limited": {
        "sv": "Organisationen har skickat många inbjudningar i dag. Fortsätt i morgon, eller "
        "bjud in med en länk.",
        "en": "The organisation has sent many invitations today. Continue tomorrow, or invite "
        "with a link.",
    },
    "invite-address_limited": {
        "sv": "Den adressen har redan fått flera inbjudningar i dag. Försök igen i morgon.",
        "en": "That address has already had several invitations today. Try again tomorrow.",
    },
    "days_range": {
        "sv": "Ange hur många dagar länken ska gälla, från 1 till 90.",
        "en": "Give the number of days the link is valid, from 1 to 90.",
    },
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
    "deadline_after_consultation": {
        "sv": "Insamlingen måste sluta senast samma dag som remissen.",
        "en": "The round must end no later than the consultation.",
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
    "unknown_organisation": {
        "sv": "Det finns ingen organisation med det namnet.",
        "en": "There is no organisation with that name.",
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
    "already_verified": {
        "sv": "Organisationen är redan verifierad.",
        "en": "The organisation is already verified.",
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
    "last_coordinator": {
        "sv": "Det måste finnas minst en samordnare kvar i organisationen.",
        "en": "The organisation must keep at least one coordinator.",
    },
    "invitation_unknown": {
        "sv": "Inbjudan finns inte. Kontrollera länken eller be om en ny.",
        "en": "The invitation does not exist. Check the link or ask for a new one.",
    },
    "invitation_expired": {
        "sv": "Inbjudan har gått ut. Be samordnaren om en ny.",
        "en": "The invitation has expired. Ask the coordinator for a new one.",
    },
    "invitation_used": {
        "sv": "Inbjudan är redan använd. Be samordnaren om en ny.",
        "en": "The invitation has already been used. Ask the coordinator for a new one.",
    },
    "invitation_revoked": {
        "sv": "Inbjudan är återkallad. Be samordnaren om en ny.",
        "en": "The invitation was revoked. Ask the coordinator for a new one.",
    },
    "already_member": {
        "sv": "Du är redan medlem i organisationen.",
        "en": "You are already a member of the organisation.",
    },
}


def message(code: str, language: Language = "sv") -> str:
    found = ERRORS.get(code) or FEEDBACK_ERRORS.get(code) or FEEDBACK_ERRORS["required"]
    return found[language]
