"""Fast inserts and updates for imports: rows straight to SQL, no model instances.

An import writes hundreds of thousands of rows; building a Django model object per row
and letting ``bulk_create`` prepare every field costs more than the database does. So
the import builds plain rows and this module writes them: ``executemany`` on SQLite,
``COPY`` on PostgreSQL. Columns, defaults and value conversions still come from the
models' own fields, so a field added later is written with its default.

Ids are handed out before the insert (:meth:`Table.allocate`), inside the writing
transaction: on SQLite that transaction holds the write lock from its first statement
(``BEGIN IMMEDIATE``), on PostgreSQL the ids come from the table's own sequence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection, models

from kefu.core import bulk as core_bulk

UTC = dt.UTC
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DecimalField,
    models.ForeignKey,
    models.AutoField,
    models.BigAutoField,
)


def _sqlite_datetime(value):
    """As Django stores it on SQLite: UTC, without offset, ``YYYY-MM-DD HH:MM:SS[.ffffff]``."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        return value.isoformat(" ")
    return value.astimezone(UTC).isoformat(" ")[:-6]  # drop the "+00:00"


class Table:
    """The insertable columns of one model, with a converter per column."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.db_table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.pk = model._meta.pk
        sqlite = connection.vendor == "sqlite"
        self.converters = []
        for f in self.fields:
            if isinstance(f, models.DateTimeField):
                self.converters.append(_sqlite_datetime if sqlite else None)
            elif isinstance(f, _PLAIN):
                self.converters.append(None)
            else:
                self.converters.append(lambda v, f=f: f.get_db_prep_save(v, connection))

    def defaults(self) -> dict[str, Any]:
        """attname → default, for the fields a row does not give."""
        out = {}
        for f in self.fields:
            if f.primary_key:
                continue
            out[f.attname] = f.get_default() if f.has_default() else (None if f.null else "")
        return out

    def db_datetime(self, value: dt.datetime):
        """``value`` as this database stores it (to convert a repeated value only once)."""
        return _sqlite_datetime(value) if connection.vendor == "sqlite" else value

    def allocate(self, n: int) -> list[int]:
        """``n`` fresh ids for this table; call inside the writing transaction."""
        return core_bulk.allocate_ids(self.model, n)

    def _columns(self, with_pk: bool) -> tuple[list[str], list]:
        pairs = [
            (f, conv)
            for f, conv in zip(self.fields, self.converters, strict=True)
            if with_pk or not f.primary_key
        ]
        return [f.attname for f, _ in pairs], pairs

    def insert(self, rows: Sequence[dict[str, Any]], *, with_pk: bool = True) -> int:
        """Insert ``rows`` (dicts by attname, complete: use :meth:`defaults`)."""
        if not rows:
            return 0
        names, pairs = self._columns(with_pk)
        columns = [f.column for f, _ in pairs]
        convert = [(i, conv) for i, (_, conv) in enumerate(pairs) if conv is not None]
        pick = itemgetter(*names)
        values = [(pick(row),) for row in rows] if len(names) == 1 else [pick(row) for row in rows]
        if convert:
            converted = []
            for value in values:
                value = list(value)
                for i, conv in convert:
                    if value[i] is not None:
                        value[i] = conv(value[i])
                converted.append(value)
            values = converted
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as c:
            if connection.vendor == "postgresql":
                raw = c.cursor  # psycopg's own cursor: COPY is the fast way in
                with raw.copy(f"COPY {self.db_table} ({quoted}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join(["%s"] * len(columns))
                c.executemany(f"INSERT INTO {self.db_table} ({quoted}) VALUES ({marks})", values)
        return len(values)

    def update(self, rows: Iterable[tuple[int, dict[str, Any]]], names: list[str]) -> int:
        """Set the columns ``names`` (attnames) of rows given as ``(pk, {attname: value})``."""
        by_name = {
            f.attname: (f, conv) for f, conv in zip(self.fields, self.converters, strict=True)
        }
        pairs = [by_name[n] for n in names]
        values = [
            (
                *(
                    row[n] if conv is None else conv(row[n])
                    for n, (_, conv) in zip(names, pairs, strict=True)
                ),
                pk,
            )
            for pk, row in rows
        ]
        if not values:
            return 0
        sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f, _ in pairs)
        with connection.cursor() as c:
            c.executemany(f"UPDATE {self.db_table} SET {sets} WHERE {self.pk.column} = %s", values)
        return len(values)

    def delete_where_in(self, column: str, ids: Sequence[int]) -> None:
        if not ids:
            return
        with connection.cursor() as c:
            for start in range(0, len(ids), 500):
                part = list(ids[start : start + 500])
                marks = ", ".join(["%s"] * len(part))
                c.execute(f"DELETE FROM {self.db_table} WHERE {column} IN ({marks})", part)


def select_in(sql: str, values: Sequence[Any], params: Sequence[Any] = (), size: int = 900) -> list:
    """Rows of ``sql`` whose ``{marks}`` stands for the list of ``values`` in ``IN (…)``.
    Plain SQL: building an ORM filter of two thousand values costs more than running it.
    PostgreSQL gets one array parameter (``IN (SELECT unnest(%s::text[]))``); SQLite the
    values in parts of ``size`` (under its limit of parameters)."""
    values = list(values)
    if not values:
        return []
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            kind = "bigint[]" if isinstance(values[0], int) else "text[]"
            c.execute(sql.format(marks=f"SELECT unnest(%s::{kind})"), [*params, values])
            return c.fetchall()
        rows: list = []
        for start in range(0, len(values), size):
            part = values[start : start + size]
            c.execute(sql.format(marks=", ".join(["%s"] * len(part))), [*params, *part])
            rows.extend(c.fetchall())
    return rows


def relax_commit() -> None:
    """PostgreSQL: this transaction commits without waiting for its WAL to reach the disk
    (``synchronous_commit = off``, this transaction only). A crash may lose the last
    moments of an import, never half of an order; importing the file again restores it.
    Nothing on SQLite (WAL with synchronous=NORMAL already commits without a flush)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SET LOCAL synchronous_commit TO OFF")
