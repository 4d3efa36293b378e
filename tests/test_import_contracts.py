"""The import rules between packages (docs/architecture.md) hold, as import-linter contracts.

The contracts live in pyproject.toml ([tool.importlinter]). These tests run them, show that
they catch a forbidden import, and keep them complete as modules are added.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "medskapa"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Names of the modules that belong to their own area alone: its pages, API and SQL.
ENTRY_NAMES = ("web", "pages", "api", "exports")
ENTRY_SUFFIXES = ("_web", "_pages", "_api")


def _lint(root: Path, src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src), "PATH": str(LINT_IMPORTS.parent)},
        timeout=120,
        check=False,
    )


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_hold() -> None:
    result = _lint(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout


def test_an_area_that_reads_another_areas_queries_breaks_a_contract(tmp_path: Path) -> None:
    """The same contracts on a copy of the code with one forbidden import added: organisations
    reading triage's SQL directly instead of asking triage."""
    copy = tmp_path / "src"
    shutil.copytree(SRC, copy / "medskapa", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    service = copy / "medskapa" / "organisations" / "service.py"
    service.write_text(
        service.read_text(encoding="utf-8") + "\nfrom medskapa.triage import item_queries\n",
        encoding="utf-8",
    )
    result = _lint(tmp_path, copy)
    assert result.returncode != 0
    assert "medskapa.organisations.service -> medskapa.triage.item_queries" in result.stdout


def test_every_areas_pages_and_queries_are_protected() -> None:
    """A new queries or web module is covered by its area's contract the day it is added (the
    layers contracts are exhaustive: a new module must be placed in a layer too)."""
    protected: dict[str, set[str]] = {}
    for contract in _contracts():
        if contract["type"] == "protected":
            for module in contract["protected_modules"]:
                area = module.split(".")[1]
                protected.setdefault(area, set()).add(module)
    missing = []
    for path in sorted(SRC.glob("*/*.py")):
        area, name = path.parent.name, path.stem
        if area in {"web", "db", "security"}:
            continue  # the shared kit, imported by every area
        own = (
            name in ENTRY_NAMES
            or name.endswith(ENTRY_SUFFIXES)
            or name == "queries"
            or name.endswith("_queries")
        )
        if own and f"medskapa.{area}.{name}" not in protected.get(area, set()):
            missing.append(f"medskapa.{area}.{name}")
    assert missing == []
