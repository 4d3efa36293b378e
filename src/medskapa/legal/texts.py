"""The words of the accessibility-report form and its errors, in Swedish and English."""

from __future__ import annotations

from medskapa.errors import Language, Texts

ERRORS: Texts = {
    "problem_required": {
        "sv": "Beskriv problemet du stötte på.",
        "en": "Describe the problem you came across.",
    },
    "problem_too_long": {
        "sv": "Beskrivningen får vara högst 5 000 tecken. Korta den lite.",
        "en": "The description may be at most 5,000 characters. Please shorten it.",
    },
    "page_too_long": {
        "sv": "Sidans adress eller namn får vara högst 500 tecken.",
        "en": "The page's address or name may be at most 500 characters.",
    },
    "control": {
        "sv": "Texten innehåller tecken som inte kan sparas. Skriv den igen utan dem.",
        "en": "The text contains characters that cannot be saved. Type it again without them.",
    },
    "email_format": {
        "sv": "Skriv e-postadressen som namn@exempel.se, eller lämna fältet tomt.",
        "en": "Write the e-mail address as name@example.com, or leave the field empty.",
    },
    "not_found": {
        "sv": "Rapporten finns inte längre.",
        "en": "The report no longer exists.",
    },
}

UI: dict[Language, dict[str, str]] = {
    "sv": {
        "title": "Rapportera ett tillgänglighetsproblem",
        "intro": "Har du svårt att använda någon del av webbplatsen, till exempel med "
        "skärmläsare, tangentbord eller förstoring? Berätta det för oss, så rättar vi det.",
        "page": "Vilken sida gäller det? (valfritt)",
        "page_hint": "Sidans adress eller namn, till exempel ”Lämna synpunkt”.",
        "problem": "Vad var problemet?",
        "problem_hint": "Berätta vad du försökte göra och vad som hände. Skriv gärna vilket "
        "hjälpmedel du använder. Högst 5 000 tecken.",
        "email": "Din e-postadress (valfritt)",
        "email_hint": "Bara om du vill ha svar. Vi använder den bara för att svara dig.",
        "send": "Skicka rapporten",
        "errors_heading": "Något behöver rättas innan du kan skicka",
        "error_title": "Fel",
        "rate_limited": "Du har skickat många rapporter på kort tid. Vänta några minuter och "
        "skicka sedan igen. Din text finns kvar i formuläret.",
        "form_rejected": "Formuläret kunde inte skickas. Försök igen.",
        "honeypot": "Lämna det här fältet tomt",
        "done_title": "Tack för din rapport",
        "done": "Vi har tagit emot din rapport. Den går till dem som förvaltar webbplatsen.",
        "done_reply": "Du får svar till den e-postadress du skrev.",
        "done_no_reply": "Du lämnade ingen e-postadress, så vi kan inte svara dig direkt.",
        "back": "Tillbaka till tillgänglighetsredogörelsen",
        "other_language": "In English",
    },
    "en": {
        "title": "Report an accessibility problem",
        "intro": "Is any part of the website hard to use, for example with a screen reader, "
        "keyboard or magnification? Tell us, and we will fix it.",
        "page": "Which page is it about? (optional)",
        "page_hint": "The page's address or name, for example “Give feedback”.",
        "problem": "What was the problem?",
        "problem_hint": "Tell us what you tried to do and what happened. Please say which "
        "assistive technology you use. At most 5,000 characters.",
        "email": "Your e-mail address (optional)",
        "email_hint": "Only if you want an answer. We use it only to answer you.",
        "send": "Send the report",
        "errors_heading": "Something needs correcting before you can send",
        "error_title": "Error",
        "rate_limited": "You have sent many reports in a short time. Wait a few minutes, then "
        "send again. Your text is still in the form.",
        "form_rejected": "The form could not be sent. Please try again.",
        "honeypot": "Leave this field empty",
        "done_title": "Thank you for your report",
        "done": "We have received your report. It goes to the people who maintain the website.",
        "done_reply": "You will get an answer at the e-mail address you gave.",
        "done_no_reply": "You left no e-mail address, so we cannot answer you directly.",
        "back": "Back to the accessibility statement",
        "other_language": "På svenska",
    },
}
