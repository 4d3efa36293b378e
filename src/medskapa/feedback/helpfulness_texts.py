"""What "Hjälpte informationen på sidan dig?" says, in Swedish and English."""

from __future__ import annotations

from typing import Literal

Language = Literal["sv", "en"]

ERRORS: dict[str, dict[Language, str]] = {
    "choose_one": {
        "sv": "Välj Ja eller Nej.",
        "en": "Please choose Yes or No.",
    },
    "reason_too_long": {
        "sv": "Motiveringen är för lång. Korta den till högst 300 tecken.",
        "en": "The reason is too long. Please shorten it to at most 300 characters.",
    },
    "nul": {
        "sv": "Motiveringen innehåller ett otillåtet tecken (NUL). Skriv om den.",
        "en": "The reason contains a character that is not allowed (NUL). Please retype it.",
    },
    "surrogate": {
        "sv": "Motiveringen innehåller ett trasigt tecken. Skriv om den.",
        "en": "The reason contains a broken character. Please retype it.",
    },
    "bidi": {
        "sv": "Motiveringen innehåller osynliga styrtecken för textriktning. Ta bort dem.",
        "en": "The reason contains invisible text-direction control characters. "
        "Please remove them.",
    },
    "control": {
        "sv": "Motiveringen innehåller osynliga styrtecken. Skriv om den.",
        "en": "The reason contains invisible control characters. Please retype it.",
    },
    "unknown_section": {
        "sv": "Avsnittet finns inte i den här versionen av kunskapsstödet.",
        "en": "That section is not in this version of the guidance document.",
    },
    "already_answered": {
        "sv": "Du har redan svarat på frågan för den här versionen. Tack för ditt svar!",
        "en": "You have already answered for this version. Thank you!",
    },
}

UI: dict[Language, dict[str, str]] = {
    "sv": {
        "question": "Hjälpte informationen på sidan dig?",
        "question_section": "Hjälpte informationen i avsnittet dig?",
        "yes": "Ja",
        "no": "Nej",
        "reason": "Vill du berätta varför? (frivilligt, högst 300 tecken)",
        "reason_hint": "Skriv inte namn eller annat som visar vem du är. "
        "Svaret är anonymt och visas inte för andra.",
        "send": "Skicka svaret",
        "thanks": "Tack för ditt svar!",
        "thanks_detail": "Svaret räknas i statistiken för den här versionen av kunskapsstödet.",
        "back": "Tillbaka till kunskapsstödet",
        "rate_limited": "Du har svarat många gånger på kort tid. Vänta en stund och försök igen.",
        "errors_heading": "Svaret kunde inte skickas",
    },
    "en": {
        "question": "Did the information on this page help you?",
        "question_section": "Did the information in this section help you?",
        "yes": "Yes",
        "no": "No",
        "reason": "Would you like to tell us why? (optional, at most 300 characters)",
        "reason_hint": "Do not write your name or anything that shows who you are. "
        "The answer is anonymous and not shown to others.",
        "send": "Send the answer",
        "thanks": "Thank you for your answer!",
        "thanks_detail": "The answer is counted in the statistics for this version of the "
        "guidance document.",
        "back": "Back to the guidance document",
        "rate_limited": "You have answered many times in a short while. Please wait a "
        "moment and try again.",
        "errors_heading": "The answer could not be sent",
    },
}
