"""The check that an English page says nothing in Swedish catches what it should."""

from __future__ import annotations

from tests.i18n_check import swedish_left


def test_a_catalogue_message_left_in_swedish_is_found() -> None:
    assert swedish_left('<html lang="en"><p>Hoppa till innehållet</p></html>')


def test_an_unmarked_swedish_sentence_is_found() -> None:
    assert swedish_left('<html lang="en"><p>Det här är en mening som ingen har översatt.</p>')
    assert swedish_left('<html lang="en"><button aria-label="Stäng och gå vidare">x</button>')
    assert swedish_left('<html lang="en"><p>Skriv kod eller e-post</p></html>')


def test_swedish_marked_as_such_and_english_pass() -> None:
    assert (
        swedish_left(
            '<html lang="en"><p>Skip to content</p>'
            '<article lang="sv"><h1>Hjärtsvikt och behandling</h1></article>'
            "<p>call 1177 or turn to the patient advisory committee (patientnämnden)</p></html>"
        )
        == []
    )
