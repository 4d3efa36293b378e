from __future__ import annotations

import asyncpg
import pytest

from medskapa.errors import Invalid, Refused
from medskapa.feedback.service import UnknownReceipt
from tests.factories import FIXED_NOW, first_document, make_feedback, service


async def count(conn: asyncpg.Connection, table: str) -> int:
    return await conn.fetchval(f"SELECT count(*) FROM {table}")


async def test_submission_writes_feedback_contact_and_audit_in_one_go(
    conn: asyncpg.Connection,
) -> None:
    slug, label, key = await first_document(conn)
    section = await conn.fetchval(
        "SELECT s.body FROM sections s JOIN current_versions cv ON cv.version_id = s.version_id "
        "JOIN guidance_documents d ON d.id = cv.document_id WHERE d.slug = $1 AND s.key = $2",
        slug,
        key,
    )
    passage = " ".join(section.split()[2:7])
    submitted = await make_feedback(
        conn, section=key, quote=passage, email="anna@exempel.se", consent_public=True
    )
    row = await conn.fetchrow(
        "SELECT f.status, f.section_key, f.quote_exact, f.consent_public, c.email, v.label "
        "FROM feedback f JOIN contacts c ON c.id = f.contact_id "
        "JOIN document_versions v ON v.id = f.version_id WHERE f.id = $1",
        submitted.id,
    )
    assert tuple(row) == ("received", key, passage, True, "anna@exempel.se", label)
    events = await conn.fetch(
        "SELECT action, to_state, actor, seq FROM audit_events WHERE subject_id = $1",
        str(submitted.id),
    )
    assert [tuple(e) for e in events] == [("feedback.submitted", "received", "submitter", 1)]


async def test_submission_without_address_writes_no_contact_mail_or_mail_count(
    conn: asyncpg.Connection,
) -> None:
    """Without an address the statement has no mail parts (feedback/queries.py): the item and
    its trail are stored all the same, and nothing of a receipt mail."""
    submitted = await make_feedback(conn)
    assert await conn.fetchval(
        "SELECT contact_id IS NULL FROM feedback WHERE id = $1", submitted.id
    )
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE subject_id = $1", str(submitted.id)
        )
        == 1
    )
    assert await count(conn, "contacts") == 0
    assert await count(conn, "outbox_messages") == 0
    assert (
        await conn.fetchval("SELECT count(*) FROM rate_limits WHERE bucket LIKE 'receipt-mail:%'")
        == 0
    )
    with_address = await make_feedback(conn, email="anna@exempel.se")
    assert (
        await conn.fetchval(
            "SELECT template FROM outbox_messages o JOIN feedback f ON f.contact_id = o.contact_id "
            "WHERE f.id = $1",
            with_address.id,
        )
        == "feedback_received"
    )
    assert (
        await conn.fetchval("SELECT hits FROM rate_limits WHERE bucket LIKE 'receipt-mail:%'") == 1
    )


async def test_an_item_cannot_name_a_version_of_another_document(
    conn: asyncpg.Connection,
) -> None:
    """The database keeps an item's version one of its document's (sql/0036), whatever code
    writes it."""
    submitted = await make_feedback(conn)
    other = await conn.fetchval(
        "SELECT v.id FROM document_versions v JOIN feedback f ON f.id = $1 "
        "WHERE v.document_id <> f.document_id LIMIT 1",
        submitted.id,
    )
    assert other is not None
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await conn.execute("UPDATE feedback SET version_id = $2 WHERE id = $1", submitted.id, other)
    assert await conn.fetchval(
        "SELECT version_id <> $2 FROM feedback WHERE id = $1", submitted.id, other
    )


async def test_receipt_code_is_stored_only_as_a_keyed_hash(conn: asyncpg.Connection) -> None:
    submitted = await make_feedback(conn)
    compact = submitted.receipt_code.replace("-", "")
    dump = await conn.fetchval("SELECT f::text FROM feedback f WHERE id = $1", submitted.id)
    assert submitted.receipt_code not in dump
    assert compact not in dump
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_events WHERE actor LIKE $1 OR action LIKE $1",
            f"%{compact[:8]}%",
        )
        == 0
    )


async def test_personal_data_findings_are_stored_without_values(conn: asyncpg.Connection) -> None:
    submitted = await make_feedback(
        conn, text="Mitt personnummer är 811218-9876, ring 070-1234567."
    )
    assert [f.kind for f in submitted.personal_data] == [
        "personal_identity_number",
        "phone_number",
    ]
    stored = await conn.fetchval(
        "SELECT personal_data::text FROM feedback WHERE id = $1", submitted.id
    )
    assert "811218" not in stored
    assert "personal_identity_number" in stored


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"text": ""}, [("text", "text_required")]),
        ({"text": "   \n "}, [("text", "text_required")]),
        ({"text": "x" * 5001}, [("text", "text_too_long")]),
        ({"text": "bra\x00text"}, [("text", "nul")]),
        ({"text": "bra\ud800text"}, [("text", "surrogate")]),
        ({"text": "bra\u202etext"}, [("text", "bidi")]),
        ({"document": "finns-inte"}, [("document", "unknown_document")]),
        ({"version": "99.9"}, [("version", "unknown_version")]),
        ({"section": "9-finns-inte"}, [("section", "unknown_section")]),
        ({"quote": "något"}, [("section", "quote_needs_section")]),
        ({"email": "anna@exempel.se\r\nBcc: x@y.se"}, [("email", "email_characters")]),
        ({"email": "inte en adress"}, [("email", "email_format")]),
        (
            {"category": "spam", "role": "robot"},
            [("category", "choose_one"), ("role", "choose_one")],
        ),
    ],
)
async def test_bad_input_names_each_field_and_stores_nothing(
    conn: asyncpg.Connection, overrides: dict, expected: list[tuple[str, str]]
) -> None:
    before = (
        await count(conn, "feedback"),
        await count(conn, "contacts"),
        await count(conn, "audit_events"),
    )
    with pytest.raises(Invalid) as info:
        await make_feedback(conn, **{"email": "kvar@exempel.se", **overrides})
    assert [(e.field, e.code) for e in info.value.errors] == expected
    after = (
        await count(conn, "feedback"),
        await count(conn, "contacts"),
        await count(conn, "audit_events"),
    )
    assert after == before


async def test_quote_not_in_section_is_refused(conn: asyncpg.Connection) -> None:
    _, _, key = await first_document(conn)
    with pytest.raises(Invalid) as info:
        await make_feedback(conn, section=key, quote="det här står inte i texten alls")
    assert [(e.field, e.code) for e in info.value.errors] == [("quote", "quote_not_found")]


async def test_lookup_withdraw_and_erase_by_code(conn: asyncpg.Connection) -> None:
    submitted = await make_feedback(conn, email="anna@exempel.se")
    feedback = await service(conn)

    view = await feedback.lookup(submitted.receipt_code.lower().replace("-", " "))
    assert view.record.status == "received"
    assert view.record.has_contact

    view = await feedback.withdraw(submitted.receipt_code)
    assert view.record.status == "withdrawn"
    with pytest.raises(Refused, match="not_withdrawable"):
        await feedback.withdraw(submitted.receipt_code)

    view = await feedback.erase(submitted.receipt_code)
    assert view.record.body is None
    assert view.record.erased_at is not None
    assert not view.record.has_contact
    assert await count(conn, "contacts") == 0
    assert [e.action for e in view.timeline] == [
        "feedback.submitted",
        "feedback.withdrawn",
        "feedback.erased",
    ]
    assert [e.seq for e in view.timeline] == [1, 2, 3]
    assert view.timeline[1].prev_hash is not None
    with pytest.raises(Refused, match="already_erased"):
        await feedback.erase(submitted.receipt_code)


async def test_erasing_received_feedback_also_withdraws_it(conn: asyncpg.Connection) -> None:
    submitted = await make_feedback(conn)
    view = await (await service(conn)).erase(submitted.receipt_code)
    assert view.record.status == "withdrawn"
    assert view.timeline[-1].occurred_at == FIXED_NOW


@pytest.mark.parametrize(
    ("code", "reason"), [("ABCD", "code_format"), ("0000-0000-0000-0000", "unknown_code")]
)
async def test_unknown_codes_are_told_apart(
    conn: asyncpg.Connection, code: str, reason: str
) -> None:
    with pytest.raises(UnknownReceipt) as info:
        await (await service(conn)).lookup(code)
    assert info.value.code == reason


async def test_audit_rows_cannot_be_changed(conn: asyncpg.Connection) -> None:
    await make_feedback(conn)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("UPDATE audit_events SET action = 'x'")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("DELETE FROM audit_events")
