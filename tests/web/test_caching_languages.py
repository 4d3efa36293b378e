"""A cached public page in two languages: each language is rendered, kept and validated on its
own, and a cache in front is told that the language choice changes the page."""

from __future__ import annotations

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.settings import Settings
from tests.apps import app_for
from tests.factories import first_document

Client = AsyncTestClient[Litestar]


async def test_a_cached_document_page_keeps_each_language_apart(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    slug, _, _ = await first_document(conn)
    path = f"/kunskapsstod/{slug}"
    async with AsyncTestClient(
        app=app_for(settings, "two languages"), base_url="https://127.0.0.1"
    ) as client:
        swedish = await client.get(path, headers={"Accept-Language": "sv"})
        english = await client.get(path, headers={"Accept-Language": "en"})
        # Asked again, each comes from the process's cache, still in its own language.
        swedish_again = await client.get(path, headers={"Accept-Language": "sv-SE,sv;q=0.9"})
        english_again = await client.get(path, headers={"Accept-Language": "en-GB,en;q=0.8"})
        stale = await client.get(
            path, headers={"Accept-Language": "en", "If-None-Match": swedish.headers["etag"]}
        )
        fresh = await client.get(
            path, headers={"Accept-Language": "en", "If-None-Match": english.headers["etag"]}
        )

    assert swedish.status_code == english.status_code == 200
    assert '<html lang="sv"' in swedish.text
    assert '<html lang="en"' in english.text
    assert "Lämna synpunkt" in swedish.text
    assert "Give feedback" in english.text
    assert swedish.headers["etag"] != english.headers["etag"]
    assert swedish_again.text == swedish.text
    assert english_again.text == english.text
    for response in (swedish, english):
        vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary, response.headers["vary"]
        assert "set-cookie" not in response.headers
    # A Swedish copy's validator does not stand for the English page.
    assert stale.status_code == 200
    assert '<html lang="en"' in stale.text
    assert fresh.status_code == 304
