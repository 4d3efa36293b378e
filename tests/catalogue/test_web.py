from __future__ import annotations

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.catalogue.demo_view import read_demo

Client = AsyncTestClient[Litestar]


def listed_demo_titles() -> list[str]:
    return [d.title for d in read_demo().documents if d.status in ("published", "consultation")]


async def test_home_links_every_programme_area(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    for area in read_demo().programme_areas:
        assert f"/kunskapsstod?programomrade={area.slug}" in response.text


async def test_catalogue_lists_published_and_consultation_documents(client: Client) -> None:
    response = await client.get("/kunskapsstod")
    assert response.status_code == 200
    titles = listed_demo_titles()
    assert len(titles) >= 8
    for title in titles:
        assert title in response.text


async def test_drafts_and_archived_documents_are_not_listed(
    client: Client, conn: asyncpg.Connection
) -> None:
    await conn.execute(
        "UPDATE guidance_documents SET status = 'draft' "
        "WHERE slug = (SELECT min(slug) FROM guidance_documents)"
    )
    slug, title = await conn.fetchrow(
        "SELECT slug, title FROM guidance_documents WHERE status = 'draft' LIMIT 1"
    )
    assert title not in (await client.get("/kunskapsstod")).text
    assert (await client.get(f"/kunskapsstod/{slug}")).status_code == 404
    assert (await client.get(f"/api/v1/documents/{slug}")).status_code == 404


async def test_filter_by_programme_area(client: Client) -> None:
    content = read_demo()
    groups = {g.slug: g.programme_area for g in content.subject_groups}
    area = groups[content.documents[0].subject_group]
    in_area = {
        d.title
        for d in content.documents
        if groups[d.subject_group] == area and d.status in ("published", "consultation")
    }
    response = await client.get("/kunskapsstod", params={"programomrade": area})
    assert response.status_code == 200
    for document in content.documents:
        if document.status not in ("published", "consultation"):
            continue
        assert (document.title in response.text) is (document.title in in_area)


async def test_unknown_programme_area_shows_all_with_a_message(client: Client) -> None:
    response = await client.get("/kunskapsstod", params={"programomrade": "finns-inte"})
    assert response.status_code == 200
    assert "Det finns inget programområde med det namnet" in response.text
    assert all(t in response.text for t in listed_demo_titles())


async def test_swedish_search_finds_inflected_words_in_sections(client: Client) -> None:
    response = await client.get("/api/v1/documents", params={"q": "diabetes"})
    titles = [d["title"] for d in response.json()["documents"]]
    assert any("diabetes" in t.lower() for t in titles)
    nothing = await client.get("/kunskapsstod", params={"q": "xyzzyqwerty"})
    assert "Inga kunskapsstöd matchar din sökning" in nothing.text


async def test_search_input_is_rendered_inert(client: Client) -> None:
    payload = "<script>alert(1)</script>{{7*7}}"
    response = await client.get("/kunskapsstod", params={"q": payload})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in response.text


async def test_overlong_search_is_refused_clearly(client: Client) -> None:
    response = await client.get("/api/v1/documents", params={"q": "a" * 201})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "q"
    page = await client.get("/kunskapsstod", params={"q": "a" * 201})
    assert page.status_code == 200
    assert "Sökningen är för lång. Skriv högst 200 tecken" in page.text


async def test_document_page_has_table_of_contents_and_sections(client: Client) -> None:
    document = next(d for d in read_demo().documents if d.status == "published")
    current = [v for v in document.versions if v.published_on][-1]
    assert "1 Inledning" in current.sections[0].heading or current.sections[0].number
    response = await client.get(f"/kunskapsstod/{document.slug}")
    assert response.status_code == 200
    text = response.text
    for section in current.sections:
        assert f'href="#avsnitt-{section.key}"' in text
        assert f'id="avsnitt-{section.key}"' in text
    assert text.index(current.sections[0].heading) < text.index(current.sections[-1].heading)


async def test_older_version_is_readable_and_marked(client: Client) -> None:
    document = next(
        d for d in read_demo().documents if len([v for v in d.versions if v.published_on]) > 1
    )
    old = document.versions[0]
    response = await client.get(f"/kunskapsstod/{document.slug}", params={"version": old.version})
    assert response.status_code == 200
    assert "Du läser en äldre version" in response.text
    missing = await client.get(f"/kunskapsstod/{document.slug}", params={"version": "99.0"})
    assert missing.status_code == 404


async def test_unknown_slug_is_a_404_page_and_problem(client: Client) -> None:
    page = await client.get("/kunskapsstod/finns-inte")
    assert page.status_code == 404
    assert "Sidan finns inte" in page.text
    assert page.headers["content-type"].startswith("text/html")
    api = await client.get("/api/v1/documents/finns-inte")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json() == {
        "title": "Not found",
        "status": 404,
        "detail": "No guidance document is published at 'finns-inte'.",
    }


async def test_api_document_has_versions_with_keyed_sections(client: Client) -> None:
    document = next(d for d in read_demo().documents if d.status == "published")
    response = await client.get(f"/api/v1/documents/{document.slug}")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == document.slug
    assert [v["label"] for v in body["versions"]] == [v.version for v in document.versions]
    first = body["versions"][-1]["sections"][0]
    assert set(first) == {"key", "heading", "text", "number", "level"}
    assert first["key"] == document.versions[-1].sections[0].key


async def test_api_list_filters_by_programme_area(client: Client) -> None:
    area = read_demo().programme_areas[0].slug
    response = await client.get("/api/v1/documents", params={"programme_area": area})
    assert response.status_code == 200
    assert all(
        d["subject_group"]["programme_area"]["slug"] == area for d in response.json()["documents"]
    )


async def test_api_unknown_programme_area_is_a_named_422(client: Client) -> None:
    response = await client.get("/api/v1/documents", params={"programme_area": "finns-inte"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "programme_area", "message": "No such programme area."}
    ]
    assert "finns-inte" not in response.text
