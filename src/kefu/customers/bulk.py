"""Fast inserts for bulk loads (imports, demo data, benchmarks).

Django's ``bulk_create`` spends most of its time building model instances and compiling
SQL, not writing: for a million customers with their phones, emails, marketplace IDs and
audit entries that is the difference between a minute and a quarter of an hour. Here rows
are plain dicts of column values; each field's value is prepared the way the ORM prepares
it (dates and JSON through the field, defaults and ``auto_now`` filled in), and whole
batches go to ``executemany``.

Ids of new rows can be reserved first (PostgreSQL: the table's sequence; SQLite: above the
highest id ever used, while the transaction holds the write lock), so rows that point at
them are written in the same batch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection, models
from django.utils import timezone


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """``n`` new primary keys of ``model``'s table; call inside the writing transaction."""
    if n <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if not connection.in_atomic_block:
                raise RuntimeError("reserve_ids needs the write lock of a transaction")
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_table(model)}")
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
            return list(range(top + 1, top + 1 + n))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [row[0] for row in cursor.fetchall()]


_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def _preparer(field: models.Field) -> Callable[[Any], Any] | None:
    """How the ORM turns a Python value of this field into a query parameter; None: as is."""
    kind = field.get_internal_type()
    if kind in _PLAIN:
        return None
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, connection=connection)


def insert(
    model: type[models.Model],
    rows: Iterable[dict[str, Any]],
    *,
    with_pk: bool = False,
    skip_conflicts: bool = False,
) -> int:
    """INSERT rows given as ``{field attname: value}``; missing fields take their default
    (``auto_now`` fields: now). ``with_pk``: the rows carry their ids. How many were sent."""
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    now = timezone.now()
    plan = []
    for f in fields:
        prepare = _preparer(f)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fallback = now
        else:
            fallback = f.get_default()  # "" for text, None for nullable fields
        default = fallback if prepare is None or fallback is None else prepare(fallback)
        plan.append((f.attname, prepare, default))
    values = []
    for row in rows:
        out = []
        for attname, prepare, default in plan:
            if attname in row:
                value = row[attname]
                out.append(value if prepare is None or value is None else prepare(value))
            else:
                out.append(default)
        values.append(out)
    if not values:
        return 0
    write_rows(
        model._meta.db_table,
        [f.column for f in fields],
        values,
        skip_conflicts=skip_conflicts,
    )
    return len(values)


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


BULK_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def big_cache() -> Iterator[None]:
    """SQLite: a larger page cache while a bulk load runs, so the indexes of a growing
    table stay in memory (the setting is per connection and restored afterwards)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(before)}")
