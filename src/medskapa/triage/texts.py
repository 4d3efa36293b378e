"""The words group members (and, for answers, the public) read: Swedish first, English second."""

from __future__ import annotations

from typing import Literal

Language = Literal["sv", "en"]

# What a patient representative is told when they try to act for the group.
NOT_PERMITTED = (
    "Som patientföreträdare i gruppen kan du läsa synpunkterna och skriva interna anteckningar, "
    "men du svarar inte för gruppen: du kan inte ändra status, svara, tilldela, sätta teman, "
    "slå ihop eller skicka vidare. Ingenting har sparats."
)

ERRORS: dict[str, dict[Language, str]] = {
    "transition_not_allowed": {
        "sv": "Det steget går inte att ta från synpunktens nuvarande status. "
        "Ladda om sidan och välj ett av de steg som visas.",
        "en": "That step cannot be taken from the item's current status. "
        "Reload and choose one of the steps shown.",
    },
    "unknown_status": {
        "sv": "Okänd status. Välj en av dem som visas.",
        "en": "Unknown status. Choose one of those shown.",
    },
    "answer_required": {
        "sv": "Skriv ett svar: om texten ska ändras och varför, eller varför inte.",
        "en": "Write an answer: whether the text will change and why, or why not.",
    },
    "answer_too_short": {
        "sv": "Svaret är för kort. Skriv med några meningar om texten ska ändras och varför.",
        "en": "The answer is too short. Say in a few sentences whether the text will change "
        "and why.",
    },
    "answer_too_long": {
        "sv": "Svaret är för långt. Korta det till högst 5 000 tecken.",
        "en": "The answer is too long. Shorten it to at most 5,000 characters.",
    },
    "answer_not_expected": {
        "sv": "Det här steget tar inget svar. Töm svarsfältet eller välj ett annat steg.",
        "en": "This step takes no answer. Empty the answer or choose another step.",
    },
    "reason_required": {
        "sv": "Välj ett skäl.",
        "en": "Choose a reason.",
    },
    "unknown_reason": {
        "sv": "Okänt skäl. Välj ett av dem som visas.",
        "en": "Unknown reason. Choose one of those shown.",
    },
    "reason_not_expected": {
        "sv": "Skäl anges bara när synpunkten avslutas.",
        "en": "A reason is only given when the item is closed.",
    },
    "version_required": {
        "sv": "Välj den version av kunskapsstödet som innehåller ändringen.",
        "en": "Choose the version of the document that contains the change.",
    },
    "version_format": {
        "sv": "Versionen skrivs med siffror och punkter, till exempel 2.1.",
        "en": "Write the version with digits and dots, for example 2.1.",
    },
    "version_not_expected": {
        "sv": "Version anges bara när texten är ändrad.",
        "en": "A version is only given when the text has changed.",
    },
    "unknown_version": {
        "sv": "Kunskapsstödet har ingen sådan version.",
        "en": "The document has no such version.",
    },
    "version_not_published": {
        "sv": "Versionen är inte publicerad än. Koppla ändringen när den är publicerad.",
        "en": "That version is not published yet. Link the change once it is.",
    },
    "version_not_later": {
        "sv": "Ändringen måste finnas i en senare version än den synpunkten gällde.",
        "en": "The change must be in a later version than the one the feedback was about.",
    },
    "not_forwardable": {
        "sv": "Synpunkten är redan besvarad och kan inte skickas vidare.",
        "en": "The item is already answered and cannot be forwarded.",
    },
    "unknown_group": {
        "sv": "Vi hittar ingen sådan arbetsgrupp.",
        "en": "There is no such group.",
    },
    "same_group": {
        "sv": "Synpunkten finns redan hos er grupp. Välj en annan grupp.",
        "en": "The item is already with your group. Choose another group.",
    },
    "already_routed_there": {
        "sv": "Den gruppen har redan synpunkten.",
        "en": "That group already has the item.",
    },
    "note_required": {
        "sv": "Skriv något först.",
        "en": "Write something first.",
    },
    "note_too_long": {
        "sv": "Texten är för lång.",
        "en": "The text is too long.",
    },
    "not_a_member": {
        "sv": "Personen är inte med i gruppen.",
        "en": "That person is not a member of the group.",
    },
    "unknown_theme": {
        "sv": "Välj bland gruppens teman.",
        "en": "Choose among the group's themes.",
    },
    "item_finished": {
        "sv": "Synpunkten är färdigbehandlad.",
        "en": "The item is finished.",
    },
    "choose_items": {
        "sv": "Välj minst en liknande synpunkt att slå ihop med.",
        "en": "Choose at least one similar item to merge with.",
    },
    "not_in_group": {
        "sv": "Bara synpunkter hos er grupp kan slås ihop.",
        "en": "Only items with your group can be merged.",
    },
    "unknown_document": {
        "sv": "Okänt kunskapsstöd.",
        "en": "Unknown document.",
    },
    "unknown_region": {
        "sv": "Välj en region i listan.",
        "en": "Choose a region by its two-digit county code, e.g. 12 for Region Skåne.",
    },
    "unknown_healthcare_region": {
        "sv": "Välj en sjukvårdsregion i listan.",
        "en": "Choose a healthcare region by its code, e.g. sodra.",
    },
    "unknown_section": {
        "sv": "Avsnittet skrivs som nyckel, till exempel 3.2-behandling.",
        "en": "Write the section as its key, for example 3.2-behandling.",
    },
    "unknown_assignee": {
        "sv": "Välj en person i listan.",
        "en": "Choose a person from the list.",
    },
    "days_out_of_range": {
        "sv": "Skriv ett antal dagar, 0–3650.",
        "en": "Write a number of days, 0–3650.",
    },
    "query_too_long": {
        "sv": "Sökningen är för lång. Använd högst 200 tecken.",
        "en": "The search is too long. Use at most 200 characters.",
    },
    "cursor_invalid": {
        "sv": "Länken till nästa sida är trasig. Börja om från första sidan.",
        "en": "The next-page link is broken. Start again from the first page.",
    },
    "choose_one": {
        "sv": "Välj ett av alternativen.",
        "en": "Choose one of the options.",
    },
    "nul": {
        "sv": "Texten innehåller ett otillåtet tecken (NUL).",
        "en": "The text contains a character that is not allowed (NUL).",
    },
    "surrogate": {
        "sv": "Texten innehåller ett trasigt tecken.",
        "en": "The text contains a broken character.",
    },
    "bidi": {
        "sv": "Texten innehåller osynliga styrtecken för textriktning.",
        "en": "The text contains invisible text-direction control characters.",
    },
    "control": {
        "sv": "Texten innehåller osynliga styrtecken.",
        "en": "The text contains invisible control characters.",
    },
    # What a patient representative is told when they try to act for the group.
    "not_permitted": {
        "sv": NOT_PERMITTED,
        "en": "A patient representative reads the group's items and writes notes, but does not "
        "act for the group (answers, status, assignment, themes, merging, forwarding).",
    },
}


# What a group member sees for each status (the submitter's words are in feedback/domain.py).
GROUP_STATUS_LABELS: dict[str, str] = {
    "received": "Mottagen",
    "rejected": "Avvisad",
    "routed": "Ny",
    "in_review": "Under behandling",
    "answered": "Besvarad",
    "closed": "Avslutad",
    "change_planned": "Ändring planerad",
    "changed": "Ändrad",
    "withdrawn": "Återtagen",
}

# The steps a member can take, as the buttons say them.
STEP_LABELS: dict[str, str] = {
    "in_review": "Börja behandla",
    "answered": "Svara (texten ändras inte)",
    "change_planned": "Svara och planera ändring",
    "closed": "Avsluta med skäl",
    "changed": "Markera som ändrad i en publicerad version",
}

CLOSE_REASON_LABELS: dict[str, str] = {
    "already_covered": "Texten säger redan detta",
    "out_of_scope": "Ligger utanför kunskapsstödets område",
    "duplicate": "Samma synpunkt finns redan och är besvarad",
    "not_actionable": "Går inte att agera på",
    "personal_care_matter": "Gäller egen vård (hänvisas till vårdgivare, 1177, patientnämnden)",
}

FORWARD_REASON_LABELS: dict[str, str] = {
    "other_group_owns_text": "En annan grupp äger texten",
    "spans_groups": "Berör en annan grupps område",
    "wrong_routing": "Hamnade fel",
}

# The trail as a group member reads it.
TIMELINE_WORDS: dict[str, str] = {
    "feedback.submitted": "Synpunkten kom in",
    "feedback.approved": "Godkänd av moderator",
    "feedback.redacted": "Godkänd av moderator, personuppgifter borttagna",
    "feedback.rejected": "Avvisad av moderator",
    "feedback.routed": "Skickad till gruppen",
    "feedback.in_review": "Behandlingen började",
    "feedback.answered": "Besvarad",
    "feedback.closed": "Avslutad",
    "feedback.change_planned": "Besvarad, ändring planerad",
    "feedback.changed": "Texten ändrad",
    "feedback.forwarded": "Skickad vidare till en annan grupp",
    "feedback.assigned": "Tilldelad",
    "feedback.unassigned": "Tilldelning borttagen",
    "feedback.themes_changed": "Teman ändrade",
    "feedback.noted": "Intern anteckning",
    "feedback.merged": "Sammanslagen med liknande synpunkter",
    "feedback.access_refused": "Någon utanför gruppen försökte öppna synpunkten",
    "feedback.withdrawn": "Återtagen av den som skrev",
    "feedback.erased": "Texten raderad på begäran",
}

PASSAGE_WORDS: dict[str, str] = {
    "present": "Det citerade stycket finns kvar i samma avsnitt i den aktuella versionen",
    "moved": "Det citerade stycket finns i ett annat avsnitt i den aktuella versionen",
    "gone": "Det citerade stycket finns inte längre i den aktuella versionen",
}
