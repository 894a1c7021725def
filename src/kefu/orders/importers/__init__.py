"""Order exports kefu reads, and how it tells them apart.

    result = importers.parse_file(path, shop=shop, layout="auto")

``layout`` is ``auto`` (by the headers), ``kefu``, ``taobao`` or ``shopify``. CSV files
may be UTF-8 or GB18030/GBK; XLSX workbooks are read with the same layouts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from django.utils.translation import gettext as _

from kefu.orders.importers import kefu, shopify, taobao
from kefu.orders.importers.base import (
    FileProblem,
    OrderCollector,
    ParseContext,
    ParsedCustomer,
    ParsedItem,
    ParsedOrder,
    ParseResult,
    RowProblem,
    expected_rows,
    open_tables,
)

LAYOUTS: dict[str, ModuleType] = {m.NAME: m for m in (kefu, taobao, shopify)}
LAYOUT_CHOICES = ["auto", *LAYOUTS]

__all__ = [
    "LAYOUTS",
    "LAYOUT_CHOICES",
    "FileProblem",
    "OrderStream",
    "ParseContext",
    "ParseResult",
    "ParsedCustomer",
    "ParsedItem",
    "ParsedOrder",
    "RowProblem",
    "detect",
    "parse_file",
    "read_orders",
]


def detect(tables) -> str:
    for table in tables:
        columns = table.columns()
        for name, module in LAYOUTS.items():
            if module.matches(columns):
                return name
    first = ", ".join(tables[0].headers[:6])
    raise FileProblem(
        _(
            "The columns match no layout kefu knows (kefu, Taobao/Tmall, Shopify); "
            "the file starts with: %(columns)s"
        )
        % {"columns": first}
    )


@dataclass
class OrderStream:
    """An export being read: ``batches`` yields its complete, valid orders ``size`` at a
    time; ``collector`` counts the rows and orders read so far and keeps the refused rows."""

    layout: str
    batches: Iterator[list[ParsedOrder]]
    collector: OrderCollector
    rows_expected: int


@contextmanager
def read_orders(
    path: Path | str, *, shop, layout: str = "auto", filename: str = "", size: int = 2000
):
    """Open an export of ``shop`` for reading its orders as they come (nothing is written).
    Raises FileProblem when the file as a whole cannot be read."""
    if layout not in LAYOUT_CHOICES:
        raise FileProblem(
            _("Unknown layout %(layout)r; choose one of %(choices)s.")
            % {"layout": layout, "choices": ", ".join(LAYOUT_CHOICES)}
        )
    path = Path(path)
    with open_tables(path, filename) as tables:
        name = detect(tables) if layout == "auto" else layout
        collector = OrderCollector()
        collector.tables = tables
        batches = LAYOUTS[name].parse(tables, ParseContext.for_shop(shop), collector, size)
        yield OrderStream(name, batches, collector, expected_rows(path, tables))


def parse_file(path: Path | str, *, shop, layout: str = "auto", filename: str = "") -> ParseResult:
    """Read and check every row of an export for ``shop`` at once; nothing is written."""
    with read_orders(path, shop=shop, layout=layout, filename=filename) as stream:
        orders = [order for batch in stream.batches for order in batch]
        out = stream.collector
        return ParseResult(
            layout=stream.layout,
            rows_total=out.rows,
            orders=orders,
            errors=sorted(out.errors, key=lambda e: e[0]),
            orders_refused=out.orders_refused,
        )
