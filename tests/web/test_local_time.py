"""Times on staff pages: on Sweden's clock, summer and winter, and saying so."""

from __future__ import annotations

import datetime as dt

import pytest

from medskapa.web.templating import local_time, swedish_date


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        # Winter: UTC+1.
        (utc(2026, 12, 2, 13, 5), "2 december 2026 kl. 14.05 (svensk tid)"),
        # Summer time begins 29 March 2026 at 01.00 UTC: the clock jumps from 02.00 to 03.00.
        (utc(2026, 3, 29, 0, 59), "29 mars 2026 kl. 01.59 (svensk tid)"),
        (utc(2026, 3, 29, 1, 0), "29 mars 2026 kl. 03.00 (svensk tid)"),
        # Summer: UTC+2.
        (utc(2026, 7, 1, 22, 30), "2 juli 2026 kl. 00.30 (svensk tid)"),
        # Summer time ends 25 October 2026 at 01.00 UTC: 03.00 becomes 02.00 again.
        (utc(2026, 10, 25, 0, 59), "25 oktober 2026 kl. 02.59 (svensk tid)"),
        (utc(2026, 10, 25, 1, 0), "25 oktober 2026 kl. 02.00 (svensk tid)"),
        # New Year's Eve in UTC is already New Year's Day in Sweden.
        (utc(2026, 12, 31, 23, 30), "1 januari 2027 kl. 00.30 (svensk tid)"),
    ],
)
def test_a_moment_is_shown_on_swedish_time_and_says_so(moment: dt.datetime, shown: str) -> None:
    assert local_time(moment, "long") == shown


def test_the_time_alone_says_its_clock_too() -> None:
    assert local_time(utc(2026, 3, 29, 1, 15), "time") == "kl. 03.15 (svensk tid)"
    assert local_time(utc(2026, 3, 28, 1, 15), "time") == "kl. 02.15 (svensk tid)"


def test_nothing_is_shown_for_no_time() -> None:
    assert local_time(None, "long") == ""


def test_a_strftime_pattern_still_works_and_is_converted() -> None:
    assert local_time(utc(2026, 6, 30, 22, 30), "%Y-%m-%d") == "2026-07-01"


def test_a_date_of_a_moment_is_the_swedish_date() -> None:
    # 23.30 UTC on 30 June is 01.30 on 1 July in Sweden.
    assert swedish_date(utc(2026, 6, 30, 23, 30)) == "1 juli 2026"
    assert swedish_date(dt.date(2026, 6, 30)) == "30 juni 2026"
