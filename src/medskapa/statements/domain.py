"""Pure rules for input rounds and joint statements: members give their input inside the
organisation, coordinators write it into a statement, other verified organisations co-sign, and
the sent statement becomes one feedback item."""

from __future__ import annotations

from enum import StrEnum

TITLE_MAX = 200
HEADING_MAX = 200
SECTION_BODY_MAX = 5000
# A submitted statement becomes one feedback item, whose text holds at most this much.
STATEMENT_MAX = 5000


class StatementStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


def compose_statement(sections: list[tuple[str, str]]) -> str:
    """The text of the feedback item a statement becomes: each section as heading and body."""
    parts = [f"{heading}\n\n{body}".strip() for heading, body in sections if body.strip()]
    return "\n\n".join(parts)


def may_cosign(*, verified: bool, owner: bool) -> bool:
    """Only another verified organisation lends its name to a statement."""
    return verified and not owner
