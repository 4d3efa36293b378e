"""The administration pages, with one line each on what they are for (the /admin index)."""

from __future__ import annotations

import msgspec

from medskapa.i18n import N_


class AdminPage(msgspec.Struct, frozen=True):
    """``title`` and ``purpose`` are Swedish message ids: the page shows them with ``_()``."""

    path: str
    title: str
    purpose: str


ADMIN_PAGES = (
    AdminPage(
        "/admin/anvandare",
        N_("Användare och roller"),
        N_(
            "Ge konton roller (moderator, administratör, arbetsgrupp, organisation) och återställ "
            "en förlorad tvåstegsverifiering."
        ),
    ),
    AdminPage(
        "/admin/struktur",
        N_("Programområden och arbetsgrupper"),
        N_("Lägg till och ändra nationella programområden och deras arbetsgrupper."),
    ),
    AdminPage(
        "/admin/dokument",
        N_("Kunskapsstöd och versioner"),
        N_("Skapa kunskapsstöd, skriv nya versioner med avsnitt och publicera dem."),
    ),
    AdminPage(
        "/admin/dirigering",
        N_("Dirigering"),
        N_(
            "Regler för vilken arbetsgrupp en godkänd synpunkt skickas till (dokument, avsnitt, "
            "kategori eller nyckelord), med förhandsgranskning."
        ),
    ),
    AdminPage(
        "/admin/utskick",
        N_("Utskick"),
        N_("E-post som väntar, har skickats eller inte gick fram, och att skicka ett brev igen."),
    ),
    AdminPage(
        "/admin/tillganglighet",
        N_("Tillgänglighetsrapporter"),
        N_(
            "Rapporter om tillgänglighetsproblem från formuläret i tillgänglighetsredogörelsen; "
            "ta upp, svara på och avsluta dem."
        ),
    ),
    AdminPage(
        "/organisationer",
        N_("Organisationer"),
        N_("Patientorganisationer som registrerat sig; öppna en för att verifiera den."),
    ),
)

MAILBOX_PAGE = AdminPage(
    "/dev/mailbox",
    N_("Brevlådan för utveckling"),
    N_(
        "Breven som skulle ha skickats, när ingen e-postserver är inställd "
        "(bara i utvecklingsläge)."
    ),
)
