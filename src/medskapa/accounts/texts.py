"""What the account pages say. Login errors never tell whether an address has an account."""

from __future__ import annotations

ERRORS: dict[str, str] = {
    "login_failed": "Fel e-postadress eller lösenord.",
    "login_throttled": "För många misslyckade inloggningar. Vänta en stund och försök igen.",
    "email_unconfirmed": "Bekräfta din e-postadress först. Vi har skickat en länk till den.",
    "email_format": "Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se.",
    "email_characters": "E-postadressen innehåller tecken som inte får finnas i en adress.",
    "password_too_short": "Lösenordet är för kort.",
    "password_too_long": "Lösenordet får vara högst 128 tecken.",
    "password_common": "Lösenordet är för vanligt och lätt att gissa. Välj ett annat, gärna "
    "flera ord efter varandra.",
    "password_like_email": "Lösenordet får inte innehålla din e-postadress.",
    "password_mismatch": "Lösenorden är inte likadana.",
    "token_invalid": "Länken är ogiltig, redan använd eller för gammal. Begär en ny.",
    "email_taken": "Det finns redan ett konto med den e-postadressen.",
    "unknown_user": "Det finns inget konto med den e-postadressen.",
    "group_required": "Ange vilken grupp (--group) rollen gäller.",
    "unknown_group": "Det finns ingen grupp med det namnet.",
    "organisation_required": "Ange vilken organisation (--organisation) rollen gäller.",
    "unknown_organisation": "Det finns ingen organisation med det namnet.",
    "password_wrong": "Lösenordet stämmer inte.",
    "totp_wrong": "Koden stämmer inte. Kontrollera klockan i din app och försök igen.",
}
