"""Re-anchoring benchmark: the pure ``reanchor`` over 10,000 open items.

    python bench/reanchor.py [--items 10000] [--sections 30] [--runs 5] [--no-record]

Builds a Swedish guidance-style document of ``--sections`` sections of 2-4 kB each (sentences
made from templates and word lists, fixed seed) and a new version of it, then places
``--items`` anchors made the way the reader's browser makes them (a passage of 3-30 words with
32 characters either side; 15 % section-only, 5 % on the whole document) with
``medskapa.catalogue.anchoring.reanchor``. Two new versions are timed:

- *typical*: 2 sections renumbered, 6 edited (a third of their sentences with 1-3 words
  replaced, one sentence deleted, one added), one removed, one added, one sentence moved to
  another section;
- *every section edited*: the same edits in every section, so most quotes need the fuzzy search.

The figures are the medians of ``--runs`` runs. Results are appended to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, median, record, today
from medskapa.catalogue.anchoring import Anchor, Placement, SectionText, normalise, reanchor

CONTEXT = 32

TEMPLATES = [
    "Vid misstanke om {sjukdom} bör {vem} erbjuda {insats} inom {tid}.",
    "{Vem} ansvarar för att {insats} planeras tillsammans med patienten och närstående.",
    "Patienter med {sjukdom} och {tillstand} bör behandlas med {lakemedel} om inte {hinder}.",
    "Dosen av {lakemedel} ökas stegvis till måldos under {tid}, med kontroll av {prov}.",
    "Kontrollera {prov} {tid} efter varje dosökning och vid {tillstand}.",
    "{Insats} bör dokumenteras i journalen så att {vem} kan följa upp den.",
    "Patienten bör få skriftlig information om {sjukdom} och vart hen vänder sig vid {tillstand}.",
    "Om {prov} är normalt talar det starkt emot {sjukdom}, men {insats} kan ändå behövas.",
    "Närstående bör erbjudas {insats} och information om hur de kan stödja patienten.",
    "Uppföljning av {sjukdom} sker i {vem_obj} med {insats} minst en gång per år.",
    "Vid {tillstand} hos patienter med {sjukdom} behöver behandlingen med {lakemedel} ses över.",
    "Remiss till {vem_obj} skickas om {hinder} eller om {prov} försämras.",
]
WORDS = {
    "sjukdom": [
        "hjärtsvikt",
        "förmaksflimmer",
        "typ 2-diabetes",
        "KOL",
        "kronisk njursjukdom",
        "hypertoni",
        "depression",
        "stroke",
        "osteoporos",
        "astma",
    ],
    "vem": [
        "vårdcentralen",
        "den fasta vårdkontakten",
        "sjuksköterskan",
        "läkaren",
        "fysioterapeuten",
        "hjärtsviktsmottagningen",
        "kommunens hemsjukvård",
    ],
    "vem_obj": [
        "primärvården",
        "specialistvården",
        "en sjuksköterskeledd mottagning",
        "kommunens hälso- och sjukvård",
        "en rehabiliteringsenhet",
    ],
    "insats": [
        "ett uppföljande besök",
        "ekokardiografi",
        "en läkemedelsgenomgång",
        "fysisk aktivitet på recept",
        "patientutbildning",
        "en vårdplan",
        "samtalsstöd",
        "ett hembesök",
        "en strukturerad bedömning",
    ],
    "tid": [
        "två veckor",
        "fyra veckor",
        "de första månaderna",
        "tre månader",
        "ett halvår",
        "en till två veckor",
    ],
    "tillstand": [
        "akut sjukdom",
        "uttorkning",
        "nedsatt njurfunktion",
        "hög ålder",
        "svår skörhet",
        "graviditet",
        "samtidig infektion",
    ],
    "lakemedel": [
        "ACE-hämmare",
        "betablockerare",
        "SGLT2-hämmare",
        "metformin",
        "MRA",
        "statiner",
        "antikoagulantia",
        "diuretika",
    ],
    "prov": ["kalium", "kreatinin", "NT-proBNP", "HbA1c", "blodtryck", "vikten", "eGFR"],
    "hinder": [
        "patienten avstår",
        "det finns kontraindikationer",
        "njurfunktionen är nedsatt",
        "biverkningarna är besvärande",
    ],
}
REPLACEMENTS = ["ska", "kan", "alltid", "vid behov", "i första hand", "regelbundet", "tidigt"]


def sentence(rng: random.Random) -> str:
    template = rng.choice(TEMPLATES)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        word = rng.choice(WORDS[name.lower()])
        return word[0].upper() + word[1:] if name[0].isupper() else word

    return re.sub(r"\{(\w+)\}", fill, template)


def section_text(rng: random.Random) -> str:
    target = rng.randint(2000, 4000)
    paragraphs, length = [], 0
    while length < target:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def document(rng: random.Random, count: int) -> list[SectionText]:
    return [
        SectionText(f"{i}-avsnitt-{i}", f"{i} Avsnitt {i}", section_text(rng))
        for i in range(1, count + 1)
    ]


def edit(rng: random.Random, text: str) -> str:
    sentences = re.split(r"(?<=\.) ", text)
    out = []
    for s in sentences:
        if rng.random() < 1 / 3:
            words = s.split(" ")
            for _ in range(rng.randint(1, 3)):
                words[rng.randrange(len(words))] = rng.choice(REPLACEMENTS)
            s = " ".join(words)
        out.append(s)
    del out[rng.randrange(len(out))]
    out.insert(rng.randrange(len(out)), sentence(rng))
    return " ".join(out)


def new_version(rng: random.Random, old: list[SectionText], edit_all: bool) -> list[SectionText]:
    new = list(old)
    edited = range(len(new)) if edit_all else rng.sample(range(len(new)), 6)
    for i in edited:
        new[i] = SectionText(new[i].key, new[i].heading, edit(rng, new[i].text))
    for i in (3, 4):  # renumbered: "3-avsnitt-3" becomes "3.1-avsnitt-3"
        key = new[i].key.replace("-", ".1-", 1)
        new[i] = SectionText(key, new[i].heading, new[i].text)
    moved = re.split(r"(?<=\.) ", new[7].text)[0]
    new[7] = SectionText(new[7].key, new[7].heading, new[7].text.replace(moved + " ", "", 1))
    new[8] = SectionText(new[8].key, new[8].heading, new[8].text + " " + moved)
    del new[10]
    new.append(SectionText(f"{len(old) + 1}-nytt", "Nytt avsnitt", section_text(rng)))
    return new


def anchors(rng: random.Random, old: list[SectionText], count: int) -> list[Anchor]:
    normalised = [normalise(s.text) for s in old]
    made = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05:
            made.append(Anchor())
            continue
        i = rng.randrange(len(old))
        if roll < 0.20:
            made.append(Anchor(section_key=old[i].key))
            continue
        words = [m.span() for m in re.finditer(r"\S+", normalised[i])]
        first = rng.randrange(len(words) - 3)
        last = min(len(words) - 1, first + rng.randint(2, 29))
        start, end = words[first][0], words[last][1]
        text = normalised[i]
        made.append(
            Anchor(
                section_key=old[i].key,
                exact=text[start:end],
                prefix=text[max(0, start - CONTEXT) : start],
                suffix=text[end : end + CONTEXT],
            )
        )
    return made


def timed(items: list[Anchor], old: list[SectionText], new: list[SectionText], runs: int):
    seconds, cpu, placements = [], [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        placements = reanchor(items, old, new)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return median(seconds), median(cpu), placements


def outcomes(placements: list[Placement]) -> str:
    counts = Counter(p.outcome for p in placements)
    return ", ".join(f"{name} {counts[name]}" for name in ("same", "moved", "changed", "gone"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--sections", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args()

    rng = random.Random(20261201)
    old = document(rng, args.sections)
    items = anchors(rng, old, args.items)
    distinct = len({(a.section_key, a.exact, a.prefix, a.suffix) for a in items})
    size = sum(len(s.text) for s in old)
    rows = []
    for name, edit_all in (("typical", False), ("every section edited", True)):
        new = new_version(random.Random(7), old, edit_all)
        seconds, cpu, placements = timed(items, old, new, args.runs)
        rows.append(
            f"| {name} | {seconds * 1000:.0f} | {cpu * 1000:.0f} | "
            f"{seconds / args.items * 1e6:.1f} | {outcomes(placements)} |"
        )
    text = "\n".join(
        [
            f"\n## Re-anchoring {args.items:,} items (pure function) — {today()}\n",
            f"- machine: {machine()}",
            f"- document: {args.sections} sections, {size / 1000:.0f} kB of text "
            f"({size / args.sections / 1000:.1f} kB a section); {distinct:,} distinct anchors",
            f"- `python bench/reanchor.py`: `reanchor(anchors, old, new)` alone, no database; "
            f"median of {args.runs} runs",
            "",
            "| new version | wall ms | CPU ms | µs per item (wall) | outcomes |",
            "|---|---:|---:|---:|---|",
            *rows,
            "",
        ]
    )
    if args.no_record:
        print(text)
    else:
        record(text)


if __name__ == "__main__":
    main()
