"""Catalogue search that forgives: missing diacritics, small typos, near matches when nothing
is found, and input that is not a search at all. On the list page and the API alike."""

from __future__ import annotations

import html
import re
import string
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.audit.keys import AuditKeys, bind
from medskapa.catalogue import search
from medskapa.catalogue.demo import load_demo
from medskapa.catalogue.domain import MAX_QUERY_LENGTH
from medskapa.catalogue.search import (
    FOLD_FROM,
    Vocabulary,
    clean_query,
    corrected,
    fold,
    has_words,
    suggestion_candidates,
)
from medskapa.db.migrations import load_migrations, migrate
from medskapa.db.pool import init_connection
from tests.factories import TEST_SECRET

Client = AsyncTestClient[Litestar]

HJARTSVIKT = "Hjärtsvikt – nyupptäckt"
DIABETES = "Typ 2-diabetes i primärvården"
SMARTA = "Långvarig smärta i primärvården"
HOFT = "Höftfraktur – behandling och rehabilitering"
KOL = "Kroniskt obstruktiv lungsjukdom (KOL)"


async def titles(client: Client, query: str, **params: str) -> list[str]:
    """Titles the API lists for ``query``, in its order."""
    response = await client.get("/api/v1/documents", params={"q": query, **params})
    assert response.status_code == 200, response.text
    return [d["title"] for d in response.json()["documents"]]


def listed_titles(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/kunskapsstod/[a-z0-9-]+">([^<]+)</a></h2>', page)


def suggestion_links(page: str) -> list[tuple[str, str]]:
    """(href, text) of each "Menade du …?" link."""
    found = re.search(r'<p class="suggestions">(.*?)</p>', page, re.S)
    if found is None:
        return []
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', found.group(1))
    return [(html.unescape(href), html.unescape(text)) for href, text in links]


def suggestion_sentence(page: str) -> str:
    """The "Menade du …?" paragraph as a reader sees it."""
    found = re.search(r'<p class="suggestions">(.*?)</p>', page, re.S)
    assert found is not None
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


# ------------------------------------------------------------------ the pieces, without a database


def test_folding_drops_diacritics_and_case() -> None:
    assert fold("Hjärtsvikt") == "hjartsvikt"
    assert fold("HÖFTFRAKTUR på ÅLAND") == "hoftfraktur pa aland"
    assert fold("Sjögren-Müller, idé, Øresund") == "sjogren-muller, ide, oresund"
    assert fold("kol") == fold("KOL") == "kol"


def test_a_query_is_cleaned_of_what_nobody_searches_for() -> None:
    assert clean_query("  hjärt\u200bsvikt \u2066 ") == "hjärtsvikt"  # zero-width, isolate
    assert clean_query("två\r\nrader\tmed  mellanrum") == "två rader med mellanrum"
    assert clean_query("a\x85b") == "a b"  # a C1 control (next line) parts words
    assert clean_query("\ufeff") is None
    assert clean_query("   ") is None
    assert clean_query(None) is None
    # Decomposed å (a + ring) is the same letter as the precomposed one.
    assert clean_query("ha\u030art") == "hårt"


def test_only_punctuation_has_no_words() -> None:
    assert not has_words("!!! ... – ”” & | ( ) :*")
    assert has_words("typ 2")
    assert has_words("KOL?")


VOCABULARY = Vocabulary(
    [
        HJARTSVIKT,
        DIABETES,
        SMARTA,
        HOFT,
        KOL,
        "Hjärtsvikt med bevarad ejektionsfraktion",
        "Diagnostik",
        "Läkemedelsbehandling",
        "Behandling med läkemedel",
    ]
)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("hjärtsvigt", "hjärtsvikt"),  # a letter wrong
        ("hjartsvigt", "hjärtsvikt"),  # and no diacritics: corrected to the word as written
        ("hjärtsvkit", "hjärtsvikt"),  # two letters swapped
        ("HJÄRTSVIKTT", "hjärtsvikt"),  # one too many, in capitals
        ("diabetis", "diabetes"),
        ("diagnostk", "diagnostik"),  # one missing
        ("lakemdel", "läkemedel"),
        ("behandlng", "behandling"),
    ],
)
def test_a_word_one_or_two_typos_away_is_corrected(typed: str, meant: str) -> None:
    assert VOCABULARY.nearest(typed) == meant
    assert corrected(f"{typed} i primärvården", VOCABULARY) == f"{meant} i primärvården"


@pytest.mark.parametrize(
    "typed",
    [
        "kal",  # three letters: never corrected (kol is not kal)
        "hjärnskada",  # too far from anything
        "xyzzyqwerty",
        "diabts",  # two typos in six letters: suggested, not corrected
    ],
)
def test_words_too_short_or_too_far_are_not_corrected(typed: str) -> None:
    assert VOCABULARY.nearest(typed) is None
    assert corrected(typed, VOCABULARY) is None


def test_known_words_are_never_corrected() -> None:
    assert corrected("KOL hjärtsvikt", VOCABULARY) is None
    assert corrected("kol HJARTSVIKT", VOCABULARY) is None  # folded, still a catalogue word
    # Acronyms keep their capitals when they are what is suggested.
    assert Vocabulary(["Vad är KOL?", "Leva med KOL"]).nearest("koll") == "KOL"
    assert Vocabulary(["Vad är KOL?", "Leva med KOL"]).similar("koll", 1) == ["KOL"]


def test_suggestions_for_one_unknown_word_are_the_words_like_it() -> None:
    assert suggestion_candidates("diabts", VOCABULARY)[0] == "diabetes"
    assert suggestion_candidates("xyzzyqwerty", VOCABULARY) == []
    assert suggestion_candidates("!!!", VOCABULARY) == []
    # A catalogue word needs no suggestion: it finds something unless a filter leaves it out.
    assert suggestion_candidates("hjärtsvikt", VOCABULARY) == []


def test_suggestions_for_several_words_rewrite_then_split() -> None:
    assert suggestion_candidates("hjärtsvikt höftfraktur", VOCABULARY) == [
        "hjärtsvikt",
        "höftfraktur",
    ]
    assert suggestion_candidates("diabts smärta", VOCABULARY) == [
        "diabetes smärta",
        "diabetes",
        "smärta",
    ]


async def test_a_long_query_that_finds_nothing_costs_a_bounded_number_of_searches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    searched: list[str | None] = []

    async def list_documents(
        conn: object, *, programme_area: str | None = None, query: str | None = None
    ) -> list[object]:
        searched.append(query)
        return []

    async def search_vocabulary(conn: object) -> list[str]:
        return [HJARTSVIKT, DIABETES, SMARTA, HOFT, KOL]

    monkeypatch.setattr(search.queries, "list_documents", list_documents)
    monkeypatch.setattr(search.queries, "search_vocabulary", search_vocabulary)
    words = " ".join(re.findall(r"\w{3,}", " ".join([HJARTSVIKT, DIABETES, SMARTA, HOFT, KOL])))
    assert len(set(words.split())) > 2 * search.MAX_TRIED
    result = await search.find(object(), words, "ett-omrade")  # type: ignore[arg-type]
    assert result.documents == []
    # As typed, corrected (nothing to correct here), at most MAX_TRIED suggestions, and the
    # same search in every programme area.
    assert len(searched) <= 1 + search.MAX_TRIED + 1


async def test_the_sql_folding_is_the_python_folding(conn: asyncpg.Connection) -> None:
    text = FOLD_FROM + string.ascii_letters + string.digits + " -–.,åÅæÆßœŒ"
    assert await conn.fetchval("SELECT search_fold($1)", text) == text.translate(search._FOLD)
    assert fold(text) == text.translate(search._FOLD).lower()


# ------------------------------------------------------------------ without diacritics


@pytest.mark.parametrize("query", ["hjartsvikt", "HJARTSVIKT", "Hjartsvikt", "hjärtsvikt"])
async def test_hjartsvikt_finds_hjartsvikt_however_it_is_typed(client: Client, query: str) -> None:
    found = await titles(client, query)
    assert found[0] == HJARTSVIKT
    page = await client.get("/kunskapsstod", params={"q": query})
    assert listed_titles(page.text)[0] == HJARTSVIKT
    assert f"som matchar ”{query}”" in page.text
    assert "Därför visas träffar för" not in page.text  # found as typed, nothing corrected


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("langvarig smarta", SMARTA),
        ("hoftfraktur", HOFT),
        ("HÖFTFRAKT", HOFT),  # part of a title word, in capitals
        ("lungsjukdom kol", KOL),
        ("primarvarden", DIABETES),
    ],
)
async def test_more_searches_without_diacritics(client: Client, query: str, title: str) -> None:
    assert title in await titles(client, query)


async def test_diacritics_in_the_search_find_text_written_without_them(
    client: Client, conn: asyncpg.Connection
) -> None:
    """The other way round: a document written without å, ä and ö is found by the words with
    them; and documents that match the search as typed rank before those that match folded."""
    await conn.execute(
        "INSERT INTO guidance_documents (slug, title, kind, status, summary, subject_group_id) "
        "SELECT 'hjartsvikt-aldre', 'Hjartsvikt hos aldre', 'clinical_guidance', 'published', "
        "'Behandling och uppfoljning.', id FROM subject_groups ORDER BY id LIMIT 1"
    )
    assert (await titles(client, "äldre uppföljning")) == ["Hjartsvikt hos aldre"]
    with_diacritics = await titles(client, "hjärtsvikt")
    assert with_diacritics.index(HJARTSVIKT) < with_diacritics.index("Hjartsvikt hos aldre")
    without = await titles(client, "hjartsvikt")
    assert without[0] == "Hjartsvikt hos aldre"
    assert HJARTSVIKT in without


async def test_an_area_filter_still_applies_to_folded_matches(client: Client) -> None:
    areas = (await client.get("/api/v1/documents", params={"q": "hjartsvikt"})).json()
    area = areas["documents"][0]["subject_group"]["programme_area"]["slug"]
    assert HJARTSVIKT in await titles(client, "hjartsvikt", programme_area=area)
    other = next(
        a["subject_group"]["programme_area"]["slug"]
        for a in (await client.get("/api/v1/documents")).json()["documents"]
        if a["subject_group"]["programme_area"]["slug"] != area
    )
    assert HJARTSVIKT not in await titles(client, "hjartsvikt", programme_area=other)


# ------------------------------------------------------------------ typos


@pytest.mark.parametrize(
    ("typed", "meant", "title"),
    [
        ("hjärtsvigt", "hjärtsvikt", HJARTSVIKT),
        ("hjartsvigt", "hjärtsvikt", HJARTSVIKT),
        ("diabetis", "diabetes", DIABETES),
        ("Höftfrktur", "höftfraktur", HOFT),
    ],
)
async def test_a_small_typo_still_finds_the_document_and_says_so(
    client: Client, typed: str, meant: str, title: str
) -> None:
    page = await client.get("/kunskapsstod", params={"q": typed})
    assert page.status_code == 200
    assert listed_titles(page.text)[0] == title
    assert f"som matchar ”{meant}”" in page.text
    assert f"Inga kunskapsstöd matchade ”{typed}”. Därför visas träffar för ”{meant}”." in (
        page.text
    )
    assert f'value="{typed}"' in page.text  # what was typed stays in the box
    api = await client.get("/api/v1/documents", params={"q": typed})
    body = api.json()
    assert body["corrected_query"] == meant
    assert body["documents"][0]["title"] == title
    assert body["suggestions"] == []


async def test_a_query_that_matches_as_typed_is_never_corrected(client: Client) -> None:
    body = (await client.get("/api/v1/documents", params={"q": "diabetes"})).json()
    assert body["corrected_query"] is None
    assert body["documents"][0]["title"] == DIABETES


# ------------------------------------------------------------------ nothing found


async def test_nothing_found_suggests_near_matches_that_work(client: Client) -> None:
    page = await client.get("/kunskapsstod", params={"q": "diabts"})
    assert page.status_code == 200
    assert "Inga kunskapsstöd matchar din sökning." in page.text
    assert listed_titles(page.text) == []
    links = suggestion_links(page.text)
    assert links[0] == ("/kunskapsstod?q=diabetes", "diabetes")
    assert suggestion_sentence(page.text) == "Menade du diabetes?"
    followed = await client.get(links[0][0])
    assert DIABETES in listed_titles(followed.text)
    api = (await client.get("/api/v1/documents", params={"q": "diabts"})).json()
    assert api["documents"] == []
    assert api["suggestions"][0] == "diabetes"
    assert api["corrected_query"] is None


async def test_several_words_found_nowhere_together_are_offered_one_by_one(
    client: Client,
) -> None:
    page = await client.get("/kunskapsstod", params={"q": "hjärtsvikt höftfraktur"})
    links = suggestion_links(page.text)
    assert [text for _, text in links] == ["hjärtsvikt", "höftfraktur"]
    assert suggestion_sentence(page.text) == "Menade du hjärtsvikt eller höftfraktur?"
    for href, _ in links:
        assert listed_titles((await client.get(href)).text)


async def test_no_suggestion_for_nonsense(client: Client) -> None:
    page = await client.get("/kunskapsstod", params={"q": "xyzzyqwerty"})
    assert "Inga kunskapsstöd matchar din sökning." in page.text
    assert "Menade du" not in page.text
    assert "Prova andra ord. Du kan skriva utan å, ä och ö." in page.text
    api = (await client.get("/api/v1/documents", params={"q": "xyzzyqwerty"})).json()
    assert api == {"documents": [], "corrected_query": None, "suggestions": []}


async def test_a_search_found_only_in_other_areas_links_there(client: Client) -> None:
    documents = (await client.get("/api/v1/documents")).json()["documents"]
    area_of = {d["title"]: d["subject_group"]["programme_area"] for d in documents}
    other = next(a for t, a in area_of.items() if a["slug"] != area_of[DIABETES]["slug"])
    page = await client.get(
        "/kunskapsstod", params={"q": "diabetis", "programomrade": other["slug"]}
    )
    assert f"Inga kunskapsstöd matchar din sökning inom {other['name']}." in page.text
    assert "kunskapsstöd i andra programområden matchar." in page.text
    link = re.search(r'<a href="([^"]+)">Sök i alla programområden</a>', page.text)
    assert link is not None
    assert parse_qs(urlsplit(html.unescape(link.group(1))).query) == {"q": ["diabetes"]}
    assert DIABETES in listed_titles((await client.get(html.unescape(link.group(1)))).text)


async def test_suggestions_keep_the_chosen_area(client: Client) -> None:
    documents = (await client.get("/api/v1/documents")).json()["documents"]
    area = next(
        d["subject_group"]["programme_area"]["slug"] for d in documents if d["title"] == DIABETES
    )
    page = await client.get("/kunskapsstod", params={"q": "diabts", "programomrade": area})
    href, _ = suggestion_links(page.text)[0]
    assert parse_qs(urlsplit(href).query) == {"q": ["diabetes"], "programomrade": [area]}


async def test_unlisted_documents_are_never_suggested_or_corrected_to(
    client: Client, conn: asyncpg.Connection
) -> None:
    """A draft's title must not leak through a correction or a suggestion."""
    assert (await client.get("/api/v1/documents", params={"q": "bröstcanser"})).json()[
        "corrected_query"
    ] == "bröstcancer"
    await conn.execute(
        "UPDATE guidance_documents SET status = 'draft' WHERE title LIKE '%bröstcancer%'"
    )
    for typed in ("bröstcanser", "brostcanser", "bröstcncr"):
        body = (await client.get("/api/v1/documents", params={"q": typed})).json()
        assert body == {"documents": [], "corrected_query": None, "suggestions": []}, typed
        page = await client.get("/kunskapsstod", params={"q": typed})
        assert "bröstcancer" not in page.text.lower()


# ------------------------------------------------------------------ input that is not a search


async def test_a_search_over_the_limit_is_explained_in_swedish_and_kept(client: Client) -> None:
    typed = "hjärtsvikt " * 30
    page = await client.get("/kunskapsstod", params={"q": typed})
    assert page.status_code == 200
    assert f"Sökningen är för lång. Skriv högst {MAX_QUERY_LENGTH} tecken" in page.text
    assert typed.strip() in page.text  # in the box, to shorten
    assert listed_titles(page.text) == []
    long = await client.get("/kunskapsstod", params={"q": "å" * 600})
    assert long.status_code == 200
    assert "Sökningen är för lång." in long.text
    # Past what any address may be, the server's own Swedish page says so.
    huge = await client.get("/kunskapsstod", params={"q": "å" * 3000})
    assert huge.status_code == 414
    assert "Adressen är för lång." in huge.text
    # The API names the field and the rule (problem details), as before.
    api = await client.get("/api/v1/documents", params={"q": "a" * (MAX_QUERY_LENGTH + 1)})
    assert api.status_code == 422
    assert api.json()["errors"][0]["field"] == "q"


@pytest.mark.parametrize("query", ["!!!", "–", "”&|!():*”", "...", "- -"])
async def test_only_punctuation_says_what_to_type(client: Client, query: str) -> None:
    page = await client.get("/kunskapsstod", params={"q": query})
    assert page.status_code == 200
    assert "Skriv ett eller flera ord att söka efter, med bokstäver eller siffror." in page.text
    assert listed_titles(page.text) == []
    api = await client.get("/api/v1/documents", params={"q": query})
    assert api.status_code == 200
    assert api.json()["documents"] == []


@pytest.mark.parametrize(
    "query",
    [
        "hjärtsvikt & | ! ( ) : * <-> \\",
        '"hjärtsvikt',
        "-hjärtsvikt",
        "hjärtsvikt or or or",
        "%_%",
        "' OR 1=1 --",
        "a" * MAX_QUERY_LENGTH,
        "🫀 hjärtsvikt",
    ],
)
async def test_operators_and_odd_characters_are_searched_safely(client: Client, query: str) -> None:
    page = await client.get("/kunskapsstod", params={"q": query})
    assert page.status_code == 200
    api = await client.get("/api/v1/documents", params={"q": query})
    assert api.status_code == 200


async def test_invisible_characters_do_not_break_a_word(client: Client) -> None:
    assert HJARTSVIKT in await titles(client, "hjärt\u200bsvikt")
    page = await client.get("/kunskapsstod?q=hj%C3%A4rt%C2%85svikt%E2%80%8B")  # NEL, ZWSP
    assert page.status_code == 200


@pytest.mark.parametrize("target", ["/kunskapsstod?q=%00", "/kunskapsstod?q=hj%1Bsvikt"])
async def test_control_characters_get_the_swedish_address_page(client: Client, target: str) -> None:
    page = await client.get(target)
    assert page.status_code == 400
    assert "tecken som inte hör hemma i en webbadress" in page.text


@pytest.mark.parametrize("target", ["/kunskapsstod?q=%FF%FE", "/api/v1/documents?q=%C3"])
async def test_bytes_that_are_not_utf8_are_never_a_server_error(
    client: Client, target: str
) -> None:
    assert (await client.get(target)).status_code < 500


# ------------------------------------------------------------------ the migration


async def test_the_folded_columns_are_filled_for_documents_already_there(
    empty_database_url: str,
) -> None:
    """sql/0022 on a database with published documents (whose sections may not change):
    the generated columns are computed for every existing row. The demo is loaded with today's
    schema (its loader writes columns later migrations added), then 0022 is undone and run
    again over those rows, as it first ran over the rows of a database in use."""
    conn = await asyncpg.connect(empty_database_url)
    try:
        await init_connection(conn)
        bind(conn, AuditKeys.from_secret(TEST_SECRET))
        await migrate(conn)
        await load_demo(conn)
        (folding,) = [m for m in load_migrations() if m.version == 22]
        async with conn.transaction():
            await conn.execute(
                "ALTER TABLE guidance_documents DROP COLUMN search_folded;"
                "ALTER TABLE sections DROP COLUMN search_folded;"
                "DROP FUNCTION search_fold(text);"
            )
            await conn.execute(folding.sql)
        empty = await conn.fetchval(
            "SELECT count(*) FROM sections WHERE search_folded IS NULL "
            "OR (length(body) > 0 AND search_folded = ''::tsvector)"
        )
        assert empty == 0
        assert await conn.fetchval(
            "SELECT count(*) FROM guidance_documents "
            "WHERE search_folded @@ websearch_to_tsquery('swedish', 'hjartsvikt')"
        )
    finally:
        await conn.close()
