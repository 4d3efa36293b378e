"""What the account pages say. Login errors never tell whether an address has an account.

``ERRORS`` is ``code -> {"sv": ..., "en": ...}``, the texts of medskapa.errors."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "login_failed": {
        "sv": "Fel e-postadress eller lösenord.",
        "en": "Wrong e-mail address or password.",
    },
    "login_throttled": {
        "sv": "För många misslyckade inloggningar. Vänta en stund och försök igen.",
        "en": "Too many failed logins. Wait a while and try again.",
    },
    "login_slowed": {
        "sv": (
            "Många misslyckade inloggningar har gjorts på det här kontot. Vänta en minut och försök"
            " igen, logga in från en webbläsare du har loggat in med förut, eller välj ett nytt "
            "lösenord via ”Glömt lösenordet?”."
        ),
        "en": (
            "Many failed logins on this account. Wait a minute and try again, log in from a browser"
            " you have used before, or choose a new password."
        ),
    },
    "email_unconfirmed": {
        "sv": "Bekräfta din e-postadress först. Vi har skickat en länk till den.",
        "en": "Confirm your e-mail address first; a link has been sent to it.",
    },
    "email_format": {
        "sv": "Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se.",
        "en": "Not an e-mail address.",
    },
    "email_characters": {
        "sv": "E-postadressen innehåller tecken som inte får finnas i en adress.",
        "en": "The e-mail address contains characters an address cannot have.",
    },
    "password_too_short": {
        "sv": "Lösenordet är för kort.",
        "en": "The password is too short.",
    },
    "password_too_long": {
        "sv": "Lösenordet får vara högst 128 tecken.",
        "en": "The password may be at most 128 characters.",
    },
    "password_common": {
        "sv": (
            "Lösenordet är för vanligt och lätt att gissa. Välj ett annat, gärna flera ord efter "
            "varandra."
        ),
        "en": "The password is too common.",
    },
    "password_guessable": {
        "sv": (
            "Lösenordet är för lätt att gissa, till exempel ett vanligt ord med årtal och tecken. "
            "Välj ett längre, gärna flera ord efter varandra."
        ),
        "en": "The password is too easy to guess.",
    },
    "password_like_email": {
        "sv": "Lösenordet får inte innehålla din e-postadress.",
        "en": "The password may not contain the e-mail address.",
    },
    "password_mismatch": {
        "sv": "Lösenorden är inte likadana.",
        "en": "The passwords are not the same.",
    },
    "token_invalid": {
        "sv": "Länken är ogiltig, redan använd eller för gammal. Begär en ny.",
        "en": "The link is invalid, already used or too old.",
    },
    "email_taken": {
        "sv": "Det finns redan ett konto med den e-postadressen.",
        "en": "There is already an account with that e-mail address.",
    },
    "unknown_user": {
        "sv": "Det finns inget konto med den e-postadressen.",
        "en": "There is no account with that e-mail address.",
    },
    "group_required": {
        "sv": "Ange vilken grupp (--group) rollen gäller.",
        "en": "Name the group (--group) the role is for.",
    },
    "unknown_group": {
        "sv": "Det finns ingen grupp med det namnet.",
        "en": "There is no group with that name.",
    },
    "group_archived": {
        "sv": "Gruppen är arkiverad och kan inte få nya medlemmar.",
        "en": "The group is archived and cannot get new members.",
    },
    "organisation_required": {
        "sv": "Ange vilken organisation (--organisation) rollen gäller.",
        "en": "Name the organisation (--organisation) the role is for.",
    },
    "unknown_organisation": {
        "sv": "Det finns ingen organisation med det namnet.",
        "en": "There is no organisation with that name.",
    },
    "password_wrong": {
        "sv": "Lösenordet stämmer inte.",
        "en": "The password is wrong.",
    },
    "totp_wrong": {
        "sv": (
            "Koden stämmer inte. Kontrollera klockan i din app och försök igen. En kod går bara att"
            " använda en gång."
        ),
        "en": "The code is wrong; each code works once.",
    },
    "totp_current_wrong": {
        "sv": "Koden från din nuvarande app (eller reservkoden) stämmer inte.",
        "en": "The code of the current app (or the recovery code) is wrong.",
    },
    "totp_locked": {
        "sv": (
            "För många felaktiga koder. Andra steget är spärrat till klockan {until}. Vi har "
            "skickat ett brev till dig om det."
        ),
        "en": "Too many wrong codes; the second step is locked until {until}.",
    },
    "totp_enrolled": {
        "sv": "Du har redan tvåstegsverifiering. Skriv koden från din app för att logga in.",
        "en": "The account has a second factor already.",
    },
    "token_needs_session": {
        "sv": "API-nycklar skapas på kontosidan när du är inloggad.",
        "en": "API tokens are made on the account page, from a signed-in session.",
    },
    "choice_required": {
        "sv": "Välj ett av alternativen.",
        "en": "Choose one of the options.",
    },
    "mail_limited": {
        "sv": "Du har bett om många brev på kort tid. Vänta en stund och försök igen.",
        "en": "Too many e-mails asked for; wait a while and try again.",
    },
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
