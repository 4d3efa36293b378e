"""What following a document says when the address cannot be used (catalogue/following.py
raises these codes)."""

from __future__ import annotations

from medskapa.errors import Texts
from medskapa.i18n import N_

ERRORS: Texts = {
    "email_required": N_("Skriv den e-postadress du vill få breven till."),
    "email_format": N_("Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se."),
    "email_characters": N_("E-postadressen innehåller tecken som inte får finnas i en adress."),
}

LIMITED = N_("Du har bett om att bevaka många gånger på kort tid. Vänta {minutes} och försök igen.")
