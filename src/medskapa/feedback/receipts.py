"""Receipt codes: 80 random bits a person can read aloud, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Crockford's base32: no I, L, O or U, so nothing is mistaken for 1, 0 or a rude word.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 16  # 16 x 5 bits = 80 bits
GROUP = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_receipt_code() -> str:
    number = int.from_bytes(secrets.token_bytes(CODE_CHARS * 5 // 8))
    raw = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(CODE_CHARS)))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_CHARS, GROUP))


# What a typed code may look like, as a regular expression for the API schema: 16 characters of
# the alphabet (either case, with O, I and L read as 0 and 1), spaces or hyphens anywhere.
_TYPED = "".join(sorted(set(ALPHABET + ALPHABET.lower() + "OoIiLl")))
CODE_PATTERN = rf"^[\s-]*(?:[{_TYPED}][\s-]*){{{CODE_CHARS}}}$"


def normalise(code: str) -> str | None:
    """The canonical form of what a person typed, or None if it cannot be a code."""
    compact = "".join(code.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != CODE_CHARS or any(c not in ALPHABET for c in compact):
        return None
    return "-".join(compact[i : i + GROUP] for i in range(0, CODE_CHARS, GROUP))


def receipt_hash(key: bytes, code: str) -> bytes:
    return hmac.new(key, code.encode(), hashlib.sha256).digest()
