"""What the moderation and routing pages say. Codes map to words here only (Swedish first)."""

from __future__ import annotations

from medskapa.feedback.texts import ERRORS as FEEDBACK_ERRORS
from medskapa.feedback.texts import Language
from medskapa.i18n import N_, Labels, translate

DECISION_LABELS: Labels = Labels(
    {
        "approve": N_("Godkänn"),
        "redact": N_("Godkänn med maskning"),
        "reject": N_("Avvisa"),
    }
)

DECISION_DONE: Labels = Labels(
    {
        "approve": N_("Synpunkten är godkänd och skickad till ansvarig grupp."),
        "redact": N_("Synpunkten är maskad, godkänd och skickad till ansvarig grupp."),
        "reject": N_("Synpunkten är avvisad. Den som skrev den kan se skälet med sin kvittokod."),
    }
)

REJECT_LABELS: Labels = Labels(
    {
        "spam": N_("Skräppost eller reklam"),
        "abusive": N_("Kränkande eller hotfullt innehåll"),
        "off_topic": N_("Handlar inte om kunskapsstödet"),
        "personal_care_matter": N_(
            "Gäller den egna vården (hänvisas till vårdgivaren, 1177, patientnämnden och IVO)"
        ),
        "duplicate": N_("Samma synpunkt finns redan"),
        "other": N_("Annat skäl"),
    }
)

REDACTION_LABELS: Labels = Labels(
    {
        "personal_data": N_("Personuppgifter (personnummer, namn, telefon, adress, e-post)"),
        "identifying_details": N_("Detaljer som tillsammans visar vem någon är"),
        "third_party": N_("Uppgifter om en annan person, till exempel namngiven personal"),
        "other": N_("Annat skäl"),
    }
)

READ_REASON_LABELS: Labels = Labels(
    {
        "check_redaction": N_("Kontrollera att maskningen blev rätt"),
        "submitter_request": N_("Den som skrev synpunkten har begärt det"),
        "complaint": N_("Klagomål eller omprövning av beslutet"),
        "legal_request": N_("Begäran enligt lag (till exempel utlämnande av allmän handling)"),
    }
)

RULE_KIND_LABELS: Labels = Labels(
    {
        "document": N_("Kunskapsstöd"),
        "section": N_("Avsnitt i ett kunskapsstöd"),
        "category": N_("Kategori"),
        "keyword": N_("Nyckelord i texten"),
    }
)

FINDING_LABELS: Labels = Labels(
    {
        "personal_identity_number": N_("personnummer"),
        "coordination_number": N_("samordningsnummer"),
        "phone_number": N_("telefonnummer"),
        "email_address": N_("e-postadress"),
        "street_address": N_("adress"),
    }
)

ERRORS: dict[str, str] = {
    **FEEDBACK_ERRORS,
    "choose_decision": N_("Välj ett beslut: godkänn, godkänn med maskning eller avvisa."),
    "reject_reason_required": N_("Välj varför synpunkten avvisas."),
    "redaction_reason_required": N_("Välj varför text tas bort."),
    "unknown_reason_code": N_("Skälet finns inte i listan. Välj ett av skälen."),
    "redacted_text_required": N_(
        "Den maskade texten är tom. Ta bara bort det som ska bort, eller avvisa synpunkten."
    ),
    "redaction_unchanged": N_(
        "Du har inte tagit bort något ur texten. Välj Godkänn om texten kan gå vidare som den är."
    ),
    "redaction_adds_text": N_(
        "Vid maskning får text bara tas bort, inte läggas till: det är inskickarens ord. "
        "Ta bort det du skrev till."
    ),
    "redaction_removes_everything": N_(
        "Maskningen tar bort hela texten. Avvisa synpunkten i stället."
    ),
    "message_too_long": N_("Meddelandet är för långt. Korta det till högst 2 000 tecken."),
    "urgent_needs_approval": N_(
        "Bara en godkänd synpunkt kan markeras som möjlig patientsäkerhetsrisk."
    ),
    "read_reason_required": N_("Välj varför du behöver läsa originaltexten."),
    "not_found": N_("Synpunkten finns inte."),
    "already_decided": N_(
        "En annan moderator har redan beslutat om den här synpunkten. Ditt beslut sparades inte."
    ),
    "not_in_queue": N_(
        "Synpunkten väntar inte längre på granskning (den som skrev den har tagit tillbaka den)."
    ),
    "claimed_by_other": N_(
        "En annan moderator granskar just nu den här synpunkten. Ditt beslut sparades inte. "
        "Välj en annan synpunkt i kön."
    ),
    "no_original": N_("Synpunkten har inte maskats, så det finns ingen separat originaltext."),
    "original_destroyed": N_("Originaltexten är redan raderad enligt gallringsreglerna."),
    # Routing rules
    "name_required": N_("Ge regeln ett namn."),
    "name_too_long": N_("Namnet är för långt (högst 200 tecken)."),
    "choose_kind": N_("Välj vad regeln ska matcha på."),
    "document_required": N_("Välj vilket kunskapsstöd regeln gäller."),
    "section_required": N_("Skriv avsnittets nyckel, till exempel 3.2-behandling."),
    "category_required": N_("Välj en kategori."),
    "keyword_length": N_("Nyckelordet ska vara 2 till 100 tecken."),
    "priority_range": N_("Prioriteten ska vara ett heltal från 1 till 1000 (1 går först)."),
    "groups_required": N_("Välj minst en ämnesgrupp som ska få synpunkterna."),
    "unknown_group": N_("Den ämnesgruppen finns inte."),
    "unknown_rule": N_("Regeln finns inte."),
}


def message(code: str, language: Language | None = None) -> str:
    return translate(ERRORS.get(code, ERRORS["required"]), language)
