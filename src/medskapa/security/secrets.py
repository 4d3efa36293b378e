"""Per-installation secrets kept in PostgreSQL, created by whichever process needs one first."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import asyncpg

from medskapa.security import queries

RECEIPT_KEY = "receipt_key"
OUTBOX_KEY = "outbox_key"
"""Keys the Message-ID of outbox e-mail (outbox/relay.py)."""


async def instance_secret(conn: asyncpg.Connection, name: str) -> bytes:
    return await queries.instance_secret(conn, name, secrets.token_bytes(32))


def derive(key: bytes, purpose: str, value: str | bytes) -> bytes:
    """A keyed hash of ``value`` for one ``purpose``; different purposes never collide."""
    data = value.encode() if isinstance(value, str) else value
    return hmac.new(key, purpose.encode() + b"\x00" + data, hashlib.sha256).digest()
