"""Who is making a request: an anonymous visitor or a signed-in user with roles."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import msgspec


class Role(StrEnum):
    PATIENT = "patient"
    MODERATOR = "moderator"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})
# The roles in a subject group that act for it (answer, change status, assign, forward). A
# patient representative ("patient_representative") reads the inbox and writes notes only.
ANSWERING_GROUP_ROLES = frozenset({"member", "lead"})


class TokenFacts(msgspec.Struct, frozen=True):
    """The API token a request came with (no secret: the token itself is never kept)."""

    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    user_id: int | None = None
    email: str = ""
    role: Role | None = None
    groups: dict[int, str] = {}
    """Subject group id → "member", "lead" or "patient_representative"."""
    organisations: dict[int, str] = {}
    """Organisation id → "member" or "coordinator"."""
    second_factor: bool = False
    via_token: bool = False
    token: TokenFacts | None = None
    session_hash: bytes | None = None
    pending_user_id: int | None = None
    """Set, instead of ``user_id``, for a session that has passed the password but still needs
    the second factor: it is anonymous everywhere except on the second-step pages."""

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        """Staff handle other people's text: moderators, admins and subject group members."""
        return self.role in STAFF_ROLES or bool(self.groups)

    @property
    def answering_groups(self) -> frozenset[int]:
        """The groups this principal may act for, not only read."""
        return frozenset(g for g, role in self.groups.items() if role in ANSWERING_GROUP_ROLES)

    @property
    def pending(self) -> bool:
        return self.pending_user_id is not None

    @property
    def scope(self) -> dict[str, object]:
        """What this principal may do, as ids and role names: an API token stores the scope of
        the session that made it and stops working when the user's scope changes."""
        return {
            "role": str(self.role),
            "groups": {str(k): v for k, v in sorted(self.groups.items())},
            "organisations": {str(k): v for k, v in sorted(self.organisations.items())},
        }

    @property
    def pseudonym(self) -> str:
        """How the audit trail names this actor: an id, never an address."""
        return f"user:{self.user_id}" if self.user_id is not None else "anonymous"


ANONYMOUS = Principal()
