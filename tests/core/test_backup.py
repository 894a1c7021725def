"""`kefu backup`: a consistent, complete copy, taken while others keep writing."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

from kefu.core import backup as backup_module
from kefu.core.backup import BackupError, backup
from tests.core.test_cli import kefu

ON_POSTGRES = bool(os.environ.get("KEFU_DATABASE_URL"))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """An initialised SQLite data dir with a shop and a token in it (made once)."""
    data = tmp_path_factory.mktemp("kefu-backup")
    assert kefu("init", "--admin-password", "backup-test-pass", data=data).returncode == 0
    assert kefu("token", "create", "--user", "admin", "--name", "erp", data=data).returncode == 0
    made = kefu(
        "manage",
        "shell",
        "-c",
        "from kefu.core.models import Shop; "
        "Shop.objects.create(slug='jd-main', name='京东自营', platform='jd', currency='CNY')",
        data=data,
    )
    assert made.returncode == 0, made.stderr
    return data


@pytest.fixture
def site(prepared, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(prepared, copy)
    return copy


def shops(path: Path) -> list[str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return [row[0] for row in conn.execute("SELECT slug FROM core_shop ORDER BY slug")]


@pytest.mark.slow
def test_backup_writes_a_sqlite_copy_holding_the_data(site):
    result = kefu("backup", data=site)

    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.parent == site / "backups"
    assert path.name.startswith("kefu-") and path.name.endswith(".sqlite3")
    assert "100%" in result.stderr
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT username FROM core_user").fetchall() == [("admin",)]
        assert conn.execute("SELECT name FROM core_apitoken").fetchall() == [("erp",)]
    assert shops(path) == ["jd-main"]
    # Complete and self-contained: no temporary or WAL side files left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.slow
def test_backup_while_another_connection_is_writing(site, tmp_path):
    writer = sqlite3.connect(site / "kefu.sqlite3", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE core_shop SET slug = 'uncommitted'")
        target = tmp_path / "nightly.sqlite3"
        result = kefu("backup", "-o", str(target), data=site, timeout=30)
        writer.execute("COMMIT")
    finally:
        writer.close()

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(target)
    assert shops(target) == ["jd-main"]  # what was committed when the backup began
    assert shops(site / "kefu.sqlite3") == ["uncommitted"]


@pytest.mark.slow
def test_backup_into_a_directory(site, tmp_path):
    out_dir = tmp_path / "elsewhere"
    out_dir.mkdir()
    result = kefu("backup", "--output", str(out_dir), data=site)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).parent == out_dir


@pytest.mark.slow
def test_backup_refuses_to_overwrite_the_live_database(site):
    result = kefu("backup", "-o", str(site / "kefu.sqlite3"), data=site)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"kefu backup: {site / 'kefu.sqlite3'} is the live database; choose another file"
    ]


@pytest.mark.slow
def test_backup_before_init_fails_in_one_line(tmp_path):
    result = kefu("backup", data=tmp_path / "fresh")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "run `kefu init`" in result.stderr


# ---------------------------------------------------------------- the copy itself


def make_database(path: Path, rows: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO item (body) VALUES (?)", [("x" * 2000,)] * rows)
    conn.execute("COMMIT")
    conn.close()


def test_the_copy_is_one_snapshot_even_when_rows_change_midway(tmp_path):
    source = tmp_path / "live.sqlite3"
    make_database(source, rows=2000)  # about 1000 pages: several backup steps
    lines: list[str] = []
    writer = sqlite3.connect(source, isolation_level=None)

    def out(line: str) -> None:
        lines.append(line)
        if len(lines) == 3:
            # Another connection commits while the copy is under way.
            writer.execute("INSERT INTO item (body) VALUES ('late')")
            writer.execute("DELETE FROM item WHERE id <= 100")

    target = tmp_path / "copy.sqlite3"
    try:
        assert backup_module._backup_sqlite(source, str(target), out) == target
    finally:
        writer.close()

    percents = [int(line.split()[1].rstrip("%")) for line in lines if line.startswith("backup: ")]
    assert len(percents) >= 10
    assert percents == sorted(percents)
    assert percents[-1] == 100
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*), min(id) FROM item").fetchone() == (2000, 1)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    with closing(sqlite3.connect(source)) as live:
        assert live.execute("SELECT count(*) FROM item").fetchone() == (1901,)


def test_a_failed_backup_leaves_no_file(tmp_path, monkeypatch):
    source = tmp_path / "live.sqlite3"
    make_database(source, rows=10)

    def broken(*args, **kwargs):
        raise BackupError("disk full")

    monkeypatch.setattr(backup_module, "_publish", broken)
    with pytest.raises(BackupError, match="disk full"):
        backup_module._backup_sqlite(source, str(tmp_path / "out" / "b.sqlite3"), lambda _: None)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_missing_pg_dump_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    db = {"NAME": "kefu", "HOST": "127.0.0.1", "PORT": "", "USER": "kefu", "PASSWORD": "x"}
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        backup_module._backup_postgres(db, str(tmp_path / "x.pgdump"), lambda _: None)
    assert list(tmp_path.iterdir()) == []


def test_the_pg_dump_connection_string_never_holds_the_password():
    db = {
        "NAME": "kefu prod",
        "HOST": "db.example.com",
        "PORT": "6543",
        "USER": "kefu",
        "PASSWORD": "s3cret!",
        "OPTIONS": {"sslmode": "require", "connect_timeout": "5", "pool": "true"},
    }
    info = backup_module._conninfo(db)
    assert "s3cret" not in info
    assert "password" not in info
    assert "sslmode=require" in info
    assert "pool" not in info
    assert "dbname='kefu prod'" in info


# ---------------------------------------------------------------- PostgreSQL


@pytest.mark.slow
@pytest.mark.skipif(not ON_POSTGRES, reason="needs KEFU_DATABASE_URL (PostgreSQL)")
@pytest.mark.skipif(not shutil.which("pg_restore"), reason="needs the PostgreSQL client tools")
def test_backup_on_postgres_writes_a_dump_pg_restore_reads(transactional_db, shop, tmp_path):
    assert connection.vendor == "postgresql"
    lines: list[str] = []

    path = backup(str(tmp_path / "dumps") + os.sep, out=lines.append)

    assert path.parent == tmp_path / "dumps"
    assert path.suffix == ".pgdump"
    listing = subprocess.run(
        ["pg_restore", "--list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE public core_shop" in listing
    data = subprocess.run(
        ["pg_restore", "--data-only", "--table=core_shop", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "tmall-flagship" in data
    assert any(line.startswith("backup written: ") for line in lines)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
