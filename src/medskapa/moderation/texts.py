"""What the moderation and routing pages say. Codes map to words here only (Swedish first)."""

from __future__ import annotations

from medskapa.feedback.texts import ERRORS as FEEDBACK_ERRORS
from medskapa.feedback.texts import Language

DECISION_LABELS: dict[str, str] = {
    "approve": "Godkänn",
    "redact": "Godkänn med maskning",
    "reject": "Avvisa",
}

DECISION_DONE: dict[str, str] = {
    "approve": "Synpunkten är godkänd och skickad till ansvarig grupp.",
    "redact": "Synpunkten är maskad, godkänd och skickad till ansvarig grupp.",
    "reject": "Synpunkten är avvisad. Den som skrev den kan se skälet med sin kvittokod.",
}

REJECT_LABELS: dict[str, str] = {
    "spam": "Skräppost eller reklam",
    "abusive": "Kränkande eller hotfullt innehåll",
    "off_topic": "Handlar inte om kunskapsstödet",
    "personal_care_matter": "Gäller den egna vården "
    "(hänvisas till vårdgivaren, 1177, patientnämnden och IVO)",
    "duplicate": "Samma synpunkt finns redan",
    "other": "Annat skäl",
}

REDACTION_LABELS: dict[str, str] = {
    "personal_data": "Personuppgifter (personnummer, namn, telefon, adress, e-post)",
    "identifying_details": "Detaljer som tillsammans visar vem någon är",
    "third_party": "Uppgifter om en annan person, till exempel namngiven personal",
    "other": "Annat skäl",
}

READ_REASON_LABELS: dict[str, str] = {
    "check_redaction": "Kontrollera att maskningen blev rätt",
    "submitter_request": "Den som skrev synpunkten har begärt det",
    "complaint": "Klagomål eller omprövning av beslutet",
    "legal_request": "Begäran enligt lag (till exempel utlämnande av allmän handling)",
}

RULE_KIND_LABELS: dict[str, str] = {
    "document": "Kunskapsstöd",
    "section": "Avsnitt i ett kunskapsstöd",
    "category": "Kategori",
    "keyword": "Nyckelord i texten",
}

FINDING_LABELS: dict[str, str] = {
    "personal_identity_number": "personnummer",
    "coordination_number": "samordningsnummer",
    "phone_number": "telefonnummer",
    "email_address": "e-postadress",
    "street_address": "adress",
}

ERRORS: dict[str, dict[Language, str]] = {
    **FEEDBACK_ERRORS,
    "choose_decision": {
        "sv": "Välj ett beslut: godkänn, godkänn med maskning eller avvisa.",
        "en": "Choose a decision: approve, redact or reject.",
    },
    "reject_reason_required": {
        "sv": "Välj varför synpunkten avvisas.",
        "en": "Choose why the feedback is rejected.",
    },
    "redaction_reason_required": {
        "sv": "Välj varför text tas bort.",
        "en": "Choose why text is removed.",
    },
    "unknown_reason_code": {
        "sv": "Skälet finns inte i listan. Välj ett av skälen.",
        "en": "That reason code does not exist. Choose one of the listed reasons.",
    },
    "redacted_text_required": {
        "sv": "Den maskade texten är tom. Ta bara bort det som ska bort, eller avvisa synpunkten.",
        "en": "The redacted text is empty. Remove only what must go, or reject the feedback.",
    },
    "redaction_unchanged": {
        "sv": "Du har inte tagit bort något ur texten. Välj Godkänn om texten kan gå vidare "
        "som den är.",
        "en": "Nothing was removed from the text. Choose approve if it can go on as it is.",
    },
    "redaction_adds_text": {
        "sv": "Vid maskning får text bara tas bort, inte läggas till: det är inskickarens ord. "
        "Ta bort det du skrev till.",
        "en": "Redaction may only remove text, not add to it: these are the submitter's words.",
    },
    "redaction_removes_everything": {
        "sv": "Maskningen tar bort hela texten. Avvisa synpunkten i stället.",
        "en": "The redaction removes the whole text. Reject the feedback instead.",
    },
    "message_too_long": {
        "sv": "Meddelandet är för långt. Korta det till högst 2 000 tecken.",
        "en": "The message is too long. Shorten it to at most 2,000 characters.",
    },
    "urgent_needs_approval": {
        "sv": "Bara en godkänd synpunkt kan markeras som möjlig patientsäkerhetsrisk.",
        "en": "Only approved feedback can be marked as a possible patient-safety signal.",
    },
    "read_reason_required": {
        "sv": "Välj varför du behöver läsa originaltexten.",
        "en": "Choose why you need to read the original text.",
    },
    "not_found": {
        "sv": "Synpunkten finns inte.",
        "en": "There is no such feedback.",
    },
    "already_decided": {
        "sv": "En annan moderator har redan beslutat om den här synpunkten. Ditt beslut sparades "
        "inte.",
        "en": "Another moderator has already decided on this feedback. Your decision was not "
        "saved.",
    },
    "not_in_queue": {
        "sv": "Synpunkten väntar inte längre på granskning (den som skrev den har tagit "
        "tillbaka den).",
        "en": "The feedback is no longer waiting for moderation (its submitter withdrew it).",
    },
    "claimed_by_other": {
        "sv": "En annan moderator granskar just nu den här synpunkten. Ditt beslut sparades inte. "
        "Välj en annan synpunkt i kön.",
        "en": "Another moderator is reviewing this feedback right now. Your decision was not "
        "saved. Pick another item from the queue.",
    },
    "no_original": {
        "sv": "Synpunkten har inte maskats, så det finns ingen separat originaltext.",
        "en": "The feedback was not redacted, so there is no separate original.",
    },
    "original_destroyed": {
        "sv": "Originaltexten är redan raderad enligt gallringsreglerna.",
        "en": "The original text has already been destroyed under the retention rules.",
    },
    # Routing rules
    "name_required": {"sv": "Ge regeln ett namn.", "en": "Give the rule a name."},
    "name_too_long": {
        "sv": "Namnet är för långt (högst 200 tecken).",
        "en": "The name is too long (at most 200 characters).",
    },
    "choose_kind": {
        "sv": "Välj vad regeln ska matcha på.",
        "en": "Choose what the rule matches on.",
    },
    "document_required": {
        "sv": "Välj vilket kunskapsstöd regeln gäller.",
        "en": "Choose the guidance document the rule is about.",
    },
    "section_required": {
        "sv": "Skriv avsnittets nyckel, till exempel 3.2-behandling.",
        "en": "Write the section key, for example 3.2-behandling.",
    },
    "category_required": {"sv": "Välj en kategori.", "en": "Choose a category."},
    "keyword_length": {
        "sv": "Nyckelordet ska vara 2 till 100 tecken.",
        "en": "The keyword must be 2 to 100 characters.",
    },
    "priority_range": {
        "sv": "Prioriteten ska vara ett heltal från 1 till 1000 (1 går först).",
        "en": "Priority must be a whole number from 1 to 1000 (1 goes first).",
    },
    "groups_required": {
        "sv": "Välj minst en ämnesgrupp som ska få synpunkterna.",
        "en": "Choose at least one subject group to receive the feedback.",
    },
    "unknown_group": {
        "sv": "Den ämnesgruppen finns inte.",
        "en": "That subject group does not exist.",
    },
    "unknown_rule": {"sv": "Regeln finns inte.", "en": "There is no such rule."},
}


def message(code: str, language: Language = "sv") -> str:
    return ERRORS.get(code, ERRORS["required"])[language]
