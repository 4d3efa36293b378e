"""Test data through the same code paths the app uses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from unittest import mock

import asyncpg
import pyotp
from litestar.testing import AsyncTestClient

from medskapa.accounts.admin import RoleChoice, create_user
from medskapa.accounts.service import AccountService
from medskapa.audit import service as audit
from medskapa.feedback.service import FeedbackService, SubmissionInput, Submitted
from medskapa.organisations.service import OrganisationService
from medskapa.security import passwords
from medskapa.security.factors import FactorBox
from medskapa.security.passwords import hash_password
from medskapa.security.principal import Principal
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from medskapa.security.sessions import create_session, load_session

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
FIXED_NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)


async def first_document(conn: asyncpg.Connection) -> tuple[str, str, str]:
    """(slug, current version label, first section key) of a published demo document."""
    row = await conn.fetchrow(
        "SELECT d.slug, cv.label, s.key FROM guidance_documents d "
        "JOIN current_versions cv ON cv.document_id = d.id "
        "JOIN sections s ON s.version_id = cv.version_id AND s.position = 1 "
        "WHERE d.status = 'published' ORDER BY d.slug LIMIT 1"
    )
    return row["slug"], row["label"], row["key"]


async def service(conn: asyncpg.Connection, now: dt.datetime = FIXED_NOW) -> FeedbackService:
    return FeedbackService(conn, lambda: now, await instance_secret(conn, RECEIPT_KEY))


async def make_feedback(
    conn: asyncpg.Connection,
    *,
    now: dt.datetime = FIXED_NOW,
    user_id: int | None = None,
    **overrides: Any,
) -> Submitted:
    """An item as the form sends it; ``user_id``: sent by that account, signed in."""
    slug, _, _ = await first_document(conn)
    values: dict[str, Any] = {
        "document": slug,
        "category": "hard_to_understand",
        "role": "patient",
        "text": "Avsnittet om uppföljning är svårt att förstå för mig som patient.",
    }
    values.update(overrides)
    return await (await service(conn, now)).submit(SubmissionInput(**values), user_id=user_id)


STAFF_PASSWORD = "sju sorters kakor till kaffet"
SESSION_COOKIE = "__Host-medskapa"
CSRF_COOKIE = "__Host-csrf"
HOST = "127.0.0.1"


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_follows_cookie(client: AsyncTestClient[Any]) -> None:
    """Like a browser on one of our pages: every request sends the CSRF token the browser
    holds now (after login, the session's) as htmx does, and an unsafe one says it comes from
    our own page (Origin, Sec-Fetch-Site), unless the test sends its own headers."""

    async def add_header(request: Any) -> None:
        if "x-csrf-token" not in request.headers:
            token = client.cookies.get(CSRF_COOKIE, domain=HOST)
            if token:
                request.headers["x-csrf-token"] = token
        if request.method in UNSAFE_METHODS and not {
            "origin",
            "sec-fetch-site",
            "referer",
        } & set(request.headers.keys()):
            # The page the browser is on is the site the request goes to.
            request.headers["origin"] = f"{request.url.scheme}://{request.url.netloc.decode()}"
            request.headers["sec-fetch-site"] = "same-origin"

    client.event_hooks["request"].append(add_header)


def _signed_in(client: AsyncTestClient[Any], token: str, csrf: str) -> None:
    client.cookies.set(SESSION_COOKIE, token, domain=HOST)
    client.cookies.set(CSRF_COOKIE, csrf, domain=HOST)


_FACTORY_HASHES: dict[str, str] = {}


async def _factory_hash(password: str) -> str:
    """One real argon2id hash per factory password, made once per test process. Hashing at
    production cost (64 MiB, 3 passes, ~0.2 s) for every user a test set up was most of the
    suite's fixture time. Only factory users share it: registration, login, password change
    and the storage tests go through ``hash_password`` as it is (tests/security/test_asvs.py
    checks that two accounts never share a salt)."""
    # Keyed by the hasher too: a test that runs with production's parameters gets its own.
    key = f"{id(passwords.HASHER)}:{password}"
    if key not in _FACTORY_HASHES:
        _FACTORY_HASHES[key] = await hash_password(password)
    return _FACTORY_HASHES[key]


async def _create_user(conn: asyncpg.Connection, **values: Any) -> int:
    """``create_user`` as `medskapa user create` runs it, with the factory's hash."""
    with mock.patch("medskapa.accounts.admin.hash_password", _factory_hash):
        return await create_user(conn, **values)


async def make_staff(
    conn: asyncpg.Connection,
    email: str,
    group: str | None = None,
    role: RoleChoice = RoleChoice.GROUP_MEMBER,
) -> int:
    """A staff user (by default a member of ``group``), created as `medskapa user` does."""
    return await _create_user(
        conn, email=email, password=STAFF_PASSWORD, role=role, now=FIXED_NOW, group=group
    )


async def enrol_totp(conn: asyncpg.Connection, user_id: int) -> str:
    """A confirmed TOTP factor, sealed as the enrolment page stores it; returns the secret the
    user's app holds."""
    secret = pyotp.random_base32()
    await conn.execute(
        "UPDATE users SET totp_secret = $2, totp_confirmed_at = now() WHERE id = $1",
        user_id,
        FactorBox(TEST_SECRET).seal(secret, user_id),
    )
    return secret


async def sign_in_staff(
    client: AsyncTestClient[Any], conn: asyncpg.Connection, user_id: int
) -> None:
    """Give the client a session that has passed the second factor, as after a TOTP login."""
    token, csrf = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=True)
    _signed_in(client, token, csrf)


async def api_token(conn: asyncpg.Connection, user_id: int) -> dict[str, str]:
    """Headers with a personal API token for the user, as made on the account page by a
    session that has passed the second factor."""
    accounts = AccountService(conn, lambda: FIXED_NOW, await instance_secret(conn, RECEIPT_KEY))
    principal = await principal_for(conn, user_id, second_factor=True)
    return {"Authorization": f"Bearer {await accounts.create_api_token(principal, 'test')}"}


async def route_to(
    conn: asyncpg.Connection, feedback_id: uuid.UUID, group: str, at: dt.datetime = FIXED_NOW
) -> None:
    """Approve a received item into a group's inbox the way moderation does: a row in
    feedback_routes, the item routed, and the audit event, in one transaction."""
    async with conn.transaction():
        status = await conn.fetchval(
            "SELECT status FROM feedback WHERE id = $1 FOR UPDATE", feedback_id
        )
        await conn.execute(
            "INSERT INTO feedback_routes (feedback_id, group_id, routed_at) "
            "SELECT $1, id, $3 FROM subject_groups WHERE slug = $2",
            feedback_id,
            group,
            at,
        )
        if status != "routed":
            await conn.execute(
                "UPDATE feedback SET status = 'routed', updated_at = $2 WHERE id = $1",
                feedback_id,
                at,
            )
            await audit.record(
                conn,
                at=at,
                actor="user:0",
                action="feedback.routed",
                subject_type="feedback",
                subject_id=str(feedback_id),
                from_state=status,
                to_state="routed",
            )


MEMBER_PASSWORD = "rabarber och vinbär i juli"


async def make_person(
    conn: asyncpg.Connection,
    email: str,
    *,
    organisation: str | None = None,
    role: RoleChoice = RoleChoice.PATIENT,
) -> int:
    """A non-staff account, optionally a member or coordinator of ``organisation``."""
    return await _create_user(
        conn,
        email=email,
        password=MEMBER_PASSWORD,
        role=role,
        now=FIXED_NOW,
        organisation=organisation,
    )


async def sign_in(client: AsyncTestClient[Any], conn: asyncpg.Connection, user_id: int) -> None:
    """Give the client a plain session, as after a password login."""
    token, csrf = await create_session(conn, user_id, dt.datetime.now(dt.UTC), second_factor=False)
    _signed_in(client, token, csrf)


async def principal_for(
    conn: asyncpg.Connection, user_id: int, *, second_factor: bool = False
) -> Principal:
    """The principal a request of this user would carry, loaded the way the app loads it."""
    now = dt.datetime.now(dt.UTC)
    token, _ = await create_session(conn, user_id, now, second_factor=second_factor)
    loaded = await load_session(conn, token, now)
    assert loaded is not None
    return loaded[0]


async def make_organisation(
    conn: asyncpg.Connection,
    name: str,
    coordinator_email: str,
    *,
    verified: bool = True,
    now: dt.datetime = FIXED_NOW,
) -> tuple[str, int]:
    """An organisation registered by its coordinator (a new account) and, by default, verified
    by an admin, through the organisation service. Returns (slug, coordinator's user id)."""
    coordinator = await make_person(conn, coordinator_email)
    organisations = OrganisationService(conn, lambda: now, await instance_secret(conn, RECEIPT_KEY))
    created = await organisations.create_organisation(
        await principal_for(conn, coordinator), name, f"{name} samlar patienter."
    )
    if verified:
        admin = await conn.fetchval("SELECT id FROM users WHERE role = 'admin' LIMIT 1")
        if admin is None:
            admin = await make_staff(
                conn, f"admin-{created.slug}@exempel.se", role=RoleChoice.ADMIN
            )
        await organisations.verify(
            await principal_for(conn, admin, second_factor=True), created.slug
        )
    return created.slug, coordinator
