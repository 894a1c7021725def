"""What every layout shares: reading the file, cleaning cells, parsing values, the results.

A layout turns the rows of a file into :class:`ParsedOrder` objects (one per order, with
its items and what is known of the buyer) and a list of refused rows. Parsing never
touches the database; :mod:`kefu.orders.services` writes what was parsed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from kefu.core.errors import DomainError
from kefu.core.money import minor_units

# Column limits of the tables orders are written to (see kefu.orders.models).
MAX_ORDER_NUMBER = 64
MAX_WAYBILL = 64
MAX_CODE = 64  # sku, style number
MAX_CARRIER = 40
MAX_TITLE = 255
MAX_VARIANT = 32  # size, colour
MAX_NAME = 120
MAX_PHONE = 40
MAX_TOTAL = Decimal(10) ** 12  # max_digits 14, 2 places
MAX_PRICE = Decimal(10) ** 10  # max_digits 12, 2 places
MAX_QUANTITY = 1_000_000
CENT = Decimal("0.01")

# Countries' calling codes by the shop's currency, for phone numbers written without one.
COUNTRY_CODE_BY_CURRENCY = {
    "CNY": "86",
    "KRW": "82",
    "USD": "1",
    "JPY": "81",
    "HKD": "852",
    "TWD": "886",
    "SGD": "65",
}


class FileProblem(DomainError):
    """The file as a whole cannot be read (encoding, format, no known layout)."""

    code = "bad_file"
    status = 422


class RowProblem(ValueError):
    """One cell of one row is wrong; the message says which and why."""


@dataclass(slots=True)
class ParsedItem:
    line: int
    title: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    sku: str = ""
    style_no: str = ""
    size: str = ""
    color: str = ""

    def key(self) -> tuple:
        """What identifies the item's content, to tell whether a re-import changed it."""
        return (
            self.sku,
            self.style_no,
            self.title,
            self.size,
            self.color,
            self.quantity,
            self.unit_price,
            self.amount,
        )


@dataclass(slots=True)
class ParsedCustomer:
    name: str = ""
    phone: str = ""  # as written; normalised when matched
    email: str = ""
    buyer_id: str = ""  # the buyer's ID on this shop's marketplace
    address: dict[str, str] | None = None  # recipient, phone, country, region, city, line, postcode


@dataclass(slots=True)
class ParsedOrder:
    external_id: str
    line: int  # the first row of the order
    fields: dict[str, Any]  # the Order fields this layout gives (absent = leave alone)
    customer: ParsedCustomer
    items: list[ParsedItem] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # every row of the order

    def item_keys(self) -> list[tuple]:
        return [item.key() for item in self.items]


@dataclass
class ParseResult:
    layout: str
    rows_total: int
    orders: list[ParsedOrder]
    errors: list[tuple[int, str]]  # (line, reason), sorted by line
    orders_refused: int = 0  # orders left out because one of their rows is wrong


@dataclass
class Table:
    """One sheet of a workbook, or the one table of a CSV file.

    ``rows`` yields ``(row number, cells)`` once, straight from the file (the header is
    row ``header_line``; cells are padded to the header's width), so a big file is never
    held in memory as text; ``count`` is how many rows were read so far.
    """

    name: str
    headers: list[str]  # as written (cleaned)
    rows: Iterator[tuple[int, list[str]]]
    header_line: int = 1
    count: int = 0
    expected: int = 0  # rows the workbook says the sheet has (0: unknown)

    def columns(self) -> dict[str, int]:
        """Header (lower-cased) → index; the first of two equal headers wins."""
        out: dict[str, int] = {}
        for i, name in enumerate(self.headers):
            out.setdefault(name.strip().lower(), i)
        return out


@dataclass
class ParseContext:
    """What a layout needs to know about the shop the file belongs to."""

    currency: str
    time_zone: str
    country_code: str = "86"

    def __post_init__(self) -> None:
        self.currency = self.currency.upper()
        self.minor = minor_units(self.currency)
        self.step = Decimal(1).scaleb(-self.minor)
        self.zone = ZoneInfo(self.time_zone)

    @classmethod
    def for_shop(cls, shop) -> ParseContext:
        return cls(
            currency=shop.currency,
            time_zone=shop.time_zone or "UTC",
            country_code=COUNTRY_CODE_BY_CURRENCY.get(shop.currency.upper(), "86"),
        )


# ---------------------------------------------------------------- reading files


class LossyNumber(str):
    """A spreadsheet number too long to be exact (an order number Excel made a float)."""


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            text = str(int(value))
            return LossyNumber(text) if abs(value) >= 2**53 else text
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def encoding_of(path: Path) -> str:
    """The encoding of a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, or
    GB18030 (what Taobao and Excel in Chinese Windows write). Checked over the whole file
    in pieces, without keeping the text."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(b"\xef\xbb\xbf"):
            return "utf-8-sig"
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        for encoding in ("utf-8", "gb18030"):
            fh.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
            try:
                while piece := fh.read(1 << 20):
                    decoder.decode(piece)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
    raise FileProblem(
        _("The file is not text in UTF-8 or GB18030 (GBK); save it as CSV UTF-8 and retry.")
    )


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def clean(value: str) -> str:
    """A cell without the guards spreadsheets need: ``="123"``, a leading apostrophe, tabs."""
    value = value.strip()
    if value.startswith('="') and value.endswith('"') and len(value) >= 3:
        value = value[2:-1].strip()
    elif value.startswith("'") and value[1:].isdigit():
        value = value[1:]
    return value


def _is_blank(cells: list[str]) -> bool:
    return not cells or (not cells[0].strip() and not "".join(cells).strip())


def _table(name: str, numbered: Iterator[tuple[int, list[str]]]) -> Table | None:
    """The table whose header is the first non-blank row of ``numbered``, or None."""
    for number, cells in numbered:
        if _is_blank(cells):
            continue
        while cells and not cells[-1].strip():
            cells.pop()
        table = Table(name=name, headers=[clean(c) for c in cells], rows=iter(()))
        table.header_line = number
        table.rows = _rows(table, numbered)
        return table
    return None


def _rows(table: Table, numbered: Iterator[tuple[int, list[str]]]):
    width = len(table.headers)
    for number, cells in numbered:
        if _is_blank(cells):
            continue
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        table.count += 1
        yield number, cells


def _csv_rows(reader) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileProblem(_("The CSV file is malformed: %(error)s") % {"error": exc}) from None


@contextmanager
def _open_csv(path: Path, name: str):
    encoding = encoding_of(path)
    with path.open(encoding=encoding, newline="") as text:
        first_line = text.readline()
        text.seek(0)
        reader = csv.reader(text, delimiter=_delimiter(first_line))
        table = _table(name, _csv_rows(reader))
        if table is None:
            raise FileProblem(_("The file is empty."))
        yield [table]


def _sheet_rows(sheet) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, [_cell_text(v) for v in values]


@contextmanager
def _open_xlsx(path: Path):
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(
            _("The file is not a readable XLSX workbook: %(error)s") % {"error": exc}
        ) from None
    try:
        tables = []
        for sheet in book.worksheets:
            table = _table(sheet.title, _sheet_rows(sheet))
            if table is not None:
                table.expected = max((sheet.max_row or 0) - table.header_line, 0)
                tables.append(table)
        if not tables:
            raise FileProblem(_("The workbook has no sheet with data."))
        yield tables
    finally:
        book.close()


def expected_rows(path: Path, tables: list[Table]) -> int:
    """About how many rows the file has (for a progress bar): a CSV's lines, a workbook's
    sheet sizes as the workbook states them (0 when it does not)."""
    sizes = [getattr(t, "expected", 0) for t in tables]
    if any(sizes):
        return sum(sizes)
    lines = 0
    with path.open("rb") as fh:
        while piece := fh.read(1 << 20):
            lines += piece.count(b"\n")
    return max(lines - 1, 0)


@contextmanager
def open_tables(path: Path, filename: str = ""):
    """The tables of a CSV or XLSX file (told apart by content, not by the name), to read
    once inside the ``with`` block."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK\x03\x04"):
        with _open_xlsx(path) as tables:
            yield tables
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            _("Old Excel (.xls) files cannot be read; save the sheet as .xlsx or CSV.")
        )
    with _open_csv(path, filename or path.name) as tables:
        yield tables


# ---------------------------------------------------------------- cell values

_EMPTY_DATES = {"", "null", "none", "-", "--", "—", "0", "0000-00-00 00:00:00", "0000-00-00"}
_OFFSET_TAIL = re.compile(r"\s*([+-])(\d{2}):?(\d{2})$")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
)
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
_MONEY_NOISE = str.maketrans("", "", " \u00a0¥￥₩$€£元원")


def parse_when(text: str, zone: ZoneInfo, label: str) -> dt.datetime | None:
    """A moment from a cell: ISO 8601 with or without offset, ``2024/1/2 9:05``, a date.

    A time without an offset is the shop's local time. Empty (and the ``1970-01-01`` or
    ``0000-00-00`` some exports write for "never") is None.
    """
    if not text:
        return None
    try:  # the common case: ISO 8601 as kefu, Shopify's API and most tools write it
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = _parse_when_slowly(text, label)
        if moment is None:
            return None
    if moment.year <= 1970:
        return None
    if moment.year > 2200:
        raise RowProblem(
            _("%(field)s: %(value)r is not a plausible date") % {"field": label, "value": text}
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _parse_when_slowly(text: str, label: str) -> dt.datetime | None:
    value = text.strip()
    if value.lower() in _EMPTY_DATES:
        return None
    candidate = value.replace("/", "-")
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    else:
        m = _OFFSET_TAIL.search(candidate)
        if m and len(candidate) > 10:
            candidate = f"{candidate[: m.start()]}{m.group(1)}{m.group(2)}:{m.group(3)}"
    try:
        return dt.datetime.fromisoformat(candidate)
    except ValueError:
        pass
    plain = value.replace("/", "-")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(plain, fmt)
        except ValueError:
            continue
    raise RowProblem(
        _("%(field)s: %(value)r is not a date and time") % {"field": label, "value": value}
    )


def parse_money(
    text: str, ctx: ParseContext, label: str, *, limit: Decimal = MAX_TOTAL
) -> Decimal | None:
    """An exact amount in the shop's currency; None when the cell is empty.

    Refused: text that is not a number, a negative amount, more decimals than the
    currency has (a won has none), a number too large for the column.
    """
    if not text:
        return None
    try:  # the common case: a plain number
        amount = Decimal(text)
    except InvalidOperation:
        pass
    else:
        if amount.is_finite() and 0 <= amount < limit:
            exact = amount.quantize(ctx.step)
            if exact == amount:
                return exact if ctx.minor == 2 else amount.quantize(CENT)
    value = text.strip()
    if not value:
        return None
    value = value.translate(_MONEY_NOISE)
    code = ctx.currency
    if value[:3].upper() == code:
        value = value[3:]
    elif value[-3:].upper() == code:
        value = value[:-3]
    if "," in value:
        if not _THOUSANDS.fullmatch(value.lstrip("-")):
            raise RowProblem(
                _("%(field)s: %(value)r is not an amount") % {"field": label, "value": text}
            )
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RowProblem(
            _("%(field)s: %(value)r is not an amount") % {"field": label, "value": text}
        ) from None
    if not amount.is_finite():
        raise RowProblem(
            _("%(field)s: %(value)r is not an amount") % {"field": label, "value": text}
        )
    if amount < 0:
        raise RowProblem(
            _("%(field)s: %(value)s is negative") % {"field": label, "value": text.strip()}
        )
    if amount.as_tuple().exponent < -ctx.minor and amount != amount.quantize(ctx.step):
        raise RowProblem(
            _("%(field)s: %(value)s has more decimals than %(currency)s allows (%(places)s)")
            % {"field": label, "value": text.strip(), "currency": code, "places": ctx.minor}
        )
    if amount >= limit:
        raise RowProblem(
            _("%(field)s: %(value)s is too large") % {"field": label, "value": text.strip()}
        )
    return amount.quantize(CENT)


def parse_quantity(text: str, label: str) -> int:
    if text.isdigit():
        number = int(text)
        if 1 <= number <= MAX_QUANTITY:
            return number
    value = text.strip()
    if not value:
        return 1
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise RowProblem(
            _("%(field)s: %(value)r is not a whole number") % {"field": label, "value": value}
        )
    if number < 1:
        raise RowProblem(
            _("%(field)s must be at least 1 (got %(value)s)") % {"field": label, "value": value}
        )
    if number > MAX_QUANTITY:
        raise RowProblem(_("%(field)s: %(value)s is too large") % {"field": label, "value": value})
    return int(number)


def parse_flag(text: str, label: str) -> bool:
    value = text.strip().lower()
    if value in {"", "0", "false", "no", "n", "否", "아니오"}:
        return False
    if value in {"1", "true", "yes", "y", "是", "예"}:
        return True
    raise RowProblem(_("%(field)s: %(value)r is not yes or no") % {"field": label, "value": text})


def order_number(text: str, label: str) -> str:
    if isinstance(text, LossyNumber):
        raise RowProblem(
            _(
                "%(field)s: %(value)s was stored as a number and lost digits; "
                "format the column as text and export again"
            )
            % {"field": label, "value": text}
        )
    value = text.strip()
    if value[:1] in ("=", "'"):
        value = clean(value)
    if not value:
        raise RowProblem(_("the order number is missing"))
    if len(value) > MAX_ORDER_NUMBER:
        raise RowProblem(
            _("the order number is longer than %(n)s characters") % {"n": MAX_ORDER_NUMBER}
        )
    return value


def code(text: str, label: str, limit: int = MAX_CODE) -> str:
    """An identifier (waybill, SKU): cut short it would be wrong, so too long is refused."""
    value = text.strip()
    if value[:1] in ("=", "'"):
        value = clean(value)
    if len(value) > limit:
        raise RowProblem(
            _("%(field)s is longer than %(n)s characters") % {"field": label, "n": limit}
        )
    return value


def short(text: str, limit: int) -> str:
    """Free text for a column of ``limit`` characters (cut, not refused)."""
    value = text.strip()
    return value[:limit]


# "颜色分类：黑色;尺码：XL" and friends: which attribute is a colour, which a size.
_COLOR_KEYS = ("颜色", "色", "color", "colour", "색상", "컬러")
_SIZE_KEYS = ("尺码", "尺寸", "鞋码", "码数", "大小", "size", "사이즈", "크기", "规格")
_ATTR_SPLIT = re.compile(r"[;；\n]+")
_KV_SPLIT = re.compile(r"[:：]")


def split_attributes(text: str) -> tuple[str, str]:
    """(colour, size) from a marketplace's attribute text, e.g. ``颜色分类：黑色;尺码：XL``."""
    color = size = ""
    for part in _ATTR_SPLIT.split(text or ""):
        pieces = _KV_SPLIT.split(part, maxsplit=1)
        if len(pieces) != 2:
            continue
        key, value = pieces[0].strip().lower(), pieces[1].strip()
        if not value:
            continue
        if not color and any(k in key for k in _COLOR_KEYS):
            color = value
        elif not size and any(k in key for k in _SIZE_KEYS):
            size = value
    return color[:MAX_VARIANT], size[:MAX_VARIANT]


_SIZE_WORD = re.compile(
    r"^(xxs|xs|s|m|l|xl|xxl|xxxl|[2-6]xl|free|one size|os|\d{1,3}(\.\d)?|eu ?\d{2}|us ?\d{1,2}"
    r"|\d{2,3}/\d{2,3}[a-z]?)$",
    re.IGNORECASE,
)


def split_variant(text: str) -> tuple[str, str]:
    """(colour, size) from a variant title such as ``Black / XL`` or ``M / Navy``."""
    color = size = ""
    for part in (p.strip() for p in (text or "").split("/")):
        if not part:
            continue
        if not size and _SIZE_WORD.match(part):
            size = part
        elif not color:
            color = part
    return color[:MAX_VARIANT], size[:MAX_VARIANT]


def refuse_order(order_lines: list[int], bad: dict[int, str]) -> list[tuple[int, str]]:
    """Every row of a refused order: the bad rows with their reason, the rest pointing at
    the first bad row (an order is written whole or not at all)."""
    first_bad = min(bad)
    out = []
    for line in order_lines:
        if line in bad:
            out.append((line, bad[line]))
        else:
            out.append((line, _("refused with its order (see row %(line)s)") % {"line": first_bad}))
    return out


class OrderCollector:
    """Groups rows into orders while they are read, and hands each order out once it is
    complete, so a file of any size is imported with only a few orders in memory.

    Exports keep the rows of an order together: an order is complete when a row of
    another order comes, or the file ends. A row of an order that was already handed out
    is refused (the file would have to be sorted by order number). ``hold`` keeps every
    order until the end instead, for layouts whose rows of an order may come much later
    (Taobao's item report on a second sheet).

    ``finish`` is the layout's last touch on a complete order (totals, a summary item); it
    may refuse the order with :class:`RowProblem`.
    """

    def __init__(self, *, finish=None, hold: bool = False) -> None:
        self.finish = finish
        self.hold = hold
        self.open: dict[str, ParsedOrder] = {}
        self.current: ParsedOrder | None = None
        self.bad: dict[str, dict[int, str]] = {}
        self.ready: list[ParsedOrder] = []
        self.closed: dict[str, int] = {}  # order number → its first row, once handed out
        self.errors: list[tuple[int, str]] = []
        self.orders_seen = 0
        self.orders_refused = 0
        self.rows = 0  # set by the layout once the file is read
        self.tables: list[Table] = []

    def rows_read(self) -> int:
        return self.rows or sum(t.count for t in self.tables)

    def order_for(self, external_id: str, line: int) -> tuple[ParsedOrder, bool] | None:
        """The order of this row and whether the row starts it; None when the row is
        refused because its order ended before."""
        order = self.open.get(external_id)
        if order is not None:
            order.lines.append(line)
            return order, False
        first = self.closed.get(external_id)
        if first is not None:
            self.errors.append(
                (
                    line,
                    _(
                        "order %(number)s was already read (from row %(first)s): the rows "
                        "of an order must be together"
                    )
                    % {"number": external_id, "first": first},
                )
            )
            return None
        if not self.hold and self.current is not None:
            self._close(self.current)
        order = ParsedOrder(
            external_id=external_id, line=line, fields={}, customer=ParsedCustomer()
        )
        order.lines.append(line)
        self.open[external_id] = order
        self.current = order
        self.orders_seen += 1
        return order, True

    def refuse(self, external_id: str | None, line: int, reason: str) -> None:
        if external_id is None:
            self.errors.append((line, reason))
        else:
            self.bad.setdefault(external_id, {})[line] = reason

    def _close(self, order: ParsedOrder) -> None:
        del self.open[order.external_id]
        self.closed[order.external_id] = order.line
        bad = self.bad.pop(order.external_id, None)
        if bad is None and self.finish is not None:
            try:
                self.finish(order)
            except RowProblem as exc:
                bad = {order.line: str(exc)}
        if bad:
            self.errors.extend(refuse_order(sorted(set(order.lines) | set(bad)), bad))
            self.orders_refused += 1
        else:
            self.ready.append(order)

    def take(self) -> list[ParsedOrder]:
        ready, self.ready = self.ready, []
        return ready

    def end(self) -> None:
        """The file ended: every open order is complete."""
        for order in list(self.open.values()):
            self._close(order)
        self.current = None


def cell(cells: list[str], index: int | None) -> str:
    """The cell at ``index`` ("" when the column is absent; rows are padded to the header)."""
    if index is None:
        return ""
    return cells[index]


def pick(columns: dict[str, int], *names: str) -> int | None:
    """The index of the first of ``names`` (lower-case) the header has."""
    for name in names:
        index = columns.get(name)
        if index is not None:
            return index
    return None
