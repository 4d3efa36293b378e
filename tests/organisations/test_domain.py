from __future__ import annotations

import datetime as dt

import pytest

from medskapa.feedback.domain import InvalidText
from medskapa.organisations import domain
from medskapa.organisations.domain import InvitationKind, InvitationState

UTC = dt.UTC


@pytest.mark.parametrize(
    ("day", "ends"),
    [
        # Winter time (CET, UTC+1) and summer time (CEST, UTC+2) either side of both changes.
        (dt.date(2026, 3, 28), dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
        (dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
        (dt.date(2026, 10, 24), dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
        (dt.date(2026, 10, 25), dt.datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),
    ],
)
def test_a_deadline_ends_at_midnight_in_stockholm(day: dt.date, ends: dt.datetime) -> None:
    assert domain.end_of_day(day) == ends
    assert domain.local_date(ends - dt.timedelta(microseconds=1)) == day


def test_the_day_of_the_spring_change_is_23_hours_long() -> None:
    day = dt.date(2026, 3, 29)
    assert domain.end_of_day(day) - domain.start_of_day(day) == dt.timedelta(hours=23)


def test_open_until_the_last_microsecond() -> None:
    closes = domain.end_of_day(dt.date(2026, 3, 29))
    assert domain.is_open(closes - dt.timedelta(microseconds=1), closes)
    assert not domain.is_open(closes, closes)
    opens = domain.start_of_day(dt.date(2026, 3, 20))
    assert not domain.is_open(opens - dt.timedelta(seconds=1), closes, opens)


NOW = dt.datetime(2026, 3, 1, tzinfo=UTC)
LATER = NOW + dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("kind", "expires", "used", "revoked", "state"),
    [
        (InvitationKind.EMAIL, LATER, None, None, InvitationState.VALID),
        (InvitationKind.EMAIL, LATER, NOW, None, InvitationState.USED),
        (InvitationKind.EMAIL, NOW, None, None, InvitationState.EXPIRED),
        (InvitationKind.LINK, LATER, None, None, InvitationState.VALID),
        (InvitationKind.LINK, NOW, None, None, InvitationState.EXPIRED),
        (InvitationKind.LINK, LATER, None, NOW, InvitationState.REVOKED),
    ],
)
def test_invitation_states(
    kind: InvitationKind,
    expires: dt.datetime,
    used: dt.datetime | None,
    revoked: dt.datetime | None,
    state: InvitationState,
) -> None:
    assert domain.invitation_state(NOW, kind, expires, used, revoked) is state


def test_slugs_fold_swedish_letters() -> None:
    assert domain.slugify("Riksförbundet Hjärt & Lung") == "riksforbundet-hjart-lung"
    assert domain.slugify("!!!") == ""


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "title_required"),
        ("  ", "title_required"),
        ("x" * 11, "title_too_long"),
        ("a\x00", "nul"),
    ],
)
def test_checked_text_names_the_rule(value: str, code: str) -> None:
    with pytest.raises(InvalidText) as refused:
        domain.checked_text(value, "title", 10)
    assert refused.value.code == code
