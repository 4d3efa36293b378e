"""The inertness check itself: it must catch a page that renders a payload live."""

from __future__ import annotations

import html

import pytest

from tests.hostile.inert import PAYLOADS, assert_inert

PAGE = "<html><body><main><p>{}</p></main></body></html>"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaped_payload_passes(payload: str) -> None:
    assert_inert(PAGE.format(html.escape(payload)), PAGE.format("harmlös"), payload)


@pytest.mark.parametrize(
    "payload",
    [p for p in PAYLOADS if "<" in p and not p.startswith(("<!--", "</textarea"))],
)
def test_raw_payload_is_caught(payload: str) -> None:
    with pytest.raises(AssertionError):
        assert_inert(PAGE.format(payload), PAGE.format("harmlös"), payload)


def test_a_payload_that_is_not_shown_is_caught() -> None:
    with pytest.raises(AssertionError, match="not shown as typed"):
        assert_inert(PAGE.format("[borttaget]"), PAGE.format("harmlös"), "{{ 7*7 }}")


def test_evaluated_template_syntax_is_caught() -> None:
    with pytest.raises(AssertionError, match="not shown as typed"):
        assert_inert(PAGE.format("49"), PAGE.format("harmlös"), "{{ 7*7 }}")
