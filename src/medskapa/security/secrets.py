"""Per-installation secrets kept in PostgreSQL, created by whichever process needs one first."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import asyncpg

RECEIPT_KEY = "receipt_key"
OUTBOX_KEY = "outbox_key"
"""Keys the Message-ID of outbox e-mail (outbox/relay.py)."""


async def instance_secret(conn: asyncpg.Connection, name: str) -> bytes:
    await conn.execute(
        "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        secrets.token_bytes(32),
    )
    return await conn.fetchval("SELECT value FROM instance_secrets WHERE name = $1", name)


def derive(key: bytes, purpose: str, value: str | bytes) -> bytes:
    """A keyed hash of ``value`` for one ``purpose``; different purposes never collide."""
    data = value.encode() if isinstance(value, str) else value
    return hmac.new(key, purpose.encode() + b"\x00" + data, hashlib.sha256).digest()
