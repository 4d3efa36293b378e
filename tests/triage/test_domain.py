"""Pure inbox rules: filters from a query string, cursors, and where a quoted passage went."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from medskapa.errors import Invalid
from medskapa.triage.domain import (
    Assignee,
    Cursor,
    InboxFilter,
    PassageState,
    Sort,
    decode_cursor,
    encode_cursor,
    filter_params,
    highlight,
    parse_filter,
    passage_state,
)


def unmet(raw: dict[str, str | None]) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        parse_filter(raw)
    return [(u.field, u.code) for u in caught.value.errors]


def test_empty_values_mean_no_filter() -> None:
    assert parse_filter({"status": "", "q": "   ", "theme": None}) == InboxFilter()


def test_every_filter_is_read() -> None:
    cursor = Cursor(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC), uuid.uuid4())
    parsed = parse_filter(
        {
            "status": "in_review",
            "document": "hjartsvikt-nyupptackt",
            "section": "3.2-behandling",
            "category": "suggestion",
            "theme": "12",
            "assignee": "me",
            "older_than_days": "14",
            "urgent": "ja",
            "q": "  trötthet   och  andfåddhet ",
            "sort": "oldest",
            "after": encode_cursor(cursor),
        }
    )
    assert parsed.status == "in_review"
    assert parsed.assignee is Assignee.ME
    assert parsed.query == "trötthet och andfåddhet"
    assert parsed.sort is Sort.OLDEST
    assert parsed.after == cursor
    assert parsed.urgent
    assert filter_params(parsed) == {
        "status": "in_review",
        "document": "hjartsvikt-nyupptackt",
        "section": "3.2-behandling",
        "category": "suggestion",
        "theme": "12",
        "assignee": "me",
        "older_than_days": "14",
        "q": "trötthet och andfåddhet",
        "urgent": "ja",
        "sort": "oldest",
    }
    assert parse_filter({"assignee": "42"}).assignee == 42


def test_each_bad_value_is_named() -> None:
    assert unmet(
        {
            "status": "received",  # not in a group's inbox
            "document": "Hjärtsvikt!",
            "section": "behandling",
            "category": "x",
            "theme": "-1",
            "assignee": "anna@region.se",
            "older_than_days": "99999",
            "urgent": "kanske",
            "q": "a\x00b",
            "sort": "random",
            "after": "!!",
        }
    ) == [
        ("status", "unknown_status"),
        ("document", "unknown_document"),
        ("section", "unknown_section"),
        ("category", "choose_one"),
        ("theme", "unknown_theme"),
        ("assignee", "unknown_assignee"),
        ("older_than_days", "days_out_of_range"),
        ("urgent", "choose_one"),
        ("q", "nul"),
        ("sort", "choose_one"),
        ("after", "cursor_invalid"),
    ]
    assert unmet({"q": "x" * 201}) == [("q", "query_too_long")]


def test_cursors_survive_the_round_trip_and_forgeries_are_refused() -> None:
    cursor = Cursor(dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC), uuid.uuid4())
    assert decode_cursor(encode_cursor(cursor)) == cursor
    for forged in ("", "e30", encode_cursor(cursor)[:-3], "WyIyMDI2LTAxLTAyVDAzOjA0OjA1IiwieCJd"):
        with pytest.raises(Invalid):
            decode_cursor(forged)


SECTION = "Vid misstanke om hjärtsvikt bör NT-proBNP analyseras tidigt. Ett normalt värde gör\n"
SECTION += "hjärtsvikt osannolik."


def test_where_a_quoted_passage_is_in_the_current_version() -> None:
    quote = "NT-proBNP analyseras tidigt"
    assert passage_state(None, None, {}) == (PassageState.NO_QUOTE, None)
    assert passage_state(quote, "3-utredning", {"3-utredning": SECTION}) == (
        PassageState.PRESENT,
        "3-utredning",
    )
    assert passage_state(quote, "3-utredning", {"3-utredning": "Ny text.", "4-prov": SECTION}) == (
        PassageState.MOVED,
        "4-prov",
    )
    assert passage_state(quote, "3-utredning", {"3-utredning": "Ny text."}) == (
        PassageState.GONE,
        None,
    )


def test_highlight_splits_the_section_around_the_passage() -> None:
    assert highlight(SECTION, "normalt värde gör hjärtsvikt") == (
        "Vid misstanke om hjärtsvikt bör NT-proBNP analyseras tidigt. Ett ",
        "normalt värde gör hjärtsvikt",
        " osannolik.",
    )
    assert highlight(SECTION, "finns inte") is None
