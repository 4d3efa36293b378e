"""What following a document says when the address cannot be used (catalogue/following.py
raises these codes)."""

from __future__ import annotations

from medskapa.errors import Texts

ERRORS: Texts = {
    "email_required": {
        "sv": "Skriv den e-postadress du vill få breven till.",
        "en": "Give the e-mail address the letters should go to.",
    },
    "email_format": {
        "sv": "Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se.",
        "en": "That does not look like an e-mail address; write it as name@example.se.",
    },
    "email_characters": {
        "sv": "E-postadressen innehåller tecken som inte får finnas i en adress.",
        "en": "The e-mail address holds characters an address may not have.",
    },
}

LIMITED = "Du har bett om att bevaka många gånger på kort tid. Vänta {minutes} och försök igen."
