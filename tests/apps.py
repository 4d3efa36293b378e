"""The app under test, built once per worker process and per distinct settings.

Building the app (Litestar registers and checks ~300 routes, and the OpenAPI document is made)
takes ~0.35 s of CPU. Every test starts an already built app on its own database with a fresh
state: the app reads the database URL from its settings at start-up."""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.datastructures import State

from medskapa.app import create_app
from medskapa.settings import Settings

_APPS: dict[tuple[Settings, str], Litestar] = {}


def app_for(settings: Settings, role: str) -> Litestar:
    """The app for ``settings``; ``role`` keeps apart two apps that run at the same time (a
    second browser, a live server beside a test client), as two processes would be."""
    key = (msgspec.structs.replace(settings, database_url=None), role)
    if key not in _APPS:
        _APPS[key] = create_app(settings)
    app = _APPS[key]
    # A fresh state, as a new process has: nothing read from an earlier test's database (the
    # receipt key, for one) is kept.
    app.state = State({"settings": settings})
    return app
