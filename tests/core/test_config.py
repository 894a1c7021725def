"""KEFU_* variables: defaults, parsing, and one-line errors that name the variable."""

from __future__ import annotations

import os
import stat

import pytest

from kefu import config
from kefu.config import ConfigError


@pytest.fixture
def env(monkeypatch):
    """A clean environment: no KEFU_* variable set. env(NAME=value) sets some."""
    for name in list(os.environ):
        if name.startswith("KEFU_"):
            monkeypatch.delenv(name)

    def set_(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_


# ---------------------------------------------------------------- malformed values

MALFORMED = [
    ("KEFU_DATABASE_URL", "mysql://kefu@db/kefu", lambda p: config.database(p)),
    ("KEFU_DATABASE_URL", "postgres://db.example.com", lambda p: config.database(p)),
    ("KEFU_DATABASE_URL", "postgres://db.example.com:port/kefu", lambda p: config.database(p)),
    ("KEFU_DATABASE_URL", "sqlite:///kefu.db", lambda p: config.database(p)),
    ("KEFU_REDIS_URL", "http://x", lambda p: config.redis_url()),
    ("KEFU_REDIS_URL", "redis://cache:sixtyfour/0", lambda p: config.redis_url()),
    ("KEFU_SECRET_KEY", "short", lambda p: config.secret_key(p)),
    ("KEFU_ALLOWED_HOSTS", " , ,", lambda p: config.allowed_hosts()),
    ("KEFU_TIME_ZONE", "Mars/Olympus", lambda p: config.time_zone()),
    ("KEFU_TIME_ZONE", "../../etc/passwd", lambda p: config.time_zone()),
    ("KEFU_BIND", "nonsense", lambda p: config.bind()),
    ("KEFU_BIND", "127.0.0.1", lambda p: config.bind()),
    ("KEFU_BIND", ":8000", lambda p: config.bind()),
    ("KEFU_BIND", "0.0.0.0:0", lambda p: config.bind()),
    ("KEFU_BIND", "0.0.0.0:65536", lambda p: config.bind()),
    ("KEFU_BIND", "0.0.0.0:http", lambda p: config.bind()),
    ("KEFU_DEBUG", "maybe", lambda p: config.flag("KEFU_DEBUG")),
    ("KEFU_SECURE_COOKIES", "2", lambda p: config.flag("KEFU_SECURE_COOKIES")),
    ("KEFU_WEB_WORKERS", "many", lambda p: config.web_workers()),
    ("KEFU_WEB_WORKERS", "0", lambda p: config.web_workers()),
    ("KEFU_WEB_THREADS", "0", lambda p: config.web_threads()),
    ("KEFU_JOB_LEASE_SECONDS", "1.5", lambda p: config.integer("KEFU_JOB_LEASE_SECONDS", 300, 5)),
    ("KEFU_JOB_LEASE_SECONDS", "1", lambda p: config.integer("KEFU_JOB_LEASE_SECONDS", 300, 5)),
]


@pytest.mark.parametrize(
    ("name", "value", "parse"), MALFORMED, ids=[f"{n}={v}" for n, v, _ in MALFORMED]
)
def test_a_malformed_value_is_refused_in_one_line_naming_the_variable(
    env, tmp_path, name, value, parse
):
    env(**{name: value})
    with pytest.raises(ConfigError) as caught:
        parse(tmp_path)
    message = str(caught.value)
    assert name in message
    assert "\n" not in message


def test_validate_covers_the_variables_settings_does_not_read(env):
    env(KEFU_BIND="nonsense")
    with pytest.raises(ConfigError, match="KEFU_BIND"):
        config.validate()
    env(KEFU_BIND="127.0.0.1:8000", KEFU_WEB_WORKERS="lots")
    with pytest.raises(ConfigError, match="KEFU_WEB_WORKERS"):
        config.validate()


def test_a_data_dir_that_is_a_file_is_refused(env, tmp_path):
    path = tmp_path / "a-file"
    path.write_text("")
    env(KEFU_DATA_DIR=str(path))
    with pytest.raises(ConfigError, match="KEFU_DATA_DIR"):
        config.data_dir()


def test_an_s3_endpoint_must_be_a_web_address(env):
    env(KEFU_S3_BUCKET="kefu-files", KEFU_S3_ENDPOINT_URL="minio:9000")
    with pytest.raises(ConfigError, match="KEFU_S3_ENDPOINT_URL"):
        config.storage()


# ---------------------------------------------------------------- defaults


def test_defaults(env, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.data_dir() == (tmp_path / ".local" / "share" / "kefu").resolve()
    db = config.database(tmp_path)
    assert db["ENGINE"] == "kefu.core.sqlite"
    assert db["NAME"] == str(tmp_path / "kefu.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert config.redis_url() is None
    assert config.allowed_hosts() == ["127.0.0.1", "localhost", "[::1]", "testserver"]
    assert config.time_zone() == "Asia/Shanghai"
    assert str(config.bind()) == "127.0.0.1:8000"
    assert config.web_workers() == min(8, max(2, 2 * (os.cpu_count() or 1)))
    assert config.web_threads() == 1
    assert config.flag("KEFU_DEBUG") is False
    assert config.flag("KEFU_SECURE_COOKIES", default=True) is True
    assert config.integer("KEFU_JOB_MAX_ATTEMPTS", 5, minimum=1) == 5
    assert config.storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    config.validate()


def test_blank_values_count_as_unset_and_spaces_are_trimmed(env):
    env(KEFU_TIME_ZONE="   ", KEFU_BIND=" 0.0.0.0:9000 ", KEFU_DEBUG=" Yes ")
    assert config.time_zone() == "Asia/Shanghai"
    assert (config.bind().host, config.bind().port) == ("0.0.0.0", 9000)
    assert config.flag("KEFU_DEBUG") is True


def test_bind_accepts_ipv6(env):
    env(KEFU_BIND="[::]:8000")
    assert config.bind().host == "[::]"
    assert config.bind().port == 8000


@pytest.mark.parametrize("raw", ["1", "true", "YES", "on"])
def test_flags_read_true(env, raw):
    env(KEFU_DEBUG=raw)
    assert config.flag("KEFU_DEBUG") is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "OFF"])
def test_flags_read_false(env, raw):
    env(KEFU_DEBUG=raw)
    assert config.flag("KEFU_DEBUG", default=True) is False


def test_allowed_hosts_are_split_on_commas(env):
    env(KEFU_ALLOWED_HOSTS=" kefu.example.com, 10.0.0.5 ,,")
    assert config.allowed_hosts() == ["kefu.example.com", "10.0.0.5"]


def test_the_secret_key_is_made_once_and_kept_private(env, tmp_path):
    data = tmp_path / "data"
    key = config.secret_key(data)
    assert len(key) >= 50
    assert config.secret_key(data) == key
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600


def test_a_given_secret_key_wins(env, tmp_path):
    env(KEFU_SECRET_KEY="k" * 40)
    assert config.secret_key(tmp_path) == "k" * 40
    assert not (tmp_path / "secret_key").exists()


def test_redis_urls(env):
    env(KEFU_REDIS_URL="rediss://:p%40ss@cache.internal:6380/2")
    assert config.redis_url() == "rediss://:p%40ss@cache.internal:6380/2"
    env(KEFU_REDIS_URL="unix:///run/redis.sock?db=1")
    assert config.redis_url() == "unix:///run/redis.sock?db=1"


def test_s3_storage(env):
    env(
        KEFU_S3_BUCKET="kefu-files",
        KEFU_S3_ENDPOINT_URL="https://s3.example.com",
        KEFU_S3_REGION="ap-east-1",
    )
    got = config.storage()
    assert got["BACKEND"] == "storages.backends.s3.S3Storage"
    assert got["OPTIONS"]["bucket_name"] == "kefu-files"
    assert got["OPTIONS"]["endpoint_url"] == "https://s3.example.com"
    assert got["OPTIONS"]["region_name"] == "ap-east-1"
    assert "access_key" not in got["OPTIONS"]


# ---------------------------------------------------------------- PostgreSQL URLs


def test_postgres_url_is_parsed_with_percent_encoding(env, tmp_path):
    env(
        KEFU_DATABASE_URL=(
            "postgres://kefu%40shop:p%40ss%3Aw%2Frd%20x@db.example.com:6543/kefu%5Fprod"
            "?sslmode=require&application_name=kefu"
        )
    )
    db = config.database(tmp_path)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["NAME"] == "kefu_prod"
    assert db["USER"] == "kefu@shop"
    assert db["PASSWORD"] == "p@ss:w/rd x"
    assert db["HOST"] == "db.example.com"
    assert db["PORT"] == "6543"
    assert db["OPTIONS"] == {
        "sslmode": "require",
        "application_name": "kefu",
        "connect_timeout": config.DEFAULT_CONNECT_TIMEOUT,
    }


def test_postgres_url_without_user_password_or_port(env, tmp_path):
    env(KEFU_DATABASE_URL="postgresql://127.0.0.1/kefu")
    db = config.database(tmp_path)
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "kefu",
        "",
        "",
        "127.0.0.1",
        "",
    )


def test_a_connect_timeout_in_the_url_wins(env, tmp_path):
    env(KEFU_DATABASE_URL="pgsql://kefu@db/kefu?connect_timeout=20")
    assert config.database(tmp_path)["OPTIONS"]["connect_timeout"] == "20"


def test_postgres_connections_time_out_by_default(env, tmp_path):
    env(KEFU_DATABASE_URL="postgres://kefu@db/kefu")
    assert 0 < int(config.database(tmp_path)["OPTIONS"]["connect_timeout"]) <= 10


@pytest.mark.parametrize("cpus, workers", [(1, 2), (2, 4), (3, 6), (16, 8)])
def test_web_workers_default_to_two_per_core_within_bounds(env, monkeypatch, cpus, workers):
    monkeypatch.setattr(config.os, "cpu_count", lambda: cpus)
    assert config.web_workers() == workers
    env(KEFU_WEB_WORKERS="3", KEFU_WEB_THREADS="2")
    assert (config.web_workers(), config.web_threads()) == (3, 2)
