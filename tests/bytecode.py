"""Bytecode made once per run where Python is told to write none (PYTHONDONTWRITEBYTECODE=1).

With that setting no process leaves a .pyc behind, so every process compiles what it imports
again: each pytest worker compiles the medskapa package and rewrites and compiles every test
module while collecting (~6 s of CPU per worker; each worker collects the whole suite), and
every process a test starts (the CLI, uvicorn, the outbox relay) compiles the package again
(~0.35 s of CPU each). The setting only stops Python from *writing* bytecode; bytecode that is
there is read. So the first pytest process (the one that starts the workers, before any of
them has started) writes it once: plain .pyc for the package and the tests' helper modules,
and pytest's own cached rewrite (asserts rewritten, as pytest would rewrite them itself) for
the test modules and conftest files. Both are checked against their source when read (pytest's
by a hash of it), so a file changed since is compiled afresh as before. Nothing a test runs or
asserts changes, only where the compiled code comes from. Under `__pycache__`, which git
ignores, as Python itself would write it.
"""

from __future__ import annotations

import compileall
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import medskapa


def _rewrite(config: pytest.Config, path: Path) -> None:
    """pytest's rewrite of the file, written where pytest looks for it, by pytest's own
    functions; if a later pytest has none by these names, nothing is written and each worker
    rewrites as before."""
    try:
        from _pytest.assertion import rewrite
    except ImportError:
        return
    needed = ("_read_pyc", "_rewrite_test", "_write_pyc", "get_cache_dir", "PYC_TAIL")
    state = config.stash.get(getattr(rewrite, "assertstate_key", None), None)
    if state is None or not all(hasattr(rewrite, name) for name in needed):
        return
    cache_dir = rewrite.get_cache_dir(path)
    pyc = cache_dir / (path.name[:-3] + rewrite.PYC_TAIL)
    try:
        cache_dir.mkdir(exist_ok=True)
        if rewrite._read_pyc(path, pyc) is None:
            source_hash, code = rewrite._rewrite_test(path, config)
            rewrite._write_pyc(state, code, source_hash, pyc)
    except (OSError, SyntaxError):
        # A folder we may not write, or a module that does not compile: the worker that
        # collects it meets the same and reports it as pytest always does.
        return


def _is_rewritten(config: pytest.Config, path: Path) -> bool:
    """Whether pytest rewrites this file's asserts: conftest files and test modules."""
    if path.name == "conftest.py":
        return True
    return any(path.match(pattern) for pattern in config.getini("python_files"))


_CONFIG: list[pytest.Config] = []


def _compile(paths: list[Path]) -> None:
    config = _CONFIG[0]
    for path in paths:
        if path.is_relative_to(TESTS) and _is_rewritten(config, path):
            _rewrite(config, path)
        else:
            compileall.compile_file(path, quiet=2)


TESTS = Path(__file__).parent


def precompile(config: pytest.Config) -> None:
    """In the process that starts the run (not in an xdist worker), when Python writes no
    bytecode by itself; shared among as many processes as there are cores (forked, so that
    each has the configuration, which says which files pytest rewrites and how)."""
    if not sys.dont_write_bytecode or hasattr(config, "workerinput"):
        return
    package = Path(medskapa.__file__).parent
    sources = sorted(package.rglob("*.py")) + sorted(TESTS.rglob("*.py"))
    cores = os.cpu_count() or 1
    _CONFIG[:] = [config]
    try:
        with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(_compile, [sources[i::cores] for i in range(cores)]))
    finally:
        _CONFIG.clear()
