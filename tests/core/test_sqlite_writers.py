"""kefu's SQLite backend: writers queue on a file lock and start as soon as the last
one commits, instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.db.utils import OperationalError

from kefu.core.sqlite.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


def _wrapper(path, timeout=5):
    settings = {
        **connection.settings_dict,
        "NAME": str(path),
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "timeout": timeout},
    }
    return DatabaseWrapper(settings, alias=f"writers-{id(settings)}")


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker):
    """These connections use their own database file, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def db_file(tmp_path):
    first = _wrapper(tmp_path / "w.sqlite3")
    with first.cursor() as c:
        c.execute("CREATE TABLE t (n integer)")
    first.close()
    return tmp_path / "w.sqlite3"


def _begin(w):
    w.set_autocommit(True)
    w.ensure_connection()
    w._start_transaction_under_autocommit()


def test_a_waiting_writer_starts_right_after_the_commit(db_file):
    holder = _wrapper(db_file)
    _begin(holder)
    with holder.cursor() as c:
        c.execute("INSERT INTO t VALUES (1)")
    started = {}

    def write():
        waiter = _wrapper(db_file)  # a connection belongs to its thread
        _begin(waiter)
        started["at"] = time.monotonic()
        with waiter.cursor() as c:
            c.execute("INSERT INTO t VALUES (2)")
        waiter._commit()
        waiter.close()

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.3)
    assert "at" not in started  # queued behind the open transaction
    committed = time.monotonic()
    holder._commit()
    thread.join(5)
    # Handed over within a few milliseconds (SQLite's own handler may sleep up to 100 ms).
    assert started["at"] - committed < 0.05
    with holder.cursor() as c:
        c.execute("SELECT n FROM t ORDER BY n")
        assert [r[0] for r in c.fetchall()] == [1, 2]
    holder.close()


def test_a_writer_that_waits_too_long_gets_database_is_locked(db_file):
    holder, waiter = _wrapper(db_file), _wrapper(db_file, timeout=0.2)
    _begin(holder)
    with pytest.raises(OperationalError, match="database is locked"):
        _begin(waiter)
    holder._rollback()
    _begin(waiter)  # free again after the rollback
    waiter._rollback()
    holder.close()
    waiter.close()


def test_closing_a_connection_frees_the_lock(db_file):
    holder, waiter = _wrapper(db_file), _wrapper(db_file, timeout=0.5)
    _begin(holder)
    holder.close()
    _begin(waiter)
    waiter._rollback()
    waiter.close()
