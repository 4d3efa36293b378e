"""Group inbox benchmark: the inbox queries over a million routed items.

    python bench/inbox.py [--items 1000000] [--repeat 30] [--runs 3] [--reuse]

Starts a PostgreSQL (embedded, or MEDSKAPA_BENCH_DATABASE_URL), a fresh database with the demo
catalogue, and generates ``--items`` feedback items in one SQL statement per 100,000: spread
over the demo documents and their current versions, over two years, all categories, most routed
to the document's owner group in the inbox's statuses. It then times, through the app's own
query functions (triage/inbox_queries.py, cluster_queries.py), what a group member's inbox
page does: the first page, a page deep in the list (by cursor), each filter, a Swedish full-text
search, the status counts and the oldest unanswered item, and "similar items" for one item. Each
is run ``--repeat`` times per run; the figures are the medians over ``--runs`` runs of each run's
p50 and p99. The plan of the first page and of the search are written beside the figures.
Results are appended to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    bench_server_url,
    fresh_database,
    machine,
    median,
    record,
    reusable,
    today,
)
from medskapa.db.pool import init_connection
from medskapa.feedback.domain import Category, FeedbackStatus
from medskapa.triage import cluster_queries, inbox_queries
from medskapa.triage.domain import Assignee, Cursor, InboxFilter, Sort

PAGE = 25
DATABASE = "medskapa_bench_inbox"
CHUNK = 100_000
BODIES = [
    "Avsnittet om uppföljning är svårt att förstå; det står inte när nästa kontroll är.",
    "Behandlingen med vätskedrivande beskrivs utan att biverkningarna nämns.",
    "Som närstående saknar jag råd om vem vi ska ringa på kvällar och helger.",
    "Texten om fysisk aktivitet är bra men säger inget om den som har ont i lederna.",
    "Dosen i tabellen stämmer inte med den i löptexten.",
    "Min egen erfarenhet är att rehabiliteringen kom igång alldeles för sent.",
    "Det vore bra med en förklaring av ordet sekundärprevention.",
    "Informationen om tolk saknas helt, min mamma förstod inte samtalet.",
]


async def generate(conn: asyncpg.Connection, items: int) -> None:
    """``items`` feedback rows with their routes, in chunks (one statement each)."""
    done = 0
    while done < items:
        n = min(CHUNK, items - done)
        await conn.execute(
            """
            WITH docs AS (
                SELECT d.id, cv.version_id, d.subject_group_id,
                       row_number() OVER (ORDER BY d.id) - 1 AS k,
                       count(*) OVER () AS total
                FROM guidance_documents d JOIN current_versions cv ON cv.document_id = d.id
            ), gen AS (
                SELECT g, gen_random_uuid() AS id,
                       now() - (g % 730) * interval '1 day' - (g % 86400) * interval '1 second'
                         AS at
                FROM generate_series($1::bigint, $1::bigint + $2 - 1) g
            ), made AS (
                INSERT INTO feedback (id, document_id, version_id, category, submitter_role,
                    body, language, consent_public, consent_contact, status, receipt_hash,
                    created_at, updated_at)
                SELECT gen.id, docs.id, docs.version_id,
                       ($3::text[])[1 + gen.g % array_length($3::text[], 1)],
                       CASE WHEN gen.g % 3 = 0 THEN 'relative' ELSE 'patient' END,
                       ($4::text[])[1 + gen.g % array_length($4::text[], 1)]
                         || ' (' || gen.g || ')',
                       'sv', gen.g % 2 = 0, false,
                       (ARRAY['routed', 'routed', 'in_review', 'answered', 'closed',
                              'change_planned'])[1 + gen.g % 6],
                       sha256(gen.id::text::bytea), gen.at, gen.at
                FROM gen JOIN docs ON docs.k = gen.g % docs.total
                RETURNING id, document_id, created_at
            )
            INSERT INTO feedback_routes (feedback_id, group_id, routed_at)
            SELECT made.id, d.subject_group_id, made.created_at + interval '1 hour'
            FROM made JOIN guidance_documents d ON d.id = made.document_id
            """,
            done,
            n,
            [str(c) for c in Category],
            BODIES,
        )
        done += n
        print(f"  {done:,} items", file=sys.stderr, flush=True)
    await conn.execute("ANALYZE")


async def timed(
    call: Callable[[], Awaitable[object]], repeat: int
) -> tuple[float, float, int | None]:
    """(p50, p99, rows on the page, for an inbox page) of ``repeat`` calls."""
    first = await call()  # warm the cache and the statement
    rows = len(first.rows) if isinstance(first, inbox_queries.InboxPage) else None
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * len(samples)))]
    return samples[len(samples) // 2], p99, rows


async def measure(
    conn: asyncpg.Connection, repeat: int
) -> dict[str, tuple[float, float, int | None]]:
    group_id, document = await conn.fetchrow(
        "SELECT r.group_id, d.slug FROM feedback_routes r JOIN feedback f ON f.id = r.feedback_id "
        "JOIN guidance_documents d ON d.id = f.document_id "
        "GROUP BY r.group_id, d.slug ORDER BY count(*) DESC LIMIT 1"
    )
    middle = await conn.fetchrow(
        "SELECT f.created_at, f.id FROM feedback f JOIN feedback_routes r "
        "ON r.feedback_id = f.id AND r.group_id = $1 ORDER BY f.created_at DESC "
        "OFFSET LEAST(50000, (SELECT count(*) / 2 FROM feedback_routes WHERE group_id = $1)) "
        "LIMIT 1",
        group_id,
    )
    one = await conn.fetchval(
        "SELECT feedback_id FROM feedback_routes WHERE group_id = $1 LIMIT 1", group_id
    )

    def page(**f: object) -> Callable[[], Awaitable[object]]:
        return lambda: inbox_queries.inbox(conn, group_id, InboxFilter(**f), 0, PAGE)

    cases: dict[str, Callable[[], Awaitable[object]]] = {
        "first page (newest)": page(),
        "first page (oldest)": page(sort=Sort.OLDEST),
        "deep page (cursor, up to 50,000 in)": page(after=Cursor(middle[0], middle[1])),
        "filter: status in_review": page(status=FeedbackStatus.IN_REVIEW),
        "filter: document": page(document=document),
        "filter: category": page(category=Category.INCORRECT_OR_OUTDATED),
        "filter: older than 300 days": page(older_than_days=300),
        "filter: unassigned": page(assignee=Assignee.NOBODY),
        "search 'biverkningarna'": page(query="biverkningarna"),
        "search 'tolk' + status answered": page(query="tolk", status=FeedbackStatus.ANSWERED),
        "status counts": lambda: inbox_queries.status_counts(conn, group_id),
        "oldest unanswered": lambda: inbox_queries.oldest_unanswered(conn, group_id),
        "similar items": lambda: cluster_queries.similar(conn, one, group_id),
    }
    return {name: await timed(call, repeat) for name, call in cases.items()}


async def plan(conn: asyncpg.Connection, group_id: int, f: InboxFilter) -> str:
    """The plan the first page gets, from the same SQL the app sends."""
    captured: list[tuple[str, tuple[object, ...]]] = []

    class Recorder:
        async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
            captured.append((sql, args))
            return await conn.fetch(sql, *args)

    await inbox_queries.inbox(Recorder(), group_id, f, 0, PAGE)  # type: ignore[arg-type]
    sql, args = captured[0]
    rows = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", *args)
    return "\n".join(row[0] for row in rows)


async def main(args: argparse.Namespace) -> None:
    with bench_server_url() as (server_url, server):
        url = await reusable(server_url, DATABASE, args.items) if args.reuse else None
        reused = url is not None
        if url is None:
            url = await fresh_database(server_url, DATABASE)
        conn = await asyncpg.connect(url)
        await init_connection(conn)
        try:
            started = time.perf_counter()
            if not reused:
                await generate(conn, args.items)
            generated = time.perf_counter() - started
            runs = [await measure(conn, args.repeat) for _ in range(args.runs)]
            group_id = await conn.fetchval(
                "SELECT group_id FROM feedback_routes GROUP BY group_id "
                "ORDER BY count(*) DESC LIMIT 1"
            )
            in_group = await conn.fetchval(
                "SELECT count(*) FROM feedback_routes WHERE group_id = $1", group_id
            )
            first_plan = await plan(conn, group_id, InboxFilter())
            search_plan = await plan(conn, group_id, InboxFilter(query="biverkningarna"))
            category_plan = await plan(
                conn, group_id, InboxFilter(category=Category.INCORRECT_OR_OUTDATED)
            )
            version = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
    lines = [
        f"\n## Group inbox over {args.items:,} items — {today()}\n",
        f"Machine: {machine()}. Database: {server}, version {version}.",
        f"`python bench/inbox.py --items {args.items} --repeat {args.repeat} --runs {args.runs}"
        f"{' --reuse' if reused else ''}`; "
        + (
            "the items of an earlier run were reused (migrated to the current schema). "
            if reused
            else f"generating the items took {generated:.0f} s. "
        )
        + f"The busiest group has {in_group:,} items. Pages of {PAGE}. Figures: medians over "
        f"{args.runs} runs of each run's p50 and p99 of {args.repeat} calls, in ms, through "
        "triage/inbox_queries.py and cluster_queries.py on one connection. Rows: how many the "
        "first page holds (a filter the group has no item for is the slowest case for an index "
        "walk).\n",
        "| query | rows | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for name in runs[0]:
        p50 = median([run[name][0] for run in runs])
        p99 = median([run[name][1] for run in runs])
        rows = runs[0][name][2]
        lines.append(f"| {name} | {'' if rows is None else rows} | {p50:.1f} | {p99:.1f} |")
    lines += [
        "\nPlan of the first page:\n",
        "```",
        first_plan,
        "```",
        "\nPlan of the search:\n",
        "```",
        search_plan,
        "```",
        "\nPlan of the category filter:\n",
        "```",
        category_plan,
        "```\n",
    ]
    record("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure an earlier run's items again (after migrating them) instead of generating",
    )
    asyncio.run(main(parser.parse_args()))
