"""A group step that PostgreSQL picks as a deadlock's victim runs again, whole.

Under bench/mixed.py a member's step and a moderator's routing, which update the follow-up
counters (sql/0029 followup_days) in their triggers, met in a deadlock about once a minute; the
victim's request was a 500. sql/0035 makes the two take the counters in one order; a
transaction whose statements take them in another (a forward) can still meet one. PostgreSQL
rolls the victim's transaction back whole, and its manual advises running it again."""

from __future__ import annotations

import asyncio

import asyncpg

from medskapa.feedback.lifecycle import GroupStep
from medskapa.security.principal import Principal
from tests.triage.conftest import DOC, routed_item, triage

COUNTERS = (
    "SELECT received, answered FROM followup_days WHERE group_id = 0 "
    "AND document_id = (SELECT id FROM guidance_documents WHERE slug = $1)"
)
ANSWER = "Tack, vi har läst synpunkten och förtydligar avsnittet i nästa version."


async def waits_for_a_lock(conn: asyncpg.Connection, pid: int) -> None:
    for _ in range(500):
        waiting = await conn.fetchval(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")


async def test_a_step_chosen_as_a_deadlocks_victim_runs_again(
    conn: asyncpg.Connection,
    database_url: str,
    member: Principal,
) -> None:
    item = await routed_item(conn)
    # Taken into review first: that step leaves the counters as they are (sql/0037) and
    # never waits for them; the answer moves them.
    await triage(conn).transition(member, item, GroupStep(target="in_review"))
    before = await conn.fetch(COUNTERS, DOC)
    other = await asyncpg.connect(database_url)
    try:
        # The other transaction never detects the deadlock itself, so the step's is the one
        # PostgreSQL picks (it checks after deadlock_timeout, 1 s, on the waiting side).
        await other.execute("SET deadlock_timeout = '60s'")
        async with other.transaction():
            # It holds the document's counter rows, as a moderator's routing does ...
            await other.execute(
                "UPDATE followup_days SET received = received WHERE group_id = 0 "
                "AND document_id = (SELECT id FROM guidance_documents WHERE slug = $1)",
                DOC,
            )
            # ... the step locks the item and waits for those rows in its trigger ...
            step = asyncio.create_task(
                triage(conn).transition(member, item, GroupStep(target="answered", answer=ANSWER))
            )
            await waits_for_a_lock(other, conn.get_server_pid())
            # ... and now the other wants the item: each waits for the other.
            await other.fetchval("SELECT 1 FROM feedback WHERE id = $1 FOR UPDATE", item)
        view = await step
    finally:
        await other.close()

    assert view.item.status == "answered"
    assert await conn.fetchval("SELECT status FROM feedback WHERE id = $1", item) == "answered"
    steps = await conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE subject_id = $1 AND to_state = 'answered'",
        str(item),
    )
    assert steps == 1, "the step is on the trail once"
    answers = await conn.fetchval(
        "SELECT count(*) FROM feedback_answers WHERE feedback_id = $1", item
    )
    assert answers == 1, "the answer is stored once"
    # The counters moved once: the same items received, one more of them answered.
    after = await conn.fetch(COUNTERS, DOC)
    assert sum(r["received"] for r in after) == sum(r["received"] for r in before)
    assert sum(r["answered"] for r in after) == sum(r["answered"] for r in before) + 1


async def test_a_step_that_changes_no_count_never_waits_for_the_counters(
    conn: asyncpg.Connection,
    database_url: str,
    member: Principal,
) -> None:
    """Taking an item into review leaves what the follow-up counts hold as it was (sql/0037):
    it does not touch the counter rows, so it goes through while another transaction holds
    them (a moderator's routing, another member's answer on the same document and day)."""
    item = await routed_item(conn)
    before = await conn.fetch(COUNTERS, DOC)
    other = await asyncpg.connect(database_url)
    try:
        async with other.transaction():
            await other.execute(
                "UPDATE followup_days SET received = received WHERE group_id = 0 "
                "AND document_id = (SELECT id FROM guidance_documents WHERE slug = $1)",
                DOC,
            )
            # Were the step to wait for those rows, it would give up here.
            await conn.execute("SET lock_timeout = '2s'")
            try:
                view = await triage(conn).transition(member, item, GroupStep(target="in_review"))
            finally:
                await conn.execute("RESET lock_timeout")
    finally:
        await other.close()
    assert view.item.status == "in_review"
    assert await conn.fetch(COUNTERS, DOC) == before
