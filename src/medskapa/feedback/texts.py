"""What the feedback pages say (Swedish message ids; English in the catalogue: medskapa.i18n).
Error codes map to messages here only."""

from __future__ import annotations

from medskapa.i18n import LANGUAGES, N_, Language, translate
from medskapa.i18n import _ as _

__all__ = ["LANGUAGES", "Language"]

ERRORS: dict[str, str] = {
    "required": N_("Fyll i det här fältet."),
    "choose_one": N_("Välj ett av alternativen."),
    "text_required": N_("Skriv din synpunkt innan du skickar."),
    "text_too_long": N_("Texten är för lång. Korta den till högst 5 000 tecken."),
    "nul": N_(
        "Texten innehåller ett otillåtet tecken (NUL). Skriv om eller klistra in texten igen."
    ),
    "surrogate": N_("Texten innehåller ett trasigt tecken. Skriv om eller klistra in texten igen."),
    "bidi": N_(
        "Texten innehåller osynliga styrtecken för textriktning. Ta bort dem och försök igen."
    ),
    "control": N_("Texten innehåller osynliga styrtecken. Skriv om eller klistra in texten igen."),
    "email_format": N_("Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se."),
    "email_characters": N_("E-postadressen innehåller tecken som inte får finnas i en adress."),
    "unknown_document": N_("Vi hittar inte kunskapsstödet. Gå tillbaka och försök igen."),
    "unknown_version": N_("Den versionen av kunskapsstödet finns inte."),
    "unknown_section": N_("Avsnittet finns inte i den här versionen av kunskapsstödet."),
    "unknown_region": N_(
        "Den regionen finns inte bland Sveriges 21 regioner. Välj en region i listan "
        "eller ”Vill inte ange / inte aktuellt”."
    ),
    "quote_not_found": N_(
        "Vi hittar inte den citerade texten i avsnittet. Kopiera den ordagrant eller lämna "
        "fältet tomt."
    ),
    "quote_too_long": N_("Citatet är för långt. Citera högst 1 000 tecken."),
    "quote_needs_section": N_("Välj vilket avsnitt citatet kommer från."),
    "unknown_code": N_(
        "Vi hittar ingen synpunkt med den koden. Kontrollera att du skrivit av koden rätt."
    ),
    "code_format": N_(
        "Koden består av 16 tecken i fyra grupper, till exempel ABCD-EFGH-JKMN-PQRS."
    ),
    "not_withdrawable": N_(
        "Synpunkten har redan besvarats eller avslutats och kan inte längre tas tillbaka. "
        "Du kan fortfarande radera texten."
    ),
    "already_erased": N_("Texten är redan raderad."),
    "confirm_required": N_("Kryssa i rutan för att bekräfta."),
    "reused_form": N_(
        "Formuläret har redan skickats med annat innehåll. Ladda om sidan och försök igen."
    ),
}


def message(code: str, language: Language | None = None) -> str:
    return translate(ERRORS.get(code, ERRORS["required"]), language)


# Where one code is used for several fields, the form says which choice is missing: an error
# summary with the same line twice does not tell the submitter what to do.
FIELD_ERRORS: dict[tuple[str, str], str] = {
    ("role", "choose_one"): N_("Välj om du är patient, närstående eller annan."),
    ("category", "choose_one"): N_("Välj vad din synpunkt gäller."),
}


def field_message(field: str, code: str, language: Language | None = None) -> str:
    specific = FIELD_ERRORS.get((field, code))
    return translate(specific, language) if specific else message(code, language)


# What the submitter is told on the status page, by rejection reason.
REJECTION_WORDS: dict[str, str] = {
    "spam": N_("Synpunkten publiceras inte: den såg ut som skräppost eller reklam."),
    "abusive": N_("Synpunkten publiceras inte: den innehöll kränkande eller hotfulla ord."),
    "off_topic": N_("Synpunkten publiceras inte: den handlade inte om kunskapsstödet."),
    "personal_care_matter": N_(
        "Synpunkten gäller din egen vård, och den kan vi inte hjälpa dig med här. Kontakta "
        "din vårdgivare, ring 1177 för råd om vård, eller vänd dig till patientnämnden i din "
        "region om du vill lämna klagomål på vården. Allvarliga brister i vården kan du också "
        "anmäla till Inspektionen för vård och omsorg (IVO)."
    ),
    "duplicate": N_(
        "Synpunkten publiceras inte som en egen synpunkt: samma synpunkt har redan kommit in "
        "och går vidare till ansvarig grupp."
    ),
    "other": N_("Synpunkten publiceras inte."),
}

# The submitter's timeline on the status page: what each moderation event means to them.
MODERATION_TIMELINE_WORDS: dict[str, str] = {
    "moderation.approved": N_(
        "En moderator har granskat synpunkten och skickat den till ansvarig grupp."
    ),
    "moderation.redacted": N_(
        "En moderator har granskat synpunkten, tagit bort uppgifter som kunde visa vem du "
        "eller någon annan är, och skickat den till ansvarig grupp."
    ),
    "moderation.rejected": N_("En moderator har granskat synpunkten."),
    "moderation.marked_urgent": N_("Synpunkten har markerats som brådskande för ansvarig grupp."),
    "moderation.original_destroyed": N_(
        "Din ursprungliga text, från före maskningen, är nu raderad för gott."
    ),
}


def moderation_event_text(
    action: str, reason_code: str | None, language: Language | None = None
) -> str | None:
    """Plain words for a moderation event on the submitter's timeline (a rejection says why and,
    for a personal care matter, where to turn), or None for other events."""
    if action == "moderation.rejected":
        words = REJECTION_WORDS.get(reason_code or "other", REJECTION_WORDS["other"])
        return translate(words, language)
    words = MODERATION_TIMELINE_WORDS.get(action)
    return None if words is None else translate(words, language)


# The submitter's timeline on the status page: what each of the item's own events means to them.
TIMELINE_WORDS: dict[str, str] = {
    "feedback.submitted": N_("Vi tog emot din synpunkt."),
    "feedback.withdrawn": N_("Du tog tillbaka synpunkten."),
    "feedback.erased": N_("Texten och e-postadressen raderades på din begäran."),
    "feedback.in_review": N_("Arbetsgruppen började behandla synpunkten."),
    "feedback.answered": N_("Arbetsgruppen svarade."),
    "feedback.change_planned": N_("Arbetsgruppen svarade att texten ska ändras."),
    "feedback.closed": N_("Arbetsgruppen avslutade synpunkten."),
    "feedback.changed": N_("Texten är ändrad i en ny version."),
    "feedback.forwarded": N_("Synpunkten skickades vidare till en annan arbetsgrupp."),
    # A site item (a report of an accessibility problem), which the site's administrators handle.
    "site_feedback.in_review": N_("Webbplatsens förvaltare började behandla rapporten."),
    "site_feedback.answered": N_("Webbplatsens förvaltare svarade."),
    "site_feedback.closed": N_("Webbplatsens förvaltare avslutade rapporten."),
}


def timeline_text(action: str, reason_code: str | None, language: Language | None = None) -> str:
    """What an event on the item's trail means to its submitter; "" for a step with nothing to
    tell them (a route per group, a moderator's reading of a redacted original)."""
    words = TIMELINE_WORDS.get(action)
    if words is not None:
        return translate(words, language)
    return moderation_event_text(action, reason_code, language) or ""


UI: dict[str, str] = {
    "give_feedback": N_("Lämna synpunkt"),
    "on_document": N_("på hela kunskapsstödet"),
    "on_section": N_("på avsnittet"),
    "intro": N_(
        "Berätta vad som är svårt att förstå, vad som saknas eller vad du har varit med om. Din"
        " synpunkt läses först av en moderator och går sedan till den grupp som skriver texten."
    ),
    "not_for_care": N_(
        "Det här är inte rätt ställe för frågor om din egen vård. Kontakta din vårdgivare, ring"
        " 1177 eller vänd dig till patientnämnden i din region. Allvarliga brister i vården kan"
        " också anmälas till Inspektionen för vård och omsorg (IVO)."
    ),
    "section": N_("Avsnitt"),
    "whole_document": N_("Hela kunskapsstödet"),
    "quote": N_("Citera text ur avsnittet (valfritt)"),
    "quote_hint": N_("Klistra in eller markera de ord i avsnittet som din synpunkt gäller."),
    "role": N_("Jag är"),
    "role_patient": N_("Patient"),
    "role_relative": N_("Närstående"),
    "role_other": N_("Annan"),
    "category": N_("Vad gäller din synpunkt?"),
    "hard_to_understand": N_("Svårt att förstå"),
    "missing_information": N_("Något saknas"),
    "incorrect_or_outdated": N_("Felaktigt eller inaktuellt"),
    "own_experience": N_("Egen erfarenhet"),
    "suggestion": N_("Förslag"),
    "other": N_("Annat"),
    "text": N_("Din synpunkt"),
    "text_hint": N_(
        "Skriv inte namn, personnummer eller annat som kan visa vem du eller någon annan är."
    ),
    "characters_left": N_("tecken kvar"),
    "of_max": N_("Högst 5 000 tecken."),
    "consent": N_("Vad får vi göra med din synpunkt?"),
    "consent_public": N_(
        "Synpunkten får visas öppet på webbplatsen, utan ditt namn och utan uppgifter som kan "
        "visa vem du är."
    ),
    "consent_contact": N_(
        "Arbetsgruppen får kontakta mig om de vill fråga något (kräver e-postadress)."
    ),
    "care_region": N_("I vilken region fick du vården? (valfritt)"),
    "care_region_hint": N_(
        "Den region där du eller din närstående fick vården, inte där ni bor. Det hjälper "
        "arbetsgruppen att se skillnader mellan regioner."
    ),
    "care_region_none": N_("Vill inte ange / inte aktuellt"),
    "email": N_("E-postadress för besked (valfritt)"),
    "email_hint": N_(
        "Vi skickar besked när något händer med din synpunkt. Adressen sparas för sig och visas"
        " aldrig för arbetsgruppen eller andra."
    ),
    "next_steps": N_("Vad händer sedan?"),
    "next_steps_text": N_(
        "Du får en kvittokod. En moderator läser synpunkten inom några arbetsdagar, tar bort "
        "personuppgifter och skickar den till ansvarig grupp. Med kvittokoden kan du följa vad "
        "som händer, ta tillbaka synpunkten eller radera den."
    ),
    "send": N_("Skicka synpunkt"),
    "cancel": N_("Avbryt"),
    "errors_heading": N_("Något behöver rättas innan du kan skicka"),
    "error_title": N_("Fel"),
    "pd_heading": N_("Kontrollera din text innan du skickar"),
    "pd_intro": N_("Vi hittade något i texten som kan visa vem du eller någon annan är:"),
    "pd_advice": N_(
        "Ta bort det om du kan, så att ingen kan känna igen dig eller någon annan. Du kan också"
        " skicka ändå: en moderator tar bort personuppgifter innan någon annan läser "
        "synpunkten."
    ),
    "pd_send_anyway": N_("Jag har kontrollerat texten. Skicka ändå."),
    "honeypot": N_("Lämna det här fältet tomt"),
    "form_rejected": N_("Formuläret kunde inte skickas. Försök igen."),
    "send_failed": N_(
        "Det gick inte att skicka synpunkten just nu. Din text finns kvar i formuläret. Försök "
        "igen om en stund."
    ),
    "send_rate_limited": N_(
        "Du har skickat många synpunkter på kort tid. Vänta några minuter och försök igen. Din "
        "text finns kvar i formuläret."
    ),
    "rate_limited_until": N_(
        "Du har skickat många synpunkter på kort tid, så vi tar inte emot fler från dig just "
        "nu. Vänta till klockan {time} och skicka sedan igen. Din text finns kvar i formuläret,"
        " men den är inte skickad."
    ),
    "send_offline": N_(
        "Vi får ingen kontakt med webbplatsen. Kontrollera din internetanslutning och försök "
        "igen. Din text finns kvar i formuläret."
    ),
}


def ui() -> dict[str, str]:
    """The form's words in the current language (medskapa.i18n)."""
    return {key: _(text) for key, text in UI.items()}


FINDING_NAMES: dict[str, str] = {
    "personal_identity_number": N_("ett personnummer"),
    "coordination_number": N_("ett samordningsnummer"),
    "phone_number": N_("ett telefonnummer"),
    "email_address": N_("en e-postadress"),
    "street_address": N_("en adress"),
}
