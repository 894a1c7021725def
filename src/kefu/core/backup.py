"""`kefu backup`: a consistent copy of the database, taken while kefu keeps running.

- SQLite: sqlite3's online backup API copies the live file page by page inside one read
  transaction, so the copy is the database as it was at one instant even while others
  write (WAL lets them go on meanwhile). The copy is then checked with
  ``PRAGMA integrity_check``.
- PostgreSQL: ``pg_dump --format=custom`` (restore with ``pg_restore``), with the password
  passed in the environment, never on the command line.

The Huey jobs database (DATA_DIR/jobs.sqlite3) is not backed up: every piece of durable
work is a JobRecord row in the main database, and the Huey queue only carries wake-ups
for those rows. After a restore the minute tick dispatches whatever is pending again.

Either way the file appears only when complete: it is written under a temporary name in
the target directory and renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

Out = Callable[[str], None]

# About this many progress lines for a large database.
PROGRESS_STEPS = 20
MIN_PAGES_PER_STEP = 64
PG_DUMP_TIMEOUT = 6 * 3600


class BackupError(Exception):
    """The backup failed; the message is one line saying why."""


def backup(output: str | None = None, out: Out = print) -> Path:
    """Back up the default database to ``output`` (a file or directory) and return the
    path written. Without ``output`` the file goes to DATA_DIR/backups/."""
    db = connections["default"]
    if db.vendor == "sqlite":
        return _backup_sqlite(Path(db.settings_dict["NAME"]), output, out)
    if db.vendor == "postgresql":
        return _backup_postgres(db.settings_dict, output, out)
    raise BackupError(f"cannot back up a {db.vendor} database")


def _target(output: str | None, suffix: str) -> Path:
    name = f"kefu-{timezone.localtime():%Y%m%d-%H%M%S}{suffix}"
    if not output:
        return settings.DATA_DIR / "backups" / name
    path = Path(output).expanduser()
    if path.is_dir() or output.endswith(os.sep):
        return path / name
    return path


def _prepare_dir(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create {path.parent}: {exc.strerror}") from None


def _temp_beside(path: Path) -> Path:
    """An empty temporary file in the target's directory, so the rename is atomic."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise BackupError(f"cannot write in {path.parent}: {exc.strerror}") from None
    os.close(fd)
    return Path(name)


def _publish(tmp: Path, path: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)  # a backup holds customer data and password digests
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""  # pragma: no cover


# ---------------------------------------------------------------- SQLite


def _backup_sqlite(source: Path, output: str | None, out: Out) -> Path:
    if not source.exists():
        raise BackupError(f"there is no database at {source}: run `kefu init` first")
    path = _target(output, ".sqlite3")
    if path.resolve() == source.resolve():
        raise BackupError(f"{path} is the live database; choose another file")
    _prepare_dir(path)
    tmp = _temp_beside(path)
    try:
        _copy_sqlite(source, tmp, out)
        _publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        for extra in ("-journal", "-wal", "-shm"):
            Path(f"{tmp}{extra}").unlink(missing_ok=True)
        raise
    out(f"backup written: {path} ({_size(path)})")
    return path


def _copy_sqlite(source: Path, tmp: Path, out: Out) -> None:
    try:
        src = sqlite3.connect(f"file:{source}?mode=rw", uri=True, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {source}: {exc}") from None
    dst = sqlite3.connect(tmp, isolation_level=None)
    try:
        # One read transaction for the whole copy: every step sees the same snapshot, and
        # writers (in WAL mode) carry on instead of making the backup start over.
        src.execute("BEGIN")
        total = src.execute("PRAGMA page_count").fetchone()[0]
        step = max(MIN_PAGES_PER_STEP, -(-total // PROGRESS_STEPS))
        out(f"backing up {source} ({total} pages)")
        shown = -1

        def progress(status: int, remaining: int, pages: int) -> None:
            nonlocal shown
            percent = 100 * (pages - remaining) // pages if pages else 100
            if percent != shown:
                shown = percent
                out(f"backup: {percent}%")

        src.backup(dst, pages=step, progress=progress)
        src.execute("COMMIT")
        if shown != 100:
            out("backup: 100%")
        # The copy is one self-contained file, not a WAL database with side files.
        dst.execute("PRAGMA journal_mode=DELETE")
        out("checking the copy (PRAGMA integrity_check) …")
        problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"the copy failed its integrity check: {problems[0]}")
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite backup failed: {exc}") from None
    finally:
        dst.close()
        src.close()


# ---------------------------------------------------------------- PostgreSQL


def _libpq_keywords() -> set[str]:
    from psycopg import pq

    return {opt.keyword.decode() for opt in pq.Conninfo.get_defaults()}


def _conninfo(db: dict) -> str:
    """A libpq connection string for ``db`` without the password."""
    from psycopg.conninfo import make_conninfo

    params = {
        "dbname": db["NAME"],
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
    }
    # Query options from KEFU_DATABASE_URL that libpq knows (sslmode, connect_timeout, …);
    # Django-only ones such as `pool` mean nothing to pg_dump.
    known = _libpq_keywords() - {"password", "passfile"}
    for key, value in (db.get("OPTIONS") or {}).items():
        if key in known and key not in params:
            params[key] = str(value)
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def _backup_postgres(db: dict, output: str | None, out: Out) -> Path:
    pg_dump = shutil.which("pg_dump")
    if not pg_dump:
        raise BackupError(
            "pg_dump is not installed: install the PostgreSQL client tools "
            "(e.g. apt install postgresql-client)"
        )
    path = _target(output, ".pgdump")
    _prepare_dir(path)
    tmp = _temp_beside(path)
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    command = [
        pg_dump,
        "--format=custom",
        "--no-password",
        f"--file={tmp}",
        f"--dbname={_conninfo(db)}",
    ]
    out(f"dumping PostgreSQL database {db['NAME']!r} with pg_dump …")
    try:
        try:
            result = subprocess.run(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=PG_DUMP_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BackupError(f"pg_dump did not finish within {PG_DUMP_TIMEOUT} s") from None
        except OSError as exc:
            raise BackupError(f"cannot run pg_dump: {exc.strerror}") from None
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {_pg_message(result.stderr)}")
        _verify_pgdump(tmp, out)
        _publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    out(f"backup written: {path} ({_size(path)})")
    return path


def _verify_pgdump(tmp: Path, out: Out) -> None:
    """Read the dump's table of contents back, as a restore would."""
    pg_restore = shutil.which("pg_restore")
    if not pg_restore:
        return
    out("checking the dump (pg_restore --list) …")
    result = subprocess.run(
        [pg_restore, "--list", str(tmp)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise BackupError(f"the dump cannot be read back: {_pg_message(result.stderr)}")


def _pg_message(stderr: str) -> str:
    """The one line of pg_dump's complaint that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    return lines[-1] if lines else "no message"
