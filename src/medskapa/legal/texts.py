"""The error texts of the accessibility-report form: Swedish ids, English in the catalogue."""

from __future__ import annotations

from medskapa.errors import Texts
from medskapa.i18n import N_

ERRORS: Texts = {
    "problem_required": N_("Beskriv problemet du stötte på."),
    "problem_too_long": N_("Beskrivningen får vara högst 5 000 tecken. Korta den lite."),
    "page_too_long": N_("Sidans adress eller namn får vara högst 500 tecken."),
    "control": N_("Texten innehåller tecken som inte kan sparas. Skriv den igen utan dem."),
    "email_format": N_("Skriv e-postadressen som namn@exempel.se, eller lämna fältet tomt."),
    "not_found": N_("Rapporten finns inte längre."),
}

RATE_LIMITED = N_(
    "Du har skickat många rapporter på kort tid. Vänta några minuter och skicka sedan igen. "
    "Din text finns kvar i formuläret."
)
FORM_REJECTED = N_("Formuläret kunde inte skickas. Försök igen.")
