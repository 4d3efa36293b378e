"""Second-factor secrets at rest, TOTP time steps and the login device cookie: the pure and
cryptographic parts of signing in, kept apart from the account use cases (accounts/service.py)
that call them."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import asyncpg
import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medskapa.ids import parse_id
from medskapa.security import queries
from medskapa.security.secrets import derive
from medskapa.settings import Settings

SECURE_DEVICE_COOKIE = "__Host-medskapa-device"
DEV_DEVICE_COOKIE = "medskapa_device"
DEVICE_VALID = dt.timedelta(days=180)


def _normal_code(code: str) -> bytes:
    return code.replace("-", "").strip().lower().encode()


class FactorBox:
    """Second-factor secrets at rest, under a key derived from MEDSKAPA_SECRET_KEY, which
    PostgreSQL never holds: TOTP secrets are encrypted (AES-GCM, bound to their user, so one
    account's secret copied into another's row does not open), recovery codes are stored as a
    keyed hash. A copy of the database alone yields neither (ASVS 2.6.3, 2.8.2)."""

    PREFIX = "v1:"

    def __init__(self, secret_key: str) -> None:
        key = derive(secret_key.encode(), "second-factor", b"")
        self._aead = AESGCM(key)
        self._code_key = derive(key, "recovery-code", b"")

    def seal(self, secret: str, user_id: int) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), f"totp:{user_id}".encode())
        return self.PREFIX + (nonce + sealed).hex()

    def open(self, stored: str | None, user_id: int) -> str | None:
        """The secret, or None when there is none or it does not open (tampered, moved from
        another account). A secret stored before encryption came in is read as it is until
        `seal_plain_secrets` (run by `medskapa serve` and `db migrate`) has sealed it."""
        if stored is None or not stored.startswith(self.PREFIX):
            return stored
        try:
            raw = bytes.fromhex(stored[len(self.PREFIX) :])
            return self._aead.decrypt(raw[:12], raw[12:], f"totp:{user_id}".encode()).decode()
        except (ValueError, InvalidTag):
            return None

    def code_hash(self, code: str, salt: bytes | None = None) -> bytes:
        """A random 32-bit salt of the code's own and a keyed hash of salt and code (ASVS
        2.6.2: the same code has another hash in every account, and without the key none can
        be tried at all). Recovery codes made before the key (plain SHA-256) no longer work:
        moving the factor to a new app gives new ones."""
        salt = secrets.token_bytes(4) if salt is None else salt
        return salt + hmac.new(self._code_key, salt + _normal_code(code), hashlib.sha256).digest()

    def code_matches(self, code: str, stored: bytes) -> bool:
        return len(stored) == 36 and hmac.compare_digest(self.code_hash(code, stored[:4]), stored)


async def seal_plain_secrets(conn: asyncpg.Connection, box: FactorBox) -> int:
    """Seal TOTP secrets stored before encryption came in, and drop unconfirmed plain ones."""
    await queries.drop_plain_pending_secrets(conn)
    rows = await queries.plain_totp_secrets(conn)
    for row in rows:
        await queries.set_totp_secret(conn, row["id"], box.seal(row["totp_secret"], row["id"]))
    return len(rows)


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The TOTP time step (now, or one step either side for clock drift) whose code this is."""
    totp = pyotp.TOTP(secret)
    code = code.replace(" ", "").strip()
    if len(code) != totp.digits or not (code.isascii() and code.isdigit()):
        return None
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def device_cookie(secret: bytes, user_id: int, now: dt.datetime) -> str:
    body = f"{user_id}.{int(now.timestamp())}.{secrets.token_hex(8)}"
    return f"{body}.{derive(secret, 'login-device', body).hex()[:32]}"


def device_of(secret: bytes, value: str | None, now: dt.datetime) -> tuple[int, bytes] | None:
    """(user id, a key for counting this device's failures) of a valid device cookie."""
    if not value or len(value) > 100:
        return None
    body, _, mac = value.rpartition(".")
    parts = body.split(".")
    if len(parts) != 3 or parse_id(parts[0]) is None or parse_id(parts[1]) is None:
        return None
    # Bytes, not str: compare_digest refuses str with characters outside ASCII, and the
    # browser may send any.
    expected = derive(secret, "login-device", body).hex()[:32]
    if not hmac.compare_digest(expected.encode(), mac.encode()):
        return None
    issued = dt.datetime.fromtimestamp(int(parts[1]), dt.UTC)
    if now - issued > DEVICE_VALID:
        return None
    return int(parts[0]), derive(secret, "login-device-key", body)


def device_cookie_name(settings: Settings) -> str:
    """The login device cookie's name (the cookie page lists it too)."""
    return DEV_DEVICE_COOKIE if settings.dev_insecure_cookies else SECURE_DEVICE_COOKIE
