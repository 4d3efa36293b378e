from __future__ import annotations

import datetime as dt

from medskapa.consultations import domain

UTC = dt.UTC


def test_reminders_fall_in_the_last_three_days() -> None:
    opens = dt.datetime(2026, 3, 1, tzinfo=UTC)
    closes = dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert not domain.needs_reminder(closes - dt.timedelta(days=3, seconds=1), opens, closes)
    assert domain.needs_reminder(closes - dt.timedelta(days=3), opens, closes)
    assert not domain.needs_reminder(closes, opens, closes)
