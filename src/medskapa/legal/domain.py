"""The pure rules for an accessibility report (what it may contain) and for the admins' answer
to one."""

from __future__ import annotations

import msgspec

from medskapa.errors import FieldError
from medskapa.feedback.domain import InvalidText, clean_email, clean_text
from medskapa.feedback.lifecycle import ANSWER_MAX, ANSWER_MIN

PROBLEM_MAX = 5000
PAGE_MAX = 500


class ReportInput(msgspec.Struct, frozen=True, kw_only=True):
    problem: str
    page: str = ""
    email: str = ""
    language: str = "sv"


class CleanReport(msgspec.Struct, frozen=True, kw_only=True):
    problem: str
    page: str
    email: str | None
    language: str


def check_report(data: ReportInput) -> tuple[CleanReport | None, list[FieldError]]:
    """The report as it is stored, or the errors beside each field."""
    errors: list[FieldError] = []
    problem = page = ""
    email: str | None = None
    try:
        problem = clean_text(data.problem)
    except InvalidText:
        errors.append(FieldError("problem", "control"))
    else:
        if not problem:
            errors.append(FieldError("problem", "problem_required"))
        elif len(problem) > PROBLEM_MAX:
            errors.append(FieldError("problem", "problem_too_long"))
    try:
        page = clean_text(data.page, multiline=False)
    except InvalidText:
        errors.append(FieldError("page", "control"))
    else:
        if len(page) > PAGE_MAX:
            errors.append(FieldError("page", "page_too_long"))
    if data.email.strip():
        try:
            email = clean_email(data.email)
        except InvalidText:
            errors.append(FieldError("email", "email_format"))
    if errors:
        return None, errors
    language = data.language if data.language in ("sv", "en") else "sv"
    return CleanReport(problem=problem, page=page, email=email, language=language), []


def check_answer(text: str) -> tuple[str | None, FieldError | None]:
    """The admins' answer to a site item as it is stored, or the error beside its field: the
    same bounds as a group's answer (medskapa.feedback.lifecycle)."""
    try:
        cleaned = clean_text(text)
    except InvalidText:
        return None, FieldError("answer", "control")
    if not cleaned:
        return None, FieldError("answer", "answer_required")
    if len(cleaned) < ANSWER_MIN:
        return None, FieldError("answer", "answer_too_short")
    if len(cleaned) > ANSWER_MAX:
        return None, FieldError("answer", "answer_too_long")
    return cleaned, None
