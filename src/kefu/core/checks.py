"""`kefu check`: what is wrong with this installation, in plain words.

:func:`run_checks` returns ``(level, message)`` pairs, level ``"error"`` (kefu will not
work) or ``"warning"`` (it works, but probably not as intended). It must answer even when
the settings cannot load, so it imports nothing from Django before it has tried.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import tempfile
from pathlib import Path

Problem = tuple[str, str]

ERROR = "error"
WARNING = "warning"


def run_checks() -> list[Problem]:
    from kefu import config

    try:
        config.validate()
        _setup_django()
    except config.ConfigError as exc:
        return [(ERROR, str(exc))]

    problems: list[Problem] = []
    for check in (
        _data_dir,
        _database,
        _redis,
        _secret_key,
        _allowed_hosts,
        _debug,
        _storage,
        _django_checks,
    ):
        try:
            problems.extend(check())
        except Exception as exc:  # a check that breaks must not hide the others
            problems.append((ERROR, f"{check.__name__.strip('_')} check failed: {_one_line(exc)}"))
    return problems


def _setup_django() -> None:
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__


# ---------------------------------------------------------------- the checks


def _data_dir() -> list[Problem]:
    from django.conf import settings

    data: Path = settings.DATA_DIR
    if not data.is_dir():
        return [(ERROR, f"the data directory {data} does not exist: run `kefu init`")]
    try:
        with tempfile.TemporaryFile(dir=data):
            pass
    except OSError as exc:
        return [
            (
                ERROR,
                f"kefu cannot write in its data directory {data} ({exc.strerror}): "
                "fix its owner or permissions, or set KEFU_DATA_DIR",
            )
        ]
    return []


def _database() -> list[Problem]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        if not path.exists():
            return [(ERROR, f"there is no database at {path} yet: run `kefu init`")]
    try:
        connection.ensure_connection()
    except Exception as exc:
        return [(ERROR, f"cannot reach the database: {_one_line(exc)}")]

    problems: list[Problem] = []
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        problems.append(
            (ERROR, f"the database lacks {len(pending)} schema change(s): run `kefu init`")
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0].lower()
        if mode != "wal":
            problems.append(
                (
                    WARNING,
                    f"SQLite runs in {mode!r} journal mode, not WAL, so readers and the "
                    "writer block each other; keep the data directory on a local disk",
                )
            )
    return problems


def _redis() -> list[Problem]:
    from django.conf import settings

    if not settings.REDIS_URL:
        return []
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        return [(ERROR, f"KEFU_REDIS_URL is set but Redis does not answer: {_one_line(exc)}")]
    finally:
        client.close()
    return []


def _secret_key() -> list[Problem]:
    from kefu import config

    if config._env("KEFU_DATABASE_URL") and not config._env("KEFU_SECRET_KEY"):
        return [
            (
                WARNING,
                "KEFU_DATABASE_URL is set but KEFU_SECRET_KEY is not: each machine "
                "running kefu makes its own key, so sign-ins and links from one are "
                "refused by the others; set the same KEFU_SECRET_KEY everywhere",
            )
        ]
    return []


def _is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _allowed_hosts() -> list[Problem]:
    from kefu import config

    bind = config.bind()
    if config._env("KEFU_ALLOWED_HOSTS") or _is_loopback(bind.host):
        return []
    return [
        (
            WARNING,
            f"kefu listens on {bind} but KEFU_ALLOWED_HOSTS is not set, so it answers "
            "only requests addressed to localhost; set KEFU_ALLOWED_HOSTS to the name "
            "people use, e.g. kefu.example.com",
        )
    ]


def _debug() -> list[Problem]:
    from django.conf import settings

    if settings.DEBUG:
        return [
            (
                WARNING,
                "KEFU_DEBUG is on: error pages show internals to anyone; "
                "turn it off outside development",
            )
        ]
    return []


def _storage() -> list[Problem]:
    from django.conf import settings

    backend = settings.STORAGES["default"]["BACKEND"]
    if "s3" in backend.lower() and importlib.util.find_spec("boto3") is None:
        return [
            (
                ERROR,
                "KEFU_S3_BUCKET is set but boto3 is not installed: "
                "pip install 'kefu[s3]' (or unset KEFU_S3_BUCKET)",
            )
        ]
    return []


def _django_checks() -> list[Problem]:
    from django.core import checks

    problems: list[Problem] = []
    for message in checks.run_checks():
        if message.is_silenced():
            continue
        level = ERROR if message.level >= checks.ERROR else WARNING
        where = f" ({message.obj})" if message.obj is not None else ""
        text = f"{message.id or 'django'}{where}: {message.msg}"
        if message.hint:
            text += f" ({message.hint})"
        problems.append((level, text))
    return problems
