"""What the organisation pages and API say about errors, Swedish and English: the codes of
organisations and their people, and those shared with feedback (text, characters, e-mail)."""

from __future__ import annotations

from medskapa.errors import Language
from medskapa.feedback.texts import ERRORS as FEEDBACK_ERRORS

ERRORS: dict[str, dict[Language, str]] = {
    **FEEDBACK_ERRORS,
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
    "unknown_organisation": {
        "sv": "Det finns ingen organisation med det namnet.",
        "en": "There is no organisation with that name.",
    },
    "already_verified": {
        "sv": "Organisationen är redan verifierad.",
        "en": "The organisation is already verified.",
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
