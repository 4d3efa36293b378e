"""Mixed load: patients submitting, moderators deciding, group members browsing and answering.

    python bench/mixed.py [--minutes 10] [--workers 1] [--patients 24] [--moderators 4]
                          [--members 8] [--think 0.25]

Starts a PostgreSQL (embedded, or MEDSKAPA_BENCH_DATABASE_URL), a fresh database with the demo
catalogue, the moderators and group members (one person each, spread over the subject groups,
each with a personal API token), 2,000 items already routed to the groups, and the server in
its own process (uvicorn, ``--workers``).
Virtual users then run in this process over loopback, each from an address of their own
(X-Forwarded-For from 127.0.0.1, a proxy the server trusts) and in a loop with a think time
drawn around ``--think`` seconds:

- a patient submits feedback on a random published document (POST /api/v1/feedback);
- a moderator reads the queue, claims one of the oldest items and approves it (or, one in ten,
  rejects it as off-topic), which routes it;
- a group member reads their inbox (newest first, every fourth time a Swedish full-text
  search), and every third time takes a routed item into review and answers it.

Bounded: it stops after ``--minutes``. For each action: count, errors (any unexpected status),
conflicts (409, or 422 for a group step: another moderator or member got there first, which
the service is built to say), and p50/p95/p99 latency; the server's peak resident memory per
worker process (VmHWM) is read from /proc at the end. Results are appended to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
import asyncpg
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.factories import TEST_SECRET, make_feedback, make_staff, principal_for, route_to
from tests.live import running_server

from bench.common import (
    bench_server_url,
    fresh_database,
    machine,
    process_tree,
    record,
    today,
)
from medskapa.accounts.admin import RoleChoice
from medskapa.accounts.service import AccountService
from medskapa.audit.keys import AuditKeys, bind
from medskapa.clock import utc_now
from medskapa.db.pool import init_connection
from medskapa.security.secrets import RECEIPT_KEY, instance_secret

SEEDED = 2_000
TEXTS = [
    "Avsnittet om uppföljning är svårt att förstå; det står inte när nästa kontroll är.",
    "Som närstående saknar jag råd om vem vi ska ringa på kvällar och helger.",
    "Dosen i tabellen stämmer inte med den i löptexten.",
    "Min egen erfarenhet är att rehabiliteringen kom igång alldeles för sent.",
    "Det vore bra med en förklaring av ordet sekundärprevention.",
]
CATEGORIES = ["hard_to_understand", "missing_information", "own_experience", "suggestion"]
SEARCHES = ["uppföljning", "närstående", "rehabilitering", "dosen"]
# Another member of the same group took the item first: the step is refused, not an error.
STEP_TAKEN = (409, 422)


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        # What each error was: the unexpected status, or the client's exception.
        self.error_kinds: dict[str, collections.Counter[str]] = defaultdict(collections.Counter)
        self.conflicts: dict[str, int] = defaultdict(int)

    def row(self, action: str) -> tuple[int, int, int, float, float, float]:
        values = sorted(self.latencies[action])

        def pct(p: float) -> float:
            if not values:
                return float("nan")
            return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

        return (
            len(values),
            self.errors[action],
            self.conflicts[action],
            pct(50),
            pct(95),
            pct(99),
        )


class Client:
    """One virtual user's HTTP calls, timed per action."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, stats: Stats, address: str
    ) -> None:
        self.session = session
        self.base_url = base_url
        self.stats = stats
        # Each virtual user from an address of their own, as people are (through a proxy the
        # server trusts): on one address, every patient's submission counted against the same
        # client's limit, and the statements that count it waited for each other.
        self.address = address

    async def call(
        self,
        action: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: object = None,
        params: dict[str, str] | None = None,
        expect: int = 200,
        conflicts: tuple[int, ...] = (409,),
    ) -> object | None:
        headers = {"X-Forwarded-For": self.address}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base_url + path, json=json, params=params, headers=headers
            ) as response:
                body = await response.read()
                status = response.status
        except aiohttp.ClientError as exc:
            self.stats.errors[action] += 1
            self.stats.error_kinds[action][type(exc).__name__] += 1
            return None
        self.stats.latencies[action].append((time.perf_counter() - started) * 1000)
        if status in conflicts:
            self.stats.conflicts[action] += 1
            return None
        if status != expect:
            self.stats.errors[action] += 1
            self.stats.error_kinds[action][str(status)] += 1
            return None
        return msgspec.json.decode(body) if body else {}


async def think(mean: float) -> None:
    await asyncio.sleep(random.uniform(0.5 * mean, 1.5 * mean))


async def patient(client: Client, documents: list[str], stop: float, mean: float) -> None:
    while time.perf_counter() < stop:
        await client.call(
            "patient: submit",
            "POST",
            "/api/v1/feedback",
            json={
                "document": random.choice(documents),
                "category": random.choice(CATEGORIES),
                "role": random.choice(["patient", "relative"]),
                "text": random.choice(TEXTS),
                "consent_public": True,
            },
            expect=201,
        )
        await think(mean)


async def moderator(client: Client, token: str, stop: float, mean: float) -> None:
    while time.perf_counter() < stop:
        queue = await client.call(
            "moderator: queue",
            "GET",
            "/api/v1/moderation/queue",
            token=token,
            params={"limit": "20"},
        )
        items = queue.get("items", []) if isinstance(queue, dict) else []
        if items:
            item = random.choice(items[:5])["id"]
            claimed = await client.call(
                "moderator: claim",
                "POST",
                f"/api/v1/feedback/{item}/moderation/claim",
                token=token,
            )
            if claimed is not None:
                decision = (
                    {"decision": "reject", "reason": "off_topic"}
                    if random.random() < 0.1
                    else {"decision": "approve"}
                )
                await client.call(
                    "moderator: decide",
                    "POST",
                    f"/api/v1/feedback/{item}/moderation",
                    token=token,
                    json=decision,
                )
        await think(mean)


async def member(client: Client, token: str, group: str, stop: float, mean: float) -> None:
    turn = 0
    while time.perf_counter() < stop:
        turn += 1
        params = {"q": random.choice(SEARCHES)} if turn % 4 == 0 else {}
        action = "member: search" if params else "member: inbox"
        page = await client.call(
            action, "GET", f"/api/v1/groups/{group}/inbox", token=token, params=params
        )
        routed = [
            i["id"]
            for i in (page.get("items", []) if isinstance(page, dict) else [])
            if i["status"] == "routed"
        ]
        if turn % 3 == 0 and routed:
            item = random.choice(routed)
            reviewed = await client.call(
                "member: take into review",
                "POST",
                f"/api/v1/feedback/{item}/transitions",
                token=token,
                json={"to": "in_review"},
                # Two members of one group may pick the same routed item.
                conflicts=STEP_TAKEN,
            )
            if reviewed is not None:
                await client.call(
                    "member: answer",
                    "POST",
                    f"/api/v1/feedback/{item}/transitions",
                    token=token,
                    json={
                        "to": "answered",
                        "answer": "Tack. Texten ändras inte: avsnittet beskriver redan detta.",
                    },
                    conflicts=STEP_TAKEN,
                )
        await think(mean)


async def prepare(
    url: str, moderators: int, members: int
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Published documents, a token per moderator, and (group, token) per group member: each
    virtual user is a person of their own, members spread over the groups in turn."""
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        bind(conn, AuditKeys.from_secret(TEST_SECRET))  # the key the server is started with
        documents = [
            r[0]
            for r in await conn.fetch(
                "SELECT slug FROM guidance_documents WHERE status = 'published' ORDER BY slug"
            )
        ]
        owners = {
            r[0]: r[1]
            for r in await conn.fetch(
                "SELECT d.slug, g.slug FROM guidance_documents d "
                "JOIN subject_groups g ON g.id = d.subject_group_id WHERE d.status = 'published'"
            )
        }
        accounts = AccountService(conn, utc_now, await instance_secret(conn, RECEIPT_KEY))
        mod_tokens = []
        for n in range(moderators):
            mod = await make_staff(conn, f"moderator{n}@bench.example", role=RoleChoice.MODERATOR)
            signed_in = await principal_for(conn, mod, second_factor=True)
            mod_tokens.append(await accounts.create_api_token(signed_in, "bench"))
        groups = sorted(set(owners.values()))
        member_tokens = []
        for n in range(members):
            group = groups[n % len(groups)]
            user = await make_staff(conn, f"member{n}@bench.example", group=group)
            signed_in = await principal_for(conn, user, second_factor=True)
            member_tokens.append((group, await accounts.create_api_token(signed_in, "bench")))
        for n in range(SEEDED):
            slug = documents[n % len(documents)]
            item = await make_feedback(conn, document=slug, text=TEXTS[n % len(TEXTS)])
            await route_to(conn, item.id, owners[slug])
        await conn.execute("ANALYZE")
        return documents, mod_tokens, member_tokens
    finally:
        await conn.close()


def worker_pids(root: int) -> list[int]:
    """The uvicorn process and its children: with --workers > 1 the children serve."""
    return process_tree(root)[1:] or [root]


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(args: argparse.Namespace) -> None:
    with bench_server_url() as (server_url, server_text):
        url = await fresh_database(server_url, "medskapa_bench_mixed")
        documents, mod_tokens, member_tokens = await prepare(url, args.moderators, args.members)
        env = {
            "MEDSKAPA_SUBMIT_LIMIT": "100000000",
            "MEDSKAPA_DB_POOL_MAX_SIZE": "10",
            "MEDSKAPA_TRUSTED_PROXIES": "127.0.0.1",
        }
        stats = Stats()
        with running_server(url, workers=args.workers, env=env) as (base_url, proc):
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as session:
                addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in range(10_000))

                def client() -> Client:
                    return Client(session, base_url, stats, next(addresses))

                started = time.perf_counter()
                stop = started + args.minutes * 60
                users = (
                    [patient(client(), documents, stop, args.think) for _ in range(args.patients)]
                    + [moderator(client(), token, stop, args.think) for token in mod_tokens]
                    + [
                        member(client(), token, group, stop, args.think)
                        for group, token in member_tokens
                    ]
                )
                await asyncio.gather(*users)
                elapsed = time.perf_counter() - started
            peaks = [peak_rss_mib(pid) for pid in worker_pids(proc.pid)]
    report(args, server_text, stats, elapsed, peaks)


def report(
    args: argparse.Namespace, server_text: str, stats: Stats, elapsed: float, peaks: list[float]
) -> None:
    lines = [
        f"\n## Mixed load — {today()}\n",
        f"- machine: {machine()}",
        f"- database: {server_text}",
        f"- server: `medskapa` under uvicorn, {args.workers} worker(s); load from a separate "
        "process over loopback (aiohttp virtual users, each from an address of their own, "
        "personal API tokens for staff)",
        f"- {args.patients} patients, {args.moderators} moderators, {args.members} group members,"
        f" think time {args.think} s ± 50 %, {elapsed / 60:.1f} minutes; {SEEDED} items routed "
        "beforehand",
        "- server peak memory (VmHWM) per worker: " + ", ".join(f"{p:.0f} MiB" for p in peaks),
        "",
        "| action | count | per s | errors | someone else first | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for action in sorted(stats.latencies):
        count, errors, conflicts, p50, p95, p99 = stats.row(action)
        worst = max(worst, p99)
        lines.append(
            f"| {action} | {count} | {count / elapsed:.1f} | {errors} | {conflicts} | "
            f"{p50:.1f} | {p95:.1f} | {p99:.1f} |"
        )
    total_errors = sum(stats.errors.values())
    kinds = "; ".join(
        f"{action}: " + ", ".join(f"{kind} x{n}" for kind, n in counter.most_common())
        for action, counter in sorted(stats.error_kinds.items())
    )
    lines += [
        "",
        f"Worst p99 over all actions: **{worst:.0f} ms** (target, issue 17: < 50 ms); "
        f"{total_errors} errors{f' ({kinds})' if kinds else ''}.",
        "",
    ]
    record("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--patients", type=int, default=24)
    parser.add_argument("--moderators", type=int, default=4)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--think", type=float, default=0.25)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
