"""The administration pages, with one line each on what they are for (the /admin index)."""

from __future__ import annotations

import msgspec


class AdminPage(msgspec.Struct, frozen=True):
    path: str
    title: str
    purpose: str


ADMIN_PAGES = (
    AdminPage(
        "/admin/anvandare",
        "Användare och roller",
        "Ge konton roller (moderator, administratör, arbetsgrupp, organisation) och återställ "
        "en förlorad tvåstegsverifiering.",
    ),
    AdminPage(
        "/admin/struktur",
        "Programområden och arbetsgrupper",
        "Lägg till och ändra nationella programområden och deras arbetsgrupper.",
    ),
    AdminPage(
        "/admin/dokument",
        "Kunskapsstöd och versioner",
        "Skapa kunskapsstöd, skriv nya versioner med avsnitt och publicera dem.",
    ),
    AdminPage(
        "/admin/dirigering",
        "Dirigering",
        "Regler för vilken arbetsgrupp en godkänd synpunkt skickas till (dokument, avsnitt, "
        "kategori eller nyckelord), med förhandsgranskning.",
    ),
    AdminPage(
        "/admin/utskick",
        "Utskick",
        "E-post som väntar, har skickats eller inte gick fram, och att skicka ett brev igen.",
    ),
    AdminPage(
        "/admin/tillganglighet",
        "Tillgänglighetsrapporter",
        "Rapporter om tillgänglighetsproblem från formuläret i tillgänglighetsredogörelsen; "
        "markera dem som hanterade.",
    ),
    AdminPage(
        "/organisationer",
        "Organisationer",
        "Patientorganisationer som registrerat sig; öppna en för att verifiera den.",
    ),
)

MAILBOX_PAGE = AdminPage(
    "/dev/mailbox",
    "Brevlådan för utveckling",
    "Breven som skulle ha skickats, när ingen e-postserver är inställd (bara i utvecklingsläge).",
)
