"""What the organisation pages and API say about errors, Swedish and English: the codes of
organisations and their people, and those shared with feedback (text, characters, e-mail)."""

from __future__ import annotations

from medskapa.feedback.texts import ERRORS as FEEDBACK_ERRORS
from medskapa.i18n import N_

ERRORS: dict[str, str] = {
    **FEEDBACK_ERRORS,
    "name_required": N_("Skriv organisationens namn."),
    "name_too_long": N_("Namnet får vara högst 200 tecken."),
    "name_letters": N_("Namnet behöver innehålla bokstäver eller siffror."),
    "name_taken": N_("Det finns redan en organisation med det namnet."),
    "description_too_long": N_("Beskrivningen får vara högst 2 000 tecken."),
    "email_required": N_("Skriv en e-postadress."),
    "invite_needs_verification": N_(
        "Inbjudningar med e-post kan skickas när en administratör har verifierat "
        "organisationen. Tills dess kan ni bjuda in med en länk."
    ),
    "invite-organisation_limited": N_(
        "Organisationen har skickat många inbjudningar i dag. Fortsätt i morgon, eller "
        "bjud in med en länk."
    ),
    "invite-address_limited": N_(
        "Den adressen har redan fått flera inbjudningar i dag. Försök igen i morgon."
    ),
    "days_range": N_("Ange hur många dagar länken ska gälla, från 1 till 90."),
    "unknown_organisation": N_("Det finns ingen organisation med det namnet."),
    "already_verified": N_("Organisationen är redan verifierad."),
    "last_coordinator": N_("Det måste finnas minst en samordnare kvar i organisationen."),
    "invitation_unknown": N_("Inbjudan finns inte. Kontrollera länken eller be om en ny."),
    "invitation_expired": N_("Inbjudan har gått ut. Be samordnaren om en ny."),
    "invitation_used": N_("Inbjudan är redan använd. Be samordnaren om en ny."),
    "invitation_revoked": N_("Inbjudan är återkallad. Be samordnaren om en ny."),
    "already_member": N_("Du är redan medlem i organisationen."),
}
