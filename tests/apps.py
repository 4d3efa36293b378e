"""The app under test, built once per worker process and per distinct settings.

Building the app (Litestar registers and checks ~300 routes, and the OpenAPI document is made)
takes ~0.35 s of CPU. Every test starts an already built app on its own database with a fresh
state: the app reads the database URL from its settings at start-up."""

from __future__ import annotations

import jinja2
import msgspec
from litestar import Litestar
from litestar.datastructures import State

from medskapa.app import create_app
from medskapa.settings import Settings

_APPS: dict[tuple[Settings, str], Litestar] = {}


class _CompiledTemplates(jinja2.BytecodeCache):
    """The templates compiled once per process, not once per app: every app's environment
    is set up alike (web/templating.py ``configure``), and compiling all 200 takes ~1 s of CPU.
    A template whose source changed is compiled anew (jinja2 checks the source's checksum)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def build(settings: Settings) -> Litestar:
    """``create_app(settings)``, its templates compiled once for the whole process."""
    app = create_app(settings)
    app.template_engine.engine.bytecode_cache = _COMPILED  # type: ignore[union-attr]
    return app


def app_for(settings: Settings, role: str) -> Litestar:
    """The app for ``settings``; ``role`` keeps apart two apps that run at the same time (a
    second browser, a live server beside a test client), as two processes would be."""
    key = (msgspec.structs.replace(settings, database_url=None), role)
    if key not in _APPS:
        _APPS[key] = build(settings)
    app = _APPS[key]
    # A fresh state, as a new process has: nothing read from an earlier test's database (the
    # receipt key, for one) is kept.
    app.state = State({"settings": settings})
    return app
