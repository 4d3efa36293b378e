from __future__ import annotations

from medskapa.statements import domain


def test_a_statement_reads_as_headed_sections() -> None:
    text = domain.compose_statement(
        [("Inledning", "Vi välkomnar."), ("Tomt", "  "), ("Rehab", "Tidigt.")]
    )
    assert text == "Inledning\n\nVi välkomnar.\n\nRehab\n\nTidigt."


def test_only_other_verified_organisations_cosign() -> None:
    assert domain.may_cosign(verified=True, owner=False)
    assert not domain.may_cosign(verified=False, owner=False)
    assert not domain.may_cosign(verified=True, owner=True)
