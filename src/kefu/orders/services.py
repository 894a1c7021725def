"""Writes on shops and orders: imports, the order webhook, the API's create and update.

Everything that writes orders goes through :class:`OrderWriter`, so a file import, a
webhook and the API match customers, replace items and move statuses the same way:

- An order is found by ``(shop, order number)``; a new one is created, a known one is
  updated in the fields the source gives, and its items are replaced only when they
  changed. Nothing is ever duplicated (the pair is unique in the database too).
- The customer of a new order is matched by the buyer's marketplace ID on that shop, else
  the normalised phone, else the normalised email; else a customer is created with those
  (and the shipping address), and put in the customer search index.
- An import never moves an order back along its way (paid → shipped → delivered →
  completed), so an older export cannot undo newer news.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import hashlib
import hmac
import json
import logging
import time
from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError as PydanticValidationError

from kefu.core import audit, policies
from kefu.core.errors import Conflict, DomainError, NotFound
from kefu.core.models import Shop
from kefu.customers import normalize
from kefu.customers import search as customer_search
from kefu.customers import services as customer_services
from kefu.customers.models import (
    Address,
    Customer,
    CustomerEmail,
    CustomerPhone,
    MarketplaceIdentity,
)
from kefu.orders import bulk, importers
from kefu.orders.importers import ParseContext, ParsedOrder, RowProblem
from kefu.orders.importers.shopify import ShopifyOrder, order_from_json
from kefu.orders.models import ImportBatch, Order, OrderItem, WebhookDelivery

log = logging.getLogger("kefu.orders")

AUTO_CONFIRM_DAYS = policies.declare(
    "orders.auto_confirm_days",
    10,
    int,
    gettext_lazy(
        "Days after shipping until Taobao/Tmall confirm receipt automatically "
        "(used when an import gives no deadline; 0: do not compute)"
    ),
    source="Taobao/Tmall rule: receipt is confirmed 10 days after shipping",
    minimum=0,
    maximum=90,
)
AUTO_CONFIRM_PLATFORMS = {Shop.Platform.TAOBAO, Shop.Platform.TMALL}
CHUNK_SIZE = 2000  # orders per transaction in an import

S = Order.Status
PROGRESS_RANK = {S.UNPAID: 0, S.PAID: 1, S.SHIPPED: 2, S.DELIVERED: 3, S.COMPLETED: 4}
FINAL = {S.CANCELLED, S.REFUNDED}

# The Order fields a source may set (and an update compares).
ORDER_FIELDS = (
    "status",
    "total_amount",
    "shipping_fee",
    "discount_amount",
    "paid_amount",
    "free_shipping_promo",
    "placed_at",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "auto_confirm_at",
    "completed_at",
    "carrier",
    "waybill",
    "buyer_id",
    "recipient_name",
    "recipient_phone",
    "shipping_address",
    "remote_updated_at",
    "buyer_note",
    "seller_note",
)
ITEM_FIELDS = ("sku", "style_no", "title", "size", "color", "quantity", "unit_price", "amount")
T_ORDER = Order._meta.db_table
T_CUSTOMER = Customer._meta.db_table
T_PHONE = CustomerPhone._meta.db_table
T_EMAIL = CustomerEmail._meta.db_table
T_IDENT = MarketplaceIdentity._meta.db_table
COUNTRY_BY_CODE = {
    "86": "CN",
    "82": "KR",
    "1": "US",
    "81": "JP",
    "852": "HK",
    "886": "TW",
    "65": "SG",
}


def merge_status(old: str, new: str) -> str:
    """The status after news ``new`` about an order now in ``old``: never backwards."""
    if old in FINAL and new not in FINAL:
        return old
    if old in PROGRESS_RANK and new in PROGRESS_RANK and PROGRESS_RANK[new] < PROGRESS_RANK[old]:
        return old
    return new


# ---------------------------------------------------------------- the writer


@dataclass
class WriteOutcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    items: int = 0
    customers_created: int = 0
    ids: dict[str, int] = field(default_factory=dict)  # order number → order id
    changes: dict[int, dict] = field(default_factory=dict)  # order id → audit diff


class _Either:
    """Membership in either of two sets, without copying the big one."""

    def __init__(self, first: set, second: set):
        self.first, self.second = first, second

    def __contains__(self, item) -> bool:
        return item in self.first or item in self.second

    def add(self, item) -> None:
        self.first.add(item)


def _pick(ident, phone, email, by_ident, by_phone, by_email, holds) -> int | None:
    """The customer for these keys: the marketplace ID's, else the phone's, else the
    email's, unless that one holds another marketplace ID on the shop."""
    if ident:
        cid = by_ident.get(ident)
        if cid is not None:
            return cid
    for cid in (by_phone.get(phone) if phone else None, by_email.get(email) if email else None):
        if cid is not None and not (ident and cid in holds):
            return cid
    return None


class OrderWriter:
    """Writes parsed orders of one shop. Call :meth:`write` inside a transaction, then
    :meth:`accept` once that transaction committed (it keeps what it learnt of customers)."""

    def __init__(self, shop: Shop, *, now: dt.datetime | None = None):
        self.shop = shop
        self.ctx = ParseContext.for_shop(shop)
        self.country = COUNTRY_BY_CODE.get(self.ctx.country_code, "CN")
        self.now = now or timezone.now()
        self.auto_confirm = (
            dt.timedelta(days=AUTO_CONFIRM_DAYS.get(shop=shop))
            if shop.platform in AUTO_CONFIRM_PLATFORMS
            else None
        )
        if self.auto_confirm is not None and not self.auto_confirm:
            self.auto_confirm = None
        self.orders = bulk.Table(Order)
        self.items = bulk.Table(OrderItem)
        self.customers = bulk.Table(Customer)
        self.phones = bulk.Table(CustomerPhone)
        self.emails = bulk.Table(CustomerEmail)
        self.identities = bulk.Table(MarketplaceIdentity)
        self.addresses = bulk.Table(Address)
        self.order_defaults = self.orders.defaults()
        self.customer_defaults = self.customers.defaults()
        # what committed chunks taught us: key → customer id
        self.by_ident: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.ident_holders: set[int] = set()  # customers with an ID on this shop
        self._pending: tuple[dict, dict, dict] | None = None
        self._pending_holders: set[int] = set()

    # ---- customers

    def _keys(self, order: ParsedOrder) -> tuple[str, str, str]:
        c = order.customer
        ident = (c.buyer_id or "").strip()[:120]
        phone = ""
        if c.phone and "*" not in c.phone:  # masked numbers (138****5678) match nobody
            phone = normalize.phone(c.phone, self.ctx.country_code)
        email = normalize.email(c.email) if "@" in (c.email or "") else ""
        return ident, phone, email

    def _lookup(self, keys: list[tuple[str, str, str]]) -> tuple[dict, dict, dict]:
        idents = {k[0] for k in keys if k[0] and k[0] not in self.by_ident}
        phones = {k[1] for k in keys if k[1] and k[1] not in self.by_phone}
        emails = {k[2] for k in keys if k[2] and k[2] not in self.by_email}
        found_ident: dict[str, int] = {}
        found_phone: dict[str, int] = {}
        found_email: dict[str, int] = {}
        if idents:
            rows = bulk.select_in(
                f"SELECT i.external_id, i.customer_id, c.merged_into_id FROM {T_IDENT} i "
                f"JOIN {T_CUSTOMER} c ON c.id = i.customer_id "
                "WHERE i.shop_id = %s AND i.external_id IN ({marks})",
                sorted(idents),
                [self.shop.pk],
            )
            for key, cid, survivor in rows:
                found_ident[key] = survivor or cid
        for table, wanted, found in (
            (T_PHONE, phones, found_phone),
            (T_EMAIL, emails, found_email),
        ):
            if not wanted:
                continue
            rows = bulk.select_in(
                f"SELECT x.normalized, x.customer_id, c.merged_into_id FROM {table} x "
                f"JOIN {T_CUSTOMER} c ON c.id = x.customer_id "
                "WHERE x.normalized IN ({marks})",
                sorted(wanted),
            )
            rows.sort(key=lambda r: -r[1])
            for key, cid, survivor in rows:  # the oldest customer with it wins
                found[key] = survivor or cid
        return found_ident, found_phone, found_email

    def _customers_for(self, orders: list[ParsedOrder], outcome: WriteOutcome) -> list[int]:
        """The customer id of each (new) order, creating the customers nobody matched."""
        keys = [self._keys(o) for o in orders]
        found_ident, found_phone, found_email = self._lookup(keys)
        # what this chunk found first, then what earlier chunks learnt (not copied: they grow)
        by_ident = ChainMap(found_ident, self.by_ident)
        by_phone = ChainMap(found_phone, self.by_phone)
        by_email = ChainMap(found_email, self.by_email)
        new_ident: dict[str, int] = {}
        new_phone: dict[str, int] = {}
        new_email: dict[str, int] = {}
        pending: list[ParsedOrder] = []  # the orders whose buyer is a new customer
        pending_keys: list[tuple[str, str, str]] = []
        choice: list[tuple[bool, int]] = []  # (is new, customer id or pending index)
        add_identity: dict[str, int] = {}  # a known customer's new marketplace ID
        # A buyer account is one person: a customer who already has another marketplace ID
        # on this shop is not matched by phone or email to an order from a new ID (the
        # duplicate finder can still propose merging the two).
        holds = _Either(set(found_ident.values()), self.ident_holders)
        candidates = {
            cid
            for ident, phone, email in keys
            if ident and ident not in by_ident
            for cid in (by_phone.get(phone), by_email.get(email))
            if cid is not None and cid not in holds
        }
        if candidates:
            holds.first.update(
                row[0]
                for row in bulk.select_in(
                    f"SELECT customer_id FROM {T_IDENT} WHERE shop_id = %s "
                    "AND customer_id IN ({marks})",
                    sorted(candidates),
                    [self.shop.pk],
                )
            )
        new_holds: set[int] = set()
        for order, (ident, phone, email) in zip(orders, keys, strict=True):
            cid = _pick(ident, phone, email, by_ident, by_phone, by_email, holds)
            if cid is not None:
                choice.append((False, cid))
                if ident and ident not in by_ident:
                    add_identity[ident] = cid
                    by_ident[ident] = cid
                    holds.add(cid)
                continue
            p = _pick(ident, phone, email, new_ident, new_phone, new_email, new_holds)
            if p is None:
                p = len(pending)
                pending.append(order)
                pending_keys.append((ident, phone, email))
            if ident:
                new_ident.setdefault(ident, p)
                new_holds.add(p)
            if phone:
                new_phone.setdefault(phone, p)
            if email:
                new_email.setdefault(email, p)
            choice.append((True, p))

        ids = self.customers.allocate(len(pending))
        if pending:
            self._create_customers(pending, pending_keys, ids, new_ident, new_phone, new_email)
            outcome.customers_created += len(pending)
        if add_identity:
            self.identities.insert(
                [
                    {"customer_id": cid, "shop_id": self.shop.pk, "external_id": ident}
                    for ident, cid in add_identity.items()
                ],
                with_pk=False,
            )
        if pending:
            self._index_new_customers(pending, pending_keys, ids, new_ident, new_phone, new_email)
        if add_identity:
            self._reindex(set(add_identity.values()))

        # learnt, to keep once this transaction commits
        self._pending_holders = {*found_ident.values(), *add_identity.values()} | {
            ids[p] for p in new_holds
        }
        self._pending = (
            {**found_ident, **{k: ids[p] for k, p in new_ident.items()}, **add_identity},
            {**found_phone, **{k: ids[p] for k, p in new_phone.items()}},
            {**found_email, **{k: ids[p] for k, p in new_email.items()}},
        )
        return [ids[value] if is_new else value for is_new, value in choice]

    def _create_customers(self, orders, keys, ids, new_ident, new_phone, new_email) -> None:
        now = self.customers.db_datetime(self.now)
        rows = []
        language = self.shop.language
        for order, cid in zip(orders, ids, strict=True):
            row = dict(self.customer_defaults)
            row.update(
                id=cid,
                name=(order.customer.name or order.external_id)[:120],
                language=language,
                attributes={},
                created_at=now,
                updated_at=now,
            )
            rows.append(row)
        self.customers.insert(rows)
        phones, emails, identities, addresses = [], [], [], []
        for key, p in new_phone.items():
            raw = orders[p].customer.phone if keys[p][1] == key else key
            phones.append(
                {
                    "customer_id": ids[p],
                    "number": raw.strip()[:40],
                    "normalized": key[:24],
                    "label": "",
                }
            )
        for key, p in new_email.items():
            raw = orders[p].customer.email if keys[p][2] == key else key
            emails.append({"customer_id": ids[p], "email": raw.strip()[:254], "normalized": key})
        for key, p in new_ident.items():
            identities.append({"customer_id": ids[p], "shop_id": self.shop.pk, "external_id": key})
        for order, cid in zip(orders, ids, strict=True):
            a = order.customer.address
            if a and a.get("line"):
                addresses.append(
                    {
                        "customer_id": cid,
                        "recipient": (a.get("recipient") or order.customer.name)[:120] or "-",
                        "phone": (a.get("phone") or "")[:40],
                        "country": (a.get("country") or self.country)[:2],
                        "region": (a.get("region") or "")[:80],
                        "city": (a.get("city") or "")[:80],
                        "line": a["line"][:255],
                        "postcode": (a.get("postcode") or "")[:20],
                        "is_default": True,
                    }
                )
        self.phones.insert(phones, with_pk=False)
        self.emails.insert(emails, with_pk=False)
        self.identities.insert(identities, with_pk=False)
        self.addresses.insert(addresses, with_pk=False)

    def _index_new_customers(self, orders, keys, ids, new_ident, new_phone, new_email) -> None:
        """Put the customers just created in the customer search index, from what was
        just written (the customers app's ``document_text``; nothing is read back)."""
        docs = {
            cid: ((o.customer.name or o.external_id)[:120], [], [], [])
            for o, cid in zip(orders, ids, strict=True)
        }
        for key, p in new_phone.items():
            docs[ids[p]][1].append(key[:24])
        for key, p in new_email.items():
            docs[ids[p]][2].append(key)
        for key, p in new_ident.items():
            docs[ids[p]][3].append(key)
        customer_search.index_new_documents(
            (pk, customer_search.document_text(*parts)) for pk, parts in docs.items()
        )

    def _reindex(self, customer_ids: set[int]) -> None:
        """Re-index known customers who gained a marketplace ID."""
        customer_search.reindex(sorted(customer_ids))

    def accept(self) -> None:
        """The transaction that wrote the last chunk committed: remember its customers."""
        if self._pending is not None:
            ident, phone, email = self._pending
            self.by_ident.update(ident)
            self.by_phone.update(phone)
            self.by_email.update(email)
            self.ident_holders.update(self._pending_holders)
        self._pending = None
        self._pending_holders = set()

    def forget(self) -> None:
        """The last chunk rolled back: what it learnt is void."""
        self._pending = None

    # ---- orders

    def _values(self, order: ParsedOrder) -> dict[str, Any]:
        """The order's field values from the source, with the derived auto-confirm time."""
        values = order.fields
        if (
            self.auto_confirm is not None
            and "auto_confirm_at" not in values
            and values.get("shipped_at")
            and values.get("status") in (S.SHIPPED, S.DELIVERED)
        ):
            values["auto_confirm_at"] = values["shipped_at"] + self.auto_confirm
        return values

    def write(
        self,
        orders: list[ParsedOrder],
        *,
        customer_id: int | None = None,
        only_new: bool = False,
    ) -> WriteOutcome:
        """Create or update ``orders`` (no two with the same number) in the current
        transaction. ``customer_id`` forces the customer of new orders (the API's choice);
        ``only_new`` refuses existing ones with Conflict."""
        outcome = WriteOutcome()
        numbers = [o.external_id for o in orders]
        found = bulk.select_in(
            f"SELECT id FROM {T_ORDER} WHERE shop_id = %s AND external_id IN ({{marks}})",
            numbers,
            [self.shop.pk],
        )
        existing = {}
        if found:
            existing = {
                row["external_id"]: row
                for row in Order.objects.filter(pk__in=[r[0] for r in found]).values(
                    "id", "external_id", *ORDER_FIELDS
                )
            }
        if only_new and existing:
            raise Conflict(
                _("Order %(number)s already exists in this shop.")
                % {"number": next(iter(existing))},
                code="order_exists",
            )
        fresh = [o for o in orders if o.external_id not in existing]
        known = [o for o in orders if o.external_id in existing]
        if fresh:
            self._create(fresh, outcome, customer_id)
        if known:
            self._update(known, existing, outcome)
        return outcome

    def _create(self, orders: list[ParsedOrder], outcome: WriteOutcome, customer_id) -> None:
        customer_ids = (
            [customer_id] * len(orders)
            if customer_id is not None
            else self._customers_for(orders, outcome)
        )
        ids = self.orders.allocate(len(orders))
        now = self.orders.db_datetime(self.now)
        shop_id = self.shop.pk
        currency = self.ctx.currency
        rows, item_rows = [], []
        for order, oid, cid in zip(orders, ids, customer_ids, strict=True):
            row = dict(self.order_defaults)
            row.update(self._values(order))
            row.update(
                id=oid,
                shop_id=shop_id,
                external_id=order.external_id,
                customer_id=cid,
                currency=currency,
                created_at=now,
                updated_at=now,
            )
            rows.append(row)
            for item in order.items:
                item_rows.append(
                    {
                        "order_id": oid,
                        "sku": item.sku,
                        "style_no": item.style_no,
                        "title": item.title,
                        "size": item.size,
                        "color": item.color,
                        "quantity": item.quantity,
                        "unit_price": item.unit_price,
                        "amount": item.amount,
                    }
                )
            outcome.ids[order.external_id] = oid
        self.orders.insert(rows)
        self.items.insert(item_rows, with_pk=False)
        outcome.created.extend(ids)
        outcome.items += len(item_rows)

    def _update(self, orders: list[ParsedOrder], existing: dict, outcome: WriteOutcome) -> None:
        by_id = {existing[o.external_id]["id"]: o for o in orders}
        current_items: dict[int, list[tuple]] = {oid: [] for oid in by_id}
        for row in (
            OrderItem.objects.filter(order_id__in=list(by_id))
            .order_by("order_id", "id")
            .values_list("order_id", *ITEM_FIELDS)
        ):
            current_items[row[0]].append(row[1:])
        changed_rows: list[tuple[int, dict]] = []
        replace_items: list[int] = []
        item_rows = []
        for oid, order in by_id.items():
            old = existing[order.external_id]
            new = self._values(order)
            remote = new.get("remote_updated_at")
            if remote and old["remote_updated_at"] and remote < old["remote_updated_at"]:
                outcome.unchanged.append(oid)  # older news than what we have
                outcome.ids[order.external_id] = oid
                continue
            values = dict(old)
            for name in ORDER_FIELDS:
                if name in new:
                    values[name] = new[name]
            values["status"] = merge_status(old["status"], values["status"])
            diff = audit.diff(
                {n: old[n] for n in ORDER_FIELDS}, {n: values[n] for n in ORDER_FIELDS}
            )
            items_changed = current_items[oid] != order.item_keys()
            if items_changed:
                replace_items.append(oid)
                diff["items"] = [len(current_items[oid]), len(order.items)]
                for item in order.items:
                    item_rows.append(
                        {"order_id": oid, **{n: getattr(item, n) for n in ITEM_FIELDS}}
                    )
            if diff:
                values["updated_at"] = self.now
                changed_rows.append((oid, values))
                outcome.updated.append(oid)
                outcome.changes[oid] = diff
            else:
                outcome.unchanged.append(oid)
            outcome.ids[order.external_id] = oid
        self.orders.update(changed_rows, [*ORDER_FIELDS, "updated_at"])
        self.items.delete_where_in("order_id", replace_items)
        self.items.insert(item_rows, with_pk=False)
        outcome.items += len(item_rows)


# ---------------------------------------------------------------- file import


def _db_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return _("could not be written: %(error)s") % {"error": text[0] if text else type(exc).__name__}


def start_import(
    *,
    shop: Shop,
    filename: str,
    layout: str,
    actor=None,
    source: str = ImportBatch.Source.CLI,
    upload: str = "",
    language: str = "",
) -> ImportBatch:
    """The batch row an import reports into (before the file is read)."""
    return ImportBatch.objects.create(
        shop=shop,
        filename=filename[:255],
        layout=layout,
        started_by=actor if getattr(actor, "pk", None) else None,
        source=source,
        upload=upload,
        language=language,
    )


def import_file(
    *,
    shop: Shop,
    path: Path | str,
    filename: str = "",
    layout: str = "auto",
    actor=None,
    source: str = ImportBatch.Source.CLI,
    batch: ImportBatch | None = None,
    progress: Callable[[str, ImportBatch], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportBatch:
    """Import an export file into ``shop`` and return the finished :class:`ImportBatch`.

    The file is read once, row by row; each order is checked when its rows are complete
    (an order is refused whole when one of its rows is wrong, each refused row listed
    with its row number and reason), and good orders are written ``chunk_size`` at a time,
    each chunk in one transaction with its items and customers. A chunk the database
    refuses is retried order by order, so only the orders at fault are refused. A file
    that turns out unreadable halfway fails the batch; the chunks written before stay.
    One audit entry (``orders.import``) records the batch.
    """
    path = Path(path)
    filename = filename or path.name
    if batch is None:
        batch = start_import(
            shop=shop, filename=filename, layout=layout, actor=actor, source=source
        )
    report = progress or (lambda stage, batch: None)
    started = time.monotonic()
    # An import makes millions of small objects and no cycles worth collecting: the
    # cyclic collector would only rescan them again and again (it doubles the time).
    collecting = gc.isenabled()
    gc.disable()
    write_errors: list[tuple[int, str]] = []
    stream = None

    def all_errors() -> list[tuple[int, str]]:
        found = stream.collector.errors if stream is not None else []
        return sorted([*found, *write_errors], key=lambda e: e[0])

    try:
        try:
            with importers.read_orders(
                path, shop=shop, layout=layout, filename=filename, size=chunk_size
            ) as stream:
                batch.layout = stream.layout
                batch.rows_expected = stream.rows_expected
                ImportBatch.objects.filter(pk=batch.pk).update(
                    layout=batch.layout, rows_expected=batch.rows_expected
                )
                report("started", batch)
                writer = OrderWriter(shop)
                seen = stream.collector
                not_written = 0
                for chunk in stream.batches:
                    if chunk:
                        outcome, failed = _write_chunk(writer, chunk, write_errors)
                        not_written += failed
                        batch.orders_created += len(outcome.created)
                        batch.orders_updated += len(outcome.updated)
                        batch.orders_unchanged += len(outcome.unchanged)
                        batch.items_written += outcome.items
                        batch.customers_created += outcome.customers_created
                    batch.rows_total = seen.rows_read()
                    batch.orders_total = seen.orders_seen
                    batch.orders_failed = seen.orders_refused + not_written
                    batch.rows_failed = len(seen.errors) + len(write_errors)
                    ImportBatch.objects.filter(pk=batch.pk).update(
                        rows_total=batch.rows_total,
                        orders_total=batch.orders_total,
                        orders_created=batch.orders_created,
                        orders_updated=batch.orders_updated,
                        orders_unchanged=batch.orders_unchanged,
                        orders_failed=batch.orders_failed,
                        items_written=batch.items_written,
                        customers_created=batch.customers_created,
                        rows_failed=batch.rows_failed,
                    )
                    report("chunk", batch)
        except importers.FileProblem as exc:
            batch.errors = [{"line": line, "reason": reason} for line, reason in all_errors()]
            batch.rows_failed = len(batch.errors)
            return _finish(batch, actor, status=ImportBatch.Status.FAILED, message=exc.message)
        batch.rows_total = stream.collector.rows_read()
        batch.orders_total = stream.collector.orders_seen
        errors = all_errors()
        batch.errors = [{"line": line, "reason": reason} for line, reason in errors]
        batch.rows_failed = len(errors)
        log.debug(
            "import %s into %s: %s orders in %.1fs",
            batch.pk,
            shop.slug,
            batch.orders_done,
            time.monotonic() - started,
        )
        return _finish(batch, actor, status=ImportBatch.Status.DONE)
    except Exception as exc:
        log.exception("import %s failed", batch.pk)
        try:
            _finish(batch, actor, status=ImportBatch.Status.FAILED, message=_db_reason(exc))
        except Exception:
            log.exception("could not mark import %s as failed", batch.pk)
        raise
    finally:
        if collecting:
            gc.enable()


def _write_chunk(
    writer: OrderWriter, chunk: list[ParsedOrder], errors: list[tuple[int, str]]
) -> tuple[WriteOutcome, int]:
    """One transaction for the chunk; if the database refuses it, one per order."""
    try:
        with transaction.atomic():
            bulk.relax_commit()
            outcome = writer.write(chunk)
    except DatabaseError:
        writer.forget()
    else:
        writer.accept()
        return outcome, 0
    total = WriteOutcome()
    failed = 0
    for order in chunk:
        try:
            with transaction.atomic():
                one = writer.write([order])
        except DatabaseError as exc:
            writer.forget()
            failed += 1
            reason = _db_reason(exc)
            errors.extend((line, reason) for line in order.lines)
            continue
        writer.accept()
        total.created += one.created
        total.updated += one.updated
        total.unchanged += one.unchanged
        total.items += one.items
        total.customers_created += one.customers_created
    return total, failed


def _finish(batch: ImportBatch, actor, *, status: str, message: str = "") -> ImportBatch:
    """Close the batch and write its one audit entry."""
    batch.status = status
    batch.message = message or batch.message
    batch.finished_at = timezone.now()
    with transaction.atomic():
        batch.save()
        if batch.orders_created or batch.orders_updated:
            from kefu.core import jobs

            jobs.enqueue("orders.refresh_segments", {"batch": batch.pk})
        audit.record(
            actor=actor,
            obj=batch,
            action="orders.import",
            to_state=status,
            reason=message,
            changes={
                "shop": batch.shop.slug,
                "file": batch.filename,
                "layout": batch.layout,
                "rows": batch.rows_total,
                "orders_created": batch.orders_created,
                "orders_updated": batch.orders_updated,
                "orders_unchanged": batch.orders_unchanged,
                "orders_refused": batch.orders_failed,
                "rows_refused": batch.rows_failed,
                "customers_created": batch.customers_created,
            },
        )
    return batch


# ---------------------------------------------------------------- uploads


INLINE_IMPORT_MAX_BYTES = 512 * 1024  # bigger uploads are imported by a background job


def upload_import(*, actor, shop: Shop, uploaded, layout: str = "auto") -> ImportBatch:
    """Keep an uploaded export and import it: right away when small, else as a durable job
    (the upload page follows the batch until it is done)."""
    import uuid

    from django.core.files.storage import default_storage
    from django.utils.translation import get_language

    from kefu.core import jobs

    if layout not in importers.LAYOUT_CHOICES:
        raise DomainError(
            _("Unknown layout %(layout)r.") % {"layout": layout}, fields={"layout": [layout]}
        )
    name = Path(uploaded.name or "orders.csv").name
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}/{name}", uploaded)
    batch = start_import(
        shop=shop,
        filename=name,
        layout=layout,
        actor=actor,
        source=ImportBatch.Source.UPLOAD,
        upload=stored,
        language=get_language() or "",
    )
    if (uploaded.size or 0) <= INLINE_IMPORT_MAX_BYTES:
        run_stored_import(batch)
    else:
        with transaction.atomic():
            jobs.enqueue("orders.import_file", {"batch": batch.pk})
    batch.refresh_from_db()
    return batch


def run_stored_import(batch: ImportBatch) -> ImportBatch:
    """Import the stored upload of ``batch`` (a job may run this twice: the second time
    finds the batch finished and does nothing)."""
    import shutil
    import tempfile

    from django.core.files.storage import default_storage
    from django.utils import translation

    if batch.status != ImportBatch.Status.RUNNING:
        return batch
    suffix = Path(batch.filename).suffix
    try:
        with (
            translation.override(batch.language or None),
            tempfile.NamedTemporaryFile(suffix=suffix) as local,
        ):
            with default_storage.open(batch.upload, "rb") as source:
                shutil.copyfileobj(source, local)
            local.flush()
            # a retried job starts the counts again; the import itself is idempotent
            for name in (
                "orders_created",
                "orders_updated",
                "orders_unchanged",
                "orders_failed",
                "items_written",
                "customers_created",
                "rows_failed",
            ):
                setattr(batch, name, 0)
            import_file(
                shop=batch.shop,
                path=local.name,
                filename=batch.filename,
                layout=batch.layout,
                actor=batch.started_by,
                source=batch.source,
                batch=batch,
            )
    finally:
        batch.refresh_from_db()
        if batch.status != ImportBatch.Status.RUNNING and batch.upload:
            default_storage.delete(batch.upload)
            ImportBatch.objects.filter(pk=batch.pk).update(upload="")
    return batch


# ---------------------------------------------------------------- one order at a time


class InvalidOrder(DomainError):
    code = "validation_error"
    status = 422


class BadSignature(DomainError):
    code = "bad_signature"
    status = 401


def _order_audit(actor, order_id: int, *, created: bool, diff: dict, reason: str = "") -> None:
    order = Order.objects.get(pk=order_id)
    status = diff.get("status")
    audit.record(
        actor=actor,
        obj=order,
        action="order.create" if created else "order.update",
        from_state="" if created else (status[0] if status else ""),
        to_state=order.status if created or status else "",
        reason=reason,
        changes={} if created else diff,
    )


def create_order(
    *, actor, shop: Shop, order: ParsedOrder, customer: Customer | None = None
) -> Order:
    """Create one order (the API). Refused with 409 when the shop has that number."""
    if customer is not None and customer.merged_into_id:
        raise InvalidOrder(
            _("That customer was merged into another; use customer %(id)s.")
            % {"id": customer.merged_into_id},
            fields={"customer_id": [_("merged")]},
        )
    writer = OrderWriter(shop)
    with transaction.atomic():
        try:
            with transaction.atomic():
                outcome = writer.write(
                    [order], customer_id=customer.pk if customer else None, only_new=True
                )
        except IntegrityError:  # created by someone else a moment ago
            raise Conflict(
                _("Order %(number)s already exists in this shop.") % {"number": order.external_id},
                code="order_exists",
            ) from None
        order_id = outcome.ids[order.external_id]
        _order_audit(actor, order_id, created=True, diff={})
        created = Order.objects.get(pk=order_id)
        customer_services.refresh_segments([created.customer_id], actor=actor)
    return created


EDITABLE = (
    "status",
    "carrier",
    "waybill",
    "buyer_note",
    "seller_note",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "auto_confirm_at",
    "completed_at",
)


def update_order(*, actor, order: Order, changes: dict[str, Any], reason: str = "") -> Order:
    """Change what an agent may change on an order; audited with before and after."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidOrder(
            _("These fields cannot be changed: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))},
            fields={name: [_("not editable")] for name in sorted(unknown)},
        )
    errors: dict[str, list[str]] = {}
    if "status" in changes and changes["status"] not in S.values:
        errors["status"] = [_("Choose one of: %(choices)s") % {"choices": ", ".join(S.values)}]
    for name, limit in (("carrier", 40), ("waybill", 64)):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
            if len(changes[name]) > limit:
                errors[name] = [_("At most %(n)s characters.") % {"n": limit}]
    for name in ("buyer_note", "seller_note"):
        if name in changes:
            changes[name] = changes[name] or ""
    if errors:
        raise InvalidOrder(_("The order has invalid fields."), fields=errors)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        diff = audit.diff(before, changes)
        if not diff:
            return locked
        locked.save(update_fields=[*changes, "updated_at"])
        status = diff.get("status")
        if status:
            customer_services.refresh_segments([locked.customer_id], actor=actor)
        audit.record(
            actor=actor,
            obj=locked,
            action="order.update",
            from_state=status[0] if status else "",
            to_state=status[1] if status else "",
            reason=reason,
            changes=diff,
        )
    return locked


# ---------------------------------------------------------------- webhook


def signature_of(secret: str, body: bytes) -> str:
    """What Shopify sends in X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256(secret, body)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass
class WebhookResult:
    result: str  # "stored", "duplicate", "ignored"
    order_id: int | None = None
    created: bool = False


def receive_order_webhook(
    *, shop_id: int, body: bytes, signature: str | None, delivery_id: str | None, topic: str | None
) -> WebhookResult:
    """Verify and store a Shopify order webhook.

    Unknown or inactive shop: 404. A shop without a webhook secret, a missing or wrong
    signature: 401 and nothing stored. A delivery id seen before: ``duplicate``, nothing
    changes. An order body older (``updated_at``) than what kefu has: changes nothing.
    """
    shop = Shop.objects.filter(pk=shop_id, is_active=True).first()
    if shop is None:
        raise NotFound(_("No such shop."))
    if not shop.webhook_secret:
        raise BadSignature(_("This shop has no webhook secret; an admin sets one first."))
    if not signature:
        raise BadSignature(_("The X-Shopify-Hmac-Sha256 signature header is missing."))
    expected = signature_of(shop.webhook_secret, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise BadSignature(_("The signature does not match the body."))
    topic = (topic or "").strip()[:60]
    if topic and (not topic.startswith("orders/") or topic == "orders/delete"):
        return WebhookResult("ignored")  # not an order, or one the shop deleted: kept here
    try:
        payload = json.loads(body)
        data = ShopifyOrder.model_validate(payload)
    except (ValueError, PydanticValidationError) as exc:
        fields: dict[str, list[str]] = {}
        if isinstance(exc, PydanticValidationError):
            for err in exc.errors():
                loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
                fields.setdefault(loc, []).append(err.get("msg", "invalid"))
        raise InvalidOrder(_("The body is not a Shopify order."), fields=fields) from None
    try:
        order = order_from_json(data, ParseContext.for_shop(shop))
    except RowProblem as exc:
        raise InvalidOrder(str(exc)) from None
    delivery_id = (delivery_id or "").strip()[:100]
    writer = OrderWriter(shop)
    with transaction.atomic():
        delivery = None
        if delivery_id:
            try:
                with transaction.atomic():
                    delivery = WebhookDelivery.objects.create(
                        shop=shop, delivery_id=delivery_id, topic=topic
                    )
            except IntegrityError:
                seen = WebhookDelivery.objects.filter(shop=shop, delivery_id=delivery_id).first()
                return WebhookResult("duplicate", seen.order_id if seen else None)
        outcome = writer.write([order])
        order_id = outcome.ids[order.external_id]
        created = bool(outcome.created)
        reason = _("Shopify webhook %(topic)s %(id)s") % {"topic": topic, "id": delivery_id}
        if created or outcome.updated:
            _order_audit(
                None,
                order_id,
                created=created,
                diff=outcome.changes.get(order_id, {}),
                reason=reason,
            )
        if created or outcome.updated:
            customer_id = Order.objects.filter(pk=order_id).values_list("customer_id", flat=True)
            customer_services.refresh_segments(list(customer_id))
        if delivery is not None:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(order_id=order_id)
    return WebhookResult("stored", order_id, created)


# ---------------------------------------------------------------- shops


SHOP_FIELDS = (
    "slug",
    "name",
    "platform",
    "store_type",
    "currency",
    "time_zone",
    "language",
    "webhook_secret",
    "link_allowlist",
    "is_active",
)


def _clean_shop(data: dict[str, Any]) -> dict[str, Any]:
    import zoneinfo

    from django.conf import settings

    errors: dict[str, list[str]] = {}
    out = dict(data)
    if "platform" in out and out["platform"] not in Shop.Platform.values:
        errors["platform"] = [_("Choose one of: %(c)s") % {"c": ", ".join(Shop.Platform.values)}]
    if "store_type" in out and out["store_type"] not in Shop.StoreType.values:
        errors["store_type"] = [_("Choose one of: %(c)s") % {"c": ", ".join(Shop.StoreType.values)}]
    if "currency" in out:
        out["currency"] = (out["currency"] or "").upper()
        if len(out["currency"]) != 3 or not out["currency"].isalpha():
            errors["currency"] = [_("A three-letter currency code such as CNY, KRW, USD.")]
    if "time_zone" in out:
        try:
            zoneinfo.ZoneInfo(out["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = [_("Not a time zone name (e.g. Asia/Shanghai).")]
    if "language" in out and out["language"] not in dict(settings.LANGUAGES):
        errors["language"] = [
            _("Choose one of: %(c)s") % {"c": ", ".join(dict(settings.LANGUAGES))}
        ]
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            errors["name"] = [_("Give the shop a name.")]
    if errors:
        raise DomainError(_("The shop has invalid fields."), fields=errors, code="validation_error")
    return out


def _shop_changes(before: dict, after: dict) -> dict:
    diff = audit.diff(before, after)
    if "webhook_secret" in diff:
        diff["webhook_secret"] = ["…", "…"]  # the secret itself stays out of the log
    return diff


def create_shop(*, actor, **data) -> Shop:
    data = _clean_shop({k: v for k, v in data.items() if k in SHOP_FIELDS})
    with transaction.atomic():
        if Shop.objects.filter(slug=data["slug"]).exists():
            raise Conflict(_("A shop with this slug exists."), code="slug_taken")
        try:
            with transaction.atomic():
                shop = Shop.objects.create(**data)
        except IntegrityError:
            raise Conflict(_("A shop with this slug exists."), code="slug_taken") from None
        audit.record(
            actor=actor,
            obj=shop,
            action="shop.create",
            changes=_shop_changes({}, {k: v for k, v in data.items()}),
        )
    return shop


def update_shop(*, actor, shop: Shop, **changes) -> Shop:
    changes = _clean_shop({k: v for k, v in changes.items() if k in SHOP_FIELDS})
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        if (
            "slug" in changes
            and Shop.objects.filter(slug=changes["slug"]).exclude(pk=shop.pk).exists()
        ):
            raise Conflict(_("A shop with this slug exists."), code="slug_taken")
        before = {name: getattr(locked, name) for name in changes}
        diff = _shop_changes(before, changes)
        if not diff:
            return locked
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        audit.record(actor=actor, obj=locked, action="shop.update", changes=diff)
    return locked


def find_shop(ref: str) -> Shop:
    """A shop by id or slug (what `kefu import orders --shop` accepts)."""
    ref = (ref or "").strip()
    shop = None
    if ref.isdigit() and len(ref) < 19:
        shop = Shop.objects.filter(pk=int(ref)).first()
    if shop is None:
        shop = Shop.objects.filter(slug=ref).first()
    if shop is None:
        raise NotFound(_("No shop with id or slug %(ref)r.") % {"ref": ref})
    return shop


# decimals used by the API and views
def money_text(amount: Decimal | None, currency: str) -> str | None:
    from kefu.core.money import quantize

    if amount is None:
        return None
    return str(quantize(amount, currency))
