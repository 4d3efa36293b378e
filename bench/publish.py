"""Publishing a version over 10,000 open anchored items: the whole publish step, database included.

    python bench/publish.py [--items 10000] [--sections 30] [--runs 3] [--no-record]

Imports a guidance-style document (``--sections`` sections of 2-4 kB, from bench/reanchor.py's
generator) and publishes 1.0; inserts ``--items`` open feedback items anchored on it the way
the reader's browser anchors them (80 % quotes, 15 % a section, 5 % the whole document; a fifth
left an e-mail address); writes draft 1.1 with bench/reanchor.py's "typical" edits through the
service; then times, each in a transaction rolled back afterwards so every run starts alike:

- *report*: ``anchor_report`` on the draft (what the lead sees before publishing: built and
  stored);
- *publish*: ``publish`` (report built and frozen, version published, a mail queued for every
  submitter with an address, followers told), as one transaction.

Issue 13 asks for the report over 10,000 items in under 5 s on this machine. Results are
appended to docs/benchmarks.md. ``MEDSKAPA_BENCH_DATABASE_URL`` names a server to use; without
it an embedded PostgreSQL is started.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_SECRET,
    bench_server_url,
    fresh_database,
    machine,
    median,
    record,
    today,
)
from bench.reanchor import anchors, document, new_version
from medskapa.audit.keys import AuditKeys, bind
from medskapa.catalogue.authoring import CLI, AuthoringService, SectionInput
from medskapa.catalogue.importer import ImportedDocument, SectionDraft
from medskapa.clock import utc_now
from medskapa.db.pool import init_connection

SLUG = "bench-publish"
DATABASE = "medskapa_bench_publish"


async def prepare(conn: asyncpg.Connection, items: int, sections: int) -> None:
    rng = random.Random(20261201)
    old = document(rng, sections)
    service = AuthoringService(conn, utc_now)
    await service.import_document(
        CLI,
        ImportedDocument(
            slug=SLUG,
            title="Benchmark: ett vårdförlopp",
            kind="care_pathway",
            group="nag-hjartsvikt",
            version="1.0",
            change_summary="Första versionen.",
            sections=[
                SectionDraft(
                    key=s.key,
                    number=s.key.split("-")[0],
                    heading=s.heading.split(" ", 1)[1],
                    level=2,
                    body=s.text,
                )
                for s in old
            ],
        ),
        publish=True,
    )
    document_id, version_id = await conn.fetchrow(
        "SELECT d.id, v.id FROM guidance_documents d JOIN document_versions v "
        "ON v.document_id = d.id WHERE d.slug = $1",
        SLUG,
    )
    contacts = await conn.fetch(
        "INSERT INTO contacts (email) SELECT 'person' || n || '@example.se' "
        "FROM generate_series(1, $1) n RETURNING id",
        items // 5,
    )
    contact_ids = [c["id"] for c in contacts]
    records = []
    for n, anchor in enumerate(anchors(rng, old, items)):
        records.append(
            (
                uuid.uuid4(),
                document_id,
                version_id,
                anchor.section_key,
                anchor.exact,
                anchor.prefix,
                anchor.suffix,
                "hard_to_understand",
                "patient",
                "Det här stycket är svårt att förstå.",
                "sv",
                False,
                n % 5 == 0,
                contact_ids[n // 5] if n % 5 == 0 else None,
                "routed",
                os.urandom(32),
            )
        )
    await conn.copy_records_to_table(
        "feedback",
        columns=[
            "id", "document_id", "version_id", "section_key", "quote_exact", "quote_prefix",
            "quote_suffix", "category", "submitter_role", "body", "language",
            "consent_public", "consent_contact", "contact_id", "status", "receipt_hash",
        ],
        records=records,
    )  # fmt: skip
    new = new_version(random.Random(7), old, edit_all=False)
    await service.create_draft(CLI, SLUG, "1.1")
    await service.save_draft(
        CLI,
        SLUG,
        "1.1",
        title="Benchmark: ett vårdförlopp",
        summary="",
        change_summary="",
        sections=[
            SectionInput(
                key=s.key,
                number=s.key.split("-")[0],
                heading=s.heading.split(" ", 1)[-1],
                body=s.text,
            )
            for s in new
        ],
    )
    await conn.execute("ANALYZE")


async def timed(conn: asyncpg.Connection, runs: int) -> dict[str, object]:
    service = AuthoringService(conn, utc_now)
    report_times, publish_times = [], []
    outcomes: Counter[str] = Counter()
    mails = 0
    for _ in range(runs):
        transaction = conn.transaction()
        await transaction.start()
        try:
            start = time.perf_counter()
            report = await service.anchor_report(CLI, SLUG, "1.1")
            report_times.append(time.perf_counter() - start)
        finally:
            await transaction.rollback()
        transaction = conn.transaction()
        await transaction.start()
        try:
            start = time.perf_counter()
            published = await service.publish(
                CLI, SLUG, "1.1", change_summary="Kortare väntetider."
            )
            publish_times.append(time.perf_counter() - start)
            mails = await conn.fetchval(
                "SELECT count(*) FROM outbox_messages WHERE template = 'feedback_passage_placed'"
            )
        finally:
            await transaction.rollback()
        outcomes = Counter(published.counts)
        assert sum(report.counts.values()) == sum(published.counts.values())
    return {
        "report": median(report_times),
        "publish": median(publish_times),
        "outcomes": outcomes,
        "mails": mails,
    }


async def run(items: int, sections: int, runs: int) -> str:
    with bench_server_url() as (server_url, server):
        url = await fresh_database(server_url, DATABASE)
        conn = await asyncpg.connect(url)
        try:
            await init_connection(conn)
            bind(conn, AuditKeys.from_secret(BENCH_SECRET))
            await prepare(conn, items, sections)
            result = await timed(conn, runs)
        finally:
            await conn.close()
    outcomes = result["outcomes"]
    return "\n".join(
        [
            f"\n## Publishing a version over {items:,} open anchored items — {today()}\n",
            f"- machine: {machine()}; {server}",
            f"- `python bench/publish.py`: a {sections}-section document (2-4 kB a section), "
            f"{items:,} open items on 1.0 (a fifth with an e-mail address), draft 1.1 with the "
            f"typical edits of bench/reanchor.py; median of {runs} runs, each rolled back",
            "",
            "| step | wall ms |",
            "|---|---:|",
            "| re-anchoring report on the draft (built and stored) "
            f"| {result['report'] * 1000:.0f} |",
            f"| publish (report frozen, version published, {result['mails']:,} mails queued) "
            f"| {result['publish'] * 1000:.0f} |",
            "",
            "Outcomes: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items()))  # type: ignore[union-attr]
            + ". Issue 13's bar: the report in under 5 s.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--sections", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args()
    text = asyncio.run(run(args.items, args.sections, args.runs))
    if args.no_record:
        print(text)
    else:
        record(text)


if __name__ == "__main__":
    main()
