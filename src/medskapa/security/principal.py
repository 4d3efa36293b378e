"""Who is making a request: an anonymous visitor or a signed-in user with roles."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Role(StrEnum):
    PATIENT = "patient"
    MODERATOR = "moderator"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    user_id: int | None = None
    email: str = ""
    role: Role | None = None
    groups: dict[int, str] = {}
    """Subject group id → "member" or "lead"."""
    organisations: dict[int, str] = {}
    """Organisation id → "member" or "coordinator"."""
    second_factor: bool = False
    via_token: bool = False
    session_hash: bytes | None = None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        """Staff handle other people's text: moderators, admins and subject group members."""
        return self.role in STAFF_ROLES or bool(self.groups)

    @property
    def pseudonym(self) -> str:
        """How the audit trail names this actor: an id, never an address."""
        return f"user:{self.user_id}" if self.user_id is not None else "anonymous"


ANONYMOUS = Principal()
