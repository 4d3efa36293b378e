"""The return path after signing in is a path on this site, or the start page: never a way to
send someone to another site (an open redirect)."""

from __future__ import annotations

import pytest

from medskapa.web.return_to import START, requested_path, safe_return, with_return

# Values an attacker would put in ?tillbaka=..., as the app receives them (the query already
# decoded once by the framework).
ATTACKS = [
    "https://evil.example",
    "http://evil.example/",
    "//evil.example",
    "//evil.example/mina-uppgifter",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/%2Fevil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "%252F%252Fevil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    " //evil.example",
    "\x00/moderering",
    "/moderering\r\nSet-Cookie: x=1",
    "/mod\u00e9rering",
    "///evil.example",
    "evil.example",
    "",
    "/" + "a" * 2048,
]


@pytest.mark.parametrize("value", ATTACKS)
def test_anything_but_a_local_path_gives_the_start_page(value: str) -> None:
    assert safe_return(value) == START


@pytest.mark.parametrize("value", [None, 42, ["/moderering"], b"/moderering"])
def test_a_value_that_is_not_text_gives_the_start_page(value: object) -> None:
    assert safe_return(value) == START


@pytest.mark.parametrize(
    "value",
    [
        "/moderering",
        "/arbetsgrupp/nag-hjartsvikt/inkorg?status=routed&q=tr%C3%B6tt",
        "/kunskapsstod/hj%C3%A4rtsvikt",
        "/remisser/3",
        "/admin",
        "/",
    ],
)
def test_a_local_path_is_kept(value: str) -> None:
    assert safe_return(value) == value


@pytest.mark.parametrize("value", ["/logga-in", "/logga-in/kod?x=1", "/logga-ut"])
def test_the_sign_in_pages_are_no_place_to_go_back_to(value: str) -> None:
    assert safe_return(value) == START


def test_the_requested_path_is_the_raw_one_with_its_query() -> None:
    scope = {"raw_path": b"/kunskapsstod/hj%C3%A4rtsvikt", "query_string": b"a=1&b=%2F"}
    assert requested_path(scope) == "/kunskapsstod/hj%C3%A4rtsvikt?a=1&b=%2F"
    assert requested_path({"path": "/moderering", "query_string": b""}) == "/moderering"


def test_a_link_carries_the_return_path_encoded_and_only_a_safe_one() -> None:
    assert with_return("/logga-in/kod", "/moderering?a=1") == (
        "/logga-in/kod?tillbaka=%2Fmoderering%3Fa%3D1"
    )
    assert with_return("/logga-in/kod", "//evil.example") == "/logga-in/kod"
    assert with_return("/logga-in/kod", START) == "/logga-in/kod"
