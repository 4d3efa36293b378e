"""MEDSKAPA_EMBED_ORIGINS opens exactly what the widget needs to exactly the listed sites:
framing the pages under /inbaddad/ (CSP frame-ancestors) and reading the widget's API (CORS).
Everything else keeps frame-ancestors 'none'; preflights from other origins are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.settings import Settings, SettingsError
from tests.apps import app_for
from tests.factories import TEST_SECRET, first_document

HOST_SITE = "https://vardforlopp.example"
OTHER_SITE = "https://elak.example"
ORIGINS = f"{HOST_SITE}, http://127.0.0.1:8001"


@pytest.fixture
async def embed_client(database_url: str) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, embed_origins=ORIGINS)
    async with AsyncTestClient(
        app=app_for(settings, "embedding"), base_url="https://127.0.0.1"
    ) as client:
        yield client


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("*", "wildcards are not allowed"),
        ("https://*.example.se", "wildcards are not allowed"),
        ("https://example.se/", "no path"),
        ("https://example.se/vardforlopp", "no path"),
        ("https://example.se?x=1", "no path"),
        ("http://example.se", "only https://"),
        ("example.se", "is not an origin"),
        ("ftp://example.se", "is not an origin"),
        ("https://user@example.se", "no user name"),
        ("https://example.se:70000", "port"),
    ],
)
def test_a_bad_origin_stops_the_start_with_a_clear_error(value: str, says: str) -> None:
    with pytest.raises(SettingsError, match="MEDSKAPA_EMBED_ORIGINS") as error:
        Settings.from_env({"MEDSKAPA_EMBED_ORIGINS": f"{HOST_SITE},{value}"})
    assert says in str(error.value)


def test_origins_are_kept_as_browsers_send_them() -> None:
    settings = Settings.from_env(
        {"MEDSKAPA_EMBED_ORIGINS": " https://Vard.Example:443 ,http://127.0.0.1:8001,"}
    )
    assert settings.embed_origin_list() == ("https://vard.example", "http://127.0.0.1:8001")
    assert Settings.from_env({}).embed_origin_list() == ()


async def test_only_the_embeddable_pages_may_be_framed_and_only_by_the_listed_sites(
    embed_client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, _label, section = await first_document(conn)
    framed = await embed_client.get(f"/inbaddad/{slug}/synpunkt?avsnitt={section}")
    assert framed.status_code == 200
    csp = framed.headers["content-security-policy"]
    assert f"frame-ancestors {HOST_SITE} http://127.0.0.1:8001;" in csp
    assert "x-frame-options" not in framed.headers
    assert "script-src 'self';" in csp  # the rest of the policy is the same
    for path in (
        f"/kunskapsstod/{slug}",
        f"/kunskapsstod/{slug}/synpunkt?avsnitt={section}",
        "/folj",
        f"/api/v1/widget/{slug}",
        "/widget.js",
    ):
        page = await embed_client.get(path)
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"], path
        assert page.headers["x-frame-options"] == "DENY", path


async def test_without_the_setting_no_site_may_frame_anything(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    framed = await client.get(f"/inbaddad/{slug}/synpunkt")
    assert "frame-ancestors 'none'" in framed.headers["content-security-policy"]
    preflight = await client.options(
        f"/api/v1/widget/{slug}",
        headers={"origin": HOST_SITE, "access-control-request-method": "GET"},
    )
    assert preflight.status_code == 403


async def test_the_widget_api_is_readable_by_the_listed_sites_only(
    embed_client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, label, section = await first_document(conn)
    url = f"/api/v1/widget/{slug}"
    listed = await embed_client.get(url, headers={"origin": HOST_SITE})
    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == HOST_SITE
    assert "Origin" in listed.headers["vary"]
    assert "access-control-allow-credentials" not in listed.headers
    assert listed.headers["cross-origin-resource-policy"] == "cross-origin"
    body = listed.json()
    assert body["version"] == label
    first = body["sections"][0]
    assert first["key"] == section
    assert first["form_url"] == (
        f"http://127.0.0.1:8000/inbaddad/{slug}/synpunkt?version={label}&avsnitt={section}"
    )
    assert body["labels"]["open"] == "Lämna synpunkt på avsnittet"

    other = await embed_client.get(url, headers={"origin": OTHER_SITE})
    assert "access-control-allow-origin" not in other.headers

    allowed = await embed_client.options(
        url, headers={"origin": HOST_SITE, "access-control-request-method": "GET"}
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == HOST_SITE
    assert allowed.headers["access-control-allow-methods"] == "GET, HEAD"
    # What the widget sends: its own header, which makes every browser ask first.
    widget = await embed_client.options(
        url,
        headers={
            "origin": HOST_SITE,
            "access-control-request-method": "GET",
            "access-control-request-headers": "x-medskapa-widget",
        },
    )
    assert widget.status_code == 204
    assert widget.headers["access-control-allow-headers"] == "x-medskapa-widget"
    for refused_headers in (
        {"origin": OTHER_SITE, "access-control-request-method": "GET"},
        {
            "origin": OTHER_SITE,
            "access-control-request-method": "GET",
            "access-control-request-headers": "x-medskapa-widget",
        },
        {"origin": "null", "access-control-request-method": "GET"},
        {"origin": HOST_SITE, "access-control-request-method": "POST"},
        {
            "origin": HOST_SITE,
            "access-control-request-method": "GET",
            "access-control-request-headers": "x-medskapa-widget, authorization",
        },
    ):
        refused = await embed_client.options(url, headers=refused_headers)
        assert refused.status_code == 403, refused_headers
        assert "access-control-allow-origin" not in refused.headers
    # Only the widget's API: the rest of the API answers no other origin.
    documents = await embed_client.get("/api/v1/documents", headers={"origin": HOST_SITE})
    assert "access-control-allow-origin" not in documents.headers


async def test_the_widget_api_in_english_and_for_unknown_documents(
    embed_client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    english = (await embed_client.get(f"/api/v1/widget/{slug}?lang=en")).json()
    assert english["language"] == "en"
    assert english["labels"] == {
        "open": "Give feedback on this section",
        "dialog_title": "Give feedback on this section",
        "close": "Close",
        "frame_title": "Feedback form from medskapa",
    }
    assert english["sections"][0]["form_url"].endswith("&lang=en")
    # Without ?lang=, the browser's languages (the widget script sends them as every fetch
    # does); a shared cache keeps the languages apart.
    browser = await embed_client.get(
        f"/api/v1/widget/{slug}", headers={"accept-language": "en-US,en;q=0.8,sv;q=0.5"}
    )
    assert browser.json()["labels"]["close"] == "Close"
    assert browser.json()["sections"][0]["form_url"].endswith("&lang=en")
    assert "Accept-Language" in browser.headers["vary"]
    # A widget that asks for Swedish opens a Swedish form, whatever the browser prefers.
    swedish = (
        await embed_client.get(f"/api/v1/widget/{slug}?lang=sv", headers={"accept-language": "en"})
    ).json()
    assert swedish["language"] == "sv"
    assert swedish["labels"]["close"] == "Stäng"
    assert swedish["sections"][0]["form_url"].endswith("&lang=sv")
    missing = await embed_client.get("/api/v1/widget/finns-inte", headers={"origin": HOST_SITE})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == HOST_SITE  # the site may read why
    old = await embed_client.get(f"/api/v1/widget/{slug}?version=99.9")
    assert old.status_code == 404


async def test_the_script_is_small_cacheable_and_loadable_from_other_sites(
    embed_client: AsyncTestClient[Litestar],
) -> None:
    script = await embed_client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "public, max-age=3600"
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"
    assert len(script.content) < 8 * 1024
    assert "import " not in script.text
    assert "require(" not in script.text
    again = await embed_client.get("/widget.js", headers={"if-none-match": script.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
