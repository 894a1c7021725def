"""SQLite's planner statistics after a bulk load: an empty table is known to be small, so
a list over it does not start by scanning a large neighbour."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from kefu.complaints import selectors as complaint_selectors
from kefu.complaints.selectors import OPEN
from kefu.core import bulk
from kefu.core.models import Shop
from kefu.core.tasks import refresh_statistics

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics"),
]


def _plan() -> str:
    qs = complaint_selectors.base().filter(OPEN, due_at__lte=timezone.now()).order_by("due_at")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as c:
        c.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(row[-1] for row in c.fetchall())


def _as_if_customers_were_analysed_at(rows: int) -> None:
    """What `kefu import` leaves: ANALYZE ran on customers (here: its figures written as
    ANALYZE would write them for this many rows), never on the empty complaints."""
    with connection.cursor() as c:
        c.execute("ANALYZE sqlite_master")
        c.execute("DELETE FROM sqlite_stat1")
        c.execute(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, NULL, %s)",
            ["customers_customer", str(rows)],
        )
        c.execute("ANALYZE sqlite_master")


def test_an_empty_table_beside_an_analysed_one_is_read_first():
    _as_if_customers_were_analysed_at(100_000)
    assert "SCAN customers_customer" in _plan()  # the trap: every customer walked

    assert bulk.refresh_statistics(skip={"customers_customer"}) > 0

    plan = _plan()
    assert "SCAN complaints_complaint" in plan, plan
    assert "SCAN customers_customer" not in plan, plan
    with connection.cursor() as c:
        c.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'complaints_complaint'")
        assert {stat for (stat,) in c.fetchall()} <= {"1", "1 1", "1 1 1", "1 1 1 1"}


def _rows_counted(table: str) -> set[int]:
    with connection.cursor() as c:
        c.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx IS NOT NULL", [table])
        return {int(stat.split()[0]) for (stat,) in c.fetchall()}


def test_a_table_marked_small_is_analysed_by_the_daily_sweep_once_it_has_rows():
    Shop.objects.all().delete()
    bulk.refresh_statistics()
    assert _rows_counted("core_shop") == {1}  # "small": empty when looked at
    for slug in ("tmall", "coupang", "amazon"):
        Shop.objects.create(slug=slug, name=slug, platform=slug, currency="CNY")
    assert "empty_tables" in refresh_statistics(timezone.now())
    assert _rows_counted("core_shop") == {3}
