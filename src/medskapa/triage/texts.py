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
    "personal_care_matter": "Gäller egen vård "
    "(hänvisas till vårdgivare, 1177, patientnämnden, IVO)",
}

FORWARD_REASON_LABELS: dict[str, str] = {
    "other_group_owns_text": "En annan grupp äger texten",
    "spans_groups": "Berör en annan grupps område",
    "wrong_routing": "Hamnade fel",
}

# Who did something, where the trail may not name them (see triage.item_pages: only a
# colleague is named, by address; anyone else by role).
WHO_WORDS: dict[str, str] = {
    "moderator": "en moderator",
    "admin": "en administratör",
    "other": "en annan användare",
    "gone": "ett borttaget konto",
    "submitter": "den som skrev",
    "system": "systemet",
}

# Every event on an item's trail as staff read it: {who} is who did it.
TRAIL_WORDS: dict[str, str] = {
    "feedback.submitted": "Synpunkten kom in",
    "moderation.approved": "Godkänd av {who}",
    "moderation.redacted": "Godkänd av {who}, med text borttagen",
    "moderation.rejected": "Avvisad av {who}",
    "moderation.marked_urgent": "Markerad som möjlig patientsäkerhetsrisk av {who}",
    "moderation.original_read": "Originaltexten från före maskningen lästes av {who}",
    "moderation.original_destroyed": "Originaltexten från före maskningen raderades enligt "
    "gallringsreglerna",
    "feedback.routed": "Skickad till {group} av {who}",
    "feedback.in_review": "Behandlingen påbörjades av {who}",
    "feedback.answered": "Besvarad av {who}",
    "feedback.change_planned": "Besvarad av {who}, ändring planerad",
    "feedback.closed": "Avslutad av {who}",
    "feedback.changed": "Markerad av {who} som ändrad i en publicerad version",
    "feedback.forwarded": "Skickad vidare till {group} av {who}",
    "feedback.assigned": "Tilldelad av {who}",
    "feedback.unassigned": "Tilldelningen togs bort av {who}",
    "feedback.themes_changed": "Teman ändrade av {who}",
    "feedback.noted": "Intern anteckning skriven av {who}",
    "feedback.merged": "Sammanslagen med liknande synpunkter av {who}",
    "feedback.access_refused": "Åtkomst nekad: {who} försökte öppna synpunkten",
    "feedback.withdrawn": "Återtagen av den som skrev",
    "feedback.erased": "Texten raderad på begäran av den som skrev",
    # Written before moderation had events of its own; older trails still hold them.
    "feedback.approved": "Godkänd av {who}",
    "feedback.redacted": "Godkänd av {who}, med text borttagen",
    "feedback.rejected": "Avvisad av {who}",
}

# An unknown event is never shown as its code.
UNKNOWN_EVENT = "Händelse utan beskrivning"
UNKNOWN_GROUP = "en arbetsgrupp som inte längre finns"

# Why, for the events that say why (the reason codes of each).
TRAIL_REASONS: dict[str, dict[str, str]] = {
    "moderation.redacted": {
        "personal_data": "personuppgifter",
        "identifying_details": "detaljer som tillsammans visar vem någon är",
        "third_party": "uppgifter om en annan person",
        "other": "annat skäl",
    },
    "moderation.rejected": {
        "spam": "skräppost eller reklam",
        "abusive": "kränkande eller hotfullt innehåll",
        "off_topic": "handlar inte om kunskapsstödet",
        "personal_care_matter": "gäller den egna vården",
        "duplicate": "samma synpunkt finns redan",
        "other": "annat skäl",
    },
    "moderation.original_read": {
        "check_redaction": "kontroll av maskningen",
        "submitter_request": "den som skrev har begärt det",
        "complaint": "klagomål eller omprövning",
        "legal_request": "begäran enligt lag",
    },
    "feedback.closed": CLOSE_REASON_LABELS,
    "feedback.forwarded": FORWARD_REASON_LABELS,
}
# Reasons an event carries that its words already say.
SILENT_REASONS: dict[str, frozenset[str]] = {
    "moderation.marked_urgent": frozenset({"patient_safety"}),
}


def routed_to(reason_code: str | None) -> tuple[int | None, str | None]:
    """The group a "feedback.routed" event sent the item to, and how the route was chosen
    ("owner", or "rule:<id>"), from its reason code "group:<id>:<how>"."""
    parts = (reason_code or "").split(":", 2)
    if len(parts) == 3 and parts[0] == "group" and parts[1].isdigit():
        return int(parts[1]), parts[2]
    return None, None


def trail_text(
    action: str,
    reason_code: str | None,
    *,
    who: str,
    group: str | None = None,
    rule: str | None = None,
) -> str:
    """One event in plain Swedish: what happened, by whom, and why (never a code). ``group``
    is the group a route or forward went to, ``rule`` the routing rule that chose it."""
    words = TRAIL_WORDS.get(action)
    if words is None:
        return UNKNOWN_EVENT
    if action == "feedback.submitted":
        return (
            "Organisationens yttrande kom in"
            if reason_code == "organisation_statement"
            else "Synpunkten kom in"
        )
    text = words.format(who=who, group=group or UNKNOWN_GROUP)
    if action == "feedback.routed":
        _, how = routed_to(reason_code)
        if how == "owner":
            return f"{text} (gruppen äger kunskapsstödet)"
        return (
            f"{text} (enligt dirigeringsregeln ”{rule}”)"
            if rule
            else f"{text} (enligt en dirigeringsregel)"
        )
    if reason_code and reason_code not in SILENT_REASONS.get(action, frozenset()):
        why = TRAIL_REASONS.get(action, {}).get(reason_code, "annat skäl")
        return f"{text} (skäl: {why})"
    return text


PASSAGE_WORDS: dict[str, str] = {
    "present": "Det citerade stycket finns kvar i samma avsnitt i den aktuella versionen",
    "moved": "Det citerade stycket finns i ett annat avsnitt i den aktuella versionen",
    "gone": "Det citerade stycket finns inte längre i den aktuella versionen",
}
