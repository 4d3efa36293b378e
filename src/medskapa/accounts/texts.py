"""What the account pages say. Login errors never tell whether an address has an account.

``ERRORS`` is ``code -> N_("Swedish text")``, the texts of medskapa.errors (English in the
catalogue: medskapa.i18n)."""

from __future__ import annotations

from medskapa.i18n import N_, Labels

ERRORS: dict[str, str] = {
    "login_failed": N_("Fel e-postadress eller lösenord."),
    "login_throttled": N_("För många misslyckade inloggningar. Vänta en stund och försök igen."),
    "login_slowed": N_(
        "Många misslyckade inloggningar har gjorts på det här kontot. Vänta en minut och försök"
        " igen, logga in från en webbläsare du har loggat in med förut, eller välj ett nytt "
        "lösenord via ”Glömt lösenordet?”."
    ),
    "email_unconfirmed": N_("Bekräfta din e-postadress först. Vi har skickat en länk till den."),
    "email_format": N_("Det ser inte ut som en e-postadress. Skriv den som namn@exempel.se."),
    "email_characters": N_("E-postadressen innehåller tecken som inte får finnas i en adress."),
    "password_too_short": N_("Lösenordet är för kort."),
    "password_too_long": N_("Lösenordet får vara högst 128 tecken."),
    "password_common": N_(
        "Lösenordet är för vanligt och lätt att gissa. Välj ett annat, gärna flera ord efter "
        "varandra."
    ),
    "password_guessable": N_(
        "Lösenordet är för lätt att gissa, till exempel ett vanligt ord med årtal och tecken. "
        "Välj ett längre, gärna flera ord efter varandra."
    ),
    "password_like_email": N_("Lösenordet får inte innehålla din e-postadress."),
    "password_mismatch": N_("Lösenorden är inte likadana."),
    "token_invalid": N_("Länken är ogiltig, redan använd eller för gammal. Begär en ny."),
    "email_taken": N_("Det finns redan ett konto med den e-postadressen."),
    "unknown_user": N_("Det finns inget konto med den e-postadressen."),
    "group_required": N_("Ange vilken grupp (--group) rollen gäller."),
    "unknown_group": N_("Det finns ingen grupp med det namnet."),
    "group_archived": N_("Gruppen är arkiverad och kan inte få nya medlemmar."),
    "organisation_required": N_("Ange vilken organisation (--organisation) rollen gäller."),
    "unknown_organisation": N_("Det finns ingen organisation med det namnet."),
    "password_wrong": N_("Lösenordet stämmer inte."),
    "totp_wrong": N_(
        "Koden stämmer inte. Kontrollera klockan i din app och försök igen. En kod går bara att"
        " använda en gång."
    ),
    "totp_current_wrong": N_("Koden från din nuvarande app (eller reservkoden) stämmer inte."),
    "totp_locked": N_(
        "För många felaktiga koder. Andra steget är spärrat till klockan {until}. Vi har "
        "skickat ett brev till dig om det."
    ),
    "totp_enrolled": N_(
        "Du har redan tvåstegsverifiering. Skriv koden från din app för att logga in."
    ),
    "token_needs_session": N_("API-nycklar skapas på kontosidan när du är inloggad."),
    "choice_required": N_("Välj ett av alternativen."),
    "mail_limited": N_("Du har bett om många brev på kort tid. Vänta en stund och försök igen."),
}

# Why an API token no longer works, as the account page says it.
TOKEN_ENDINGS: Labels = Labels(
    {
        "revoked": N_("återkallad"),
        "logged_out_everywhere": N_("du loggade ut överallt"),
        "password_changed": N_("lösenordet byttes"),
        "password_reset": N_("lösenordet återställdes"),
        "second_factor_changed": N_("tvåstegsverifieringen ändrades"),
        "role_changed": N_("dina roller har ändrats sedan den skapades"),
        "account_deleted": N_("kontot raderades"),
        "reissue": N_("skapad före säkerhetsuppdateringen; skapa en ny"),
        "expired": N_("giltighetstiden (90 dagar) har gått ut"),
    }
)
