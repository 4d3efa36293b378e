"""The words group members (and, for answers, the public) read: Swedish message ids, English in
the catalogue (medskapa.i18n)."""

from __future__ import annotations

from medskapa.i18n import N_, Labels, Language, gettext

__all__ = ["Language"]

# What a patient representative is told when they try to act for the group.
NOT_PERMITTED = N_(
    "Som patientföreträdare i gruppen kan du läsa synpunkterna och skriva interna anteckningar, "
    "men du svarar inte för gruppen: du kan inte ändra status, svara, tilldela, sätta teman, "
    "slå ihop eller skicka vidare. Ingenting har sparats."
)

ERRORS: dict[str, str] = {
    "transition_not_allowed": N_(
        "Det steget går inte att ta från synpunktens nuvarande status. "
        "Ladda om sidan och välj ett av de steg som visas."
    ),
    "unknown_status": N_("Okänd status. Välj en av dem som visas."),
    "answer_required": N_("Skriv ett svar: om texten ska ändras och varför, eller varför inte."),
    "answer_too_short": N_(
        "Svaret är för kort. Skriv med några meningar om texten ska ändras och varför."
    ),
    "answer_too_long": N_("Svaret är för långt. Korta det till högst 5 000 tecken."),
    "answer_not_expected": N_(
        "Det här steget tar inget svar. Töm svarsfältet eller välj ett annat steg."
    ),
    "reason_required": N_("Välj ett skäl."),
    "unknown_reason": N_("Okänt skäl. Välj ett av dem som visas."),
    "reason_not_expected": N_("Skäl anges bara när synpunkten avslutas."),
    "version_required": N_("Välj den version av kunskapsstödet som innehåller ändringen."),
    "version_format": N_("Versionen skrivs med siffror och punkter, till exempel 2.1."),
    "version_not_expected": N_("Version anges bara när texten är ändrad."),
    "unknown_version": N_("Kunskapsstödet har ingen sådan version."),
    "version_not_published": N_(
        "Versionen är inte publicerad än. Koppla ändringen när den är publicerad."
    ),
    "version_not_later": N_("Ändringen måste finnas i en senare version än den synpunkten gällde."),
    "not_forwardable": N_("Synpunkten är redan besvarad och kan inte skickas vidare."),
    "unknown_group": N_("Vi hittar ingen sådan arbetsgrupp."),
    "same_group": N_("Synpunkten finns redan hos er grupp. Välj en annan grupp."),
    "already_routed_there": N_("Den gruppen har redan synpunkten."),
    "note_required": N_("Skriv något först."),
    "note_too_long": N_("Texten är för lång."),
    "not_a_member": N_("Personen är inte med i gruppen."),
    "unknown_theme": N_("Välj bland gruppens teman."),
    "item_finished": N_("Synpunkten är färdigbehandlad."),
    "choose_items": N_("Välj minst en liknande synpunkt att slå ihop med."),
    "not_in_group": N_("Bara synpunkter hos er grupp kan slås ihop."),
    "unknown_document": N_("Okänt kunskapsstöd."),
    "unknown_region": N_("Välj en region i listan."),
    "unknown_healthcare_region": N_("Välj en sjukvårdsregion i listan."),
    "unknown_section": N_("Avsnittet skrivs som nyckel, till exempel 3.2-behandling."),
    "unknown_assignee": N_("Välj en person i listan."),
    "days_out_of_range": N_("Skriv ett antal dagar, 0–3650."),
    "query_too_long": N_("Sökningen är för lång. Använd högst 200 tecken."),
    "cursor_invalid": N_("Länken till nästa sida är trasig. Börja om från första sidan."),
    "choose_one": N_("Välj ett av alternativen."),
    "nul": N_("Texten innehåller ett otillåtet tecken (NUL)."),
    "surrogate": N_("Texten innehåller ett trasigt tecken."),
    "bidi": N_("Texten innehåller osynliga styrtecken för textriktning."),
    "control": N_("Texten innehåller osynliga styrtecken."),
    # What a patient representative is told when they try to act for the group.
    "not_permitted": NOT_PERMITTED,
}


# What a group member sees for each status (the submitter's words are in feedback/domain.py).
GROUP_STATUS_LABELS: Labels = Labels(
    {
        "received": N_("Mottagen"),
        "rejected": N_("Avvisad"),
        "routed": N_("Ny"),
        "in_review": N_("Under behandling"),
        "answered": N_("Besvarad"),
        "closed": N_("Avslutad"),
        "change_planned": N_("Ändring planerad"),
        "changed": N_("Ändrad"),
        "withdrawn": N_("Återtagen"),
    }
)

# The steps a member can take, as the buttons say them.
STEP_LABELS: Labels = Labels(
    {
        "in_review": N_("Börja behandla"),
        "answered": N_("Svara (texten ändras inte)"),
        "change_planned": N_("Svara och planera ändring"),
        "closed": N_("Avsluta med skäl"),
        "changed": N_("Markera som ändrad i en publicerad version"),
    }
)

CLOSE_REASON_LABELS: Labels = Labels(
    {
        "already_covered": N_("Texten säger redan detta"),
        "out_of_scope": N_("Ligger utanför kunskapsstödets område"),
        "duplicate": N_("Samma synpunkt finns redan och är besvarad"),
        "not_actionable": N_("Går inte att agera på"),
        "personal_care_matter": N_(
            "Gäller egen vård (hänvisas till vårdgivare, 1177, patientnämnden, IVO)"
        ),
    }
)

FORWARD_REASON_LABELS: Labels = Labels(
    {
        "other_group_owns_text": N_("En annan grupp äger texten"),
        "spans_groups": N_("Berör en annan grupps område"),
        "wrong_routing": N_("Hamnade fel"),
    }
)

# Who did something, where the trail may not name them (see triage.item_pages: only a
# colleague is named, by address; anyone else by role).
WHO_WORDS: Labels = Labels(
    {
        "moderator": N_("en moderator"),
        "admin": N_("en administratör"),
        "other": N_("en annan användare"),
        "gone": N_("ett borttaget konto"),
        "submitter": N_("den som skrev"),
        "system": N_("systemet"),
    }
)

# Every event on an item's trail as staff read it: {who} is who did it.
TRAIL_WORDS: Labels = Labels(
    {
        "feedback.submitted": N_("Synpunkten kom in"),
        "moderation.approved": N_("Godkänd av {who}"),
        "moderation.redacted": N_("Godkänd av {who}, med text borttagen"),
        "moderation.rejected": N_("Avvisad av {who}"),
        "moderation.marked_urgent": N_("Markerad som möjlig patientsäkerhetsrisk av {who}"),
        "moderation.original_read": N_("Originaltexten från före maskningen lästes av {who}"),
        "moderation.original_destroyed": N_(
            "Originaltexten från före maskningen raderades enligt gallringsreglerna"
        ),
        "feedback.routed": N_("Skickad till {group} av {who}"),
        "feedback.in_review": N_("Behandlingen påbörjades av {who}"),
        "feedback.answered": N_("Besvarad av {who}"),
        "feedback.change_planned": N_("Besvarad av {who}, ändring planerad"),
        "feedback.closed": N_("Avslutad av {who}"),
        "feedback.changed": N_("Markerad av {who} som ändrad i en publicerad version"),
        "feedback.forwarded": N_("Skickad vidare till {group} av {who}"),
        "feedback.assigned": N_("Tilldelad av {who}"),
        "feedback.unassigned": N_("Tilldelningen togs bort av {who}"),
        "feedback.themes_changed": N_("Teman ändrade av {who}"),
        "feedback.noted": N_("Intern anteckning skriven av {who}"),
        "feedback.merged": N_("Sammanslagen med liknande synpunkter av {who}"),
        "feedback.access_refused": N_("Åtkomst nekad: {who} försökte öppna synpunkten"),
        "feedback.withdrawn": N_("Återtagen av den som skrev"),
        "feedback.erased": N_("Texten raderad på begäran av den som skrev"),
        # Written before moderation had events of its own; older trails still hold them.
        "feedback.approved": N_("Godkänd av {who}"),
        "feedback.redacted": N_("Godkänd av {who}, med text borttagen"),
        "feedback.rejected": N_("Avvisad av {who}"),
    }
)

# An unknown event is never shown as its code.
UNKNOWN_EVENT = N_("Händelse utan beskrivning")
UNKNOWN_GROUP = N_("en arbetsgrupp som inte längre finns")

# Why, for the events that say why (the reason codes of each).
TRAIL_REASONS: dict[str, Labels] = {
    "moderation.redacted": Labels(
        {
            "personal_data": N_("personuppgifter"),
            "identifying_details": N_("detaljer som tillsammans visar vem någon är"),
            "third_party": N_("uppgifter om en annan person"),
            "other": N_("annat skäl"),
        }
    ),
    "moderation.rejected": Labels(
        {
            "spam": N_("skräppost eller reklam"),
            "abusive": N_("kränkande eller hotfullt innehåll"),
            "off_topic": N_("handlar inte om kunskapsstödet"),
            "personal_care_matter": N_("gäller den egna vården"),
            "duplicate": N_("samma synpunkt finns redan"),
            "other": N_("annat skäl"),
        }
    ),
    "moderation.original_read": Labels(
        {
            "check_redaction": N_("kontroll av maskningen"),
            "submitter_request": N_("den som skrev har begärt det"),
            "complaint": N_("klagomål eller omprövning"),
            "legal_request": N_("begäran enligt lag"),
        }
    ),
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
    """One event in plain words, in the current language: what happened, by whom, and why
    (never a code). ``group`` is the group a route or forward went to, ``rule`` the routing
    rule that chose it."""
    words = TRAIL_WORDS.get(action)
    if words is None:
        return gettext(UNKNOWN_EVENT)
    if action == "feedback.submitted":
        return (
            gettext("Organisationens yttrande kom in")
            if reason_code == "organisation_statement"
            else gettext("Synpunkten kom in")
        )
    text = words.format(who=who, group=group or gettext(UNKNOWN_GROUP))
    if action == "feedback.routed":
        _, how = routed_to(reason_code)
        if how == "owner":
            return gettext("{text} (gruppen äger kunskapsstödet)").format(text=text)
        return (
            gettext("{text} (enligt dirigeringsregeln ”{rule}”)").format(text=text, rule=rule)
            if rule
            else gettext("{text} (enligt en dirigeringsregel)").format(text=text)
        )
    if reason_code and reason_code not in SILENT_REASONS.get(action, frozenset()):
        reasons = TRAIL_REASONS.get(action)
        why = reasons.get(reason_code) if reasons is not None else None
        return gettext("{text} (skäl: {why})").format(text=text, why=why or gettext("annat skäl"))
    return text


PASSAGE_WORDS: Labels = Labels(
    {
        "present": N_("Det citerade stycket finns kvar i samma avsnitt i den aktuella versionen"),
        "moved": N_("Det citerade stycket finns i ett annat avsnitt i den aktuella versionen"),
        "gone": N_("Det citerade stycket finns inte längre i den aktuella versionen"),
    }
)
