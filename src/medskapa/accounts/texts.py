"""What the account pages say. Login errors never tell whether an address has an account."""

from __future__ import annotations

ERRORS: dict[str, str] = {
    "login_failed": "Fel e-postadress eller lösenord.",
    "login_throttled": "För många misslyckade inloggningar. Vänta en stund och försök igen.",
    "login_slowed": "Många misslyckade inloggningar har gjorts på det här kontot. Vänta en "
    "minut och försök igen, logga in från en webbläsare du har loggat in med förut, eller välj "
    "ett nytt lösenord via ”Glömt lösenordet?”.",
    "email_unconfirmed": "Bekräfta din e-postadress först. Vi har skickat en länk till den.",
    "email_format": "Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se.",
    "email_characters": "E-postadressen innehåller tecken som inte får finnas i en adress.",
    "password_too_short": "Lösenordet är för kort.",
    "password_too_long": "Lösenordet får vara högst 128 tecken.",
    "password_common": "Lösenordet är för vanligt och lätt att gissa. Välj ett annat, gärna "
    "flera ord efter varandra.",
    "password_guessable": "Lösenordet är för lätt att gissa, till exempel ett vanligt ord med "
    "årtal och tecken. Välj ett längre, gärna flera ord efter varandra.",
    "password_like_email": "Lösenordet får inte innehålla din e-postadress.",
    "password_mismatch": "Lösenorden är inte likadana.",
    "token_invalid": "Länken är ogiltig, redan använd eller för gammal. Begär en ny.",
    "email_taken": "Det finns redan ett konto med den e-postadressen.",
    "unknown_user": "Det finns inget konto med den e-postadressen.",
    "group_required": "Ange vilken grupp (--group) rollen gäller.",
    "unknown_group": "Det finns ingen grupp med det namnet.",
    "group_archived": "Gruppen är arkiverad och kan inte få nya medlemmar.",
    "organisation_required": "Ange vilken organisation (--organisation) rollen gäller.",
    "unknown_organisation": "Det finns ingen organisation med det namnet.",
    "password_wrong": "Lösenordet stämmer inte.",
    "totp_wrong": "Koden stämmer inte. Kontrollera klockan i din app och försök igen. "
    "En kod går bara att använda en gång.",
    "totp_current_wrong": "Koden från din nuvarande app (eller reservkoden) stämmer inte.",
    "totp_locked": "För många felaktiga koder. Andra steget är spärrat till klockan {until}. "
    "Vi har skickat ett brev till dig om det.",
    "totp_enrolled": "Du har redan tvåstegsverifiering. Skriv koden från din app för att logga in.",
    "token_needs_session": "API-nycklar skapas på kontosidan när du är inloggad.",
    "mail_limited": "Du har bett om många brev på kort tid. Vänta en stund och försök igen.",
}

# Why an API token no longer works, as the account page says it.
TOKEN_ENDINGS: dict[str, str] = {
    "revoked": "återkallad",
    "logged_out_everywhere": "du loggade ut överallt",
    "password_changed": "lösenordet byttes",
    "password_reset": "lösenordet återställdes",
    "second_factor_changed": "tvåstegsverifieringen ändrades",
    "role_changed": "dina roller har ändrats sedan den skapades",
    "account_deleted": "kontot raderades",
    "reissue": "skapad före säkerhetsuppdateringen; skapa en ny",
    "expired": "giltighetstiden (90 dagar) har gått ut",
}
