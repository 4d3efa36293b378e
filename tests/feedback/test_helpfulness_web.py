"""'Hjälpte informationen på sidan dig?' over HTTP: the question on the document page, one
answer per browser and version (by the script's id or, without script, a cookie), the limit per
client, and bad input said in Swedish with what was typed kept."""

from __future__ import annotations

import html

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from medskapa.settings import Settings
from tests.apps import app_for
from tests.factories import TEST_SECRET, csrf_follows_cookie, first_document
from tests.i18n_check import swedish_left

BROWSER = "AAAAAAAAAAAAAAAAAAAAAA"  # a 22-character id, as static/js/helpful.js makes them
OTHER_BROWSER = "BBBBBBBBBBBBBBBBBBBBBB"


async def _answers(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT section_key, helpful, reason, via FROM helpfulness_answers ORDER BY id"
    )


async def test_the_document_page_asks_and_takes_one_answer_per_browser(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, label, _ = await first_document(conn)
    page = await client.get(f"/kunskapsstod/{slug}")
    assert "Hjälpte informationen på sidan dig?" in page.text
    assert f'action="/kunskapsstod/{slug}/hjalpte?lang=sv"' in page.text

    form = {"version": label, "helpful": "nej", "reason": "Svåra ord.", "browser": BROWSER}
    first = await client.post(f"/kunskapsstod/{slug}/hjalpte", data=form)
    assert first.status_code == 200
    assert "Tack för ditt svar!" in first.text
    again = await client.post(f"/kunskapsstod/{slug}/hjalpte", data=form | {"helpful": "ja"})
    assert again.status_code == 409
    assert "Du har redan svarat på frågan för den här versionen" in again.text
    other = await client.post(
        f"/kunskapsstod/{slug}/hjalpte", data=form | {"browser": OTHER_BROWSER}
    )
    assert other.status_code == 200
    assert [tuple(r) for r in await _answers(conn)] == [
        (None, False, "Svåra ord.", "page"),
        (None, False, "Svåra ord.", "page"),
    ]


async def test_without_script_a_cookie_keeps_the_browser_to_one_answer(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, label, _ = await first_document(conn)
    form = {"version": label, "helpful": "ja"}
    first = await client.post(f"/kunskapsstod/{slug}/hjalpte", data=form)
    assert first.status_code == 200
    cookie = first.cookies.get("__Host-webblasare")
    assert cookie
    assert len(cookie) == 22
    assert "HttpOnly" in first.headers["set-cookie"]
    assert "SameSite=lax" in first.headers["set-cookie"]
    again = await client.post(f"/kunskapsstod/{slug}/hjalpte", data=form)
    assert again.status_code == 409
    assert len(await _answers(conn)) == 1


async def test_htmx_gets_the_thanks_in_place(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, label, _ = await first_document(conn)
    form = {"version": label, "helpful": "ja", "browser": BROWSER}
    headers = {"hx-request": "true"}
    done = await client.post(f"/kunskapsstod/{slug}/hjalpte", data=form, headers=headers)
    assert done.status_code == 200
    assert 'role="status"' in done.text
    assert "Tack för ditt svar!" in done.text
    assert "<html" not in done.text
    again = await client.post(f"/kunskapsstod/{slug}/hjalpte", data=form, headers=headers)
    assert again.status_code == 200  # htmx swaps it in: a thank-you, not an error
    assert "Du har redan svarat" in again.text


async def test_bad_input_is_named_and_what_was_typed_is_kept(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, label, _ = await first_document(conn)
    url = f"/kunskapsstod/{slug}/hjalpte"
    no_choice = await client.post(url, data={"version": label, "reason": "Min motivering"})
    assert no_choice.status_code == 422
    assert "Välj Ja eller Nej." in no_choice.text
    assert ">Min motivering</textarea>" in no_choice.text

    long_reason = "ord " * 100
    too_long = await client.post(
        url, data={"version": label, "helpful": "ja", "reason": long_reason, "browser": BROWSER}
    )
    assert too_long.status_code == 422
    assert "Korta den till högst 300 tecken." in too_long.text
    assert html.escape(long_reason) in too_long.text
    assert 'value="ja" checked' in too_long.text

    personal = await client.post(
        url, data={"version": label, "helpful": "nej", "reason": "Ring 070-123 45 67"}
    )
    assert personal.status_code == 422
    assert "Motiveringen ser ut att innehålla personuppgifter" in personal.text
    assert ">Ring 070-123 45 67</textarea>" in personal.text

    english = await client.post(f"{url}?lang=en", data={"version": label, "helpful": "x"})
    assert english.status_code == 422
    assert "Please choose Yes or No." in english.text
    assert '<html lang="en"' in english.text

    unknown = await client.post(url, data={"version": "99.9", "helpful": "ja"})
    assert unknown.status_code == 404
    assert await _answers(conn) == []
    # The browser was not used up by refused answers.
    ok = await client.post(url, data={"version": label, "helpful": "ja", "browser": BROWSER})
    assert ok.status_code == 200


async def test_answers_are_limited_per_client(database_url: str, conn: asyncpg.Connection) -> None:
    slug, label, _ = await first_document(conn)
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, helpfulness_limit=3)
    async with AsyncTestClient(
        app=app_for(settings, "limited"), base_url="https://127.0.0.1"
    ) as client:
        csrf_follows_cookie(client)
        await client.get("/")
        statuses = []
        for n in range(4):
            response = await client.post(
                f"/kunskapsstod/{slug}/hjalpte",
                data={"version": label, "helpful": "ja", "browser": f"{n}" * 22},
            )
            statuses.append(response.status_code)
        assert statuses == [200, 200, 200, 429]
        assert 0 < int(response.headers["retry-after"]) <= 600
        assert "Vänta en stund och försök igen." in response.text
        # Every attempt counts, a refused one too: a stream of bad posts is stopped as well.
        bad = await client.post(f"/kunskapsstod/{slug}/hjalpte", data={"version": label})
        assert bad.status_code == 429
    assert len(await _answers(conn)) == 3


async def test_the_widget_dialog_answers_on_its_section(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    slug, label, section = await first_document(conn)
    page = await client.get(f"/inbaddad/{slug}/synpunkt?version={label}&avsnitt={section}")
    assert page.status_code == 200
    assert "Hjälpte informationen i avsnittet dig?" in page.text
    assert f'action="/inbaddad/{slug}/hjalpte?lang=sv"' in page.text
    answered = await client.post(
        f"/inbaddad/{slug}/hjalpte",
        data={"version": label, "section": section, "helpful": "ja", "browser": BROWSER},
    )
    assert answered.status_code == 200
    # The page in the dialog has no site menu: nothing to leave the form by inside the frame.
    assert 'aria-label="Huvudmeny"' not in answered.text
    unknown = await client.post(
        f"/inbaddad/{slug}/hjalpte",
        data={"version": label, "section": "9-finns-inte", "helpful": "ja", "browser": BROWSER},
    )
    assert unknown.status_code == 422
    assert "Avsnittet finns inte i den här versionen" in unknown.text
    assert [tuple(r) for r in await _answers(conn)] == [(section, True, None, "widget")]


async def test_the_question_speaks_the_readers_language_and_answers_in_it(
    client: AsyncTestClient[Litestar], conn: asyncpg.Connection
) -> None:
    """The question follows the request's language (here the browser's Accept-Language); its
    answer is sent with that language in its address, so the thanks and the errors come back
    in it whatever the browser says then (in the widget's frame the language cookie is
    blocked). A form field no longer decides the language."""
    slug, label, section = await first_document(conn)
    title = (await conn.fetchval("SELECT title FROM guidance_documents WHERE slug = $1", slug),)
    english_browser = {"accept-language": "en-GB,en;q=0.9"}
    page = await client.get(f"/kunskapsstod/{slug}", headers=english_browser)
    assert "Did the information on this page help you?" in page.text
    assert f'action="/kunskapsstod/{slug}/hjalpte?lang=en"' in page.text
    assert "Hjälpte informationen" not in page.text

    url = f"/kunskapsstod/{slug}/hjalpte?lang=en"
    bad = await client.post(url, data={"version": label, "reason": "Ring 070-123 45 67"})
    assert bad.status_code == 422
    assert bad.headers["content-language"] == "en"
    assert "Please choose Yes or No." in bad.text
    assert "The reason seems to contain personal data" in bad.text
    assert ">Ring 070-123 45 67</textarea>" in bad.text
    assert swedish_left(bad.text, title) == []
    done = await client.post(url, data={"version": label, "helpful": "ja", "browser": BROWSER})
    assert done.status_code == 200
    assert "Thank you for your answer!" in done.text
    assert swedish_left(done.text, title) == []
    # The form field of old is passed over: the address's language counts.
    swedish = await client.post(
        f"/kunskapsstod/{slug}/hjalpte?lang=sv",
        data={"version": label, "helpful": "ja", "browser": BROWSER, "lang": "en"},
        headers=english_browser,
    )
    assert swedish.status_code == 409
    assert "Du har redan svarat på frågan för den här versionen" in swedish.text

    framed = await client.get(
        f"/inbaddad/{slug}/synpunkt?version={label}&avsnitt={section}&lang=en"
    )
    assert "Did the information in this section help you?" in framed.text
    assert f'action="/inbaddad/{slug}/hjalpte?lang=en"' in framed.text
    assert "The form is run by" in framed.text
    assert swedish_left(framed.text, title) == []
    in_place = await client.post(
        f"/inbaddad/{slug}/hjalpte?lang=en",
        data={"version": label, "section": section, "helpful": "ja", "browser": OTHER_BROWSER},
        headers={"hx-request": "true"},
    )
    assert in_place.status_code == 200
    assert "Thank you for your answer!" in in_place.text
    assert 'lang="en"' in in_place.text
