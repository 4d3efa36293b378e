"""Idempotent requests: a retry with the same key gets the first answer and writes nothing.

The key is claimed inside the transaction that does the work, so a crash leaves no claim and
a concurrent retry waits on the first one's row lock. The stored answer is encrypted with a
key derived from the client's idempotency key, which is stored only as a keyed hash: the
receipt code inside the answer cannot be read from the database alone.
"""

from __future__ import annotations

import hashlib
import os

import asyncpg
import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medskapa.security import queries
from medskapa.security.secrets import derive

KEY_MAX = 255


class IdempotencyConflict(Exception):
    """The key was used before for a different request."""


class StoredAnswer(msgspec.Struct, frozen=True):
    status_code: int
    body: bytes


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= KEY_MAX and all(33 <= ord(c) <= 126 for c in key)


class Idempotency:
    def __init__(self, conn: asyncpg.Connection, secret: bytes, scope: str, key: str) -> None:
        self._conn = conn
        self._scope = scope
        self._key_hash = derive(secret, f"idempotency-id:{scope}", key)
        self._cipher = AESGCM(derive(secret, f"idempotency-enc:{scope}", key))

    async def claim(self, request_body: bytes) -> StoredAnswer | None:
        """Claim the key (inside the caller's transaction). Returns the stored answer when
        the same request was answered before; raises ``IdempotencyConflict`` when the key
        came with a different request."""
        request_hash = hashlib.sha256(request_body).digest()
        if await queries.claim_idempotency_key(
            self._conn, self._key_hash, self._scope, request_hash
        ):
            return None
        row = await queries.idempotent_answer(self._conn, self._key_hash)
        if row is None or row["request_hash"] != request_hash or row["response"] is None:
            raise IdempotencyConflict
        nonce, ciphertext = row["response"][:12], row["response"][12:]
        return StoredAnswer(row["status_code"], self._cipher.decrypt(nonce, ciphertext, None))

    async def store(self, status_code: int, body: bytes) -> None:
        nonce = os.urandom(12)
        await queries.store_idempotent_answer(
            self._conn, self._key_hash, status_code, nonce + self._cipher.encrypt(nonce, body, None)
        )
