"""docs/security.md stays true: every test it cites exists, and every OWASP ASVS 4.0.3 level-2
requirement of V2, V3, V4 and V13 has its row. A renamed or removed test fails here instead of
leaving a stale reference."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
CITED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
ROW = re.compile(r"^\| (\d+\.\d+\.\d+) \|(.*)\|$", re.MULTILINE)
MAPPING, GAPS = DOC.read_text(encoding="utf-8").split("\n## Gaps", 1)
VERDICT = re.compile(r"^\*\*([^*]+?)\.?\*\*")
# Verdicts that leave nothing for the lead to do; every other one must be listed under Gaps.
SETTLED = {"Met", "Met by absence", "N/A", "Deployment"}

# From the v4.0.3_release tag of OWASP/ASVS: a ✓ in the L2 column, plus V2.10 ("OS assisted")
# and V3.3.2 (whose L2 column gives the limits). 2.8.7 is only recommended ("o") at L2.
LEVEL_2 = {
    "V2": [
        *(f"2.1.{n}" for n in range(1, 13)),
        *(f"2.2.{n}" for n in range(1, 4)),
        *(f"2.3.{n}" for n in range(1, 4)),
        *(f"2.4.{n}" for n in range(1, 6)),
        *(f"2.5.{n}" for n in range(1, 8)),
        *(f"2.6.{n}" for n in range(1, 4)),
        *(f"2.7.{n}" for n in range(1, 7)),
        *(f"2.8.{n}" for n in range(1, 7)),
        *(f"2.9.{n}" for n in range(1, 4)),
        *(f"2.10.{n}" for n in range(1, 5)),
    ],
    "V3": [
        "3.1.1",
        *(f"3.2.{n}" for n in range(1, 5)),
        *(f"3.3.{n}" for n in range(1, 5)),
        *(f"3.4.{n}" for n in range(1, 6)),
        *(f"3.5.{n}" for n in range(1, 4)),
        "3.7.1",
    ],
    "V4": ["4.1.1", "4.1.2", "4.1.3", "4.1.5", "4.2.1", "4.2.2", "4.3.1", "4.3.2", "4.3.3"],
    "V13": [
        *("13.1.1", "13.1.3", "13.1.4", "13.1.5"),
        *("13.2.1", "13.2.2", "13.2.3", "13.2.5", "13.2.6"),
        *("13.3.1", "13.3.2", "13.4.1", "13.4.2"),
    ],
}


def defines(path: Path, name: str) -> bool:
    return (
        re.search(rf"^\s*(?:async\s+)?def {name}\(", path.read_text(encoding="utf-8"), re.M)
        is not None
    )


def test_every_cited_test_exists() -> None:
    cited = sorted(set(CITED.findall(DOC.read_text(encoding="utf-8"))))
    assert len(cited) > 50, "the citations should have been found"
    missing = [
        f"{path}::{name}"
        for path, name in cited
        if not (ROOT / path).is_file() or not defines(ROOT / path, name)
    ]
    assert missing == []


def test_every_level_2_requirement_has_one_row() -> None:
    rows = [req for req, _ in ROW.findall(MAPPING)]
    expected = [req for chapter in LEVEL_2.values() for req in chapter]
    assert len(expected) == 92
    assert sorted(set(rows)) == sorted(expected)
    assert len(rows) == len(set(rows)), "a requirement has two rows"


def test_every_row_marked_met_names_a_test() -> None:
    untested = []
    for req, cells in ROW.findall(MAPPING):
        _, how, tests = (cell.strip() for cell in cells.rsplit("|", 2))
        verdict = VERDICT.match(how)
        # "**Met.**" and "**Met** (with a note)" alike.
        if verdict is not None and verdict.group(1) == "Met" and not CITED.search(tests):
            untested.append(req)
    assert untested == []


def test_every_row_not_settled_is_listed_under_gaps() -> None:
    listed = {
        req
        for first_cell in re.findall(r"^\| ([\d., ]+) \|", GAPS, re.MULTILINE)
        for req in first_cell.split(", ")
    }
    unlisted = []
    for req, cells in ROW.findall(MAPPING):
        how = cells.rsplit("|", 2)[1].strip()
        verdict = VERDICT.match(how)
        assert verdict is not None, f"{req} starts with no verdict"
        if verdict.group(1) not in SETTLED and req not in listed:
            unlisted.append(f"{req} ({verdict.group(1)})")
    assert unlisted == []
