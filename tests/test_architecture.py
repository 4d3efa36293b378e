"""The house rules that keep medskapa easy to extend, checked on the source itself.

The import rules between packages are import-linter contracts in pyproject.toml (`lint-imports`,
run by tests/test_import_contracts.py). These are the rules import-linter cannot see.
docs/architecture.md explains them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "medskapa"
MAX_LINES = 600

# asyncpg's ways to run SQL.
SQL_CALLS = frozenset(
    {
        "fetch",
        "fetchrow",
        "fetchval",
        "execute",
        "executemany",
        "cursor",
        "prepare",
        "copy_records_to_table",
        "copy_from_query",
        "copy_from_table",
        "copy_to_table",
    }
)
# The database layer itself: it migrates, creates roles and checks the connections it hands out.
SQL_ALLOWED_OUTSIDE_QUERIES = frozenset(
    {
        "db/migrations.py",
        "db/roles.py",
        "db/pool.py",
        # The health probe's `SELECT 1` is what it checks, not a query of the domain.
        "web/health.py",
    }
)


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _is_queries(path: Path) -> bool:
    return path.stem == "queries" or path.stem.endswith("_queries")


def test_no_source_file_passes_600_lines() -> None:
    """A file that grows past 600 lines is doing more than one thing: split it by capability
    before adding to it."""
    too_long = {
        _name(path): count
        for path in _modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}


def _sql_calls(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_CALLS
    ]


def test_sql_runs_only_in_queries_modules() -> None:
    """Services, pages and jobs call named functions in a queries module; none of them holds
    SQL of its own, so a change to a table is made (and reviewed) in one place per area."""
    elsewhere = {
        _name(path): lines
        for path in _modules()
        if not _is_queries(path)
        and _name(path) not in SQL_ALLOWED_OUTSIDE_QUERIES
        and (lines := _sql_calls(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert elsewhere == {}


def _positional_rows(tree: ast.AST) -> list[int]:
    """Calls such as ``Group(*row)``: a class called with a row spread into its positions."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id[:1].isupper()
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Starred)
        and not node.keywords
    ]


def test_rows_become_structs_by_column_name() -> None:
    """``Group(*row)`` silently swaps two fields when someone reorders a SELECT; a row is
    mapped by its column names (``Group(**row)``, ``msgspec.convert``) instead."""
    positional = {
        _name(path): lines
        for path in _modules()
        if (lines := _positional_rows(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert positional == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("rows = await conn.fetch('SELECT 1')", [1]),
        ("async with conn.transaction():\n    await conn.execute('x')", [2]),
        ("value = compute(x)", []),
    ],
)
def test_the_sql_check_sees_sql_calls(source: str, found: list[int]) -> None:
    assert _sql_calls(ast.parse(source)) == found


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("g = Group(*row)", [1]),
        ("gs = [Group(*r) for r in rows]", [1]),
        ("g = Group(**row)", []),
        ("print(*lines)", []),
        # A tuple spread among other values is not a row.
        ("b = Break(row.id, *subject, row.seq)", []),
    ],
)
def test_the_row_check_sees_positional_rows(source: str, found: list[int]) -> None:
    assert _positional_rows(ast.parse(source)) == found
