"""'Hjälpte informationen på sidan dig?': what is stored, once per browser and version, and
the counts the statistics read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import asyncpg
import pytest

from medskapa.errors import Invalid, NotFound, Refused
from medskapa.feedback import helpfulness
from medskapa.feedback.helpfulness import HelpfulnessAnswer, HelpfulnessCount
from medskapa.security.secrets import RECEIPT_KEY, instance_secret
from tests.factories import FIXED_NOW, first_document


def _answer(slug: str, browser: str, **overrides: object) -> HelpfulnessAnswer:
    values: dict[str, object] = {
        "document": slug,
        "version": None,
        "section": None,
        "helpful": "ja",
        "browser": browser,
    }
    values.update(overrides)
    return HelpfulnessAnswer(**values)  # type: ignore[arg-type]


async def test_answers_are_counted_per_version_and_section_and_stored_anonymously(
    conn: asyncpg.Connection,
) -> None:
    slug, label, section = await first_document(conn)
    key = await instance_secret(conn, RECEIPT_KEY)
    browsers = [helpfulness.new_browser_id() for _ in range(4)]
    await helpfulness.answer(conn, key, FIXED_NOW, _answer(slug, browsers[0]))
    await helpfulness.answer(conn, key, FIXED_NOW, _answer(slug, browsers[1], helpful="nej"))
    await helpfulness.answer(
        conn,
        key,
        FIXED_NOW,
        _answer(slug, browsers[2], section=section, helpful="nej", reason="  För svårt  "),
    )
    await helpfulness.answer(
        conn, key, FIXED_NOW, _answer(slug, browsers[3], section=section, via="widget")
    )

    assert await helpfulness.counts(conn, document=slug) == [
        HelpfulnessCount(slug, label, None, yes=1, no=1, with_reason=0),
        HelpfulnessCount(slug, label, section, yes=1, no=1, with_reason=1),
    ]
    rows = await conn.fetch("SELECT * FROM helpfulness_answers ORDER BY id")
    # Nothing that names the browser: a 16-byte keyed hash, not the id it sent; the day only.
    assert all(len(r["browser_hash"]) == 16 for r in rows)
    assert not any(b.encode() in bytes(r["browser_hash"]) for r in rows for b in browsers)
    assert {r["answered_on"] for r in rows} == {dt.date(2026, 11, 22)}
    assert [r["reason"] for r in rows] == [None, None, "För svårt", None]
    assert [r["via"] for r in rows] == ["page", "page", "page", "widget"]


async def test_one_answer_per_browser_per_version(conn: asyncpg.Connection) -> None:
    slug, label, section = await first_document(conn)
    key = await instance_secret(conn, RECEIPT_KEY)
    browser = helpfulness.new_browser_id()
    await helpfulness.answer(conn, key, FIXED_NOW, _answer(slug, browser))
    assert await helpfulness.has_answered(conn, key, slug, label, browser)
    # A second answer from the same browser on the same version, whatever it says and on
    # whichever section, is refused; the first stands.
    for second in (
        _answer(slug, browser, helpful="nej"),
        _answer(slug, browser, version=label, section=section, helpful="nej", via="widget"),
    ):
        with pytest.raises(Refused) as refused:
            await helpfulness.answer(conn, key, FIXED_NOW, second)
        assert refused.value.code == "already_answered"
        assert "redan svarat" in refused.value.message("sv")
    assert await helpfulness.counts(conn, document=slug) == [
        HelpfulnessCount(slug, label, None, yes=1, no=0, with_reason=0)
    ]
    assert not await helpfulness.has_answered(conn, key, slug, label, "another-browser-id-0123")


async def test_another_version_takes_its_own_answer(conn: asyncpg.Connection) -> None:
    row = await conn.fetchrow(
        "SELECT d.slug, array_agg(v.label ORDER BY v.id) AS labels FROM guidance_documents d "
        "JOIN document_versions v ON v.document_id = d.id AND v.published_on IS NOT NULL "
        "WHERE d.status = 'published' GROUP BY d.slug HAVING count(*) > 1 LIMIT 1"
    )
    assert row is not None, "the demo catalogue has a document with two published versions"
    key = await instance_secret(conn, RECEIPT_KEY)
    browser = helpfulness.new_browser_id()
    old, new = row["labels"][0], row["labels"][-1]
    await helpfulness.answer(conn, key, FIXED_NOW, _answer(row["slug"], browser, version=old))
    await helpfulness.answer(conn, key, FIXED_NOW, _answer(row["slug"], browser, version=new))
    found = await helpfulness.counts(conn, document=row["slug"])
    assert [(c.version, c.yes) for c in found] == [(old, 1), (new, 1)]
    assert [c.version for c in await helpfulness.counts(conn, version=old)] == [old]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"helpful": ""}, "helpful", "choose_one"),
        ({"helpful": "kanske"}, "helpful", "choose_one"),
        ({"reason": "x" * 301}, "reason", "reason_too_long"),
        ({"reason": "bra\x00"}, "reason", "nul"),
        ({"reason": "bra\u202e"}, "reason", "bidi"),
        ({"reason": "Ring mig på 070-123 45 67"}, "reason", "reason_personal_data"),
        ({"reason": "Mitt personnummer är 19121212-1212"}, "reason", "reason_personal_data"),
        ({"reason": "svar till anna@exempel.se"}, "reason", "reason_personal_data"),
        ({"section": "99-finns-inte"}, "section", "unknown_section"),
    ],
)
async def test_bad_input_is_refused_with_a_named_error_and_nothing_stored(
    conn: asyncpg.Connection, overrides: dict[str, str], field: str, code: str
) -> None:
    slug, _, _ = await first_document(conn)
    key = await instance_secret(conn, RECEIPT_KEY)
    with pytest.raises(Invalid) as invalid:
        await helpfulness.answer(
            conn, key, FIXED_NOW, _answer(slug, helpfulness.new_browser_id(), **overrides)
        )
    assert [(e.field, e.code) for e in invalid.value.errors] == [(field, code)]
    assert invalid.value.by_field("sv")[field]  # a Swedish sentence, not the code
    assert invalid.value.by_field("sv")[field] != invalid.value.by_field("en")[field]
    assert await conn.fetchval("SELECT count(*) FROM helpfulness_answers") == 0


async def test_the_longest_reason_is_taken(conn: asyncpg.Connection) -> None:
    slug, _, _ = await first_document(conn)
    key = await instance_secret(conn, RECEIPT_KEY)
    reason = "å" * helpfulness.REASON_MAX
    await helpfulness.answer(
        conn, key, FIXED_NOW, _answer(slug, helpfulness.new_browser_id(), reason=reason)
    )
    assert await conn.fetchval("SELECT reason FROM helpfulness_answers") == reason


async def test_unknown_document_or_version_is_not_found(conn: asyncpg.Connection) -> None:
    slug, _, _ = await first_document(conn)
    key = await instance_secret(conn, RECEIPT_KEY)
    for given in (
        _answer("finns-inte", helpfulness.new_browser_id()),
        _answer(slug, helpfulness.new_browser_id(), version="99.9"),
    ):
        with pytest.raises(NotFound):
            await helpfulness.answer(conn, key, FIXED_NOW, given)
    assert await conn.fetchval("SELECT count(*) FROM helpfulness_answers") == 0


async def test_counts_filter_by_area_and_days(conn: asyncpg.Connection) -> None:
    slug, label, _ = await first_document(conn)
    area = await conn.fetchval(
        "SELECT a.slug FROM guidance_documents d "
        "JOIN subject_groups g ON g.id = d.subject_group_id "
        "JOIN programme_areas a ON a.id = g.programme_area_id WHERE d.slug = $1",
        slug,
    )
    key = await instance_secret(conn, RECEIPT_KEY)
    # 23:30 UTC on 21 November is 00:30 on 22 November in Sweden: a Swedish date.
    late = dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.UTC)
    await helpfulness.answer(conn, key, late, _answer(slug, helpfulness.new_browser_id()))
    day = dt.date(2026, 11, 22)
    assert await helpfulness.counts(conn, programme_area=area, since=day, until=day) == [
        HelpfulnessCount(slug, label, None, yes=1, no=0, with_reason=0)
    ]
    assert await helpfulness.counts(conn, until=dt.date(2026, 11, 21)) == []
    assert await helpfulness.counts(conn, programme_area="inget-sadant-omrade") == []


async def test_reasons_are_erased_after_the_retention_period_and_the_counts_stay(
    conn: asyncpg.Connection,
) -> None:
    slug, label, _ = await first_document(conn)
    key = await instance_secret(conn, RECEIPT_KEY)
    old, recent = FIXED_NOW - dt.timedelta(days=40), FIXED_NOW - dt.timedelta(days=5)
    for when, helpful, reason in (
        (old, "nej", "Texten om andnöd är svår."),
        (old, "ja", ""),
        (recent, "nej", "Jag förstod inte tabellen."),
    ):
        await helpfulness.answer(
            conn,
            key,
            when,
            _answer(slug, helpfulness.new_browser_id(), helpful=helpful, reason=reason),
        )
    before = await helpfulness.counts(conn, document=slug)
    assert before == [HelpfulnessCount(slug, label, None, yes=1, no=2, with_reason=2)]

    erased = await helpfulness.erase_old_reasons(conn, FIXED_NOW, 30, batch=1)
    assert erased == 1
    assert await conn.fetchval("SELECT count(*) FROM helpfulness_answers") == 3
    reasons = await conn.fetch(
        "SELECT reason FROM helpfulness_answers WHERE reason IS NOT NULL ORDER BY id"
    )
    assert [r["reason"] for r in reasons] == ["Jag förstod inte tabellen."]
    # The figures the statistics and dashboards show do not change when a text goes.
    assert await helpfulness.counts(conn, document=slug) == before
    assert await helpfulness.erase_old_reasons(conn, FIXED_NOW, 30) == 0


def test_the_cookie_page_names_the_storage_key_the_script_uses() -> None:
    script = (Path(__file__).parents[2] / "static" / "js" / "helpful.js").read_text()
    assert f'var ID_KEY = "{helpfulness.BROWSER_STORAGE_KEY}";' in script
