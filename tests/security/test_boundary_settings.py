"""The public address and the names the app answers to: read from the environment, checked
at start, and never guessed for a production server."""

from __future__ import annotations

import os

import pytest

from medskapa.settings import Settings, SettingsError
from tests.test_cli import run_cli


def test_the_base_urls_host_is_always_allowed_and_more_names_can_be_added() -> None:
    settings = Settings.from_env(
        {
            "MEDSKAPA_BASE_URL": "https://medskapa.example.se/",
            "MEDSKAPA_ALLOWED_HOSTS": "www.medskapa.example.se, *.intern.example.se,app:8443",
        }
    )
    allowed = settings.allowed_host_names()
    for name in (
        "medskapa.example.se",
        "medskapa.example.se:443",
        "www.medskapa.example.se",
        "*.intern.example.se",
        "app:8443",
    ):
        assert name in allowed
    assert "127.0.0.1" not in allowed, "loopback only for a loopback base URL"
    assert "app" not in allowed


def test_a_loopback_base_url_answers_the_loopback_names_on_its_port() -> None:
    allowed = Settings.from_env({"MEDSKAPA_BASE_URL": "http://127.0.0.1:8123"}).allowed_host_names()
    assert {"127.0.0.1:8123", "localhost:8123", "[::1]:8123"} <= set(allowed)
    assert "127.0.0.1:9999" not in allowed
    assert "evil.example" not in allowed


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("MEDSKAPA_BASE_URL", "medskapa.example.se", "must start with http:// or https://"),
        ("MEDSKAPA_BASE_URL", "https://medskapa.example.se/app", "without a path"),
        ("MEDSKAPA_BASE_URL", "https://user:pw@medskapa.example.se", "no user or password"),
        ("MEDSKAPA_BASE_URL", "https://medskapa.example.se:99999", "port"),
        ("MEDSKAPA_ALLOWED_HOSTS", "https://x.example.se", "is not a host name"),
        ("MEDSKAPA_ALLOWED_HOSTS", "x.example.se/path", "is not a host name"),
        ("MEDSKAPA_ALLOWED_HOSTS", "x.*.example.se", "is not a host name"),
    ],
)
def test_unusable_values_are_named(name: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError, match=name) as refused:
        Settings.from_env({name: value})
    assert says in str(refused.value)


def test_serve_on_a_public_interface_needs_the_base_url() -> None:
    """Without MEDSKAPA_BASE_URL a server on 0.0.0.0 would mail links to 127.0.0.1 and refuse
    every request for its real name: it does not start, and says why in one sentence."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDSKAPA_")}
    env["MEDSKAPA_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    result = run_cli("serve", "--host", "0.0.0.0", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("medskapa: MEDSKAPA_BASE_URL is not set;")
    assert "Traceback" not in result.stderr
