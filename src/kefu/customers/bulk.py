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

from kefu.core.bulk import allocate_ids, write_rows


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


reserve_ids = allocate_ids  # one way to take ids ahead of the insert


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
