"""Password hashing (argon2id) and the password rules (NIST SP 800-63B).

Rules: a length range, no composition rules, and refusal of common or breached passwords
(zxcvbn's list of the 30,000 most common passwords, plus a short Swedish list of our own), of
passwords built from the account's own e-mail address, and of passwords that are easy to guess
by their shape: zxcvbn's strength estimate, told our Swedish words and the address, must reach
MIN_SCORE, so "Sommar2024!" or "Password123!" (a common word, a year, a sign) are refused.
"""

from __future__ import annotations

import asyncio
import functools
import re
import unicodedata
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's argon2id recommendation is m=19 MiB, t=2, p=1; we use more memory and time.
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)

STAFF_MIN = 15
# OWASP ASVS 4.0.3 V2.1.1: at least 12 characters (runs of spaces count as one).
PATIENT_MIN = 12
MAX_LENGTH = 128
# zxcvbn's scale: 3 is "safely unguessable" (about 10^8 guesses and more).
MIN_SCORE = 3
ZXCVBN_MAX = 72


class PasswordRejected(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@functools.cache
def swedish_words() -> tuple[str, ...]:
    swedish = Path(__file__).with_name("common_passwords_sv.txt").read_text(encoding="utf-8")
    return tuple(dict.fromkeys(w.strip().lower() for w in swedish.splitlines() if w.strip()))


@functools.cache
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(swedish_words())


def guessable(password: str, email: str) -> bool:
    from zxcvbn import zxcvbn

    hints = [*swedish_words(), *email.lower().replace("@", ".").split("."), "medskapa"]
    # zxcvbn refuses to score more than ZXCVBN_MAX characters (it grows too slow): a password
    # whose first 72 characters are hard to guess is no easier for being longer.
    return zxcvbn(password[:ZXCVBN_MAX], user_inputs=hints)["score"] < MIN_SCORE


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_password(password: str, *, staff: bool, email: str = "") -> str:
    """The password to hash (NFKC-normalised), or ``PasswordRejected`` with a code."""
    password = _normalise(password)
    if len(re.sub(" {2,}", " ", password)) < (STAFF_MIN if staff else PATIENT_MIN):
        raise PasswordRejected("password_too_short")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected("password_too_long")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        raise PasswordRejected("password_common")
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        raise PasswordRejected("password_like_email")
    if guessable(password, email):
        raise PasswordRejected("password_guessable")
    return password


async def hash_password(password: str) -> str:
    # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
    return await asyncio.to_thread(HASHER.hash, _normalise(password))


async def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the parameters changed since this one was made)."""

    def verify() -> tuple[bool, str | None]:
        try:
            HASHER.verify(password_hash, _normalise(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, None
        if HASHER.check_needs_rehash(password_hash):
            return True, HASHER.hash(_normalise(password))
        return True, None

    return await asyncio.to_thread(verify)


# Verifying against this when an account does not exist takes as long as a real check, so
# response times do not tell whether an address has an account. Made once with HASHER (same
# parameters, so the same cost) and written here: hashing it at import cost every process
# that imports this module ~0.25 s of CPU (each server start and each `medskapa` command).
# tests/security/test_asvs.py checks that its parameters are HASHER's.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=1$T1H3JRQFdsuhG8hB69JE6Q$ql8BrOG796uusQsvfSjeKZzOJgj7BPz8onY4QQH5k3Y"
