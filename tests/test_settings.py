from __future__ import annotations

from pathlib import Path

import pytest

from medskapa.settings import Settings, SettingsError


def test_reads_prefixed_variables() -> None:
    settings = Settings.from_env(
        {
            "MEDSKAPA_DATABASE_URL": "postgresql://u@db/medskapa",
            "MEDSKAPA_DEBUG": "true",
            "MEDSKAPA_DB_POOL_MAX_SIZE": "20",
            "MEDSKAPA_DATA_DIR": "/srv/medskapa",
            "PATH": "/usr/bin",
        }
    )
    assert settings.database_url == "postgresql://u@db/medskapa"
    assert settings.debug is True
    assert settings.db_pool_max_size == 20
    assert settings.data_dir == Path("/srv/medskapa")


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.data_dir.name == "medskapa"


def test_unknown_variable_is_named() -> None:
    with pytest.raises(SettingsError, match="Unknown setting MEDSKAPA_DATABASE_ULR"):
        Settings.from_env({"MEDSKAPA_DATABASE_ULR": "x"})


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="MEDSKAPA_DB_POOL_MAX_SIZE"):
        Settings.from_env({"MEDSKAPA_DB_POOL_MAX_SIZE": "many"})


def test_inconsistent_pool_sizes_are_refused() -> None:
    with pytest.raises(SettingsError, match="MIN_SIZE must not be larger"):
        Settings.from_env({"MEDSKAPA_DB_POOL_MIN_SIZE": "5", "MEDSKAPA_DB_POOL_MAX_SIZE": "2"})


def test_port_and_workers_for_serve_are_checked() -> None:
    settings = Settings.from_env({"MEDSKAPA_PORT": "8080", "MEDSKAPA_WORKERS": "4"})
    assert (settings.port, settings.workers) == (8080, 4)
    with pytest.raises(SettingsError, match="MEDSKAPA_PORT must be from 1 to 65535"):
        Settings.from_env({"MEDSKAPA_PORT": "0"})
    with pytest.raises(SettingsError, match="MEDSKAPA_WORKERS must be from 1 to 64"):
        Settings.from_env({"MEDSKAPA_WORKERS": "0"})


def test_the_helpfulness_reasons_retention_is_checked() -> None:
    assert Settings.from_env({}).helpfulness_reason_retention_days == 365
    assert (
        Settings.from_env(
            {"MEDSKAPA_HELPFULNESS_REASON_RETENTION_DAYS": "90"}
        ).helpfulness_reason_retention_days
        == 90
    )
    with pytest.raises(
        SettingsError, match="MEDSKAPA_HELPFULNESS_REASON_RETENTION_DAYS must be from 1 to 3650"
    ):
        Settings.from_env({"MEDSKAPA_HELPFULNESS_REASON_RETENTION_DAYS": "0"})
