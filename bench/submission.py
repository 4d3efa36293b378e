"""Submission benchmark: the full HTTP submission path against a bare asyncpg INSERT.

    python bench/submission.py [--concurrency 16] [--requests 4000] [--runs 3] [--workers 1]

Starts a PostgreSQL (embedded, or MEDSKAPA_BENCH_DATABASE_URL), a fresh database with the demo
catalogue and the server in its own process (uvicorn). The load comes from this process over
loopback with keep-alive connections. Each run measures, one after the other on the same
server: a bare single-row INSERT of the same text through an asyncpg pool, POST
/api/v1/feedback, and the same POST refused while its body is decoded (the server's own cost
per request, without the database). Bounded: at most --requests calls and --max-seconds per
measurement.
Results (medians of the runs) are appended to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aiohttp
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import running_server

from bench.common import (
    Result,
    bench_server_url,
    fresh_database,
    machine,
    median,
    record,
    run_closed_loop,
    today,
)

TEXT = (
    "Avsnittet om uppföljning är svårt att förstå. Det står inte när jag ska få tid hos "
    "sjuksköterskan efter utskrivningen, och min närstående visste inte vem vi skulle ringa."
)


async def bare_insert(url: str, concurrency: int, total: int, max_seconds: float) -> Result:
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    assert pool is not None
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_insert (id bigint GENERATED ALWAYS AS "
            "IDENTITY PRIMARY KEY, body text NOT NULL, created_at timestamptz DEFAULT now())"
        )

    async def insert(_: int) -> bool:
        async with pool.acquire() as conn:
            await conn.execute("INSERT INTO bench_bare_insert (body) VALUES ($1)", TEXT)
        return True

    try:
        return await run_closed_loop(
            "bare INSERT", insert, concurrency=concurrency, total=total, max_seconds=max_seconds
        )
    finally:
        await pool.close()


async def http_posts(
    base_url: str,
    body: dict[str, str],
    expected: int,
    concurrency: int,
    total: int,
    max_seconds: float,
) -> Result:
    """POST /api/v1/feedback with ``body`` in a closed loop; a call counts as an error unless it
    is answered with ``expected``."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def submit(_: int) -> bool:
            async with session.post(f"{base_url}/api/v1/feedback", json=body) as response:
                await response.read()
                return response.status == expected

        # Warm up connections and the server's pool.
        await run_closed_loop("warm-up", submit, concurrency=concurrency, total=200, max_seconds=10)
        return await run_closed_loop(
            "http", submit, concurrency=concurrency, total=total, max_seconds=max_seconds
        )


async def measure(args: argparse.Namespace) -> None:
    with bench_server_url() as (server_url, server_text):
        url = await fresh_database(server_url, "medskapa_bench_submission")
        conn = await asyncpg.connect(url)
        slug = await conn.fetchval(
            "SELECT slug FROM guidance_documents WHERE status = 'published' ORDER BY slug LIMIT 1"
        )
        await conn.close()
        env = {
            "MEDSKAPA_SUBMIT_LIMIT": "100000000",
            "MEDSKAPA_DB_POOL_MAX_SIZE": str(args.pool),
        }
        valid = {
            "document": slug,
            "category": "hard_to_understand",
            "role": "patient",
            "text": TEXT,
        }
        # Same route and size, but a field of the wrong type: refused (422) while the body is
        # decoded, before the handler runs, so it never touches the database. What the server
        # stack itself costs per request: a ceiling for the full path on this machine.
        refused = {**valid, "category": 7}
        bare: list[Result] = []
        full: list[Result] = []
        floor: list[Result] = []
        bounds = (args.concurrency, args.requests, args.max_seconds)
        with running_server(url, workers=args.workers, env=env) as (base_url, _):
            for run in range(args.runs):
                bare.append(await bare_insert(url, *bounds))
                full.append(await http_posts(base_url, valid, 201, *bounds))
                floor.append(await http_posts(base_url, refused, 422, *bounds))
                print(
                    f"run {run + 1}: bare {bare[-1].rate:.0f}/s, full {full[-1].rate:.0f}/s, "
                    f"full p99 {full[-1].percentile(99):.1f} ms, errors {full[-1].errors}, "
                    f"no-database floor {floor[-1].rate:.0f}/s",
                    file=sys.stderr,
                )
    report(args, server_text, bare, full, floor)


def report(
    args: argparse.Namespace,
    server_text: str,
    bare: list[Result],
    full: list[Result],
    floor: list[Result],
) -> None:
    bare_rate = median([r.rate for r in bare])
    full_rate = median([r.rate for r in full])
    floor_rate = median([r.rate for r in floor])
    rows = [
        ("bare asyncpg INSERT", bare, bare_rate),
        ("POST /api/v1/feedback", full, full_rate),
        ("POST /api/v1/feedback refused at decoding (no database)", floor, floor_rate),
    ]
    lines = [
        f"\n## Submission throughput — {today()}\n",
        f"- machine: {machine()}",
        f"- database: {server_text}",
        f"- server: `medskapa` under uvicorn, {args.workers} worker(s), pool {args.pool} per "
        "worker; load from a separate process over loopback (aiohttp, keep-alive)",
        f"- closed loop, concurrency {args.concurrency}, {args.requests} calls per measurement, "
        f"{args.runs} runs; figures are medians of the runs",
        "",
        "| path | rate (per s) | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, results, rate in rows:
        lines.append(
            f"| {name} | {rate:.0f} | {median([r.percentile(50) for r in results]):.2f} | "
            f"{median([r.percentile(95) for r in results]):.2f} | "
            f"{median([r.percentile(99) for r in results]):.2f} | "
            f"{sum(r.errors for r in results)} |"
        )
    ratio = full_rate / bare_rate if bare_rate else 0
    p99 = median([r.percentile(99) for r in full])
    lines += [
        "",
        f"Full submission reaches **{ratio:.0%}** of the bare INSERT rate (target ≥ 40%); "
        f"p99 {p99:.1f} ms (target < 25 ms). The same server answering the same route without "
        f"touching the database manages {floor_rate:.0f}/s, {floor_rate / bare_rate:.0%} of the "
        "bare INSERT rate: the ceiling for any full submission here.",
        "",
    ]
    record("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pool", type=int, default=16)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
