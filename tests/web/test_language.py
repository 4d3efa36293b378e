"""The language of a page: ?lang=, the switch's cookie, Accept-Language, else Swedish."""

from __future__ import annotations

import re

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.i18n import negotiate, translate, use_language
from medskapa.web.language import COOKIE, without_language
from medskapa.web.templating import local_time, number, swedish_date
from tests.factories import first_document
from tests.web.test_local_time import utc


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "chosen"),
    [
        (None, None, None, "sv"),
        ("en", None, None, "en"),
        ("EN", "sv", "sv", "en"),
        (None, "en", None, "en"),
        ("sv", "en", "en", "sv"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, "de-DE,de;q=0.9,en;q=0.5", "en"),
        (None, None, "de-DE,sv;q=0.4,en;q=0.5", "en"),
        (None, None, "fr,de", "sv"),
        (None, None, "en;q=0", "sv"),
        (None, None, "sv-FI", "sv"),
        (None, "sv", "en", "sv"),
        # Unknown or broken values are passed over, never refused.
        ("xx", None, "en", "en"),
        ("", "zz", None, "sv"),
        ("en\x00", None, None, "sv"),
        (None, None, "en;q=abc,,;;", "sv"),
        (None, None, "x" * 5000, "sv"),
    ],
)
def test_the_language_is_the_query_then_the_cookie_then_the_browser_then_swedish(
    query: str | None, cookie: str | None, accept: str | None, chosen: str
) -> None:
    assert negotiate(query, cookie, accept) == chosen


def test_a_link_back_loses_only_its_lang() -> None:
    assert without_language("/kunskapsstod?lang=en&q=kol") == "/kunskapsstod?q=kol"
    assert without_language("/folj?lang=en") == "/folj"


def test_dates_and_numbers_follow_the_language() -> None:
    moment = utc(2026, 12, 2, 13, 5)
    assert local_time(moment, "long") == "2 december 2026 kl. 14.05 (svensk tid)"
    assert number(5000) == "5\xa0000"
    with use_language("en"):
        assert local_time(moment, "long") == "2 December 2026 at 14:05 (Swedish time)"
        assert local_time(moment, "time") == "14:05 (Swedish time)"
        assert swedish_date(moment) == "2 December 2026"
        assert number(5000) == "5,000"
    assert translate("Logga in", "en") == "Sign in"
    assert translate("Logga in") == "Logga in"


def _main_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


async def test_a_page_is_swedish_by_default_and_english_when_asked(
    client: AsyncTestClient[Litestar],
) -> None:
    swedish = await client.get("/kunskapsstod")
    assert swedish.status_code == 200
    assert '<html lang="sv">' in swedish.text
    assert "Hoppa till innehållet" in swedish.text
    assert swedish.headers["content-language"] == "sv"
    assert "Accept-Language" in swedish.headers["vary"]

    english = await client.get("/kunskapsstod?lang=en")
    assert '<html lang="en">' in english.text
    assert "Skip to content" in english.text
    assert "Hoppa till innehållet" not in english.text
    assert english.headers["content-language"] == "en"

    browser = await client.get("/kunskapsstod", headers={"accept-language": "en-US,en;q=0.8"})
    assert '<html lang="en">' in browser.text


async def test_a_plain_page_sets_no_language_cookie(client: AsyncTestClient[Litestar]) -> None:
    for path in ("/kunskapsstod", "/folj", "/tillganglighet"):
        response = await client.get(path, headers={"accept-language": "en"})
        assert '<html lang="en">' in response.text, path
        assert response.headers.get_list("set-cookie") == [], path
    assert COOKIE not in client.cookies


async def test_a_page_opened_in_a_named_language_keeps_it_for_the_browser_session(
    client: AsyncTestClient[Litestar],
) -> None:
    """Someone who follows an English link (an e-mail, a search engine's alternate) reads the
    next page, and the answer to the next form, in English too."""
    opened = await client.get("/kunskapsstod?lang=en")
    assert '<html lang="en">' in opened.text
    (cookie,) = opened.headers.get_list("set-cookie")
    assert cookie.startswith(f"{COOKIE}=en;")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"path=/", "httponly", "samesite=lax"} <= flags
    # Until the browser closes: no lifetime of its own (the switch's lasts a year).
    assert not any(flag.startswith(("max-age", "expires")) for flag in flags)
    # A shared cache must not keep the response and its cookie for others.
    assert opened.headers["cache-control"].startswith("private")
    assert "public" not in opened.headers["cache-control"]

    # A link on the page carries no lang, and the next page is still English ...
    linked = await client.get("/kunskapsstod", headers={"accept-language": "sv"})
    assert '<html lang="en">' in linked.text
    assert linked.headers.get_list("set-cookie") == []
    # ... and so is the answer to a form sent from it.
    sent = await client.post(
        "/logga-in", data={"email": "ingen@exempel.se", "password": "fel lösenord 123"}
    )
    assert '<html lang="en">' in sent.text
    assert "Logga in" not in sent.text

    # The same language asked for again sets nothing; the other one replaces it.
    again = await client.get("/kunskapsstod?lang=en")
    assert again.headers.get_list("set-cookie") == []
    swedish = await client.get("/folj?lang=sv")
    assert swedish.headers["set-cookie"].startswith(f"{COOKIE}=sv;")
    assert '<html lang="sv">' in (await client.get("/kunskapsstod")).text


async def test_the_api_and_the_widgets_frame_never_remember_a_language(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    for path in (
        "/api/v1/documents?lang=en",
        f"/inbaddad/{slug}/synpunkt?lang=en",
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers.get_list("set-cookie") == [], path
    posted = await client.post("/logga-in?lang=en", data={"email": "", "password": ""})
    assert posted.headers.get_list("set-cookie") == []
    assert COOKIE not in client.cookies


async def test_the_switch_remembers_the_choice_and_goes_back(
    client: AsyncTestClient[Litestar],
) -> None:
    page = await client.get("/kunskapsstod?q=kol")
    found = r'<p class="lang-switch"><a href="([^"]+)" lang="en" hreflang="en">'
    switch = re.search(found, page.text)
    assert switch is not None, "the header links to the page in English"
    href = switch.group(1).replace("&amp;", "&")
    assert href == "/sprak?lang=en&till=%2Fkunskapsstod%3Fq%3Dkol"

    chosen = await client.get(href, follow_redirects=False)
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/kunskapsstod?q=kol"
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=en;")
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "httponly" in cookie.lower()
    assert "no-store" in chosen.headers["cache-control"]

    remembered = await client.get("/kunskapsstod")
    assert '<html lang="en">' in remembered.text
    # ... over the browser's own wish, until the reader switches back.
    assert (
        '<html lang="en">'
        in (await client.get("/kunskapsstod", headers={"accept-language": "sv"})).text
    )
    back = await client.get("/sprak?lang=sv&till=/kunskapsstod", follow_redirects=True)
    assert '<html lang="sv">' in back.text


@pytest.mark.parametrize(
    "till",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", ""],
)
async def test_the_switch_goes_back_only_to_this_site(
    client: AsyncTestClient[Litestar], till: str
) -> None:
    chosen = await client.get("/sprak", params={"lang": "en", "till": till}, follow_redirects=False)
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/"


@pytest.mark.parametrize("lang", ["xx", "", "english", "en-GB"])
async def test_an_unknown_language_gets_a_clear_answer_and_no_cookie(
    client: AsyncTestClient[Litestar], lang: str
) -> None:
    chosen = await client.get("/sprak", params={"lang": lang, "till": "/"})
    assert chosen.status_code == 400
    assert "Vi kan visa sidorna på svenska (sv) eller engelska (en)." in chosen.text
    assert COOKIE not in chosen.headers.get("set-cookie", "")
    # On any other page an unknown ?lang= is passed over: the page is there, in Swedish.
    page = await client.get("/kunskapsstod", params={"lang": lang})
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text


async def test_the_switch_refuses_a_too_long_value(client: AsyncTestClient[Litestar]) -> None:
    refused = await client.get("/sprak", params={"lang": "e" * 500})
    assert refused.status_code == 400
    assert refused.status_code < 500


async def test_a_public_page_names_its_alternates_from_the_base_url(
    client: AsyncTestClient[Litestar],
) -> None:
    page = await client.get("/kunskapsstod?q=kol", headers={"host": "127.0.0.1"})
    base = "http://127.0.0.1:8000"  # Settings.base_url in the tests, not the request's host
    for lang, href in (
        ("sv", f"{base}/kunskapsstod?q=kol&amp;lang=sv"),
        ("en", f"{base}/kunskapsstod?q=kol&amp;lang=en"),
        ("x-default", f"{base}/kunskapsstod?q=kol"),
    ):
        assert f'<link rel="alternate" hreflang="{lang}" href="{href}">' in page.text


async def test_error_pages_speak_the_readers_language(client: AsyncTestClient[Litestar]) -> None:
    missing = await client.get("/finns-inte?lang=en")
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    assert '<html lang="en">' in missing.text
    assert "Sidan finns inte" in (await client.get("/finns-inte")).text
    staff = await client.get("/moderering", headers={"accept-language": "en"})
    assert staff.status_code == 401
    assert "You need to sign in" in staff.text
