"""Finds what looks like personal data in free text, so that the submitter can remove it
before sending and the moderator sees it highlighted.

Findings carry the kind and the character span, never the matched value: they are stored
beside the text for moderators and must not become a second copy of the data.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

import msgspec
import phonenumbers
from stdnum import luhn
from stdnum.se import personnummer


class FindingKind(StrEnum):
    PERSONAL_IDENTITY_NUMBER = "personal_identity_number"
    COORDINATION_NUMBER = "coordination_number"
    PHONE_NUMBER = "phone_number"
    EMAIL_ADDRESS = "email_address"
    STREET_ADDRESS = "street_address"


class Finding(msgspec.Struct, frozen=True, order=True):
    start: int
    end: int
    kind: FindingKind


# 6 or 8 digits of date, an optional separator, 4 digits; not glued to other digits.
_IDENTITY_NUMBER = re.compile(r"(?<![\d-])(\d{6}|\d{8})([-+ ]?)(\d{4})(?![\d])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_STREET_SUFFIXES = (
    "gatan|gata|vägen|väg|gränd|stigen|stig|torget|torg|allén|backen|plan|leden|"
    "liden|höjden|slingan|vägen|platsen|parken|kajen|strand|stråket"
)
_STREET = re.compile(
    rf"\b[A-ZÅÄÖ][a-zåäöé]+(?:{_STREET_SUFFIXES})\s+\d{{1,4}}\s?[A-Za-z]?\b"
    r"|\b\d{3}\s?\d{2}\s+[A-ZÅÄÖ][a-zåäö]+\b",
)


# No number phonenumbers takes as valid has fewer digits than this, country code included (the
# shortest anywhere have six; tests/feedback check it against the library's metadata). A text
# with fewer digits is not handed to its matcher, the dearest part of the search by far, and
# most feedback has none.
PHONE_MIN_DIGITS = 5
_DIGIT = re.compile(r"\d")


def _identity_kind(date_digits: str, separator: str, serial: str) -> FindingKind | None:
    ten = date_digits[-6:] + serial
    if not luhn.is_valid(ten):
        return None
    day = int(date_digits[-2:])
    if day > 60:
        # A leap year stands in for an unknown century, so 29 February passes.
        year = int(date_digits[:4]) if len(date_digits) == 8 else 2000
        try:
            dt.date(year, int(date_digits[-4:-2]), day - 60)
        except ValueError:
            return None
        return FindingKind.COORDINATION_NUMBER
    candidate = f"{date_digits}{separator if separator in '-+' else '-'}{serial}"
    return FindingKind.PERSONAL_IDENTITY_NUMBER if personnummer.is_valid(candidate) else None


def find_personal_data(text: str) -> list[Finding]:
    findings: set[Finding] = set()
    # What each kind cannot be without (digits, an at sign) is looked for first: most feedback
    # has neither, and the searches themselves are far dearer than these looks.
    digits = len(_DIGIT.findall(text))
    if digits >= 10:
        for match in _IDENTITY_NUMBER.finditer(text):
            kind = _identity_kind(match[1], match[2], match[3])
            if kind is not None:
                findings.add(Finding(match.start(), match.end(), kind))
    if "@" in text:
        for match in _EMAIL.finditer(text):
            findings.add(Finding(match.start(), match.end(), FindingKind.EMAIL_ADDRESS))
    if digits:
        for match in _STREET.finditer(text):
            findings.add(Finding(match.start(), match.end(), FindingKind.STREET_ADDRESS))
    if digits < PHONE_MIN_DIGITS:
        return sorted(findings)
    taken = [(f.start, f.end) for f in findings]
    for match in phonenumbers.PhoneNumberMatcher(text, "SE", phonenumbers.Leniency.VALID):
        # An identity number can also parse as a phone number; the stronger finding wins.
        if any(start < match.end and match.start < end for start, end in taken):
            continue
        findings.add(Finding(match.start, match.end, FindingKind.PHONE_NUMBER))
    return sorted(findings)
