"""Follow-up dashboard benchmark: a programme area's dashboard over a million items.

    MEDSKAPA_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
    PYTHONPATH=src nice -n 10 python bench/followup.py [--items 1000000] [--repeat 30] \
        [--runs 3] [--reuse]

Starts a PostgreSQL (embedded, or MEDSKAPA_BENCH_DATABASE_URL), a fresh database of its own
(``medskapa_bench_followup``) with the demo catalogue, and generates ``--items`` feedback items
with generate_series, one SQL statement per 100,000: over the demo documents and their current
versions, two years back, every category, a care region on a third, a section on half; routed to
the document's group; answered (1-40 days later), closed, planned or changed in the statuses'
shares, with the answers; a theme on a fifth. It then times the whole dashboard use case
(followup/service.py ``dashboard``: the filters' options, every breakdown with medians and 90th
percentiles, the themes and the helpfulness answers; the counts from the day counts of
sql/0029 where the filters allow) as an admin for the programme area with
the most items (default period: the last twelve months, per month, and a year per week), as
the lead of its busiest group, and the national overview. Each ``--repeat`` times per run; the
figures are the medians over ``--runs`` runs of each run's p50 and p99, with the machine's
load average before and after (other work on a shared machine stretches every figure). The
plan of the programme area's breakdowns, as the page sends them, is written beside the figures
in docs/benchmarks.md, with its time in the server (EXPLAIN ANALYZE).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
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
from medskapa.feedback.domain import Category
from medskapa.followup import queries, service
from medskapa.followup.domain import parse_filters
from medskapa.security.principal import Principal, Role

DATABASE = "medskapa_bench_followup"
CHUNK = 100_000
ADMIN = Principal(user_id=1, role=Role.ADMIN, second_factor=True)


async def generate(conn: asyncpg.Connection, items: int) -> None:
    """``items`` feedback rows with routes, answers and themes, in chunks of one statement.

    The rows are written as the app's triggers would leave them (the route's and the theme
    tag's copies of the item, the item's first answer) with the triggers off for the load
    (session_replication_role = replica): with them, each row's triggers made 100,000 items
    take two minutes. The follow-up's day counts are then counted once from the items
    (followup_days_rebuild, as their migration does, with the answered items' times per
    quarter of a day); the inbox's status counters are not kept, the figures do not read
    them."""
    await conn.execute("SET session_replication_role = replica")
    done = 0
    while done < items:
        n = min(CHUNK, items - done)
        await conn.execute(
            """
            WITH docs AS (
                SELECT d.id, cv.version_id, d.subject_group_id,
                       (SELECT s.key FROM sections s WHERE s.version_id = cv.version_id
                        ORDER BY s.position LIMIT 1) AS section_key,
                       row_number() OVER (ORDER BY d.id) - 1 AS k, count(*) OVER () AS total
                FROM guidance_documents d JOIN current_versions cv ON cv.document_id = d.id
            ), regions_ AS (
                SELECT array_agg(code ORDER BY code) AS codes FROM regions
            ), gen AS (
                SELECT g, gen_random_uuid() AS id,
                       now() - (g % 730) * interval '1 day' - (g % 86400) * interval '1 second'
                         AS at,
                       (ARRAY['routed', 'in_review', 'answered', 'answered', 'closed',
                              'change_planned', 'changed'])[1 + g % 7] AS status,
                       (1 + (g * 7919) % 40) * interval '1 day' + (g % 3600) * interval '1 second'
                         AS took
                FROM generate_series($1::bigint, $1::bigint + $2 - 1) g
            ), made AS (
                INSERT INTO feedback (id, document_id, version_id, section_key, category,
                    submitter_role, body, language, consent_public, consent_contact, status,
                    receipt_hash, created_at, updated_at, care_region, changed_in_version_id,
                    first_answered_at)
                SELECT gen.id, docs.id, docs.version_id,
                       CASE WHEN gen.g % 2 = 0 THEN docs.section_key END,
                       ($3::text[])[1 + gen.g % array_length($3::text[], 1)],
                       CASE WHEN gen.g % 3 = 0 THEN 'relative' ELSE 'patient' END,
                       'Synpunkt nummer ' || gen.g, 'sv', gen.g % 2 = 0, false, gen.status,
                       sha256(gen.id::text::bytea), gen.at, gen.at,
                       CASE WHEN gen.g % 3 = 0
                            THEN regions_.codes[1 + gen.g % array_length(regions_.codes, 1)] END,
                       CASE WHEN gen.status = 'changed' THEN docs.version_id END,
                       CASE WHEN gen.status IN ('answered', 'closed', 'change_planned',
                                                'changed') THEN gen.at + gen.took END
                FROM gen JOIN docs ON docs.k = gen.g % docs.total CROSS JOIN regions_
                RETURNING id, document_id, status, category, created_at, first_answered_at,
                          version_id, days_to_first_answer
            ), routed AS (
                INSERT INTO feedback_routes (feedback_id, group_id, routed_at, received_at,
                    status, category, document_id)
                SELECT made.id, d.subject_group_id, made.created_at + interval '1 hour',
                       made.created_at, made.status, made.category, made.document_id
                FROM made JOIN guidance_documents d ON d.id = made.document_id
                RETURNING feedback_id, group_id, document_id, received_at
            ), answered AS (
                INSERT INTO feedback_answers (feedback_id, group_id, status, body, will_change,
                    reason_code, version_id, author, answered_at)
                SELECT made.id, d.subject_group_id,
                       CASE made.status WHEN 'changed' THEN 'change_planned'
                                        ELSE made.status END,
                       CASE WHEN made.status <> 'closed' THEN 'Tack för synpunkten.' END,
                       CASE WHEN made.status <> 'closed' THEN made.status <> 'answered' END,
                       CASE WHEN made.status = 'closed' THEN 'duplicate' END,
                       NULL, 'user:1', made.first_answered_at
                FROM made JOIN guidance_documents d ON d.id = made.document_id
                WHERE made.first_answered_at IS NOT NULL
                RETURNING feedback_id
            )
            INSERT INTO feedback_themes (feedback_id, theme_id, tagged_by, tagged_at,
                document_id, received_at, item_status, version_id, days_to_first_answer)
            SELECT routed.feedback_id,
                   (SELECT t.id FROM group_themes t WHERE t.group_id = routed.group_id
                    ORDER BY t.id LIMIT 1), 'user:1', now(), routed.document_id,
                   routed.received_at, made.status, made.version_id,
                   made.days_to_first_answer
            FROM routed JOIN made ON made.id = routed.feedback_id
            WHERE abs(hashtext(routed.feedback_id::text)) % 5 = 0
            """,
            done,
            n,
            [str(c) for c in Category],
        )
        done += n
        print(f"  {done:,} items", file=sys.stderr, flush=True)
    await conn.execute("RESET session_replication_role")
    await conn.execute("SELECT followup_days_rebuild()")
    # As autovacuum leaves a table at rest: statistics, and the visibility map that lets the
    # figures be read from the index alone.
    await conn.execute("VACUUM ANALYZE")


async def timed(call: Callable[[], Awaitable[object]], repeat: int) -> tuple[float, float]:
    await call()  # warm the cache and the statements
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, round(0.99 * len(samples)))]


async def busiest(conn: asyncpg.Connection) -> tuple[str, int, int, str]:
    """(programme area slug, its items, the busiest group's id, that group's slug)."""
    area, in_area = await conn.fetchrow(
        "SELECT pa.slug, count(*) FROM feedback f "
        "JOIN guidance_documents d ON d.id = f.document_id "
        "JOIN subject_groups g ON g.id = d.subject_group_id "
        "JOIN programme_areas pa ON pa.id = g.programme_area_id "
        "GROUP BY pa.slug ORDER BY count(*) DESC LIMIT 1"
    )
    group_id, group = await conn.fetchrow(
        "SELECT g.id, g.slug FROM feedback_routes r JOIN subject_groups g ON g.id = r.group_id "
        "GROUP BY g.id, g.slug ORDER BY count(*) DESC LIMIT 1"
    )
    return area, in_area, group_id, group


async def measure(conn: asyncpg.Connection, repeat: int) -> dict[str, tuple[float, float]]:
    area, _, group_id, _ = await busiest(conn)
    lead = Principal(user_id=2, role=Role.PATIENT, groups={group_id: "lead"}, second_factor=True)
    day = dt.date.today()
    year_ago = (day - dt.timedelta(days=364)).isoformat()

    def board(principal: Principal, **raw: str) -> Callable[[], Awaitable[object]]:
        return lambda: service.dashboard(conn, principal, raw, day)

    cases = {
        "programme area, 12 months per month (admin)": board(ADMIN, area=area),
        "programme area, a year per week (admin)": board(
            ADMIN, area=area, per="week", **{"from": year_ago}
        ),
        "programme area, 24 months (admin)": board(
            ADMIN, area=area, **{"from": (day - dt.timedelta(days=729)).isoformat()}
        ),
        "busiest group's lead, 12 months": board(lead),
        "national overview, 12 months (admin)": board(ADMIN),
    }
    return {name: await timed(call, repeat) for name, call in cases.items()}


async def plan(conn: asyncpg.Connection, area: str) -> str:
    """The plan of the programme area's breakdowns, from the same SQL the app sends."""
    choices = await queries.choices(conn, None)
    area_id = next(c.id for c in choices if c.kind == "area" and c.slug == area)
    filters = parse_filters({"area": area}, dt.date.today())
    scope = queries.Scope(start=filters.start, end=filters.end, interval="month", area_id=area_id)
    sql, args = queries.figures_sql(scope)
    async with conn.transaction(readonly=True):
        await conn.execute(queries.SETTINGS)
        rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", *args)
    return "\n".join(row[0] for row in rows)


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


async def main(args: argparse.Namespace) -> None:
    with bench_server_url() as (server_url, server):
        url = await reusable(server_url, DATABASE, args.items, vacuum=True) if args.reuse else None
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
            load_before = load()
            runs = [await measure(conn, args.repeat) for _ in range(args.runs)]
            load_after = load()
            area, in_area, _, group = await busiest(conn)
            area_plan = await plan(conn, area)
            version = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
    lines = [
        f"\n## Follow-up dashboard over {args.items:,} items — {today()}\n",
        f"Machine: {machine()} (other work on it stretches every figure: see the load averages "
        f"below). Database: {server}, version {version}.",
        f"`python bench/followup.py --items {args.items} --repeat {args.repeat} "
        f"--runs {args.runs}{' --reuse' if reused else ''}`; "
        + (
            "the items of an earlier run were reused. "
            if reused
            else f"generating the items took {generated:.0f} s. "
        )
        + f"The programme area `{area}` holds {in_area:,} items over two years; its busiest "
        f"group is `{group}`. Each figure is the whole use case (followup/service.py "
        "`dashboard`): the filters' options, every breakdown with medians and 90th percentiles "
        "(percentile_cont), the themes and the helpfulness answers; medians over "
        f"{args.runs} runs of each run's p50 and p99 of {args.repeat} calls, in ms, on one "
        "connection. Goal: a programme area's dashboard under 200 ms p99. Load average "
        f"(1, 5, 15 min) before the timing: {load_before}; after: {load_after}.\n",
        "| dashboard | p50 ms | p99 ms |",
        "|---|---:|---:|",
    ]
    for name in runs[0]:
        p50 = median([run[name][0] for run in runs])
        p99 = median([run[name][1] for run in runs])
        lines.append(f"| {name} | {p50:.1f} | {p99:.1f} |")
    lines += [
        f"\nPlan of the breakdowns for `{area}`, 12 months (EXPLAIN ANALYZE):\n",
        "```",
        area_plan,
        "```\n",
    ]
    record("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure an earlier run's items")
    asyncio.run(main(parser.parse_args()))
