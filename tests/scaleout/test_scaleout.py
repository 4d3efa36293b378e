"""Issue 17's scale-out proof: two `medskapa serve` processes behind nginx (round robin) on one
PostgreSQL, directly and through PgBouncer in transaction mode, behave as one process does.
Every request goes through the proxy; its X-Upstream header (the test's nginx configuration)
says which process answered, and each test shows that both did their part."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pyotp

from medskapa.accounts.admin import RoleChoice
from medskapa.audit.keys import AuditKeys, bind
from medskapa.db.pool import init_connection
from medskapa.security.csrf import SAFE_METHODS, csrf_cookie_name
from medskapa.settings import Settings
from medskapa.web.caching import LISTENER_NAME
from tests.factories import (
    STAFF_PASSWORD,
    TEST_SECRET,
    api_token,
    enrol_totp,
    first_document,
    make_staff,
)
from tests.scaleout.cluster import UPSTREAM_HEADER
from tests.scaleout.conftest import SUBMIT_LIMIT, Scaled

GROUP = "nag-hjartsvikt"
DEV_CSRF_COOKIE = csrf_cookie_name(Settings(dev_insecure_cookies=True))


@asynccontextmanager
async def database(scaled: Scaled) -> AsyncIterator[asyncpg.Connection]:
    """The test's own connection, straight to PostgreSQL."""
    conn = await asyncpg.connect(scaled.cluster.database_url)
    await init_connection(conn)
    bind(conn, AuditKeys.from_secret(TEST_SECRET))
    try:
        yield conn
    finally:
        await conn.close()


def visitor(scaled: Scaled, address: str) -> httpx.AsyncClient:
    """A browser on its own address (any of 127.0.0.0/8 is this machine), talking to the proxy:
    the proxy sees that address, the app sees the proxy's."""
    http = httpx.AsyncClient(
        base_url=scaled.cluster.url,
        transport=httpx.AsyncHTTPTransport(local_address=address),
        timeout=30,
    )
    http.event_hooks["request"].append(lambda request: like_our_page(http, request))
    return http


async def like_our_page(http: httpx.AsyncClient, request: httpx.Request) -> None:
    """As a browser on one of our pages: an unsafe request says it comes from our site, and a
    signed-in one carries its session's CSRF token (readable, as htmx reads it, under its
    development name on plain http)."""
    if request.method not in SAFE_METHODS:
        request.headers.setdefault("origin", str(http.base_url).rstrip("/"))
        request.headers.setdefault("sec-fetch-site", "same-origin")
        token = http.cookies.get(DEV_CSRF_COOKIE)
        if token:
            request.headers.setdefault("x-csrf-token", token)


def upstream(response: httpx.Response) -> str:
    return response.headers[UPSTREAM_HEADER]


async def on_each_backend(scaled: Scaled, send: Callable[[], Any]) -> dict[str, httpx.Response]:
    """Send a request until every backend has answered it once; {backend: its answer}."""
    answers: dict[str, httpx.Response] = {}
    for _ in range(2 * len(scaled.cluster.backends)):
        response = await send()
        answers.setdefault(upstream(response), response)
        if len(answers) == len(scaled.cluster.backends):
            return answers
    raise AssertionError(f"not every backend answered: {sorted(answers)}")


async def each_backend_until(
    scaled: Scaled,
    send: Callable[[], Any],
    shows: Callable[[httpx.Response], bool],
    within: float = 10.0,
) -> dict[str, httpx.Response]:
    """Send a request until every backend has answered it with what ``shows`` looks for;
    {backend: that answer}. Fails if one has not within ``within`` seconds."""
    answers: dict[str, httpx.Response] = {}
    deadline = time.monotonic() + within
    while len(answers) < len(scaled.cluster.backends):
        assert time.monotonic() < deadline, f"only {sorted(answers)} showed it in time"
        response = await send()
        if shows(response):
            answers.setdefault(upstream(response), response)
        else:
            await asyncio.sleep(0.02)
    return answers


async def until(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.05)


# ------------------------------------------------------------------ the proxy


async def test_requests_alternate_and_the_client_address_reaches_the_proxy(
    scaled: Scaled,
) -> None:
    async with visitor(scaled, "127.0.0.2") as http:
        answers = [await http.get("/kunskapsstod") for _ in range(4)]
    assert {a.status_code for a in answers} == {200}
    served = [upstream(a) for a in answers]
    assert set(served) == set(scaled.cluster.backends)
    assert served[0] != served[1], served
    assert served[:2] == served[2:], served
    # nginx logs a request just after it has answered it.
    logged = scaled.cluster.access_log
    await until(lambda: logged.read_text().count('"GET /kunskapsstod HTTP/1.1" 200') >= 4)
    lines = [line for line in logged.read_text().splitlines() if "/kunskapsstod " in line]
    assert [line.split()[0] for line in lines[-4:]] == ["127.0.0.2"] * 4


async def test_the_pool_goes_where_configured_and_each_process_listens_directly(
    scaled: Scaled,
) -> None:
    async with visitor(scaled, "127.0.0.9") as http:
        await on_each_backend(scaled, lambda: http.get("/healthz"))
    name = urlsplit(scaled.cluster.database_url).path.lstrip("/")
    async with database(scaled) as conn:

        async def listeners() -> int:
            return await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = $1 AND application_name = $2",
                name,
                LISTENER_NAME,
            )

        # One LISTEN connection per process, straight to PostgreSQL (each connects once its
        # process has started; through PgBouncer it would not keep a session of its own).
        deadline = time.monotonic() + 20
        while (found := await listeners()) < len(scaled.cluster.backends):
            assert time.monotonic() < deadline, f"{found} listening"
            await asyncio.sleep(0.1)
        assert found == len(scaled.cluster.backends)
    if scaled.through_pgbouncer:
        assert scaled.cluster.pgbouncer_log is not None
        logins = scaled.cluster.pgbouncer_log.read_text()
        assert f"login attempt: db={name} " in logins
    else:
        assert scaled.cluster.pgbouncer_log is None


# ------------------------------------------------------------------ sessions


async def test_a_staff_session_made_on_one_process_works_on_the_other(scaled: Scaled) -> None:
    async with database(scaled) as conn:
        user = await make_staff(conn, "skala@region.se", GROUP)
        secret = await enrol_totp(conn, user)
    async with visitor(scaled, "127.0.0.3") as http:
        await http.get("/logga-in")
        password = await http.post(
            "/logga-in", data={"email": "skala@region.se", "password": STAFF_PASSWORD}
        )
        assert password.status_code == 303, password.text
        assert password.headers["location"] == "/logga-in/kod"
        # The second step on the other process: it knows the half-made session.
        code = await http.post("/logga-in/kod", data={"code": pyotp.TOTP(secret).now()})
        assert code.status_code == 303, code.text
        assert upstream(code) != upstream(password)

        accounts = await on_each_backend(scaled, lambda: http.get("/konto"))
        for answer in accounts.values():
            assert answer.status_code == 200
            assert "Mitt konto" in answer.text
            assert "skala@region.se" in answer.text

        # Signed out on one process: the other no longer takes the session either, even
        # from a browser that kept the cookie.
        kept = dict(http.cookies.items())
        out = await http.post("/logga-ut")
        assert out.status_code == 303
        http.cookies.clear()
        for name, value in kept.items():
            http.cookies.set(name, value, domain="127.0.0.1")
        after = await on_each_backend(scaled, lambda: http.get("/konto"))
        for answer in after.values():
            assert answer.status_code == 401
            assert "skala@region.se" not in answer.text


# ------------------------------------------------------------------ rate limits


async def test_the_submission_limit_counts_across_processes_per_real_client(
    scaled: Scaled,
) -> None:
    async with database(scaled) as conn:
        slug, _, _ = await first_document(conn)
    body = {"document": slug, "category": "other", "role": "patient", "text": "Kort text."}
    async with visitor(scaled, "127.0.0.4") as http:
        accepted = [await http.post("/api/v1/feedback", json=body) for _ in range(SUBMIT_LIMIT)]
        assert [a.status_code for a in accepted] == [201] * SUBMIT_LIMIT
        assert {upstream(a) for a in accepted} == set(scaled.cluster.backends)
        # The limit trips at the same count as with one process, on both.
        refused = await on_each_backend(scaled, lambda: http.post("/api/v1/feedback", json=body))
        assert {r.status_code for r in refused.values()} == {429}
        assert all(0 < int(r.headers["retry-after"]) <= 600 for r in refused.values())
        # A header of the client's own does not make it someone else: the proxy appends the
        # address it sees, and the app reads from the right.
        forged = await http.post(
            "/api/v1/feedback", json=body, headers={"X-Forwarded-For": "198.51.100.7"}
        )
        assert forged.status_code == 429
    # Another client (another address, the same proxy in between) has its own count: the
    # app counts the client's address, not the proxy's.
    async with visitor(scaled, "127.0.0.5") as other:
        assert (await other.post("/api/v1/feedback", json=body)).status_code == 201
    async with database(scaled) as conn:
        assert await conn.fetchval("SELECT count(*) FROM feedback") >= SUBMIT_LIMIT + 1


# ------------------------------------------------------------------ the outbox


async def test_each_submission_gets_exactly_one_receipt_mail(scaled: Scaled) -> None:
    async with database(scaled) as conn:
        slug, _, _ = await first_document(conn)
    addresses = [f"kvitto{n}@exempel.se" for n in range(4)]
    served = set()
    # Each from another visitor: one may make only SUBMIT_LIMIT submissions.
    for n, address in enumerate(addresses):
        async with visitor(scaled, f"127.0.1.{n + 1}") as sender:
            answer = await sender.post(
                "/api/v1/feedback",
                json={
                    "document": slug,
                    "category": "other",
                    "role": "patient",
                    "text": "Kort text om uppföljningen.",
                    "email": address,
                },
            )
        assert answer.status_code == 201, answer.text
        served.add(upstream(answer))
    assert served == set(scaled.cluster.backends)
    mailbox = scaled.smtp.mailbox
    await until(lambda: all(mailbox.to(a) for a in addresses), within=60)
    # Both relays keep polling the outbox (every 2 s when it is empty); neither sends again.
    await asyncio.sleep(5)
    for address in addresses:
        mails = mailbox.to(address)
        assert len(mails) == 1, address
        text = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        # Links are the public address's (the proxy's), whichever process wrote it.
        assert f"{scaled.cluster.url}/folj" in text
    async with database(scaled) as conn:
        rows = await conn.fetch(
            "SELECT status, attempts, claimed_by FROM outbox_messages "
            "WHERE template = 'feedback_received'"
        )
    assert len(rows) == len(addresses)
    assert {r["status"] for r in rows} == {"sent"}
    assert all(r["claimed_by"] is not None for r in rows)


# ------------------------------------------------------------------ LISTEN/NOTIFY


DOCUMENT = """+++
slug = "{slug}"
title = "{title}"
kind = "{kind}"
group = "{group}"
version = "{version}"
summary = "En ny version från testet av flera processer."
change_summary = "Ny version."
+++

## 1 Inledning

Den nya texten om ödem, publicerad genom en av processerna.
"""


async def test_a_version_published_on_one_process_shows_on_the_other(scaled: Scaled) -> None:
    """A demo document nothing in this module has changed: no notice is on its way while the
    processes keep its page."""
    async with database(scaled) as conn:
        doc = await conn.fetchrow(
            "SELECT d.slug, d.title, d.kind, g.slug AS group, cv.label FROM guidance_documents d "
            "JOIN subject_groups g ON g.id = d.subject_group_id "
            "JOIN current_versions cv ON cv.document_id = d.id "
            "WHERE d.status = 'published' ORDER BY d.slug DESC LIMIT 1"
        )
        lead = await make_staff(conn, "ledare@region.se", doc["group"], RoleChoice.GROUP_LEAD)
        token = await api_token(conn, lead)
    page = f"/kunskapsstod/{doc['slug']}"
    async with visitor(scaled, "127.0.0.7") as http:
        # Both processes render the page and keep it.
        first = await on_each_backend(scaled, lambda: http.get(page))
        assert {a.status_code for a in first.values()} == {200}
        assert all(doc["title"] in a.text for a in first.values())

        # A change that sends no notice (triggers off for this one session): each process
        # still answers from what it kept, so the pages below are each process's own cache.
        async with database(scaled) as conn:
            await conn.execute("SET session_replication_role = replica")
            await conn.execute(
                "UPDATE guidance_documents SET title = 'Tyst ändrad titel' WHERE slug = $1",
                doc["slug"],
            )
        kept = await on_each_backend(scaled, lambda: http.get(page))
        for backend, answer in kept.items():
            assert "Tyst ändrad titel" not in answer.text, backend
            assert answer.headers["etag"] == first[backend].headers["etag"]

        # A new version, published through one process: the notice empties both caches.
        version = f"{int(doc['label'].split('.')[0]) + 1}.0"
        text = DOCUMENT.format(
            slug=doc["slug"],
            title=doc["title"],
            kind=doc["kind"],
            group=doc["group"],
            version=version,
        )
        published = await http.post(
            "/api/v1/documents/import",
            params={"publish": "true"},
            content=text.encode(),
            headers={**token, "Content-Type": "text/markdown"},
        )
        assert published.status_code == 201, published.text
        assert published.json()["published"] is True
        assert upstream(published) in scaled.cluster.backends
        # The notice reaches each process a moment after the commit, not before the answer.
        after = await each_backend_until(
            scaled, lambda: http.get(page), lambda a: "Den nya texten om ödem" in a.text
        )
    for backend, answer in after.items():
        assert answer.status_code == 200
        assert f"version {version}" in answer.text, backend
        assert answer.headers["etag"] != first[backend].headers["etag"]


# ------------------------------------------------------------------ receipts


async def test_a_receipt_code_from_one_process_is_followed_on_the_other(scaled: Scaled) -> None:
    async with database(scaled) as conn:
        slug, _, _ = await first_document(conn)
    async with visitor(scaled, "127.0.0.8") as http:
        made = await http.post(
            "/api/v1/feedback",
            json={"document": slug, "category": "other", "role": "patient", "text": "Om kvitto."},
        )
        assert made.status_code == 201, made.text
        code = made.json()["receipt_code"]
        # The follow page's form (without JavaScript), sent to the other process.
        followed = await http.post("/folj", data={"kod": code, "lang": "sv"})
        assert followed.status_code == 200, followed.text
        assert upstream(followed) != upstream(made)
        assert "Status för din synpunkt" in followed.text
        assert "Om kvitto." in followed.text

        withdrawn = await http.post(
            "/folj", data={"kod": code, "lang": "sv", "atgard": "ta-tillbaka", "bekrafta": "ja"}
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert "Synpunkten är tillbakatagen" in withdrawn.text
        looked_up = await on_each_backend(
            scaled, lambda: http.post("/api/v1/receipts/lookup", json={"code": code})
        )
    assert {a.json()["status"] for a in looked_up.values()} == {"withdrawn"}
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code)
