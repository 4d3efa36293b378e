"""Re-anchoring: where each feedback item's passage is in a new version of its document."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medskapa.catalogue.anchoring import (
    GONE_BELOW,
    Anchor,
    Placement,
    SectionText,
    normalise,
    reanchor,
)

UTREDNING = SectionText(
    "2-utredning",
    "2 Utredning",
    "Vid misstanke om hjärtsvikt ska patienten utredas skyndsamt. Ta NT-proBNP och gör "
    "EKG redan vid första besöket. Ett normalt NT-proBNP talar starkt emot hjärtsvikt.\n\n"
    "Ekokardiografi bör göras inom fyra veckor från remissen. Bedömningen ska dokumenteras "
    "så att primärvården kan följa upp den.",
)
BEHANDLING = SectionText(
    "3.1-lakemedel",
    "3.1 Läkemedel",
    "Patienter med nedsatt ejektionsfraktion bör behandlas med fyra läkemedelsgrupper: "
    "ACE-hämmare eller ARNI, betablockerare, MRA och SGLT2-hämmare. Dosen ökas stegvis "
    "till måldos under de första månaderna.\n\n"
    "Kontrollera kalium och kreatinin en till två veckor efter varje dosökning. "
    "Kontrollera kalium och kreatinin även vid akut sjukdom med uttorkning.",
)
EGENVARD = SectionText(
    "4-egenvard",
    "4 Egenvård",
    "Patienten bör väga sig varje morgon och höra av sig till sin vårdcentral om vikten ökar "
    "mer än två kilo på tre dagar. Fysisk aktivitet anpassad efter förmåga rekommenderas. "
    "Närstående bör erbjudas samma information som patienten.",
)
UPPFOLJNING = SectionText(
    "5-uppfoljning",
    "5 Uppföljning",
    "Alla patienter bör följas upp av en hjärtsviktsmottagning eller en sjuksköterska med "
    "särskild kompetens. Uppföljningen planeras tillsammans med patienten och närstående.",
)
OLD = [UTREDNING, BEHANDLING, EGENVARD, UPPFOLJNING]


def quote_in(section: SectionText, exact: str, occurrence: int = 0) -> Anchor:
    """The anchor the reader's browser makes: the passage and 32 characters either side."""
    text = normalise(section.text)
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(exact, at + 1)
    return Anchor(
        section_key=section.key,
        exact=exact,
        prefix=text[max(0, at - 32) : at],
        suffix=text[at + len(exact) : at + len(exact) + 32],
    )


def edited(section: SectionText, old: str, new: str, *, key: str | None = None) -> SectionText:
    assert old in section.text
    return SectionText(key or section.key, section.heading, section.text.replace(old, new))


def place(anchor: Anchor, new: list[SectionText], old: list[SectionText] = OLD) -> Placement:
    (placement,) = reanchor([anchor], old, new)
    return placement


def found(placement: Placement, new: list[SectionText]) -> str:
    section = next(s for s in new if s.key == placement.section_key)
    assert placement.start is not None
    assert placement.end is not None
    return section.text[placement.start : placement.end]


def test_unchanged_document_keeps_every_anchor_in_place() -> None:
    anchors = [
        quote_in(UTREDNING, "Ta NT-proBNP och gör EKG redan vid första besöket."),
        quote_in(BEHANDLING, "SGLT2-hämmare"),
        Anchor(section_key=EGENVARD.key),
        Anchor(),
    ]
    placements = reanchor(anchors, OLD, OLD)
    assert [p.outcome for p in placements] == ["same"] * 4
    assert [p.confidence for p in placements] == [1.0] * 4
    assert found(placements[0], OLD) == "Ta NT-proBNP och gör EKG redan vid första besöket."
    assert found(placements[1], OLD) == "SGLT2-hämmare"
    assert placements[2].section_key == EGENVARD.key
    assert placements[3].section_key is None


def test_passage_unchanged_while_the_rest_of_its_section_is_edited_is_same() -> None:
    anchor = quote_in(UTREDNING, "Ekokardiografi bör göras inom fyra veckor från remissen.")
    new_utredning = edited(UTREDNING, "Ta NT-proBNP och gör EKG", "Ta alltid NT-proBNP och EKG")
    new = [new_utredning, BEHANDLING, EGENVARD, UPPFOLJNING]
    placement = place(anchor, new)
    assert placement.outcome == "same"
    assert found(placement, new) == "Ekokardiografi bör göras inom fyra veckor från remissen."


def test_renumbered_section_with_the_same_text_is_moved() -> None:
    renumbered = SectionText("3.2-lakemedel", "3.2 Läkemedel", BEHANDLING.text)
    new = [UTREDNING, renumbered, EGENVARD, UPPFOLJNING]
    quote = quote_in(BEHANDLING, "Dosen ökas stegvis till måldos")
    section_only = Anchor(section_key=BEHANDLING.key)
    by_quote, by_section = reanchor([quote, section_only], OLD, new)
    assert (by_quote.outcome, by_quote.section_key, by_quote.confidence) == (
        "moved",
        "3.2-lakemedel",
        1.0,
    )
    assert found(by_quote, new) == "Dosen ökas stegvis till måldos"
    assert (by_section.outcome, by_section.section_key) == ("moved", "3.2-lakemedel")


def test_passage_moved_to_another_section_is_found_there() -> None:
    sentence = "Närstående bör erbjudas samma information som patienten."
    new = [
        UTREDNING,
        BEHANDLING,
        edited(EGENVARD, " " + sentence, ""),
        edited(UPPFOLJNING, "och närstående.", "och närstående. " + sentence),
    ]
    placement = place(quote_in(EGENVARD, sentence), new)
    assert (placement.outcome, placement.section_key) == ("moved", UPPFOLJNING.key)
    assert found(placement, new) == sentence


def test_a_few_words_edited_is_changed_with_a_confidence_and_the_new_words_marked() -> None:
    before = "Ekokardiografi bör göras inom fyra veckor från remissen."
    after = "Ekokardiografi ska göras inom sex veckor efter remissen."
    new = [edited(UTREDNING, before, after), BEHANDLING, EGENVARD, UPPFOLJNING]
    placement = place(quote_in(UTREDNING, before), new)
    assert (placement.outcome, placement.section_key) == ("changed", UTREDNING.key)
    assert GONE_BELOW <= placement.confidence < 1.0
    assert found(placement, new) == after


def test_edited_passage_with_words_added_is_placed_on_the_whole_new_passage() -> None:
    before = "Fysisk aktivitet anpassad efter förmåga rekommenderas."
    after = "Fysisk aktivitet anpassad efter dagsform och förmåga rekommenderas varje dag."
    new = [UTREDNING, BEHANDLING, edited(EGENVARD, before, after), UPPFOLJNING]
    placement = place(quote_in(EGENVARD, before), new)
    assert placement.outcome == "changed"
    assert found(placement, new) == after


def test_more_words_edited_gives_lower_confidence() -> None:
    before = "Ekokardiografi bör göras inom fyra veckor från remissen."
    anchor = quote_in(UTREDNING, before)
    slight = "Ekokardiografi bör göras inom sex veckor från remissen."
    heavy = "Ekokardiografi ska alltid erbjudas inom sex veckor efter remissen."
    confidences = [
        place(anchor, [edited(UTREDNING, before, after), BEHANDLING, EGENVARD]).confidence
        for after in (slight, heavy)
    ]
    assert confidences[0] > confidences[1] >= GONE_BELOW


def test_deleted_passage_is_gone() -> None:
    sentence = "Ett normalt NT-proBNP talar starkt emot hjärtsvikt."
    new = [edited(UTREDNING, " " + sentence, ""), BEHANDLING, EGENVARD, UPPFOLJNING]
    placement = place(quote_in(UTREDNING, sentence), new)
    assert placement == Placement("gone", None, placement.confidence, None, None)
    assert placement.confidence < GONE_BELOW


def test_section_removed_with_its_passages_is_gone() -> None:
    new = [UTREDNING, BEHANDLING, UPPFOLJNING]
    quote, section_only = reanchor(
        [quote_in(EGENVARD, "väga sig varje morgon"), Anchor(section_key=EGENVARD.key)], OLD, new
    )
    assert quote.outcome == "gone"
    assert section_only.outcome == "gone"


def test_rewritten_passage_is_gone_not_a_false_match() -> None:
    before = "Ekokardiografi bör göras inom fyra veckor från remissen."
    after = "Hjärtultraljud behövs för diagnos; vårdcentralen skickar en remiss."
    new = [edited(UTREDNING, before, after), BEHANDLING, EGENVARD, UPPFOLJNING]
    assert place(quote_in(UTREDNING, before), new).outcome == "gone"


def test_unrelated_passages_score_below_the_gone_threshold() -> None:
    foreign = [
        Anchor(
            section_key=BEHANDLING.key,
            exact="Vid astma hos barn ska inhalationstekniken kontrolleras vid varje besök.",
            prefix="Läkemedel mot astma ges i första ",
            suffix=" Föräldrarna får skriftlig info",
        ),
        Anchor(
            section_key=UTREDNING.key,
            exact="Höftfraktur opereras inom 24 timmar efter ankomst till sjukhuset.",
            prefix="omhändertagande av äldre med fall",
            suffix=" Smärtlindring ges redan i ambul",
        ),
    ]
    for placement in reanchor(foreign, OLD, OLD):
        assert placement.outcome == "gone"


def test_repeated_passage_is_told_apart_by_its_prefix_and_suffix() -> None:
    repeated = "Kontrollera kalium och kreatinin"
    first, second = quote_in(BEHANDLING, repeated, 0), quote_in(BEHANDLING, repeated, 1)
    text = BEHANDLING.text
    occurrences = [text.index(repeated), text.index(repeated, text.index(repeated) + 1)]
    placements = reanchor([first, second], OLD, OLD)
    assert [p.start for p in placements] == occurrences
    # The first one moves down when a new sentence comes before it; still told apart.
    new_text = text.replace("Kontrollera kalium", "Följ vikten. Kontrollera kalium", 1)
    new = [SectionText(BEHANDLING.key, BEHANDLING.heading, new_text)]
    moved_first, moved_second = reanchor([first, second], OLD, new)
    assert moved_first.start == new_text.index(repeated)
    assert moved_second.start == new_text.index(repeated, moved_first.start + 1)


def test_repeated_passage_edited_in_one_place_is_found_where_its_context_is() -> None:
    repeated = "Kontrollera kalium och kreatinin"
    second = quote_in(BEHANDLING, repeated, 1)
    text = BEHANDLING.text
    at = text.index(repeated, text.index(repeated) + 1)
    new_text = text[:at] + "Kontrollera kalium och eGFR" + text[at + len(repeated) :]
    new = [SectionText(BEHANDLING.key, BEHANDLING.heading, new_text)]
    placement = place(second, new)
    assert placement.outcome == "changed"
    assert found(placement, new) == "Kontrollera kalium och eGFR"


def test_section_only_anchor_on_an_edited_section_is_changed_with_its_similarity() -> None:
    slight = edited(EGENVARD, "två kilo", "två kilogram")
    rewritten = SectionText(EGENVARD.key, EGENVARD.heading, "Se 1177.se för råd om egenvård.")
    anchor = Anchor(section_key=EGENVARD.key)
    small = place(anchor, [UTREDNING, slight])
    large = place(anchor, [UTREDNING, rewritten])
    assert (small.outcome, small.section_key, large.outcome) == ("changed", EGENVARD.key, "changed")
    assert 0.9 < small.confidence < 1.0
    assert large.confidence < small.confidence
    assert (small.start, small.end) == (None, None)


def test_section_renamed_and_edited_is_changed_under_its_new_key() -> None:
    new = [UTREDNING, edited(EGENVARD, "två kilo", "två kilogram", key="4-egenvard-hemma")]
    placement = place(Anchor(section_key=EGENVARD.key), new)
    assert (placement.outcome, placement.section_key) == ("changed", "4-egenvard-hemma")


def test_whitespace_differences_do_not_count_and_offsets_point_into_the_new_text() -> None:
    sentence = "Dosen ökas stegvis till måldos under de första månaderna."
    anchor = quote_in(BEHANDLING, sentence)
    spaced = BEHANDLING.text.replace("Dosen ökas stegvis", "Dosen\n  ökas\u00a0 stegvis").replace(
        "ARNI, betablockerare", "ARNI,\n\nbetablockerare"
    )
    new = [SectionText(BEHANDLING.key, BEHANDLING.heading, "\n  " + spaced + "\n")]
    placement = place(anchor, new)
    assert placement.outcome == "same"
    assert normalise(found(placement, new)) == sentence
    assert found(placement, new).startswith("Dosen\n  ökas")
    assert place(Anchor(section_key=BEHANDLING.key), new).outcome == "same"


def test_decomposed_letters_match_their_composed_form() -> None:
    decomposed = EGENVARD.text.replace("ö", "o\u0308").replace("å", "a\u030a")
    new = [SectionText(EGENVARD.key, EGENVARD.heading, decomposed)]
    placement = place(quote_in(EGENVARD, "Fysisk aktivitet anpassad efter förmåga"), new)
    assert placement.outcome == "same"
    assert normalise(found(placement, new)) == "Fysisk aktivitet anpassad efter förmåga"


def test_identical_anchors_get_identical_placements_in_order() -> None:
    a = quote_in(UTREDNING, "Ekokardiografi bör göras")
    b = Anchor(section_key=UPPFOLJNING.key)
    new = [SectionText("2-utredning-och-diagnos", UTREDNING.heading, UTREDNING.text), UPPFOLJNING]
    placements = reanchor([a, b, a, b, a], OLD, new)
    assert [p.outcome for p in placements] == ["moved", "same", "moved", "same", "moved"]


WORDS = (
    "patienten bör erbjudas uppföljning inom fyra veckor vid misstanke om hjärtsvikt "
    "läkemedel dosen ökas stegvis närstående vårdcentralen remiss och att en av"
)
words = st.sampled_from(WORDS.split())


@st.composite
def documents_with_a_quote(draw: st.DrawFn) -> tuple[list[SectionText], int, int, int]:
    count = draw(st.integers(1, 4))
    sections = []
    for i in range(count):
        body = draw(st.lists(words, min_size=3, max_size=40))
        separators = draw(
            st.lists(
                st.sampled_from([" ", "  ", "\n", "\n\n "]), min_size=len(body), max_size=len(body)
            )
        )
        text = "".join(w + s for w, s in zip(body, separators, strict=True))
        sections.append(SectionText(f"{i + 1}-avsnitt", f"{i + 1} Avsnitt", text))
    which = draw(st.integers(0, count - 1))
    n = len(normalise(sections[which].text))
    start = draw(st.integers(0, n - 1))
    end = draw(st.integers(start + 1, n))
    return sections, which, start, end


@settings(max_examples=200, deadline=None)
@given(documents_with_a_quote())
def test_any_passage_of_an_unchanged_document_stays_the_same(
    case: tuple[list[SectionText], int, int, int],
) -> None:
    sections, which, start, end = case
    section = sections[which]
    text = normalise(section.text)
    exact = text[start:end]
    if not exact.strip():
        return
    anchor = Anchor(
        section_key=section.key,
        exact=exact,
        prefix=text[max(0, start - 32) : start],
        suffix=text[end : end + 32],
    )
    (placement,) = reanchor([anchor], sections, sections)
    assert placement.outcome == "same"
    assert placement.section_key == section.key
    assert normalise(found(placement, sections)) == normalise(exact)
