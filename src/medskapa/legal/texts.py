"""The error texts of the accessibility-report form: Swedish ids, English in the catalogue."""

from __future__ import annotations

from medskapa.errors import Texts
from medskapa.i18n import N_, Labels

ERRORS: Texts = {
    "problem_required": N_("Beskriv problemet du stötte på."),
    "problem_too_long": N_("Beskrivningen får vara högst 5 000 tecken. Korta den lite."),
    "page_too_long": N_("Sidans adress eller namn får vara högst 500 tecken."),
    "control": N_("Texten innehåller tecken som inte kan sparas. Skriv den igen utan dem."),
    "email_format": N_("Skriv e-postadressen som namn@exempel.se, eller lämna fältet tomt."),
    "not_found": N_("Rapporten finns inte längre."),
    "answer_required": N_("Skriv svaret till den som rapporterade."),
    "answer_too_short": N_("Svaret behöver vara minst 20 tecken."),
    "answer_too_long": N_("Svaret får vara högst 5 000 tecken."),
    "not_open": N_(
        "Rapporten är redan besvarad, avslutad eller tillbakatagen, så det steget går inte längre."
    ),
}

RATE_LIMITED = N_(
    "Du har skickat många rapporter på kort tid. Vänta några minuter och skicka sedan igen. "
    "Din text finns kvar i formuläret."
)
FORM_REJECTED = N_("Formuläret kunde inte skickas. Försök igen.")
REUSED_FORM = N_(
    "Formuläret har redan skickats med annat innehåll. Ladda om sidan och försök igen."
)

# The statuses of a site item as the admins' pages name them.
ADMIN_STATUS_LABELS: Labels = Labels(
    {
        "received": N_("Ny"),
        "in_review": N_("Tagen upp"),
        "answered": N_("Besvarad"),
        "closed": N_("Avslutad"),
        "withdrawn": N_("Tillbakatagen av avsändaren"),
    }
)

# What each step on a site item's trail was, for the admins.
TRAIL_LABELS: Labels = Labels(
    {
        "feedback.submitted": N_("Rapporten kom in"),
        "site_feedback.in_review": N_("Tagen upp"),
        "site_feedback.answered": N_("Besvarad"),
        "site_feedback.closed": N_("Avslutad"),
        "feedback.withdrawn": N_("Avsändaren tog tillbaka rapporten"),
        "feedback.erased": N_("Avsändaren raderade texten och adressen"),
        "accessibility_report.filed": N_("Rapporten kom in"),
        "accessibility_report.handled": N_("Markerad som hanterad"),
    }
)

# The notice after each step on the admins' item page.
DONE_TEXTS: Labels = Labels(
    {
        "ta-upp": N_("Rapporten är tagen upp."),
        "svarad": N_("Svaret är sparat och visas för avsändaren."),
        "avslutad": N_("Rapporten är avslutad."),
    }
)

# Who did a step on a site item's trail, as the admins read it (the same words as a group's
# item page): a fellow administrator by address, anyone else only by role.
WHO_WORDS: Labels = Labels(
    {
        "moderator": N_("en moderator"),
        "other": N_("en annan användare"),
        "gone": N_("ett borttaget konto"),
        "submitter": N_("den som skrev"),
        "system": N_("systemet"),
    }
)
