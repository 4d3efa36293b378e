"""The audit trail's keys, and how a connection carries them to ``audit.record``.

Both keys are derived from ``MEDSKAPA_SECRET_KEY``, which PostgreSQL never holds: someone who
can write the database but does not have the secret cannot make an event (or a chain) that
verifies, and cannot sign a checkpoint line.

Every connection that may write audit events is bound to the keys once, where it is made: the
pool's ``set_up`` (``binder`` below, which app.py hands to ``db.pool.create_pool``), the CLI's
connections, the tests' ``conn``. Services keep taking just a connection; an unbound one fails
loudly instead of writing an event nobody can verify.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from medskapa.security.secrets import derive


class AuditKeyMissing(RuntimeError):
    """A connection without audit keys was asked to write or check the trail (a wiring bug)."""


class AuditKeys:
    """``chain`` keys every event's hash; ``checkpoint`` signs the checkpoint lines."""

    __slots__ = ("chain", "checkpoint")

    def __init__(self, chain: bytes, checkpoint: bytes) -> None:
        self.chain = chain
        self.checkpoint = checkpoint

    @classmethod
    def from_secret(cls, secret_key: str) -> AuditKeys:
        secret = secret_key.encode()
        return cls(derive(secret, "audit-chain", b""), derive(secret, "audit-checkpoint", b""))

    def __repr__(self) -> str:  # never the keys themselves, e.g. in a traceback
        return "AuditKeys(...)"


_bound: weakref.WeakKeyDictionary[asyncpg.Connection, AuditKeys] = weakref.WeakKeyDictionary()


def _raw(conn: asyncpg.Connection) -> asyncpg.Connection:
    # A pooled connection is handed out wrapped in a new proxy on every acquire; the keys are
    # bound to the connection inside, which the pool's init saw and which outlives the proxies.
    if isinstance(conn, PoolConnectionProxy):
        return conn._con  # type: ignore[attr-defined]
    return conn


def bind(conn: asyncpg.Connection, keys: AuditKeys) -> None:
    _bound[_raw(conn)] = keys


def binder(secret_key: str | None) -> Callable[[asyncpg.Connection], None] | None:
    """For a pool's ``set_up``: bind every new connection to the keys derived from
    ``secret_key``; None without a key (such a pool cannot write the trail)."""
    if not secret_key:
        return None
    keys = AuditKeys.from_secret(secret_key)
    return lambda conn: bind(conn, keys)


def keys_for(conn: asyncpg.Connection) -> AuditKeys:
    raw = _raw(conn)
    keys = None if raw is None else _bound.get(raw)
    if keys is None:
        raise AuditKeyMissing(
            "this database connection has no audit keys; bind them where it is made "
            "(medskapa.audit.keys.bind)"
        )
    return keys
