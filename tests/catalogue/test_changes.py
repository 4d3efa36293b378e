"""The public "what changed" page and its JSON: two published versions compared."""

from __future__ import annotations

import datetime as dt
import html
import re

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.catalogue.changes import DiffPart, SectionSource, compare_sections, word_diff
from tests.factories import make_feedback

Client = AsyncTestClient[Litestar]
SLUG = "hjartsvikt-andringar"

INLEDNING = ("1-inledning", "1 Inledning", "Kunskapsstödet gäller vuxna med hjärtsvikt.")
UTREDNING_1 = (
    "2-utredning",
    "2 Utredning",
    "Vid misstanke om hjärtsvikt ska patienten utredas skyndsamt.\n\n"
    "Ekokardiografi bör göras inom fyra veckor från remissen.",
)
UTREDNING_2 = (
    "2-utredning",
    "2 Utredning",
    "Vid misstanke om hjärtsvikt ska patienten utredas skyndsamt.\n\n"
    "Ekokardiografi ska göras inom två veckor från remissen.",
)
EGENVARD_1 = ("3-egenvard", "3 Egenvård", "Patienten bör väga sig varje morgon.")
EGENVARD_2 = ("4-egenvard", "4 Egenvård", "Patienten bör väga sig varje morgon.")
LAKEMEDEL = (
    "3-lakemedel",
    "3 Läkemedel",
    "SGLT2-hämmare rekommenderas för alla med nedsatt ejektionsfraktion.",
)
GAMMALT = ("5-telefonuppfoljning", "5 Telefonuppföljning", "Sjuksköterskan ringer efter en vecka.")


async def _version(
    conn: asyncpg.Connection,
    document_id: int,
    label: str,
    sections: list[tuple[str, str, str]],
    published_on: dt.date | None,
    change_summary: str = "",
) -> int:
    """A version with its sections, inserted as a draft and then published (a published
    version's sections cannot be added to)."""
    version_id = await conn.fetchval(
        "INSERT INTO document_versions (document_id, label, change_summary) "
        "VALUES ($1, $2, $3) RETURNING id",
        document_id,
        label,
        change_summary,
    )
    for position, (key, heading, body) in enumerate(sections, start=1):
        await conn.execute(
            "INSERT INTO sections (version_id, key, position, heading, body) "
            "VALUES ($1, $2, $3, $4, $5)",
            version_id,
            key,
            position,
            heading,
            body,
        )
    if published_on is not None:
        await publish(conn, version_id, published_on)
    return version_id


async def publish(conn: asyncpg.Connection, version_id: int, on: dt.date) -> None:
    has_published_at = await conn.fetchval(
        "SELECT EXISTS (SELECT FROM information_schema.columns "
        "WHERE table_name = 'document_versions' AND column_name = 'published_at')"
    )
    if has_published_at:
        await conn.execute(
            "UPDATE document_versions SET published_on = $2::date, published_at = $2::date "
            "WHERE id = $1",
            version_id,
            on,
        )
    else:
        await conn.execute(
            "UPDATE document_versions SET published_on = $2 WHERE id = $1", version_id, on
        )


@pytest.fixture
async def versions(conn: asyncpg.Connection) -> dict[str, int]:
    """A published document with versions 1.0 and 1.1 and a draft 1.2; two feedback items
    led to changes in 1.1."""
    document_id = await conn.fetchval(
        "INSERT INTO guidance_documents (slug, title, kind, status, summary, subject_group_id) "
        "SELECT $1, 'Hjärtsvikt – ändringar', 'clinical_guidance', 'published', "
        "'Utredning och behandling.', id FROM subject_groups ORDER BY id LIMIT 1 "
        "RETURNING id",
        SLUG,
    )
    ids = {
        "1.0": await _version(
            conn,
            document_id,
            "1.0",
            [INLEDNING, UTREDNING_1, EGENVARD_1, GAMMALT],
            dt.date(2026, 3, 2),
        ),
        "1.1": await _version(
            conn,
            document_id,
            "1.1",
            [INLEDNING, UTREDNING_2, LAKEMEDEL, EGENVARD_2],
            dt.date(2026, 10, 15),
            "Kortare väntetid till ekokardiografi och ett nytt avsnitt om läkemedel.",
        ),
        "1.2": await _version(conn, document_id, "1.2", [INLEDNING], None),
    }
    for _ in range(2):
        submitted = await make_feedback(conn, document=SLUG)
        await conn.execute(
            "UPDATE feedback SET changed_in_version_id = $2, status = 'changed' WHERE id = $1",
            submitted.id,
            ids["1.1"],
        )
    await make_feedback(conn, document=SLUG)  # one that changed nothing
    return ids


def visible(page: str) -> str:
    """The page's text as read aloud: tags dropped, hidden helper text kept."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


async def test_page_shows_each_kind_of_change_and_the_feedback_behind_it(
    client: Client, versions: dict[str, int]
) -> None:
    response = await client.get(f"/kunskapsstod/{SLUG}/andringar")
    assert response.status_code == 200
    page = response.text
    text = visible(page)
    assert "Version 1.0 jämförd med version 1.1" in text
    assert "1.0, publicerad 2 mars 2026" in text
    assert "1.1, publicerad 15 oktober 2026" in text
    assert "Kortare väntetid till ekokardiografi och ett nytt avsnitt om läkemedel." in text
    # The changed section: the words that went and came, marked beyond colour.
    assert '<del><span class="visually-hidden">Borttaget: </span>bör</del> ' in page
    assert '<ins><span class="visually-hidden">Tillagt: </span>ska</ins> ' in page
    assert "Borttaget: fyra Tillagt: två veckor" in text
    assert "Ekokardiografi Borttaget: bör Tillagt: ska göras inom" in text
    # Added, removed, renumbered and unchanged sections.
    assert "3 Läkemedel Nytt avsnitt" in text
    assert "Tillagt: SGLT2-hämmare rekommenderas" in text
    assert "5 Telefonuppföljning Borttaget avsnitt" in text
    assert "Borttaget: Sjuksköterskan ringer efter en vecka." in text
    assert "4 Egenvård Nytt namn eller nummer" in text
    assert "Hette tidigare ”3 Egenvård”." in text
    assert "Oförändrat: 1 Inledning" in text
    assert "Kunskapsstödet gäller vuxna med hjärtsvikt." not in text
    for line in (
        "Ändrade avsnitt: 1",
        "Nya avsnitt: 1",
        "Borttagna avsnitt: 1",
        "Avsnitt med nytt namn eller nummer och samma text: 1",
        "Oförändrade avsnitt: 1",
    ):
        assert line in text
    assert "2 synpunkter ledde till ändringar i version 1.1." in text
    assert f'href="/kunskapsstod/{SLUG}/svar"' in page
    # The draft is never offered.
    assert "1.2" not in text


async def test_removed_section_comes_where_it_stood_and_order_follows_the_new_version(
    client: Client, versions: dict[str, int]
) -> None:
    text = visible((await client.get(f"/kunskapsstod/{SLUG}/andringar?fran=1.0&till=1.1")).text)
    order = ["1 Inledning", "2 Utredning", "3 Läkemedel", "4 Egenvård", "5 Telefonuppföljning"]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)


async def test_explicit_versions_and_a_third_published_version(
    client: Client, conn: asyncpg.Connection, versions: dict[str, int]
) -> None:
    await publish(conn, versions["1.2"], dt.date(2026, 11, 20))
    default = visible((await client.get(f"/kunskapsstod/{SLUG}/andringar")).text)
    assert "Version 1.1 jämförd med version 1.2" in default
    assert "0 synpunkter ledde till ändringar i version 1.2." in default
    wide = await client.get(
        f"/kunskapsstod/{SLUG}/andringar", params={"fran": "1.0", "till": "1.2"}
    )
    assert wide.status_code == 200
    assert "Version 1.0 jämförd med version 1.2" in visible(wide.text)
    # With three versions the reader can pick the pair.
    assert '<select id="andringar-fran" name="fran">' in wide.text
    assert '<option value="1.0" selected>1.0</option>' in wide.text
    assert '<option value="1.2" selected>1.2</option>' in wide.text
    only_to = visible((await client.get(f"/kunskapsstod/{SLUG}/andringar?till=1.1")).text)
    assert "Version 1.0 jämförd med version 1.1" in only_to


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("fran=abc", 400, "Adressen anger ingen giltig version att jämföra från."),
        ("till=1.1%3Cb%3E", 400, "Adressen anger ingen giltig version att jämföra till."),
        (f"fran={'1.' * 20}1", 400, "Adressen anger ingen giltig version att jämföra från."),
        ("fran=9.9", 404, "Version 9.9 av Hjärtsvikt – ändringar finns inte bland de publicerade"),
        ("till=1.2", 404, "Version 1.2 av Hjärtsvikt – ändringar finns inte bland de publicerade"),
        ("fran=1.1&till=1.0", 400, "Version 1.1 publicerades inte före version 1.0."),
        ("fran=1.1&till=1.1", 400, "Version 1.1 publicerades inte före version 1.1."),
        ("till=1.0", 400, "Version 1.0 är den första publicerade versionen"),
    ],
)
async def test_bad_versions_get_a_clear_swedish_page(
    client: Client, versions: dict[str, int], query: str, status: int, says: str
) -> None:
    response = await client.get(f"/kunskapsstod/{SLUG}/andringar?{query}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    text = visible(response.text)
    assert "Ändringarna kan inte visas" in text
    assert says in text
    assert f'href="/kunskapsstod/{SLUG}"' in response.text
    assert "<b>" not in response.text


async def test_unknown_draft_and_single_version_documents_are_404(
    client: Client, conn: asyncpg.Connection, versions: dict[str, int]
) -> None:
    unknown = await client.get("/kunskapsstod/finns-inte/andringar")
    assert unknown.status_code == 404
    assert "Det finns inget publicerat kunskapsstöd med den adressen." in visible(unknown.text)
    single = await conn.fetchval(
        "SELECT d.slug FROM guidance_documents d WHERE d.status = 'published' AND ("
        "SELECT count(*) FROM document_versions v WHERE v.document_id = d.id "
        "AND v.published_on IS NOT NULL) = 1 ORDER BY d.slug LIMIT 1"
    )
    one = await client.get(f"/kunskapsstod/{single}/andringar")
    assert one.status_code == 404
    assert "har bara en publicerad version, så det finns inga ändringar att visa" in one.text
    await conn.execute("UPDATE guidance_documents SET status = 'draft' WHERE slug = $1", SLUG)
    draft = await client.get(f"/kunskapsstod/{SLUG}/andringar")
    assert draft.status_code == 404
    assert (await client.get(f"/api/v1/documents/{SLUG}/changes")).status_code == 404


async def test_json_api_gives_the_same_comparison(client: Client, versions: dict[str, int]) -> None:
    response = await client.get(
        f"/api/v1/documents/{SLUG}/changes", params={"from": "1.0", "to": "1.1"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["from_version"] == {
        "label": "1.0",
        "published_on": "2026-03-02",
        "change_summary": "",
    }
    assert body["to_version"]["label"] == "1.1"
    assert body["feedback_led_to_change"] == 2
    assert body["versions"] == ["1.0", "1.1"]
    by_key = {s["key"]: s for s in body["sections"]}
    assert [s["status"] for s in body["sections"]] == [
        "unchanged",
        "changed",
        "added",
        "renamed",
        "removed",
    ]
    assert by_key["4-egenvard"]["old_key"] == "3-egenvard"
    assert {"kind": "removed", "text": "fyra "} in by_key["2-utredning"]["diff"]
    assert {"kind": "added", "text": "två "} in by_key["2-utredning"]["diff"]
    default = await client.get(f"/api/v1/documents/{SLUG}/changes")
    assert default.json() == body


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "abc"}, 422, "from"),
        ({"from": "1.1", "to": "1.0"}, 422, "from"),
        ({"to": "1.0"}, 422, "to"),
        ({"from": "9.9"}, 404, None),
        ({"to": "1.2"}, 404, None),
    ],
)
async def test_json_api_refuses_bad_versions_as_problems(
    client: Client, versions: dict[str, int], params: dict[str, str], status: int, field: str
) -> None:
    response = await client.get(f"/api/v1/documents/{SLUG}/changes", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert response.json()["errors"][0]["field"] == field


def test_word_diff_joins_back_to_either_text() -> None:
    old = "Dosen ökas stegvis.\n\nKontrollera kalium efter två veckor."
    new = "Dosen ökas långsamt.\n\nKontrollera kalium och kreatinin efter två veckor."
    parts = word_diff(old, new)
    assert "".join(p.text for p in parts if p.kind != "removed") == new
    assert "".join(p.text for p in parts if p.kind != "added") == old
    assert DiffPart("added", "och kreatinin ") in parts


def test_leftover_sections_pair_by_similar_text_not_by_position() -> None:
    old = [SectionSource("2-a", "2 A", "Patienten bör väga sig varje morgon och kväll.")]
    new = [
        SectionSource("2-b", "2 B", "Något helt annat om blodtryck."),
        SectionSource("3-a", "3 A", "Patienten bör väga sig varje morgon."),
    ]
    statuses = [(c.status, c.key, c.old_key) for c in compare_sections(old, new)]
    assert statuses == [("added", "2-b", None), ("changed", "3-a", "2-a")]


async def test_document_page_links_each_later_version_to_what_changed(
    client: Client, versions: dict[str, int]
) -> None:
    page = (await client.get(f"/kunskapsstod/{SLUG}")).text
    assert f'href="/kunskapsstod/{SLUG}/andringar?till=1.1"' in page
    assert "andringar?till=1.0" not in page
    assert "andringar?till=1.2" not in page
