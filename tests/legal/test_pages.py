"""The pages a public body must publish: in both languages, their facts from settings (change a
setting, the page changes), the cookies they list the ones the app really sets, and a way to
them from the footer of every kind of page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice
from medskapa.settings import Settings, SettingsError
from tests.apps import app_for
from tests.factories import (
    MEMBER_PASSWORD,
    TEST_SECRET,
    csrf_follows_cookie,
    first_document,
    make_person,
    make_staff,
    sign_in_staff,
)
from tests.i18n_check import swedish_left

Client = AsyncTestClient[Litestar]
PAGES = ("/tillganglighet", "/personuppgifter", "/kakor", "/tillganglighet/rapportera")
FOOTER_LINKS = (
    '<a href="/tillganglighet">Tillgänglighet</a>',
    '<a href="/tillganglighet/rapportera">Rapportera ett tillgänglighetsproblem</a>',
    '<a href="/personuppgifter">Personuppgifter</a>',
    '<a href="/kakor">Kakor</a>',
)


def configured(database_url: str, **values: object) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, **values)  # type: ignore[arg-type]


async def client_with(settings: Settings, role: str) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app_for(settings, role), base_url="https://127.0.0.1") as c:
        await c.get("/")
        csrf_follows_cookie(c)
        yield c


@pytest.fixture
async def region(database_url: str) -> AsyncIterator[Client]:
    settings = configured(
        database_url,
        organisation_name="Region Exempelland",
        organisation_contact="mailto:medskapa@regionexempelland.se",
        data_protection_officer="https://regionexempelland.se/dataskyddsombud",
        accessibility_reviewed="2026-11-20",
    )
    async for c in client_with(settings, "region"):
        yield c


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["sv", "en"])
async def test_each_page_is_there_in_both_languages(region: Client, path: str, lang: str) -> None:
    page = await region.get(path, params={"lang": lang} if lang == "en" else None)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    other = "sv" if lang == "en" else "en"
    assert f'hreflang="{other}"' in page.text


async def test_the_statement_follows_digg_and_names_the_configured_body(region: Client) -> None:
    sv = (await region.get("/tillganglighet")).text
    assert "Region Exempelland står bakom medskapa" in sv
    for heading in (
        "Hur tillgänglig är webbplatsen?",
        "Rapportera brister i webbplatsens tillgänglighet",
        "Tillsyn",
        "Teknisk information om webbplatsens tillgänglighet",
        "Innehåll som inte är tillgängligt",
        "Hur vi testat webbplatsen",
    ):
        assert f">{heading}</h" in sv, heading
    assert "<strong>delvis förenlig</strong>" in sv
    assert "Myndigheten för digital förvaltning (DIGG)" in sv
    assert 'href="https://www.digg.se/tdosanmalan"' in sv
    assert 'href="/tillganglighet/rapportera"' in sv
    assert 'href="mailto:medskapa@regionexempelland.se"' in sv
    assert "20 november 2026" in sv
    en = (await region.get("/tillganglighet", params={"lang": "en"})).text
    # A Swedish name stays Swedish, marked so for a screen reader.
    assert '<span lang="sv">Region Exempelland</span> is responsible for medskapa' in en
    assert "<strong>partially compliant</strong>" in en
    assert "20 November 2026" in en
    assert 'href="/tillganglighet/rapportera?lang=en"' in en


async def test_the_privacy_notice_names_controller_and_dpo_and_links_the_rights(
    region: Client,
) -> None:
    for lang in ("sv", "en"):
        page = (await region.get("/personuppgifter", params={"lang": lang})).text
        assert "Region Exempelland" in page
        assert 'href="https://regionexempelland.se/dataskyddsombud"' in page
        # Every right leads to the feature that honours it.
        for link in ('href="/konto/mina-data"', 'href="/folj', 'href="/konto"', "imy.se"):
            assert link in page, (lang, link)


def retention(page: str, section: str) -> str:
    found = re.search(rf'<section class="data-kind" id="{section}">(.*?)</section>', page, re.S)
    assert found, section
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1)))


async def test_the_privacy_notice_shows_the_configured_retention_periods(
    database_url: str,
) -> None:
    shown: dict[int, tuple[str, str, str, str]] = {}
    for days in (30, 45):
        settings = configured(
            database_url,
            redaction_retention_days=days,
            accessibility_report_retention_days=days * 10,
        )
        async for c in client_with(settings, f"retention-{days}"):
            sv = (await c.get("/personuppgifter")).text
            en = (await c.get("/personuppgifter", params={"lang": "en"})).text
            shown[days] = (
                retention(sv, "original"),
                retention(sv, "tillganglighetsrapporter"),
                retention(en, "original"),
                retention(en, "accessibility-reports"),
            )
    assert "30 dagar" in shown[30][0]
    assert "300 dagar" in shown[30][1]
    assert "30 days" in shown[30][2]
    assert "300 days" in shown[30][3]
    assert "45 dagar" in shown[45][0]
    assert "450 dagar" in shown[45][1]
    assert "45 days" in shown[45][2]
    assert "450 days" in shown[45][3]
    assert "30 dagar" not in shown[45][0]
    # The periods fixed in code are stated from the code too.
    async for c in client_with(configured(database_url), "retention-fixed"):
        page = (await c.get("/personuppgifter")).text
        assert "högst <strong>12 timmar</strong>" in page
        assert "raderas efter <strong>7 dagar</strong>" in page


async def test_the_privacy_notice_shows_how_long_helpfulness_reasons_are_kept(
    database_url: str,
) -> None:
    for days in (60, 500):
        settings = configured(database_url, helpfulness_reason_retention_days=days)
        async for c in client_with(settings, f"reasons-{days}"):
            sv = retention((await c.get("/personuppgifter")).text, "hjalpte")
            en = retention(
                (await c.get("/personuppgifter", params={"lang": "en"})).text, "helpfulness"
            )
        assert f"Texten i skälet raderas efter {days} dagar" in sv
        assert f"The text of the reason is erased after {days} days" in en


async def test_the_cookie_page_lists_exactly_the_cookies_the_app_sets(
    client: Client, conn: asyncpg.Connection
) -> None:
    page = (await client.get("/kakor")).text
    listed = set(re.findall(r"<h3><code>([^<]+)</code></h3>", page))
    assert listed == {
        "__Host-csrf",
        "__Host-medskapa",
        "__Host-medskapa-device",
        "__Host-webblasare",
        "sprak",
    }
    assert "<code>medskapa.webblasare</code>" in page
    assert "Vi använder inga kakor för statistik, reklam eller spårning" in page
    # What a first visit and a sign-in really set is on the list.
    fresh = await client.get("/", headers={"cookie": ""})
    assert fresh.headers.get_list("set-cookie") == []
    named = await client.get("/", params={"lang": "en"}, headers={"cookie": ""})
    named_names = {c.split("=", 1)[0] for c in named.headers.get_list("set-cookie")}
    assert named_names == {"sprak"}
    assert "eller öppnar en länk till en sida på ett visst språk" in page
    # Answering "Hjälpte informationen?" without a script sets only a listed cookie.
    slug, label, _ = await first_document(conn)
    answered = await client.post(
        f"/kunskapsstod/{slug}/hjalpte", data={"version": label, "helpful": "ja"}
    )
    assert answered.status_code == 200
    answer_names = {c.split("=", 1)[0] for c in answered.headers.get_list("set-cookie")}
    assert answer_names == {"__Host-webblasare"}
    await make_person(conn, "lisa@exempel.se")
    signed_in = await client.post(
        "/logga-in",
        data={"email": "lisa@exempel.se", "password": MEMBER_PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    login_names = {c.split("=", 1)[0] for c in signed_in.headers.get_list("set-cookie")}
    assert {"__Host-medskapa", "__Host-medskapa-device"} <= login_names <= listed
    switched = await client.get(
        "/sprak", params={"lang": "en", "till": "/kakor"}, follow_redirects=False
    )
    switch_names = {c.split("=", 1)[0] for c in switched.headers.get_list("set-cookie")}
    assert switch_names == {"sprak"}
    english = (await client.get("/kakor", params={"lang": "en"})).text
    assert "We use no cookies for statistics, advertising or tracking" in english


async def test_in_development_the_cookie_page_names_the_development_cookies(
    database_url: str,
) -> None:
    settings = configured(database_url, dev_insecure_cookies=True)
    async for c in client_with(settings, "dev-cookies"):
        page = (await c.get("/kakor")).text
        assert set(re.findall(r"<h3><code>([^<]+)</code></h3>", page)) == {
            "csrf",
            "medskapa_session",
            "medskapa_device",
            "webblasare",
            "sprak",
        }


async def test_every_kind_of_page_links_the_legal_pages_in_its_footer(
    client: Client, conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    public = [
        "/",
        "/kunskapsstod",
        f"/kunskapsstod/{slug}",
        f"/kunskapsstod/{slug}/synpunkt",
        f"/kunskapsstod/{slug}/svar",
        "/folj",
        "/logga-in",
        "/konto/registrera",
        "/finns-inte",
        *PAGES,
    ]
    for path in public:
        page = await client.get(path)
        assert page.headers["content-type"].startswith("text/html"), path
        footer = page.text[page.text.index('<footer class="site-footer"') :]
        for link in FOOTER_LINKS:
            assert link in footer, (path, link)
    admin = await make_staff(conn, "admin@exempel.se", role=RoleChoice.ADMIN)
    await sign_in_staff(client, conn, admin)
    for path in ("/mina-uppgifter", "/moderering", "/admin", "/admin/tillganglighet"):
        page = await client.get(path)
        assert page.status_code == 200, path
        for link in FOOTER_LINKS:
            assert link in page.text, (path, link)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("organisation_name", "", "MEDSKAPA_ORGANISATION_NAME"),
        ("organisation_name", "Region\nHalland", "MEDSKAPA_ORGANISATION_NAME"),
        ("organisation_contact", "kontakt@region.se", "MEDSKAPA_ORGANISATION_CONTACT"),
        ("organisation_contact", "mailto:nobody", "MEDSKAPA_ORGANISATION_CONTACT"),
        ("data_protection_officer", "http://region.se/dso", "MEDSKAPA_DATA_PROTECTION_OFFICER"),
        ("accessibility_reviewed", "1 december 2026", "MEDSKAPA_ACCESSIBILITY_REVIEWED"),
        ("accessibility_report_retention_days", "0", "MEDSKAPA_ACCESSIBILITY_REPORT_RETENTION"),
    ],
)
def test_public_body_settings_are_checked(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({f"MEDSKAPA_{name.upper()}": value})


def test_public_body_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "MEDSKAPA_ORGANISATION_NAME": "Region Exempelland",
            "MEDSKAPA_ORGANISATION_CONTACT": "https://regionexempelland.se/kontakt",
            "MEDSKAPA_DATA_PROTECTION_OFFICER": "mailto:dso@regionexempelland.se",
            "MEDSKAPA_ACCESSIBILITY_REVIEWED": "2026-11-20",
            "MEDSKAPA_ACCESSIBILITY_REPORT_RETENTION_DAYS": "90",
        }
    )
    assert settings.organisation_name == "Region Exempelland"
    assert settings.accessibility_report_retention_days == 90


@pytest.mark.parametrize("path", PAGES)
async def test_the_english_pages_say_nothing_in_swedish(client: Client, path: str) -> None:
    # With the default settings, whose organisation name is Swedish.
    page = await client.get(path, params={"lang": "en"})
    if path in ("/tillganglighet", "/personuppgifter"):
        assert '<span lang="sv">medskapa (demonstrationsversion)</span>' in page.text
    assert swedish_left(page.text) == []
