"""The `kefu` command, run as a user runs it: a separate process with its own data dir.

These always use the embedded default (SQLite in the temp data dir), whatever database
the suite itself runs on, so they never touch a shared PostgreSQL database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from kefu.core import checks

KEFU = Path(sys.executable).with_name("kefu")
COMMAND = [str(KEFU)] if KEFU.exists() else [sys.executable, "-m", "kefu.cli"]
ADMIN_PASSWORD = "init-test-password-1"


def kefu(*args: str, data: Path, env: dict | None = None, timeout: float = 60):
    """Run ``kefu ARGS`` with a clean KEFU_* environment and the given data dir."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "DJANGO_"))}
    environ["KEFU_DATA_DIR"] = str(data)
    environ.update(env or {})
    return subprocess.run(
        [*COMMAND, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def lines(result) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def initialised(tmp_path_factory) -> Path:
    """A data dir that `kefu init` has prepared once for this module (copied per test)."""
    data = tmp_path_factory.mktemp("kefu-initialised")
    result = kefu("init", "--admin-password", ADMIN_PASSWORD, data=data)
    assert result.returncode == 0, result.stderr
    return data


@pytest.fixture
def data(initialised, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(initialised, copy)
    return copy


def rows(data: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(data / "kefu.sqlite3")) as conn:
        return conn.execute(sql).fetchall()


# ---------------------------------------------------------------- help


@pytest.mark.slow
def test_help_lists_every_command(tmp_path):
    result = kefu("--help", data=tmp_path)
    assert result.returncode == 0
    for command in ("init", "serve", "worker", "demo", "token", "backup", "check"):
        assert f"    {command} " in result.stdout or f"    {command}\n" in result.stdout, command


@pytest.mark.slow
def test_no_command_prints_help_and_fails(tmp_path):
    result = kefu(data=tmp_path)
    assert result.returncode == 2
    assert "usage: kefu" in result.stdout


# ---------------------------------------------------------------- init


@pytest.mark.slow
def test_init_makes_the_data_dir_and_the_first_admin(initialised):
    assert (initialised / "kefu.sqlite3").exists()
    assert (initialised / "secret_key").exists()
    assert rows(initialised, "SELECT username, role FROM core_user") == [("admin", "admin")]


@pytest.mark.slow
def test_init_twice_is_safe_and_keeps_the_data(data):
    token = kefu("token", "create", "--user", "admin", data=data)
    assert token.returncode == 0, token.stderr
    users = rows(data, "SELECT id, username, password FROM core_user")
    tokens = rows(data, "SELECT id, digest FROM core_apitoken")
    secret = (data / "secret_key").read_text()

    again = kefu("init", data=data)

    assert again.returncode == 0, again.stderr
    assert "an admin exists already" in again.stdout
    assert rows(data, "SELECT id, username, password FROM core_user") == users
    assert rows(data, "SELECT id, digest FROM core_apitoken") == tokens
    assert (data / "secret_key").read_text() == secret


# ---------------------------------------------------------------- token


@pytest.mark.slow
def test_token_create_prints_only_the_token(data):
    result = kefu("token", "create", "--user", "admin", "--name", "shop sync", data=data)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n")
    printed = result.stdout.splitlines()
    assert len(printed) == 1
    assert printed[0].startswith("kefu_")
    assert " " not in printed[0]
    assert rows(data, "SELECT name FROM core_apitoken") == [("shop sync",)]


@pytest.mark.slow
def test_token_for_an_unknown_user_fails_in_one_line(data):
    result = kefu("token", "create", "--user", "nobody", data=data)
    assert result.returncode == 1
    assert result.stdout == ""
    assert lines(result) == ["kefu token: no user named 'nobody'"]


# ---------------------------------------------------------------- configuration errors

BAD_VALUES = [
    ("KEFU_BIND", "nonsense"),
    ("KEFU_DATABASE_URL", "mysql://x"),
    ("KEFU_TIME_ZONE", "Mars/Olympus"),
    ("KEFU_REDIS_URL", "http://x"),
    ("KEFU_DEBUG", "maybe"),
    ("KEFU_SECRET_KEY", "short"),
]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["check", "init", "serve"])
@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_malformed_variable_stops_every_command_in_one_line(tmp_path, command, name, value):
    result = kefu(command, data=tmp_path / "data", env={name: value}, timeout=30)
    assert result.returncode != 0
    assert len(lines(result)) == 1, result.stdout + result.stderr
    assert name in lines(result)[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "name", "value"),
    [
        ("serve", "KEFU_WEB_WORKERS", "lots"),
        ("token", "KEFU_ALLOWED_HOSTS", ","),
        ("backup", "KEFU_JOB_LEASE_SECONDS", "soon"),
        ("demo", "KEFU_DATA_DIR", "FILE"),
        ("worker", "KEFU_DATABASE_URL", "postgres://db:port/kefu"),
    ],
)
def test_other_commands_and_variables(tmp_path, command, name, value):
    if value == "FILE":
        value = str(tmp_path / "a-file")
        Path(value).write_text("")
    args = ["token", "create", "--user", "admin"] if command == "token" else [command]
    result = kefu(*args, data=tmp_path / "data", env={name: value}, timeout=30)
    assert result.returncode == 1
    assert len(lines(result)) == 1, result.stdout + result.stderr
    assert name in lines(result)[0]


@pytest.mark.slow
def test_an_unreachable_database_fails_fast_in_one_line(tmp_path):
    started = time.monotonic()
    result = kefu(
        "init",
        data=tmp_path,
        env={"KEFU_DATABASE_URL": "postgres://kefu@127.0.0.1:1/kefu"},
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.splitlines() if line.startswith("kefu init: ")
    ]
    assert "cannot reach the database" in result.stderr
    assert time.monotonic() - started < 15


# ---------------------------------------------------------------- un-initialised data dir


@pytest.mark.slow
@pytest.mark.parametrize("command", ["serve", "worker", "demo"])
def test_commands_before_init_say_to_run_init(tmp_path, command):
    data = tmp_path / "fresh"
    result = kefu(command, data=data, timeout=30)
    assert result.returncode == 1
    assert len(lines(result)) == 1, result.stdout + result.stderr
    assert "run `kefu init`" in lines(result)[0]
    assert not (data / "kefu.sqlite3").exists()


@pytest.mark.slow
def test_serve_against_an_unmigrated_database_says_to_run_init(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    sqlite3.connect(data / "kefu.sqlite3").close()  # exists, but holds no tables
    result = kefu("serve", data=data, timeout=30)
    assert result.returncode == 1
    assert lines(result) == ["kefu serve: the database is not ready: run `kefu init` first"]


# ---------------------------------------------------------------- check


@pytest.mark.slow
def test_check_on_a_fresh_install_is_happy(data):
    result = kefu("check", data=data)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "kefu configuration looks fine."


@pytest.mark.slow
def test_check_before_init_says_to_run_init(tmp_path):
    result = kefu("check", data=tmp_path / "fresh")
    assert result.returncode == 1
    assert lines(result) == [
        f"error: there is no database at {tmp_path / 'fresh' / 'kefu.sqlite3'} yet: run `kefu init`"
    ]


@pytest.mark.slow
def test_check_reports_problems_in_plain_words(data):
    result = kefu(
        "check",
        data=data,
        env={
            "KEFU_BIND": "0.0.0.0:8000",
            "KEFU_DEBUG": "on",
            "KEFU_REDIS_URL": "redis://127.0.0.1:1/0",
        },
    )
    assert result.returncode == 1
    out = result.stdout
    assert "error: KEFU_REDIS_URL is set but Redis does not answer" in out
    assert "warning: kefu listens on 0.0.0.0:8000 but KEFU_ALLOWED_HOSTS is not set" in out
    assert "warning: KEFU_DEBUG is on" in out


# The same checks in-process, against the suite's own database and settings.


def only(problems, level):
    return [message for lvl, message in problems if lvl == level]


def test_run_checks_finds_no_error_on_the_test_database(db):
    assert only(checks.run_checks(), "error") == []


def test_run_checks_reports_a_config_error_alone(db, monkeypatch):
    monkeypatch.setenv("KEFU_BIND", "everywhere")
    problems = checks.run_checks()
    assert len(problems) == 1
    assert problems[0][0] == "error"
    assert "KEFU_BIND" in problems[0][1]


def test_run_checks_warns_about_a_shared_database_without_a_shared_key(db, monkeypatch):
    monkeypatch.setenv("KEFU_DATABASE_URL", "postgres://kefu@db.example.com/kefu")
    monkeypatch.delenv("KEFU_SECRET_KEY", raising=False)
    assert any("KEFU_SECRET_KEY" in m for m in only(checks.run_checks(), "warning"))
    monkeypatch.setenv("KEFU_SECRET_KEY", "s" * 40)
    assert not any("KEFU_SECRET_KEY" in m for m in only(checks.run_checks(), "warning"))


def test_run_checks_warns_about_default_hosts_on_a_public_bind(db, monkeypatch):
    monkeypatch.delenv("KEFU_ALLOWED_HOSTS", raising=False)
    monkeypatch.setenv("KEFU_BIND", "127.0.0.1:8000")
    assert not any("KEFU_ALLOWED_HOSTS" in m for m in only(checks.run_checks(), "warning"))
    monkeypatch.setenv("KEFU_BIND", "0.0.0.0:8000")
    assert any("KEFU_ALLOWED_HOSTS" in m for m in only(checks.run_checks(), "warning"))
    monkeypatch.setenv("KEFU_ALLOWED_HOSTS", "kefu.example.com")
    assert not any("KEFU_ALLOWED_HOSTS" in m for m in only(checks.run_checks(), "warning"))


def test_run_checks_warns_when_debug_is_on(db, settings):
    settings.DEBUG = True
    assert any("KEFU_DEBUG" in m for m in only(checks.run_checks(), "warning"))


def test_run_checks_needs_boto3_for_s3(db, settings, monkeypatch):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "b"}},
    }
    real_find_spec = checks.importlib.util.find_spec
    monkeypatch.setattr(
        checks.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "boto3" else real_find_spec(name, *a),
    )
    assert any("boto3" in m for m in only(checks.run_checks(), "error"))


def test_run_checks_reports_an_unreachable_redis(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert any("Redis does not answer" in m for m in only(checks.run_checks(), "error"))


def test_run_checks_passes_on_django_system_check_errors(db, monkeypatch):
    from django.core import checks as django_checks

    monkeypatch.setattr(
        django_checks,
        "run_checks",
        lambda *a, **k: [django_checks.Error("broken on purpose", id="kefu.E999")],
    )
    assert "kefu.E999: broken on purpose" in only(checks.run_checks(), "error")
