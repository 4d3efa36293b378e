"""What "Hjälpte informationen på sidan dig?" says when an answer cannot be taken: code -> the
Swedish text (its English is in the message catalogue: medskapa.i18n). The question's own words
are in its templates (templates/feedback/_helpful_*.html)."""

from __future__ import annotations

from medskapa.i18n import N_

ERRORS: dict[str, str] = {
    "choose_one": N_("Välj Ja eller Nej."),
    "reason_too_long": N_("Motiveringen är för lång. Korta den till högst 300 tecken."),
    "reason_personal_data": N_(
        "Motiveringen ser ut att innehålla personuppgifter (till exempel ett personnummer, "
        "ett telefonnummer, en e-postadress eller en gatuadress). Ta bort dem: svaret är anonymt."
    ),
    "nul": N_("Motiveringen innehåller ett otillåtet tecken (NUL). Skriv om den."),
    "surrogate": N_("Motiveringen innehåller ett trasigt tecken. Skriv om den."),
    "bidi": N_("Motiveringen innehåller osynliga styrtecken för textriktning. Ta bort dem."),
    "control": N_("Motiveringen innehåller osynliga styrtecken. Skriv om den."),
    "unknown_section": N_("Avsnittet finns inte i den här versionen av kunskapsstödet."),
    "already_answered": N_(
        "Du har redan svarat på frågan för den här versionen. Tack för ditt svar!"
    ),
}
