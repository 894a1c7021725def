"""Fast bulk inserts for imports of many thousands of rows.

Django's ``bulk_create`` prepares every value through the field machinery, which costs
more than the database's own work when a history of a million tickets is loaded. Here
each column's conversion is chosen once per call, ids are allocated up front (so related
rows can be built before the parents are written), and rows go in with ``executemany``.

Only for trusted, already validated rows inside a transaction: no signals, no
``save()``, no validation. Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``; must run inside the inserting transaction.

    SQLite: the transaction holds the write lock (kefu opens them IMMEDIATE), so nobody
    else inserts before us; the ids continue from the table's highest. PostgreSQL: ids come
    from the table's own sequence, so concurrent writers never collide.
    """
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("allocate_ids() must run inside the transaction that inserts the rows")
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in c.fetchall()]
        c.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        highest = c.fetchone()[0]
        c.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = c.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


def _converter(field: models.Field) -> Callable[[Any], Any]:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        sqlite = connection.vendor == "sqlite"

        def datetime_value(value):
            if value is None:
                return None
            if timezone.is_naive(value):
                value = timezone.make_aware(value, dt.UTC)
            if sqlite:
                # what Django's SQLite backend stores: naive UTC text, without its overhead
                return str(value.astimezone(dt.UTC).replace(tzinfo=None))
            return value

        return datetime_value
    if isinstance(field, models.DateField):
        return lambda value: None if value is None else ops.adapt_datefield_value(value)
    if isinstance(field, models.DecimalField):
        places, digits = field.decimal_places, field.max_digits
        return lambda value: (
            None if value is None else ops.adapt_decimalfield_value(Decimal(value), digits, places)
        )
    if isinstance(field, models.JSONField):
        return lambda value: json.dumps(value, ensure_ascii=False)
    return lambda value: value


def _default(field: models.Field, now: dt.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    # The model's default; "" for text fields without one, None otherwise (a NOT NULL
    # column left without a value then fails loudly in the database).
    return field.get_default()


def write_rows(
    table: str, columns: list[str], values: list, *, skip_conflicts: bool = False
) -> None:
    """Write rows of column values into ``table``.

    SQLite runs in-process: ``executemany`` of a one-row INSERT is fastest. PostgreSQL:
    ``COPY`` (values adapted by the driver in C, no SQL to build or parse); rows that may
    clash with a unique constraint go through a temporary table and
    ``INSERT … ON CONFLICT DO NOTHING``.
    """
    if not values:
        return
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks}){conflict}", values
            )
            return
        target = qn(table)
        if skip_conflicts:
            target = qn(f"bulk_{table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "
                f"SELECT {cols} FROM {qn(table)} WITH NO DATA"
            )
        with cursor.cursor.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        if skip_conflicts:
            cursor.execute(
                f"INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM {target}{conflict}"
            )
            cursor.execute(f"DROP TABLE {target}")


def insert(model: type[models.Model], rows: Iterable[dict[str, Any]], *, batch: int = 5000) -> int:
    """INSERT ``rows``, dicts keyed by field attname (``customer_id`` for a foreign key).

    Fields a row leaves out get the model's default (``auto_now`` fields: now), computed
    once per call, so new model fields with defaults need no change here.
    """
    now = timezone.now()
    fields = list(model._meta.concrete_fields)
    defaults = {f.attname: _default(f, now) for f in fields}
    pick = operator.itemgetter(*(f.attname for f in fields))
    converters = [
        (i, _converter(f))
        for i, f in enumerate(fields)
        if isinstance(
            f, models.DateTimeField | models.DateField | models.DecimalField | models.JSONField
        )
    ]
    table = model._meta.db_table
    columns = [f.column for f in fields]
    total = 0
    chunk: list[list] = []
    for row in rows:
        values = list(pick(defaults | row))
        for i, fn in converters:
            values[i] = fn(values[i])
        chunk.append(values)
        if len(chunk) >= batch:
            write_rows(table, columns, chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        write_rows(table, columns, chunk)
        total += len(chunk)
    return total


def analyze(*models_: type[models.Model]) -> None:
    """Refresh the query planner's statistics for these tables after a bulk load.

    Without them both planners guess: SQLite then walks the wrong index for a filtered
    inbox, PostgreSQL (whose autovacuum may be off or not have run yet) misjudges the
    search joins. Costs seconds for a million rows, once, at the end of an import. On
    SQLite the other tables get statistics too (``refresh_statistics``).
    """
    with connection.cursor() as c:
        for model in models_:
            c.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    if connection.vendor == "sqlite":
        refresh_statistics(skip={m._meta.db_table for m in models_})


def refresh_statistics(*, skip: set[str] = frozenset()) -> int:
    """SQLite: planner statistics for the tables that have none or were empty when last
    looked at, and a "this table is small" entry for each empty one (ANALYZE leaves an
    empty table out). Tables with statistics of their own are left as they are: reading
    a large one again would hold the write lock for seconds, and sampling it
    (``analysis_limit``) gives figures that mislead the planner.

    A table without statistics is taken to hold about a million rows; beside customers
    and orders that were analysed at 100,000 rows, the planner then reads a query over
    the (empty) complaints the other way round, scanning every customer to look up their
    complaints: 4 ms for each of the dashboard's lists at 100,000 customers. Returns how
    many tables are marked empty. PostgreSQL's autovacuum keeps its own statistics.
    """
    if connection.vendor != "sqlite":
        return 0
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        names = [name for (name,) in c.fetchall()]
        tables = [name for name in names if not name.startswith("sqlite_")]
        if "sqlite_stat1" not in names:
            c.execute("ANALYZE sqlite_master")  # creates sqlite_stat1
        c.execute("SELECT tbl, stat FROM sqlite_stat1")
        stats: dict[str, list[str]] = {}
        for table, stat in c.fetchall():
            stats.setdefault(table, []).append(stat or "")
        marked = 0
        for table in tables:
            if table in skip:
                continue
            quoted = connection.ops.quote_name(table)
            c.execute(f"SELECT EXISTS (SELECT 1 FROM {quoted})")
            if c.fetchone()[0]:
                known = stats.get(table)
                if not known or all(_marked_small(stat) for stat in known):
                    c.execute(f"ANALYZE {quoted}")
                continue
            c.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])
            c.execute(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
                [table, None, SMALL],
            )
            c.execute(f"PRAGMA index_list({quoted})")
            for index in [row[1] for row in c.fetchall()]:
                c.execute(f"PRAGMA index_info({connection.ops.quote_name(index)})")
                stat = " ".join([SMALL] * (len(c.fetchall()) + 1))
                c.execute(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
                    [table, index, stat],
                )
            marked += 1
        c.execute("ANALYZE sqlite_master")  # this connection reads the new figures now
    return marked


SMALL = "1"


def _marked_small(stat: str) -> bool:
    return all(part == SMALL for part in stat.split())
