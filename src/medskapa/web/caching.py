"""Public pages a shared cache may keep, and the rendered pages this process keeps itself.

**Validators and Cache-Control.** A route marked ``opt={"shared_cache": True}`` answers a GET
that carries no credential (no session cookie, no Authorization header) with

- ``ETag``: a hash of the body itself, so it changes exactly when what is sent changes (a new
  version, another template set or build), whatever caused it;
- ``Cache-Control: public, max-age=60, stale-while-revalidate=300``: a cache in front (nginx,
  a CDN) answers the busy pages itself and revalidates in the background; a minute is as late
  as a published version may show;
- ``Vary: Cookie, Authorization``: a signed-in browser's request never gets the anonymous copy;
- ``304 Not Modified`` when ``If-None-Match`` names the ETag, with no body.

Anything else (a signed-in request, another status) passes untouched; such responses are
marked ``no-store`` by security/headers.py. Public pages set no cookie (security/csrf.py), so
nothing on them is one visitor's.

**Rendered once per version.** ``PageCache`` keeps rendered bodies by key (a document page, the
document as JSON), bounded in count, for requests without a credential. What is cached is
invalidated on every change to the catalogue's tables, in every worker on every machine: a
trigger (sql/0028) sends ``NOTIFY medskapa_catalogue`` in the changing transaction, delivered
on commit, and each process listens on a connection of its own (``invalidation_lifespan``).
While that connection is down the cache is off (nothing is served from it or put in), and it is
emptied when listening starts again, since notices sent meanwhile are lost. A render that began
before a notice is not stored (``generation``), so a page read just before a publish cannot
outlive it.

The listener needs a direct connection to PostgreSQL: LISTEN does not work through PgBouncer
in transaction mode (``MEDSKAPA_LISTEN_DATABASE_URL`` names one when the pool goes through it).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, NamedTuple

import asyncpg
import msgspec
from litestar import Litestar, Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from medskapa.db.pool import still_there
from medskapa.i18n import current_language
from medskapa.security.headers import carries_credential
from medskapa.security.permissions import Permission, declared_permission

log = logging.getLogger("medskapa.web")

CATALOGUE_CHANGED = "medskapa_catalogue"
# A route's ``opt`` key: what it answers a reader without a credential is worked out from the
# catalogue alone (and the language), so its whole answer may be kept until the catalogue
# changes (``shared_cache``).
CATALOGUE_ONLY = "catalogue_only"
LISTENER_NAME = "medskapa cache listener"
CACHE_CONTROL = b"public, max-age=60, stale-while-revalidate=300"
VARY = b"Cookie, Authorization"
# How often the listener proves its connection is alive, and waits before connecting again.
KEEPALIVE_SECONDS = 15.0
RECONNECT_SECONDS = 1.0


def etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison (RFC 9110 13.1.2): a cache may have turned our ETag weak (gzip)."""
    if if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))


def shareable(scope: Scope) -> bool:
    """A GET to a route marked for shared caching, from someone who is not signed in."""
    if scope["method"] != "GET" or carries_credential(scope):
        return False
    handler = scope.get("route_handler")
    return handler is not None and bool(handler.opt.get("shared_cache"))


def _kept_route(handler: Any) -> bool:
    """Whether a route's whole answer may be kept: marked ``catalogue_only`` (what it answers a
    reader without a credential is worked out from the catalogue alone) and public, since the
    layers a kept answer skips include the permission check."""
    return bool(handler.opt.get(CATALOGUE_ONLY)) and (
        declared_permission(handler) is Permission.PUBLIC
    )


def shared_cache(app: ASGIApp) -> ASGIApp:
    """Middleware for Litestar's ``middleware=[...]``: validators, Cache-Control and 304.

    For a route marked ``catalogue_only`` the whole answer is also kept in the process's cache
    by path, query string and language, and given again from here: the layers inside this one
    (the request's connection, authentication, CSRF, permissions) and the handler have nothing
    to do for a reader without a credential that the kept answer does not already say. Layers
    outside (language, logging, allowed hosts) and the security headers still see every
    request."""

    # Each route's answer to _kept_route, worked out once (handlers live as long as the app).
    kept_routes: dict[int, bool] = {}

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not shareable(scope):
            await app(scope, receive, send)
            return
        handler = scope["route_handler"]
        kept = kept_routes.get(id(handler))
        if kept is None:
            kept = kept_routes[id(handler)] = _kept_route(handler)
        cache: PageCache | None = (
            getattr(scope["litestar_app"].state, "page_cache", None) if kept else None
        )
        if cache is not None and not cache.live:
            cache = None
        key: tuple[Any, ...] = ()
        generation = 0
        if cache is not None:
            key = ("answer", scope["path"], scope["query_string"], current_language())
            answer = cache.recall(key)
            if isinstance(answer, Answer):
                await _send_cached(scope, send, answer.start, answer.body)
                return
            generation = cache.generation
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    await send(message)
                return
            if start is None or start["status"] != 200:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = b"".join(chunks)
                if cache is not None:
                    cache.remember(key, generation, Answer(start, body))
                await _send_cached(scope, send, start, body)

        await app(scope, receive, buffered)

    return middleware


async def _send_cached(scope: Scope, send: Send, start: Message, body: bytes) -> None:
    headers = [
        (k, v)
        for k, v in start.get("headers", [])
        if k.lower() not in (b"etag", b"cache-control", b"vary", b"content-length")
    ]
    given = next((v for k, v in start.get("headers", []) if k.lower() == b"etag"), None)
    etag = given or etag_of(body)
    headers += [(b"etag", etag), (b"cache-control", CACHE_CONTROL), (b"vary", VARY)]
    asked = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
    if asked is not None and _matches(asked, etag):
        kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Answer(NamedTuple):
    """A whole answer as the handler gave it (before this layer's validators)."""

    start: Message
    body: bytes


class Cached(msgspec.Struct, frozen=True):
    body: bytes
    media_type: str
    etag: bytes


class PageCache:
    """Rendered bodies by key, at most ``size`` of them, least recently used out first; also
    facts derived from the catalogue alone (``recall``/``remember``, e.g. the version a
    submission goes to), which the same notices invalidate."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.live = False
        self.generation = 0
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[Any, ...]) -> Cached | None:
        found = self.recall(key)
        return found if isinstance(found, Cached) else None

    def put(self, key: tuple[Any, ...], generation: int, body: bytes, media_type: str) -> Cached:
        cached = Cached(body, media_type, etag_of(body))
        self.remember(key, generation, cached)
        return cached

    def recall(self, key: tuple[Any, ...]) -> Any | None:
        """What ``remember`` kept under ``key`` since the catalogue last changed, or None."""
        if not self.live:
            return None
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def remember(self, key: tuple[Any, ...], generation: int, value: Any) -> None:
        """Keep ``value`` (not None), worked out from the catalogue as it was at ``generation``;
        nothing is kept when the catalogue changed since (or the cache is off)."""
        if self.live and generation == self.generation and self.size > 0:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def invalidate(self) -> None:
        self.generation += 1
        self._entries.clear()


def page_cache(request: Request[Any, Any, Any]) -> PageCache | None:
    """The process's cache, when this request may use it (no credential)."""
    if carries_credential(request.scope):
        return None
    return getattr(request.app.state, "page_cache", None)


def render(request: Request[Any, Any, Any], template: str, context: dict[str, Any]) -> bytes:
    """A page as Litestar's Template response renders it, for a visitor without a session
    (no CSRF token on the page)."""
    engine = request.app.template_engine
    assert engine is not None  # the app always has one
    page = engine.get_template(template).render(
        **context, request=request, csrf_input='<input type="hidden" name="_csrf_token" value="" />'
    )
    return page.encode()


async def _listen(app: Litestar, url: str, cache: PageCache) -> None:
    """Keep a LISTEN connection open for as long as the app runs; the cache is live only while
    it is."""

    def changed(*_: object) -> None:
        cache.invalidate()

    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(
                url, timeout=5, server_settings={"application_name": LISTENER_NAME}
            )
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _, lost=lost: lost.set())
            await conn.add_listener(CATALOGUE_CHANGED, changed)
            cache.invalidate()  # whatever was sent while no one listened
            cache.live = True
            while not lost.is_set():
                with suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), KEEPALIVE_SECONDS)
                if not lost.is_set():
                    await still_there(conn, 5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("cache listener lost", extra={"error": type(exc).__name__})
        finally:
            cache.live = False
            cache.invalidate()
            if conn is not None and not conn.is_closed():
                conn.terminate()
        await asyncio.sleep(RECONNECT_SECONDS)


def invalidation_lifespan(size: int, url: Callable[[Litestar], str | None]) -> Callable[..., Any]:
    """Lifespan: the process's PageCache (``app.state.page_cache``) and its listener."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        cache = PageCache(size)
        app.state.page_cache = cache
        where = url(app)
        task = None
        if size > 0 and where is not None:
            task = asyncio.create_task(_listen(app, where, cache), name="cache listener")
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    return lifespan
