"""No request can keep a database connection once it has been answered: malformed input, an
error anywhere in dependency resolution, a client that leaves a streamed export midway or stops
reading it, all end with every pool connection back in the pool (issue 12, finding 10)."""

from __future__ import annotations

import asyncio
import gc
import itertools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from medskapa.accounts.admin import RoleChoice, set_role
from medskapa.app import create_app
from medskapa.feedback.domain import TEXT_MAX
from medskapa.settings import Settings
from tests.factories import (
    FIXED_NOW,
    api_token,
    csrf_follows_cookie,
    make_feedback,
    make_organisation,
    make_staff,
    route_to,
    sign_in_staff,
)
from tests.live import running_server

DOC = "hjartsvikt-nyupptackt"
GROUP = "nag-hjartsvikt"
# Each is longer than its inbox filter takes, so the filter dependency refuses it.
MALFORMED_FILTERS = [
    {"urgent": "'::text"},
    {"older_than_days": "9" * 40},
    {"sort": "'; SELECT pg_sleep(10) --"},
    {"status": "x" * 31},
    {"after": "'" * 201},
    {"theme": "-1' OR '1'='1' OR '1'='1"},
    {"assignee": "' UNION SELECT password_hash --"},
    {"document": "d" * 201},
    {"section": "s" * 101},
    {"category": "'" * 41},
]


async def pool_state(base_url: str, database_url: str) -> dict[str, object]:
    """What /healthz and PostgreSQL say about the app's connections, right now. (The
    periodic jobs first run a minute after the start, so nothing else holds one.)"""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as probe:
        health = (await probe.get("/healthz")).json()
    return {"in_use": health["connections_in_use"], "busy": await _busy_backends(database_url)}


async def settled_pool_state(
    base_url: str, database_url: str, within: float = 15.0
) -> dict[str, object]:
    """The pool once the server has finished with the requests before: a connection comes
    back when the server sees the client gone (its next write fails) or the body times out,
    which takes longer on a busy machine. The first empty state, or the last one seen after
    ``within`` seconds (what the test then shows as its failure)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        state = await pool_state(base_url, database_url)
        if state == {"in_use": 0, "busy": []}:
            return state
        if asyncio.get_running_loop().time() > deadline:
            return state
        await asyncio.sleep(0.1)


async def _busy_backends(database_url: str) -> list[str]:
    """States of the app's server connections that are not simply idle."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT state FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'medskapa' AND state <> 'idle'"
        )
    finally:
        await conn.close()
    return [row["state"] for row in rows]


async def test_malformed_inbox_filters_leave_no_connection_checked_out(
    strict_app: Litestar, database_url: str, conn: asyncpg.Connection
) -> None:
    """The reported attack: a group member sends malformed inbox filters four at a time.
    Each is refused with 422, none waits for a connection (no 503), and afterwards the pool
    is empty and the public pages answer."""
    headers = await api_token(conn, await make_staff(conn, "anna@region.se", GROUP))
    async with asgi_client(strict_app) as client:

        async def attack(worker: int) -> list[int]:
            statuses = []
            for round_ in range(50):
                params = MALFORMED_FILTERS[(worker + round_) % len(MALFORMED_FILTERS)]
                inbox = await client.get(
                    f"/api/v1/groups/{GROUP}/inbox", params=params, headers=headers
                )
                statuses.append(inbox.status_code)
            return statuses

        statuses = [s for batch in await asyncio.gather(*map(attack, range(4))) for s in batch]
        health = (await client.get("/healthz")).json()
        pool = {"in_use": health["connections_in_use"], "busy": await _busy_backends(database_url)}
        public = await client.get("/kunskapsstod")
        document = await client.get(f"/kunskapsstod/{DOC}")

    assert set(statuses) == {422}, sorted(set(statuses))
    assert pool == {"in_use": 0, "busy": []}
    assert public.status_code == 200
    assert document.status_code == 200


# An export of ~16 MB: far more than the socket buffers on both ends hold (see
# ``send_buffer_limit``), so the server is still producing it when the client leaves or
# stalls. Made of few long items (the longest a text may be) rather than many short ones, as
# most of the cost of inserting them is per item, not per character: each routing row
# updates the group's count through a trigger, and that costs more the more rows the same
# transaction has routed. 3,000 items of 5,000 characters take ~3 s; 30,000 of 400 took ~30 s.
COPIES = 3000
LONG_TEXT = ("Ett långt exempel. " * (TEXT_MAX // 10))[: TEXT_MAX - len(str(COPIES))]


def send_buffer_limit() -> int:
    """The most a TCP socket's send buffer grows to on this machine (Linux autotunes it up
    to the maximum of net.ipv4.tcp_wmem): what the server can hand to the kernel for a
    client that reads nothing."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        return 4 * 2**20  # Linux's default maximum


def small_receive_buffer() -> httpx.AsyncHTTPTransport:
    """A client whose socket takes at most a few KiB that it has not read, so what the
    server can have sent is bounded by its own buffers."""
    return httpx.AsyncHTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])


async def many_items(conn: asyncpg.Connection, copies: int) -> None:
    """One item routed to the group and ``copies`` copies of it, each as long as a text may
    be, inserted by one statement: an export of several MB."""
    first = await make_feedback(conn, document=DOC, text=LONG_TEXT)
    await route_to(conn, first.id, GROUP)
    await conn.execute(
        """
        WITH made AS (
            INSERT INTO feedback (document_id, version_id, category, submitter_role, body,
                language, consent_public, consent_contact, status, receipt_hash)
            SELECT f.document_id, f.version_id, f.category, f.submitter_role,
                   f.body || g::text, f.language, false, false, 'routed',
                   sha256((f.id::text || g::text)::bytea)
            FROM feedback f, generate_series(1, $2) AS g
            WHERE f.id = $1
            RETURNING id
        )
        INSERT INTO feedback_routes (feedback_id, group_id, routed_at)
        SELECT made.id, r.group_id, r.routed_at FROM made, feedback_routes r
        WHERE r.feedback_id = $1
        """,
        first.id,
        copies,
    )


@pytest.mark.slow
async def test_a_client_that_leaves_an_export_midway_returns_its_connection(
    database_url: str, conn: asyncpg.Connection
) -> None:
    """The export streams rows from an open transaction while it is sent. A client that reads
    the first bytes and hangs up must not leave that transaction (or its connection) behind."""
    headers = await api_token(conn, await make_staff(conn, "anna@region.se", GROUP))
    # Far more than the socket buffers hold, so the server is still sending when we leave.
    await many_items(conn, COPIES)
    with running_server(database_url) as (base_url, _):
        for kind in ("csv", "json", "csv", "json"):
            async with (
                httpx.AsyncClient(
                    base_url=base_url, headers=headers, timeout=30, transport=small_receive_buffer()
                ) as member,
                member.stream("GET", f"/api/v1/groups/{GROUP}/export.{kind}") as export,
            ):
                assert export.status_code == 200
                async for _ in export.aiter_raw():
                    break  # one chunk, then hang up
        pool = await settled_pool_state(base_url, database_url)
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as member:
            whole = await member.get(f"/api/v1/groups/{GROUP}/export.csv")

    assert pool == {"in_use": 0, "busy": []}
    assert whole.status_code == 200
    assert whole.text.count("\r\n") == COPIES + 2  # header, the first item and its copies
    # What makes the test mean something: the server cannot have handed the whole export to
    # the kernel before the client left (nor before the client in the next test stalls).
    assert len(whole.content) > 3 * send_buffer_limit()


@pytest.mark.slow
async def test_a_client_that_stops_reading_an_export_loses_it_and_the_connection_returns(
    database_url: str, conn: asyncpg.Connection
) -> None:
    """A member who opens exports and never reads them (nor hangs up) would hold one pool
    connection each for as long as they like. A streamed body that the client has not taken
    for MEDSKAPA_BODY_TIMEOUT seconds is ended, and its connection given back."""
    headers = await api_token(conn, await make_staff(conn, "anna@region.se", GROUP))
    await many_items(conn, COPIES)
    with running_server(database_url, env={"MEDSKAPA_BODY_TIMEOUT": "1"}) as (base_url, _):
        host, port = base_url.removeprefix("http://").split(":")
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect((host, int(port)))
        stalled.sendall(
            f"GET /api/v1/groups/{GROUP}/export.csv HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: {headers['Authorization']}\r\n\r\n".encode()
        )
        head = stalled.recv(1024)
        await asyncio.sleep(0.5)
        while_stalled = await pool_state(base_url, database_url)
        # The body timeout is 1 s: without it the connection would be held for good.
        after = await settled_pool_state(base_url, database_url)
        stalled.close()
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as visitor:
            public = await visitor.get(f"/kunskapsstod/{DOC}")

    assert head.startswith(b"HTTP/1.1 200")
    assert while_stalled["in_use"] == 1  # the export holds its connection while it is sent
    assert after == {"in_use": 0, "busy": []}
    assert public.status_code == 200


# Wrong types, quotes, SQL, sizes far beyond any limit, negative and huge numbers, paths and
# odd characters (NUL is for tests/hostile: PostgreSQL refuses it by itself).
MALFORMED = [
    "'::text",
    "' OR '1'='1' --",
    "-1",
    "0",
    "99999999999999999999999999999",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "x" * 3000,
    "%",
    "../../../etc/passwd",
    "\u00e5\u00e4\u00f6\U0001f600" * 40,
    "[]",
    " ",
    "\u00b2",  # a superscript two: str.isdigit() says yes, int() says no
    "\u0663",  # an Arabic-Indic three: int() reads it as 3, an id is ASCII digits only
]


@pytest.fixture
def strict_app(settings: Settings) -> Litestar:
    """The app with a short wait for a connection, so that a leak shows as 503 quickly. Its
    pool opens all its connections at the start, so that the second is spent waiting for a
    connection to come back, never on opening one on a busy machine."""
    return create_app(
        msgspec.structs.replace(
            settings, db_acquire_timeout=1.0, db_pool_min_size=settings.db_pool_max_size
        )
    )


@asynccontextmanager
async def asgi_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app started as a server starts it, called over ASGI on this event loop. Unlike
    Litestar's test client, which serves one request at a time from a thread of its own, the
    requests a test sends together are served together; and the request target is split into
    path and query as a server splits it (Litestar's test client leaves the query in
    ``raw_path``, where a long one was refused as a long path, 414, before any route saw it).
    (A context manager, not a fixture: the app's lifespan must end in the task it began in.)"""
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://127.0.0.1"
        ) as client,
    ):
        csrf_follows_cookie(client)
        yield client


async def everything_allowed(client: httpx.AsyncClient, conn: asyncpg.Connection) -> str:
    """One staff member who may do everything (admin, group lead, organisation coordinator),
    signed in with a second factor, so that every route gets past its guard to the parts
    that read the parameters. Returns the organisation's slug."""
    email = "alla@region.se"
    user_id = await make_staff(conn, email, role=RoleChoice.ADMIN)
    organisation, _ = await make_organisation(conn, "Hjärtföreningen", "samordnare@exempel.se")
    for role, where in (
        (RoleChoice.GROUP_LEAD, {"group": GROUP}),
        (RoleChoice.ORGANISATION_COORDINATOR, {"organisation": organisation}),
    ):
        await set_role(conn, email=email, role=role, now=FIXED_NOW, **where)
    await sign_in_staff(client, conn, user_id)
    client.headers.update(await api_token(conn, user_id))
    return organisation


def malformed_requests(
    app: Litestar, known: dict[str, list[str]]
) -> dict[str, list[tuple[str, str, dict[str, str]]]]:
    """For every route that takes path or query parameters, from the app's own routes:
    (method, path, query) with each malformed value in every parameter at once, and in the
    query of each GET whose path names things that exist. Changes (POST) only ever name
    nothing that exists."""
    walk: dict[str, list[tuple[str, str, dict[str, str]]]] = {}
    for route in app.routes:
        # Static files never touch the database (nor authenticate); pages and the API do.
        if not isinstance(route, HTTPRoute) or route.path.startswith("/static/"):
            continue
        for method, (_, parameters) in route.route_handler_map.items():
            query_names = sorted(p.field_alias for p in parameters.expected_query_params)
            path_names = list(route.path_parameters)
            if method in ("OPTIONS", "HEAD") or not (query_names or path_names):
                continue
            existing = list(itertools.product(*(known.get(name, []) for name in path_names)))
            requests = walk.setdefault(f"{method} {route.path}", [])
            for value in MALFORMED:
                query = dict.fromkeys(query_names, value)
                path = {name: quote(value, safe="") for name in path_names}
                requests.append((method, route.path_format.format(**path), query))
                if method == "GET" and path_names and query_names:
                    for names in existing:
                        path = dict(zip(path_names, names, strict=True))
                        requests.append((method, route.path_format.format(**path), query))
    return walk


async def left_checked_out(pool: asyncpg.Pool) -> int:
    """How many connections stay checked out once the requests have ended. The app's own
    timed jobs (the retention purges, first after two minutes) may hold one for a moment
    while a slow run crosses their hour; that one comes back within a second. A leaked
    connection never does: the garbage collector is off."""
    for _ in range(50):
        if not (checked_out := pool.get_size() - pool.get_idle_size()):
            return 0
        await asyncio.sleep(0.1)
    return checked_out


async def test_malformed_parameters_on_every_route_leave_the_pool_empty(
    strict_app: Litestar, conn: asyncpg.Connection
) -> None:
    """Every route and page that takes parameters, given malformed ones many times over and
    several at once, answers with a client error (never 500, never 503 for want of a
    connection); after each route's requests no connection is checked out, none is left in
    a transaction, and /healthz and a public page answer. The garbage collector is off
    meanwhile: a connection must come back because the request gives it back, not because
    a forgotten generator happens to be collected."""
    async with asgi_client(strict_app) as client:
        await client.get("/")
        organisation = await everything_allowed(client, conn)
        item = await make_feedback(conn, document=DOC, text="Vem ringer jag efter utskrivningen?")
        await route_to(conn, item.id, GROUP)
        known = {"slug": [DOC, GROUP, organisation], "feedback_id": [str(item.id)]}
        walk = malformed_requests(strict_app, known)
        assert len(walk) > 60
        assert sum(map(len, walk.values())) > 1000
        pool = strict_app.state.pool
        gate = asyncio.Semaphore(8)

        async def send(method: str, path: str, query: dict[str, str]) -> int:
            async with gate:
                if method == "GET":
                    answer = await client.get(path, params=query)
                elif path.startswith("/api/"):
                    answer = await client.request(method, path, params=query, json={})
                else:
                    answer = await client.request(method, path, params=query, data={})
            return answer.status_code

        errors: dict[str, list[int]] = {}
        leaked: dict[str, int] = {}
        gc.disable()
        try:
            for route, requests in itertools.chain(walk.items(), walk.items()):
                statuses = await asyncio.gather(*(send(*r) for r in requests))
                if failed := sorted({s for s in statuses if s >= 500}):
                    errors[route] = failed
                if checked_out := await left_checked_out(pool):
                    leaked[route] = checked_out
                    break  # every further request would wait for a connection
        finally:
            gc.enable()
        busy = await conn.fetch(
            "SELECT state FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'medskapa' AND state <> 'idle'"
        )
        health = await client.get("/healthz")
        public = await client.get(f"/kunskapsstod/{DOC}")

    assert leaked == {}
    assert errors == {}
    assert busy == []
    assert health.json()["connections_in_use"] == 0
    assert public.status_code == 200
