"""Throughput through a reverse proxy with one and with two app processes (issue 17's scale-out).

    python bench/scaleout.py [--seconds 8] [--rounds 2] [--connections 32]

Starts, on one PostgreSQL (``MEDSKAPA_BENCH_DATABASE_URL``, or an embedded one), three set-ups
side by side as tests/scaleout does (tests/scaleout/cluster.py): nginx in front of one
`medskapa serve` process, nginx in front of two, and nginx in front of two whose pool goes
through PgBouncer in transaction mode. Each is loaded by ``wrk -t1`` through nginx with the
document page (GET, rendered once per process and then kept) and the feedback POST (each
request as from another visitor, in X-Forwarded-For, which nginx extends and the app trusts
from 127.0.0.1). The set-ups take turns in each round, each round starting with another one,
so a busy machine weighs on all alike; the figures are medians of the rounds. How the requests
were shared between the backends is read from nginx's access log. Needs wrk, /usr/sbin/nginx
and /usr/sbin/pgbouncer. The load average before and after is part of the result: on a machine
with fewer free cores than processes, a second backend cannot add throughput. Appended to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.scaleout.cluster import NGINX, PGBOUNCER, Cluster, cluster, missing

from bench.common import (
    BENCH_SECRET,
    bench_server_url,
    fresh_database,
    machine,
    median,
    record,
    today,
)
from bench.compare import TEXT, post_script, wrk

SETUPS = {
    "1 backend": {"backends": 1, "through_pgbouncer": False},
    "2 backends": {"backends": 2, "through_pgbouncer": False},
    "2 backends, PgBouncer": {"backends": 2, "through_pgbouncer": True},
}
ENV = {
    "MEDSKAPA_SUBMIT_LIMIT": "100000000",
    "MEDSKAPA_DB_POOL_MAX_SIZE": "16",
}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def shares(running: Cluster, skip_lines: int) -> str:
    """How the requests logged since ``skip_lines`` were shared between the backends."""
    lines = running.access_log.read_text().splitlines()[skip_lines:]
    counted = collections.Counter(line.rsplit(" ", 1)[1] for line in lines if " " in line)
    total = sum(counted.values()) or 1
    return " / ".join(f"{100 * counted[b] / total:.0f} %" for b in running.backends)


async def measure(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="medskapa-scaleout-bench-"))
    folder.chmod(0o755)  # noqa: ASYNC240 (nginx's workers and PgBouncer run as nobody as root)
    rates: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    p99s: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    bad: collections.Counter[tuple[str, str]] = collections.Counter()
    split: dict[str, str] = {}
    before = load_average()
    try:
        with bench_server_url() as (server_url, server_text):
            url = await fresh_database(server_url, "medskapa_bench_scaleout")
            conn = await asyncpg.connect(url)
            slug = await conn.fetchval(
                "SELECT slug FROM guidance_documents WHERE status = 'published' "
                "ORDER BY slug LIMIT 1"
            )
            await conn.close()
            body = {"document": slug, "category": "hard_to_understand", "role": "patient"}
            body["text"] = TEXT
            feedback = post_script(folder, "feedback", body, many_clients=True)
            with ExitStack() as stack:
                running = {}
                for n, (name, shape) in enumerate(SETUPS.items()):
                    where = folder / f"setup-{n}"
                    where.mkdir()
                    running[name] = stack.enter_context(
                        cluster(url, where, secret_key=BENCH_SECRET, env=ENV, **shape)  # type: ignore[arg-type]
                    )
                for round_ in range(args.rounds):
                    print(f"round {round_ + 1}, load average {load_average()}", file=sys.stderr)
                    # A different set-up goes first in each round: the machine's other work
                    # comes and goes, and should not weigh on one of them more.
                    order = list(running.items())
                    order = order[round_ % len(order) :] + order[: round_ % len(order)]
                    for name, setup in order:
                        loads = {
                            "document page": (f"{setup.url}/kunskapsstod/{slug}", None),
                            "POST /api/v1/feedback": (f"{setup.url}/api/v1/feedback", feedback),
                        }
                        for load, (target, script) in loads.items():
                            logged = len(setup.access_log.read_text().splitlines())
                            rate, _, p99, errors, _, _ = wrk(
                                target, args.seconds, args.connections, script=script
                            )
                            rates[name, load].append(rate)
                            p99s[name, load].append(p99)
                            bad[name, load] += errors
                            split[f"{name}, {load}"] = shares(setup, logged)
                            print(f"{name} {load}: {rate:.0f}/s p99 {p99:.1f} ms", file=sys.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    after = load_average()

    lines = [
        f"\n## Scale-out through nginx (bench/scaleout.py) — {today()}\n",
        f"- machine: {machine()}; load average (1/5/15 min) {before} before, {after} after "
        "the run: the machine was shared with other work throughout",
        f"- database: {server_text}",
        f"- load: `wrk -t1 -c{args.connections} -d{args.seconds:.0f}s` through nginx (round "
        f"robin, keepalive to the backends) after 1 s warm-up, {args.rounds} round(s), medians; "
        "each backend is one `medskapa serve` process with one worker (uvicorn) and a pool of "
        "16; PgBouncer in transaction mode with the manifest's settings; the feedback POST as "
        "from a new visitor each time",
        "",
        "| set-up | load | rate /s | p99 ms | not 2xx/3xx or timed out (2 s) | per backend |",
        "|---|---|---:|---:|---:|---|",
    ]
    for (name, load), values in rates.items():
        lines.append(
            f"| {name} | {load} | {median(values):.0f} | {median(p99s[name, load]):.1f} | "
            f"{bad[name, load]} | {split[f'{name}, {load}']} |"
        )
    one = {
        load: median(rates["1 backend", load])
        for load in ("document page", "POST /api/v1/feedback")
    }
    lines += ["", "Two backends against one (same rounds):", ""]
    for name in ("2 backends", "2 backends, PgBouncer"):
        parts = [f"{load} ×{median(rates[name, load]) / one[load]:.2f}" for load in one]
        lines.append(f"- {name}: " + "; ".join(parts))
    lines.append("")
    record("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    reason = missing(NGINX, PGBOUNCER)
    if reason is not None:
        sys.exit(f"bench/scaleout.py: {reason}")
    if shutil.which("wrk") is None:
        sys.exit("bench/scaleout.py needs wrk: apt-get install wrk")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
