"""Configuration read from ``KEFU_*`` environment variables.

Every value has a safe default. A malformed value raises :class:`ConfigError` whose
message is one line naming the variable, so ``kefu`` can print it and exit.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigError(Exception):
    """A KEFU_* variable is missing or malformed; the message names it."""


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def data_dir() -> Path:
    raw = _env("KEFU_DATA_DIR")
    path = Path(raw).expanduser() if raw else Path.home() / ".local" / "share" / "kefu"
    if path.exists() and not path.is_dir():
        raise ConfigError(f"KEFU_DATA_DIR={raw!r} exists but is not a directory")
    return path.resolve()


DEFAULT_CONNECT_TIMEOUT = "5"


def database(data: Path) -> dict:
    """Django DATABASES['default'] from KEFU_DATABASE_URL, else SQLite in the data dir."""
    url = _env("KEFU_DATABASE_URL")
    if not url:
        return {
            "ENGINE": "kefu.core.sqlite",
            "NAME": str(data / "kefu.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write
                # lock at BEGIN so two writers queue instead of failing on upgrade.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;PRAGMA temp_store=MEMORY;"
                    "PRAGMA mmap_size=268435456;PRAGMA cache_size=-65536;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "TEST": {"NAME": str(data / "test-kefu.sqlite3")},
            # Opening a connection runs the pragmas above (and maps the file): keep it
            # for the next request of the same worker thread instead of per request.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"KEFU_DATABASE_URL must start with postgres:// (got scheme {parts.scheme!r})"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ConfigError("KEFU_DATABASE_URL names no database (expected postgres://…/NAME)")
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"KEFU_DATABASE_URL has a malformed port: {exc}") from None
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    # An unreachable server should fail in seconds, not hang for minutes.
    options.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }


def redis_url() -> str | None:
    url = _env("KEFU_REDIS_URL")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"KEFU_REDIS_URL must start with redis:// (got {url!r})")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ConfigError(f"KEFU_REDIS_URL={url!r} has a malformed port") from None
    if parts.scheme != "unix" and not parts.hostname:
        raise ConfigError(f"KEFU_REDIS_URL={url!r} names no host (e.g. redis://127.0.0.1:6379/0)")
    return url


def secret_key(data: Path) -> str:
    """KEFU_SECRET_KEY, else the key stored in the data dir (made on first use)."""
    key = _env("KEFU_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ConfigError("KEFU_SECRET_KEY is too short: use at least 32 characters")
        return key
    path = data / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        # O_EXCL: two processes starting at once agree on the first key written.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def allowed_hosts() -> list[str]:
    raw = _env("KEFU_ALLOWED_HOSTS")
    if not raw:
        return ["127.0.0.1", "localhost", "[::1]", "testserver"]
    hosts = [h.strip() for h in raw.split(",") if h.strip()]
    if not hosts:
        raise ConfigError("KEFU_ALLOWED_HOSTS is empty: list host names separated by commas")
    return hosts


def time_zone() -> str:
    name = _env("KEFU_TIME_ZONE") or "Asia/Shanghai"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"KEFU_TIME_ZONE={name!r} is not a known time zone (e.g. Asia/Seoul)"
        ) from None
    return name


@dataclass(frozen=True)
class Bind:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def bind() -> Bind:
    raw = _env("KEFU_BIND") or "127.0.0.1:8000"
    host, sep, port = raw.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"KEFU_BIND={raw!r} must be HOST:PORT, e.g. 127.0.0.1:8000")
    return Bind(host, int(port))


def web_workers() -> int:
    """How many gunicorn processes `kefu serve` starts (KEFU_WEB_WORKERS; default two per
    CPU core, at least 2 and at most 8). A request is mostly Python, which one process
    runs on one core at a time: processes, not threads, use the cores (decision 0008)."""
    default = min(MAX_DEFAULT_WORKERS, max(2, 2 * (os.cpu_count() or 1)))
    return integer("KEFU_WEB_WORKERS", default, minimum=1)


def web_threads() -> int:
    """Threads per `kefu serve` process (KEFU_WEB_THREADS, default 1)."""
    return integer("KEFU_WEB_THREADS", 1, minimum=1)


MAX_DEFAULT_WORKERS = 8


def validate() -> None:
    """Parse the variables settings.py does not read, so that every ``kefu`` command
    refuses a malformed one up front, not only the command that uses it."""
    bind()
    web_workers()
    web_threads()


def flag(name: str, default: bool = False) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} must be true or false")


def integer(name: str, default: int, minimum: int = 0) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} must be a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def storage() -> dict:
    """Where uploaded files go: the data dir by default, S3-compatible when configured."""
    bucket = _env("KEFU_S3_BUCKET")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    endpoint = _env("KEFU_S3_ENDPOINT_URL")
    if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
        raise ConfigError(f"KEFU_S3_ENDPOINT_URL={endpoint!r} must start with https://")
    options = {"bucket_name": bucket, "file_overwrite": False, "default_acl": None}
    for var, key in (
        ("KEFU_S3_ENDPOINT_URL", "endpoint_url"),
        ("KEFU_S3_REGION", "region_name"),
        ("KEFU_S3_ACCESS_KEY_ID", "access_key"),
        ("KEFU_S3_SECRET_ACCESS_KEY", "secret_key"),
    ):
        if value := _env(var):
            options[key] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
