"""What the feedback pages say, in Swedish and English. Error codes map to messages here only."""

from __future__ import annotations

from typing import Literal

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")

ERRORS: dict[str, dict[Language, str]] = {
    "required": {"sv": "Fyll i det här fältet.", "en": "Please fill in this field."},
    "choose_one": {"sv": "Välj ett av alternativen.", "en": "Please choose one of the options."},
    "text_required": {
        "sv": "Skriv din synpunkt innan du skickar.",
        "en": "Please write your feedback before sending.",
    },
    "text_too_long": {
        "sv": "Texten är för lång. Korta den till högst 5 000 tecken.",
        "en": "The text is too long. Please shorten it to at most 5,000 characters.",
    },
    "nul": {
        "sv": "Texten innehåller ett otillåtet tecken (NUL). "
        "Skriv om eller klistra in texten igen.",
        "en": "The text contains a character that is not allowed (NUL). Please retype it.",
    },
    "surrogate": {
        "sv": "Texten innehåller ett trasigt tecken. Skriv om eller klistra in texten igen.",
        "en": "The text contains a broken character. Please retype or paste it again.",
    },
    "bidi": {
        "sv": "Texten innehåller osynliga styrtecken för textriktning. "
        "Ta bort dem och försök igen.",
        "en": "The text contains invisible text-direction control characters. Please remove them.",
    },
    "control": {
        "sv": "Texten innehåller osynliga styrtecken. Skriv om eller klistra in texten igen.",
        "en": "The text contains invisible control characters. Please retype it.",
    },
    "email_format": {
        "sv": "Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se.",
        "en": "That does not look like an e-mail address. Write it as name@example.com.",
    },
    "email_characters": {
        "sv": "E-postadressen innehåller tecken som inte får finnas i en adress.",
        "en": "The e-mail address contains characters that cannot be in an address.",
    },
    "unknown_document": {
        "sv": "Vi hittar inte kunskapsstödet. Gå tillbaka och försök igen.",
        "en": "We cannot find that guidance document. Please go back and try again.",
    },
    "unknown_version": {
        "sv": "Den versionen av kunskapsstödet finns inte.",
        "en": "That version of the guidance document does not exist.",
    },
    "unknown_section": {
        "sv": "Avsnittet finns inte i den här versionen av kunskapsstödet.",
        "en": "That section is not in this version of the guidance document.",
    },
    "unknown_region": {
        "sv": "Den regionen finns inte bland Sveriges 21 regioner. Välj en region i listan "
        "eller ”Vill inte ange / inte aktuellt”.",
        "en": "That is not one of Sweden's 21 regions. Choose a region from the list or "
        "“Prefer not to say / not applicable”.",
    },
    "quote_not_found": {
        "sv": "Vi hittar inte den citerade texten i avsnittet. Kopiera den ordagrant eller lämna "
        "fältet tomt.",
        "en": "We cannot find the quoted text in the section. Copy it exactly or leave it empty.",
    },
    "quote_too_long": {
        "sv": "Citatet är för långt. Citera högst 1 000 tecken.",
        "en": "The quote is too long. Quote at most 1,000 characters.",
    },
    "quote_needs_section": {
        "sv": "Välj vilket avsnitt citatet kommer från.",
        "en": "Please choose the section the quote comes from.",
    },
    "unknown_code": {
        "sv": "Vi hittar ingen synpunkt med den koden. Kontrollera att du skrivit av koden rätt.",
        "en": "We find no feedback with that code. Please check that you copied it correctly.",
    },
    "code_format": {
        "sv": "Koden består av 16 tecken i fyra grupper, till exempel ABCD-EFGH-JKMN-PQRS.",
        "en": "The code has 16 characters in four groups, for example ABCD-EFGH-JKMN-PQRS.",
    },
    "not_withdrawable": {
        "sv": "Synpunkten har redan besvarats eller avslutats och kan inte längre tas tillbaka. "
        "Du kan fortfarande radera texten.",
        "en": "The feedback has already been answered or closed and can no longer be withdrawn. "
        "You can still erase the text.",
    },
    "already_erased": {
        "sv": "Texten är redan raderad.",
        "en": "The text has already been erased.",
    },
    "confirm_required": {
        "sv": "Kryssa i rutan för att bekräfta.",
        "en": "Please tick the box to confirm.",
    },
    "reused_form": {
        "sv": "Formuläret har redan skickats med annat innehåll. Ladda om sidan och försök igen.",
        "en": "This form was already sent with other content. Reload the page and try again.",
    },
}


def message(code: str, language: Language) -> str:
    return ERRORS.get(code, ERRORS["required"])[language]


# Where one code is used for several fields, the form says which choice is missing: an error
# summary with the same line twice does not tell the submitter what to do.
FIELD_ERRORS: dict[tuple[str, str], dict[Language, str]] = {
    ("role", "choose_one"): {
        "sv": "Välj om du är patient, närstående eller annan.",
        "en": "Please choose whether you are a patient, a relative or other.",
    },
    ("category", "choose_one"): {
        "sv": "Välj vad din synpunkt gäller.",
        "en": "Please choose what your feedback is about.",
    },
}


def field_message(field: str, code: str, language: Language) -> str:
    specific = FIELD_ERRORS.get((field, code))
    return specific[language] if specific else message(code, language)


# What the submitter is told on the status page, by rejection reason.
REJECTION_WORDS: dict[str, dict[Language, str]] = {
    "spam": {
        "sv": "Synpunkten publiceras inte: den såg ut som skräppost eller reklam.",
        "en": "The feedback will not be published: it looked like spam or advertising.",
    },
    "abusive": {
        "sv": "Synpunkten publiceras inte: den innehöll kränkande eller hotfulla ord.",
        "en": "The feedback will not be published: it contained abusive or threatening words.",
    },
    "off_topic": {
        "sv": "Synpunkten publiceras inte: den handlade inte om kunskapsstödet.",
        "en": "The feedback will not be published: it was not about the guidance document.",
    },
    "personal_care_matter": {
        "sv": "Synpunkten gäller din egen vård, och den kan vi inte hjälpa dig med här. Kontakta "
        "din vårdgivare, ring 1177 för råd om vård, eller vänd dig till patientnämnden i din "
        "region om du vill lämna klagomål på vården. Allvarliga brister i vården kan du också "
        "anmäla till Inspektionen för vård och omsorg (IVO).",
        "en": "The feedback is about your own care, which we cannot help with here. Contact your "
        "care provider, call 1177 for healthcare advice, or turn to the patient advisory "
        "committee (patientnämnden) in your region to complain about your care. Serious "
        "shortcomings in care can also be reported to the Health and Social Care Inspectorate "
        "(IVO).",
    },
    "duplicate": {
        "sv": "Synpunkten publiceras inte som en egen synpunkt: samma synpunkt har redan kommit in "
        "och går vidare till ansvarig grupp.",
        "en": "The feedback will not be published on its own: the same feedback has already "
        "come in and goes on to the responsible group.",
    },
    "other": {
        "sv": "Synpunkten publiceras inte.",
        "en": "The feedback will not be published.",
    },
}

# The submitter's timeline on the status page: what each moderation event means to them.
MODERATION_TIMELINE_WORDS: dict[str, dict[Language, str]] = {
    "moderation.approved": {
        "sv": "En moderator har granskat synpunkten och skickat den till ansvarig grupp.",
        "en": "A moderator reviewed the feedback and sent it to the responsible group.",
    },
    "moderation.redacted": {
        "sv": "En moderator har granskat synpunkten, tagit bort uppgifter som kunde visa vem du "
        "eller någon annan är, och skickat den till ansvarig grupp.",
        "en": "A moderator reviewed the feedback, removed details that could show who you or "
        "someone else is, and sent it to the responsible group.",
    },
    "moderation.rejected": {
        "sv": "En moderator har granskat synpunkten.",
        "en": "A moderator reviewed the feedback.",
    },
    "moderation.marked_urgent": {
        "sv": "Synpunkten har markerats som brådskande för ansvarig grupp.",
        "en": "The feedback was marked as urgent for the responsible group.",
    },
    "moderation.original_destroyed": {
        "sv": "Din ursprungliga text, från före maskningen, är nu raderad för gott.",
        "en": "Your original text, from before the redaction, has now been deleted for good.",
    },
}


def moderation_event_text(action: str, reason_code: str | None, language: Language) -> str | None:
    """Plain words for a moderation event on the submitter's timeline (a rejection says why and,
    for a personal care matter, where to turn), or None for other events."""
    if action == "moderation.rejected":
        return REJECTION_WORDS.get(reason_code or "other", REJECTION_WORDS["other"])[language]
    words = MODERATION_TIMELINE_WORDS.get(action)
    return None if words is None else words[language]


# The submitter's timeline on the status page: what each of the item's own events means to them.
TIMELINE_WORDS: dict[str, dict[Language, str]] = {
    "feedback.submitted": {"sv": "Vi tog emot din synpunkt.", "en": "We received your feedback."},
    "feedback.withdrawn": {
        "sv": "Du tog tillbaka synpunkten.",
        "en": "You withdrew the feedback.",
    },
    "feedback.erased": {
        "sv": "Texten och e-postadressen raderades på din begäran.",
        "en": "The text and e-mail address were erased at your request.",
    },
    "feedback.in_review": {
        "sv": "Arbetsgruppen började behandla synpunkten.",
        "en": "The working group started on your feedback.",
    },
    "feedback.answered": {"sv": "Arbetsgruppen svarade.", "en": "The working group answered."},
    "feedback.change_planned": {
        "sv": "Arbetsgruppen svarade att texten ska ändras.",
        "en": "The working group answered that the text will change.",
    },
    "feedback.closed": {
        "sv": "Arbetsgruppen avslutade synpunkten.",
        "en": "The working group closed the feedback.",
    },
    "feedback.changed": {
        "sv": "Texten är ändrad i en ny version.",
        "en": "The text has changed in a new version.",
    },
    "feedback.forwarded": {
        "sv": "Synpunkten skickades vidare till en annan arbetsgrupp.",
        "en": "The feedback was passed on to another working group.",
    },
}


def timeline_text(action: str, reason_code: str | None, language: Language) -> str:
    """What an event on the item's trail means to its submitter; "" for a step with nothing to
    tell them (a route per group, a moderator's reading of a redacted original)."""
    words = TIMELINE_WORDS.get(action, {}).get(language)
    return words or moderation_event_text(action, reason_code, language) or ""


UI: dict[Language, dict[str, str]] = {
    "sv": {
        "give_feedback": "Lämna synpunkt",
        "on_document": "på hela kunskapsstödet",
        "on_section": "på avsnittet",
        "other_language": "In English",
        "other_language_code": "en",
        "intro": "Berätta vad som är svårt att förstå, vad som saknas eller vad du har varit med "
        "om. Din synpunkt läses först av en moderator och går sedan till den grupp som skriver "
        "texten.",
        "not_for_care": "Det här är inte rätt ställe för frågor om din egen vård. Kontakta din "
        "vårdgivare, ring 1177 eller vänd dig till patientnämnden i din region. Allvarliga "
        "brister i vården kan också anmälas till Inspektionen för vård och omsorg (IVO).",
        "section": "Avsnitt",
        "whole_document": "Hela kunskapsstödet",
        "quote": "Citera text ur avsnittet (valfritt)",
        "quote_hint": "Klistra in eller markera de ord i avsnittet som din synpunkt gäller.",
        "role": "Jag är",
        "role_patient": "Patient",
        "role_relative": "Närstående",
        "role_other": "Annan",
        "category": "Vad gäller din synpunkt?",
        "hard_to_understand": "Svårt att förstå",
        "missing_information": "Något saknas",
        "incorrect_or_outdated": "Felaktigt eller inaktuellt",
        "own_experience": "Egen erfarenhet",
        "suggestion": "Förslag",
        "other": "Annat",
        "text": "Din synpunkt",
        "text_hint": "Skriv inte namn, personnummer eller annat som kan visa vem du eller "
        "någon annan är.",
        "characters_left": "tecken kvar",
        "of_max": "Högst 5 000 tecken.",
        "consent": "Vad får vi göra med din synpunkt?",
        "consent_public": "Synpunkten får visas öppet på webbplatsen, utan ditt namn och utan "
        "uppgifter som kan visa vem du är.",
        "consent_contact": "Arbetsgruppen får kontakta mig om de vill fråga något "
        "(kräver e-postadress).",
        "care_region": "I vilken region fick du vården? (valfritt)",
        "care_region_hint": "Den region där du eller din närstående fick vården, inte där ni "
        "bor. Det hjälper arbetsgruppen att se skillnader mellan regioner.",
        "care_region_none": "Vill inte ange / inte aktuellt",
        "email": "E-postadress för besked (valfritt)",
        "email_hint": "Vi skickar besked när något händer med din synpunkt. Adressen sparas för "
        "sig och visas aldrig för arbetsgruppen eller andra.",
        "next_steps": "Vad händer sedan?",
        "next_steps_text": "Du får en kvittokod. En moderator läser synpunkten inom några "
        "arbetsdagar, tar bort personuppgifter och skickar den till ansvarig grupp. Med "
        "kvittokoden kan du följa vad som händer, ta tillbaka synpunkten eller radera den.",
        "send": "Skicka synpunkt",
        "cancel": "Avbryt",
        "errors_heading": "Något behöver rättas innan du kan skicka",
        "error_title": "Fel",
        "pd_heading": "Kontrollera din text innan du skickar",
        "pd_intro": "Vi hittade något i texten som kan visa vem du eller någon annan är:",
        "pd_advice": "Ta bort det om du kan, så att ingen kan känna igen dig eller någon annan. "
        "Du kan också skicka ändå: en moderator tar bort personuppgifter innan någon annan "
        "läser synpunkten.",
        "pd_send_anyway": "Jag har kontrollerat texten. Skicka ändå.",
        "honeypot": "Lämna det här fältet tomt",
        "form_rejected": "Formuläret kunde inte skickas. Försök igen.",
        "send_failed": "Det gick inte att skicka synpunkten just nu. Din text finns kvar i "
        "formuläret. Försök igen om en stund.",
        "send_rate_limited": "Du har skickat många synpunkter på kort tid. Vänta några minuter "
        "och försök igen. Din text finns kvar i formuläret.",
        "rate_limited_until": "Du har skickat många synpunkter på kort tid, så vi tar inte emot "
        "fler från dig just nu. Vänta till klockan {time} och skicka sedan igen. Din text finns "
        "kvar i formuläret, men den är inte skickad.",
        "send_offline": "Vi får ingen kontakt med webbplatsen. Kontrollera din "
        "internetanslutning och försök igen. Din text finns kvar i formuläret.",
    },
    "en": {
        "give_feedback": "Give feedback",
        "on_document": "on the whole guidance document",
        "on_section": "on the section",
        "other_language": "På svenska",
        "other_language_code": "sv",
        "intro": "Tell us what is hard to understand, what is missing or what you have "
        "experienced. A moderator reads your feedback first; then it goes to the group that "
        "writes the text.",
        "not_for_care": "This is not the place for questions about your own care. Contact your "
        "care provider, call 1177 or turn to the patient advisory committee "
        "(patientnämnden) in your region. Serious shortcomings in care can also be reported to "
        "the Health and Social Care Inspectorate (IVO).",
        "section": "Section",
        "whole_document": "The whole guidance document",
        "quote": "Quote text from the section (optional)",
        "quote_hint": "Paste or select the words in the section that your feedback is about.",
        "role": "I am",
        "role_patient": "A patient",
        "role_relative": "A relative or next of kin",
        "role_other": "Other",
        "category": "What is your feedback about?",
        "hard_to_understand": "Hard to understand",
        "missing_information": "Something is missing",
        "incorrect_or_outdated": "Incorrect or outdated",
        "own_experience": "My own experience",
        "suggestion": "A suggestion",
        "other": "Something else",
        "text": "Your feedback",
        "text_hint": "Do not write names, personal identity numbers or anything else that "
        "could show who you or someone else is.",
        "characters_left": "characters left",
        "of_max": "At most 5,000 characters.",
        "consent": "What may we do with your feedback?",
        "consent_public": "The feedback may be shown publicly on the website, without your name "
        "and without details that could show who you are.",
        "consent_contact": "The working group may contact me with questions "
        "(needs an e-mail address).",
        "care_region": "In which region did you receive the care? (optional)",
        "care_region_hint": "The region where you or your relative received care, not where "
        "you live. It helps the working group see differences between regions.",
        "care_region_none": "Prefer not to say / not applicable",
        "email": "E-mail address for updates (optional)",
        "email_hint": "We write when something happens to your feedback. The address is kept "
        "apart and never shown to the working group or anyone else.",
        "next_steps": "What happens next?",
        "next_steps_text": "You get a receipt code. A moderator reads the feedback within a few "
        "working days, removes personal data and sends it to the responsible group. With the "
        "receipt code you can follow what happens, withdraw the feedback or erase it.",
        "send": "Send feedback",
        "cancel": "Cancel",
        "errors_heading": "Please correct the following before sending",
        "error_title": "Error",
        "pd_heading": "Check your text before sending",
        "pd_intro": "We found something in the text that could show who you or someone else is:",
        "pd_advice": "Please remove it if you can, so that nobody can recognise you or anyone "
        "else. You can also send anyway: a moderator removes personal data before anyone else "
        "reads the feedback.",
        "pd_send_anyway": "I have checked the text. Send anyway.",
        "honeypot": "Leave this field empty",
        "form_rejected": "The form could not be sent. Please try again.",
        "send_failed": "The feedback could not be sent just now. Your text is still in the "
        "form. Please try again in a while.",
        "send_rate_limited": "You have sent a lot of feedback in a short time. Please wait a few "
        "minutes and try again. Your text is still in the form.",
        "rate_limited_until": "You have sent a lot of feedback in a short time, so we cannot "
        "take more from you just now. Please wait until {time} (Swedish time) and send it "
        "again. Your text is still in the form, but it has not been sent.",
        "send_offline": "We cannot reach the website. Please check your internet connection "
        "and try again. Your text is still in the form.",
    },
}

FINDING_NAMES: dict[Language, dict[str, str]] = {
    "sv": {
        "personal_identity_number": "ett personnummer",
        "coordination_number": "ett samordningsnummer",
        "phone_number": "ett telefonnummer",
        "email_address": "en e-postadress",
        "street_address": "en adress",
    },
    "en": {
        "personal_identity_number": "a personal identity number",
        "coordination_number": "a coordination number",
        "phone_number": "a phone number",
        "email_address": "an e-mail address",
        "street_address": "a street address",
    },
}
