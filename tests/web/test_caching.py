"""Public pages a cache in front may keep, and the pages each process renders once per version.

Two app instances on one database stand for two workers (or two machines): a change to the
catalogue committed anywhere reaches both through PostgreSQL LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.settings import Settings
from medskapa.web.caching import LISTENER_NAME, PageCache
from tests.apps import app_for
from tests.factories import first_document, make_person, sign_in

Client = AsyncTestClient[Litestar]
SHARED = "public, max-age=60, stale-while-revalidate=300"


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for ``condition`` to hold, at most ``within`` seconds. It is checked again and
    again rather than awaited: the test client runs the app (and its listener) on a loop in
    another thread, whose events cannot wake this one."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110  (see above)
            await asyncio.sleep(0.01)


def cache_of(client: Client) -> PageCache:
    return client.app.state.page_cache


@pytest.fixture
async def doc(conn: asyncpg.Connection) -> tuple[str, str, str]:
    return await first_document(conn)


@pytest.fixture
async def two_workers(settings: Settings) -> AsyncIterator[tuple[Client, Client]]:
    async with (
        AsyncTestClient(app=app_for(settings, "worker one"), base_url="https://127.0.0.1") as one,
        AsyncTestClient(app=app_for(settings, "worker two"), base_url="https://127.0.0.1") as two,
    ):
        await until(lambda: cache_of(one).live and cache_of(two).live)
        yield one, two


@pytest.fixture
async def changed_slug(conn: asyncpg.Connection) -> str:
    """A document with more than one published version (it has a page of changes)."""
    return await conn.fetchval(
        "SELECT d.slug FROM guidance_documents d JOIN document_versions v ON v.document_id = d.id "
        "WHERE v.published_on IS NOT NULL GROUP BY d.slug HAVING count(*) > 1 ORDER BY d.slug "
        "LIMIT 1"
    )


def _public_reads(slug: str, changed: str) -> list[str]:
    return [
        "/",
        "/kunskapsstod",
        f"/kunskapsstod/{slug}",
        f"/kunskapsstod/{slug}/svar",
        f"/kunskapsstod/{changed}/andringar",
        "/api/v1/documents",
        f"/api/v1/documents/{slug}",
        f"/api/v1/documents/{slug}/responses",
        f"/api/v1/documents/{changed}/changes",
    ]


async def test_public_reads_carry_validators_and_answer_304(
    two_workers: tuple[Client, Client], doc: tuple[str, str, str], changed_slug: str
) -> None:
    client, _ = two_workers
    slug, _, _ = doc
    for path in _public_reads(slug, changed_slug):
        first = await client.get(path)
        assert first.status_code == 200, path
        assert first.headers["cache-control"] == SHARED, path
        assert first.headers["vary"] == "Cookie, Authorization, Accept-Language", path
        assert first.headers.get_list("set-cookie") == [], path
        etag = first.headers["etag"]
        again = await client.get(path)
        assert again.headers["etag"] == etag, path
        assert again.content == first.content, path
        for asked in (etag, f"W/{etag}", f'"other", {etag}'):
            unchanged = await client.get(path, headers={"If-None-Match": asked})
            assert unchanged.status_code == 304, (path, asked)
            assert unchanged.content == b""
            assert unchanged.headers["etag"] == etag
            assert unchanged.headers["cache-control"] == SHARED
        changed = await client.get(path, headers={"If-None-Match": '"something-else"'})
        assert changed.status_code == 200
        assert changed.content == first.content


async def test_a_kept_answer_is_the_readers_language_with_every_header(
    two_workers: tuple[Client, Client], doc: tuple[str, str, str]
) -> None:
    """A document is answered from what the process kept, from outside the layers that would
    work it out again: still in the reader's language, with the security headers, and never
    the answer kept for the other language."""
    client, _ = two_workers
    slug, _, _ = doc
    for path in (f"/kunskapsstod/{slug}", f"/api/v1/documents/{slug}"):
        answers = {
            language: [
                await client.get(path, headers={"Accept-Language": language}) for _ in range(2)
            ]
            for language in ("sv", "en", "sv")
        }
        assert cache_of(client).recall(("answer", path, b"", "en")) is not None
        for language, (first, kept) in answers.items():
            assert kept.content == first.content, (path, language)
            assert kept.headers["content-language"] == language, path
            assert "frame-ancestors 'none'" in kept.headers["content-security-policy"], path
            assert kept.headers["x-content-type-options"] == "nosniff", path
            assert kept.headers["content-length"] == str(len(kept.content)), path
    pages = {
        language: (await client.get(f"/kunskapsstod/{slug}?lang={language}")).text
        for language in ("sv", "en")
    }
    assert '<html lang="sv">' in pages["sv"]
    assert '<html lang="en">' in pages["en"]


async def test_signed_in_reads_stay_private(
    bare_client: Client, conn: asyncpg.Connection, doc: tuple[str, str, str], changed_slug: str
) -> None:
    slug, _, _ = doc
    anonymous = await bare_client.get(f"/kunskapsstod/{slug}")
    etag = anonymous.headers["etag"]
    await sign_in(bare_client, conn, await make_person(conn, "pat@exempel.se"))
    for path in _public_reads(slug, changed_slug):
        mine = await bare_client.get(path, headers={"If-None-Match": etag})
        assert mine.status_code == 200, path
        assert mine.headers["cache-control"] == "no-store", path
        assert "etag" not in mine.headers, path
    page = await bare_client.get(f"/kunskapsstod/{slug}")
    assert "Logga ut" in page.text


async def test_misses_are_not_cached_and_errors_carry_no_validator(
    two_workers: tuple[Client, Client], doc: tuple[str, str, str]
) -> None:
    client, _ = two_workers
    missing = await client.get("/kunskapsstod/finns-inte")
    assert missing.status_code == 404
    assert "etag" not in missing.headers
    no_version = await client.get(f"/kunskapsstod/{doc[0]}?version=99.9")
    assert no_version.status_code == 404
    assert "etag" not in no_version.headers
    assert len(cache_of(client)) == 0


async def test_a_change_committed_anywhere_reaches_every_worker(
    two_workers: tuple[Client, Client], conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    one, two = two_workers
    slug, _, _ = doc
    page, api = f"/kunskapsstod/{slug}", f"/api/v1/documents/{slug}"
    before = {path: (await two.get(path)).headers["etag"] for path in (page, api)}
    await one.get(page)
    # Each kept the page as rendered and the whole answer (web/caching.py shared_cache).
    assert len(cache_of(one)) == 2
    assert len(cache_of(two)) == 4
    # Rendered once: the second worker answers from what it kept, byte for byte.
    assert (await two.get(page)).headers["etag"] == before[page]

    # A third process (this test's connection) changes the document, as publishing does.
    await conn.execute(
        "UPDATE guidance_documents SET title = 'Ny titel efter publicering' WHERE slug = $1", slug
    )
    await until(lambda: len(cache_of(one)) == 0 and len(cache_of(two)) == 0)
    for client in (one, two):
        shown = await client.get(page, headers={"If-None-Match": before[page]})
        assert shown.status_code == 200
        assert "Ny titel efter publicering" in shown.text
        assert shown.headers["etag"] != before[page]
        data = await client.get(api, headers={"If-None-Match": before[api]})
        assert data.status_code == 200
        assert data.json()["title"] == "Ny titel efter publicering"


async def test_the_listener_comes_back_and_the_cache_is_off_meanwhile(
    two_workers: tuple[Client, Client], conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    one, _ = two_workers
    slug, _, _ = doc
    await one.get(f"/kunskapsstod/{slug}")
    assert len(cache_of(one)) == 2
    ended = await conn.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = $1 AND datname = current_database()",
        LISTENER_NAME,
    )
    assert ended == 2
    # Notices sent while no one listens are lost: the cache is emptied and off until then.
    await until(lambda: not cache_of(one).live)
    assert len(cache_of(one)) == 0
    await until(lambda: cache_of(one).live)
    await one.get(f"/kunskapsstod/{slug}")
    assert len(cache_of(one)) == 2
    await conn.execute("UPDATE subject_groups SET name = name || ' (ny)'")
    await until(lambda: len(cache_of(one)) == 0)
    assert "(ny)" in (await one.get(f"/kunskapsstod/{slug}")).text


def test_the_cache_is_bounded_and_a_render_from_before_a_change_is_not_kept() -> None:
    cache = PageCache(2)
    cache.live = True
    for n in range(3):
        cache.put(("page", n), cache.generation, b"x", "text/html")
    assert len(cache) == 2
    assert cache.get(("page", 0)) is None
    assert cache.get(("page", 2)) is not None
    started = cache.generation
    cache.invalidate()
    cache.put(("page", 9), started, b"old", "text/html")
    assert cache.get(("page", 9)) is None
    cache.live = False
    cache.put(("page", 8), cache.generation, b"y", "text/html")
    assert cache.get(("page", 8)) is None


async def test_where_a_submission_goes_follows_a_change_made_anywhere(
    two_workers: tuple[Client, Client], conn: asyncpg.Connection, doc: tuple[str, str, str]
) -> None:
    """The document and version a submission goes to are kept by each worker with its pages
    (feedback/service.py), and forgotten with them when the catalogue changes anywhere."""
    _, two = two_workers
    slug, _, _ = doc
    body = {"document": slug, "category": "other", "role": "patient", "text": "Svår att förstå."}
    assert (await two.post("/api/v1/feedback", json=body)).status_code == 201
    assert cache_of(two).recall(("feedback-target", slug, None)) is not None
    # Archived by another process: the next submission must not go to it.
    await conn.execute("UPDATE guidance_documents SET status = 'archived' WHERE slug = $1", slug)
    await until(lambda: len(cache_of(two)) == 0)
    refused = await two.post("/api/v1/feedback", json=body)
    assert refused.status_code == 422
    assert "document" in refused.text
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM feedback f JOIN guidance_documents d ON d.id = f.document_id "
            "WHERE d.slug = $1 AND f.body = $2",
            slug,
            body["text"],
        )
        == 1
    )
