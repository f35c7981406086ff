"""A malformed setting is a ConfigError naming the variable on one line, for every setting a process
reads at start-up (LOG_LEVEL raised a bare ValueError from logging), and the `flask` CLI shows it as
one line rather than a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from service.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("env, name", [
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"LOG_LEVEL": "10"}, "LOG_LEVEL"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"DATABASE_URL": "village.db"}, "DATABASE_URL"),
    ({"DATABASE_URL": "mysqlish://village@db/village"}, "DATABASE_URL"),
    ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL"),
    ({"REDIS_URL": "redis://127.0.0.1:sixthousand/0"}, "REDIS_URL"),
    ({"CRISIS_LINES": '{"FR": "3114"}'}, "CRISIS_LINES"),
])
def test_a_malformed_setting_is_a_one_line_config_error_naming_it(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)

    message = str(caught.value)
    assert message.startswith(name) and "\n" not in message
    assert message.count(name) == 1
    assert isinstance(caught.value, ValueError)  # callers that caught ValueError still do


@pytest.mark.parametrize("level", ["debug", "Info", "WARNING", "error", "CRITICAL"])
def test_log_level_is_any_logging_level_in_any_case(level: str) -> None:
    assert load_settings({"LOG_LEVEL": level}).log_level == level.upper()


def test_a_bad_database_or_redis_url_is_reported_without_repeating_its_password() -> None:
    for env in ({"DATABASE_URL": "nosuchdb://village:s3cret-pass@db/village"},
                {"REDIS_URL": "redis://:s3cret-pass@127.0.0.1:sixthousand/0"}):
        with pytest.raises(ConfigError) as caught:
            load_settings(env)
        assert "s3cret-pass" not in str(caught.value)


def test_good_urls_pass() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql+psycopg://village:pw@db.example.org:5432/village",
                              "REDIS_URL": "rediss://:pw@cache.example.org:6380/2"})
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_the_flask_cli_reports_a_malformed_setting_in_one_line() -> None:
    names = {f.name.upper() for f in fields(Settings)}
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("FLASK_")}
    env["LOG_LEVEL"] = "LOUD"
    finished = subprocess.run([sys.executable, "-m", "flask", "--app", "service", "demo", "seed"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)

    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr.splitlines() == ["Error: LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"]


@pytest.mark.parametrize("command", [
    ["-m", "workers.worker", "--queue", "default"], ["-m", "workers.clock"],
    ["-m", "gunicorn", "--bind", "127.0.0.1:1", "service:create_app()"],
], ids=["worker", "clock", "gunicorn"])
def test_each_procfile_process_stops_on_a_bad_setting_with_one_line(command: list[str], tmp_path: Path) -> None:
    """Run directly, as a Procfile platform runs them: a traceback (or gunicorn's 'Unable to configure
    logger') used to hide which setting was wrong."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOG_", "DATABASE_", "REDIS_"))}
    env["LOG_LEVEL"] = "LOUD"
    done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "LOG_LEVEL='LOUD'" in done.stderr


def test_a_public_deployment_without_twilio_credentials_does_not_start_with_the_simulator() -> None:
    """Its pages show every text and let anyone post one: never on a public https address."""
    with pytest.raises(ConfigError) as caught:
        load_settings({"PUBLIC_BASE_URL": "https://village.example.org"})
    assert "TWILIO_ACCOUNT_SID is unset" in str(caught.value)
    assert load_settings({"PUBLIC_BASE_URL": "http://127.0.0.1:5000"}).use_simulator
