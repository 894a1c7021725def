"""`kefu import workload DIR`: bulk-load a customer-service history written as JSONL.

The files are those of the shared benchmark workload (agents, customers, orders, tickets
with follow-ups). Everything goes through kefu's own tables and search indexes, in chunks
of one transaction each, so a large history loads fast and an interrupted load can be run
again: rows already loaded (by their external ids) are skipped, never duplicated.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from kefu.core import audit, bulk
from kefu.core.errors import DomainError
from kefu.core.models import Shop, User
from kefu.core.roles import Role
from kefu.customers import normalize
from kefu.customers import search as customer_search
from kefu.customers.models import (
    Customer,
    CustomerEmail,
    CustomerPhone,
    MarketplaceIdentity,
    Segment,
)
from kefu.orders.models import Order, OrderItem
from kefu.tickets.models import Channel, Message, Ticket
from kefu.tickets.search import TICKET_INDEX, document

CHUNK = 5000
LANGUAGE = {"zh": "zh-hans", "ko": "ko", "en": "en"}
COUNTRY_CODE = {"CN": "86", "KR": "82", "US": "1", "GB": "44", "JP": "81", "SG": "65"}
CHANNEL = {
    "marketplace_im": Channel.MARKETPLACE,
    "chat": Channel.CHAT,
    "web": Channel.WEB,
    "email": Channel.EMAIL,
    "phone": Channel.PHONE,
    "sms": Channel.SMS,
}
KIND = {
    "product_question": Ticket.Kind.PRE_SALES,
    "refund_request": Ticket.Kind.AFTER_SALES,
    "damaged_parcel": Ticket.Kind.LOGISTICS,
    "negative_review": Ticket.Kind.REVIEW,
}
STATUS = {
    "new": Ticket.Status.NEW,
    "open": Ticket.Status.OPEN,
    "reopened": Ticket.Status.OPEN,
    "pending": Ticket.Status.PENDING_CUSTOMER,
    "solved": Ticket.Status.SOLVED,
    "closed": Ticket.Status.CLOSED,
}
# Help-desk convention in the files: 1 is the most urgent, 5 the least.
PRIORITY = {1: 4, 2: 3, 3: 2, 4: 1, 5: 1}
ORDER_STATUS = {
    "paid": Order.Status.PAID,
    "shipped": Order.Status.SHIPPED,
    "delivered": Order.Status.DELIVERED,
    "completed": Order.Status.COMPLETED,
    "refund_requested": Order.Status.DELIVERED,
    "refunded": Order.Status.REFUNDED,
    "cancelled": Order.Status.CANCELLED,
}
PLATFORM_TIME_ZONE = {"KRW": "Asia/Seoul", "USD": "UTC", "CNY": "Asia/Shanghai"}


def _lines(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    raise DomainError(f"{path.name} line {number}: not valid JSON") from None


def _chunks(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert_with_ids(model, rows: list[dict]) -> None:
    """bulk.insert of rows that have no id yet: the ids are taken from the table first, as
    PostgreSQL refuses the explicit NULL id bulk.insert would otherwise send."""
    for row, pk in zip(rows, bulk.allocate_ids(model, len(rows)), strict=True):
        row["id"] = pk
    bulk.insert(model, rows)


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


class WorkloadImport:
    def __init__(self, directory: Path, *, out: Callable[[str], None], chunk: int = CHUNK):
        self.dir = directory
        self.out = out
        self.chunk = chunk
        self.shops: dict[str, Shop] = {}
        self.agents: dict[str, int] = {}
        self.customers: dict[str, int] = {}
        # order number → (order id, customer id); a number twice in the file keeps the first
        self.orders: dict[str, tuple[int, int]] = {}
        self.counts = {
            "customers": 0,
            "orders": 0,
            "tickets": 0,
            "messages": 0,
            "skipped_tickets": 0,
        }
        self.seconds: dict[str, float] = {}

    # ------------------------------------------------------------ reference data
    def shop_for(self, marketplace: str, currency: str | None = None) -> Shop:
        shop = self.shops.get(marketplace)
        if shop is None:
            platform = marketplace if marketplace in Shop.Platform.values else Shop.Platform.OWN
            currency = currency or "CNY"
            shop, _ = Shop.objects.get_or_create(
                slug=marketplace,
                defaults={
                    "name": marketplace.title(),
                    "platform": platform,
                    "store_type": Shop.StoreType.MALL
                    if marketplace == "tmall"
                    else Shop.StoreType.C_STORE,
                    "currency": currency,
                    "time_zone": PLATFORM_TIME_ZONE.get(currency, "UTC"),
                    "language": {"KRW": "ko", "USD": "en"}.get(currency, "zh-hans"),
                },
            )
            self.shops[marketplace] = shop
        return shop

    def load_agents(self) -> None:
        password = make_password(None)
        for row in _lines(self.dir / "agents.jsonl"):
            user, _ = User.objects.get_or_create(
                username=row["id"],
                defaults={
                    "display_name": row.get("name", ""),
                    "email": row.get("email", ""),
                    "role": Role.AGENT,
                    "language": LANGUAGE.get(row.get("locale"), ""),
                    "password": password,
                },
            )
            self.agents[row["id"]] = user.pk

    def load_shops(self) -> None:
        # One pass over orders to learn each marketplace's currency before creating shops.
        seen: dict[str, str] = {}
        for row in _lines(self.dir / "orders.jsonl"):
            seen.setdefault(row["marketplace"], row["currency"])
        for marketplace, currency in seen.items():
            self.shop_for(marketplace, currency)

    # ------------------------------------------------------------ customers
    def load_customers(self) -> None:
        for chunk in _chunks(_lines(self.dir / "customers.jsonl"), self.chunk * 4):
            # Buyers loaded by an earlier run, found by their ID at their marketplace's
            # shop (a marketplace may have buyers but no orders in the files).
            shops = {self.shop_for(row.get("marketplace", "own")).pk for row in chunk}
            self.customers.update(
                MarketplaceIdentity.objects.filter(
                    shop__in=shops, external_id__in=[row["id"] for row in chunk]
                ).values_list("external_id", "customer_id")
            )
            fresh = [row for row in chunk if row["id"] not in self.customers]
            if not fresh:
                continue
            with transaction.atomic():
                ids = bulk.allocate_ids(Customer, len(fresh))
                customers, phones, emails, identities, docs = [], [], [], [], []
                for row, pk in zip(fresh, ids, strict=True):
                    self.customers[row["id"]] = pk
                    customers.append(
                        {
                            "id": pk,
                            "name": row["name"],
                            "language": LANGUAGE.get(row.get("locale"), "en"),
                            "segment": Segment.VIP
                            if row.get("vip_level", 0) >= 2
                            else Segment.EXISTING,
                            "first_contact_at": _when(row.get("created_at")),
                        }
                    )
                    terms = [row["name"], row["id"]]
                    if row.get("phone"):
                        code = COUNTRY_CODE.get(
                            row.get("country", ""), normalize.DEFAULT_COUNTRY_CODE
                        )
                        normal = normalize.phone(row["phone"], code)
                        phones.append(
                            {"customer_id": pk, "number": row["phone"], "normalized": normal}
                        )
                        terms.extend(customer_search.phone_terms(normal))
                    if row.get("email"):
                        normal = normalize.email(row["email"])
                        emails.append(
                            {"customer_id": pk, "email": row["email"], "normalized": normal}
                        )
                        terms.append(normal)
                    shop = self.shop_for(row.get("marketplace", "own"))
                    identities.append(
                        {"customer_id": pk, "shop_id": shop.pk, "external_id": row["id"]}
                    )
                    docs.append((pk, " ".join(terms)))
                bulk.insert(Customer, customers)
                _insert_with_ids(CustomerPhone, phones)
                _insert_with_ids(CustomerEmail, emails)
                _insert_with_ids(MarketplaceIdentity, identities)
                customer_search.CUSTOMER_INDEX.put_many(connection, docs)
            self.counts["customers"] += len(fresh)
            self.out(f"customers {self.counts['customers']:,}")

    # ------------------------------------------------------------ orders
    def load_orders(self) -> None:
        for chunk in _chunks(_lines(self.dir / "orders.jsonl"), self.chunk * 2):
            with transaction.atomic():
                known = {
                    (shop_id, number): (pk, customer_id)
                    for pk, shop_id, number, customer_id in Order.objects.filter(
                        external_id__in=[r["id"] for r in chunk]
                    ).values_list("pk", "shop_id", "external_id", "customer_id")
                }
                fresh, taken = [], set()
                for r in chunk:
                    shop = self.shop_for(r["marketplace"], r["currency"])
                    found = known.get((shop.pk, r["id"]))
                    if found is not None:
                        self.orders.setdefault(r["id"], found)
                    elif (shop.pk, r["id"]) in taken:
                        # an order number the file repeats (a large generated history has
                        # a few): the shop allows each number once, the first one stays
                        continue
                    elif r["customer_id"] in self.customers:
                        taken.add((shop.pk, r["id"]))
                        fresh.append((r, shop.pk))
                ids = bulk.allocate_ids(Order, len(fresh))
                orders, items = [], []
                for (r, shop_id), pk in zip(fresh, ids, strict=True):
                    self.orders.setdefault(r["id"], (pk, self.customers[r["customer_id"]]))
                    placed = _when(r["placed_at"])
                    total = Decimal(str(r["total"]))
                    orders.append(
                        {
                            "id": pk,
                            "shop_id": shop_id,
                            "external_id": r["id"],
                            "customer_id": self.customers[r["customer_id"]],
                            "status": ORDER_STATUS.get(r.get("status"), Order.Status.PAID),
                            "currency": r["currency"],
                            "total_amount": total,
                            "paid_amount": total,
                            "placed_at": placed,
                            "paid_at": placed,
                            "carrier": r.get("carrier") or "",
                            "waybill": r.get("tracking_no") or "",
                        }
                    )
                    for item in r.get("items", []):
                        price = Decimal(str(item["unit_price"]))
                        qty = item.get("qty", 1)
                        items.append(
                            {
                                "order_id": pk,
                                "sku": item.get("sku", ""),
                                "title": item.get("name", "")[:255],
                                "quantity": qty,
                                "unit_price": price,
                                "amount": price * qty,
                            }
                        )
                bulk.insert(Order, orders)
                _insert_with_ids(OrderItem, items)
            self.counts["orders"] += len(orders)
            self.out(f"orders {self.counts['orders']:,}")

    # ------------------------------------------------------------ tickets
    def load_tickets(self) -> None:
        for chunk in _chunks(_lines(self.dir / "tickets.jsonl"), self.chunk):
            with transaction.atomic():
                known = set(
                    Ticket.objects.filter(source_ref__in=[r["id"] for r in chunk]).values_list(
                        "source_ref", flat=True
                    )
                )
                fresh = [
                    r for r in chunk if r["id"] not in known and r["customer_id"] in self.customers
                ]
                self.counts["skipped_tickets"] += len(chunk) - len(fresh)
                ids = bulk.allocate_ids(Ticket, len(fresh))
                tickets, messages, docs = [], [], []
                for row, pk in zip(fresh, ids, strict=True):
                    ticket = self._ticket(row, pk)
                    tickets.append(ticket)
                    messages.append(
                        {
                            "ticket_id": pk,
                            "kind": Message.Kind.INBOUND,
                            "body": row["body"],
                            "created_at": ticket["created_at"],
                            "channel": ticket["channel"],
                        }
                    )
                    for f in row.get("followups", []):
                        if f["author_type"] == "customer":
                            kind, author = Message.Kind.INBOUND, None
                        else:
                            kind = (
                                Message.Kind.REPLY if f.get("public", True) else Message.Kind.NOTE
                            )
                            author = self.agents.get(f.get("author"))
                        messages.append(
                            {
                                "ticket_id": pk,
                                "kind": kind,
                                "author_id": author,
                                "body": f["body"],
                                "created_at": _when(f["created_at"]),
                            }
                        )
                    docs.append(
                        (
                            pk,
                            document(
                                row["subject"],
                                [row["body"], *(f["body"] for f in row.get("followups", []))],
                                row.get("order_id") or "",
                                [row["customer_email"]] if row.get("customer_email") else [],
                            ),
                        )
                    )
                bulk.insert(Ticket, tickets)
                _insert_with_ids(Message, messages)
                TICKET_INDEX.put_many(connection, docs)
            self.counts["tickets"] += len(tickets)
            self.counts["messages"] += len(messages)
            self.out(f"tickets {self.counts['tickets']:,}")

    def load_statistics(self) -> None:
        """ANALYZE what was loaded, so the first inbox and search use good plans."""
        bulk.analyze(Customer, Order, Ticket, Message)
        TICKET_INDEX.analyze(connection)
        self.out("statistics refreshed")

    def _order_of(self, row: dict) -> int | None:
        """The ticket's order, if it is this customer's (a repeated number may not be)."""
        order_pk, customer_pk = self.orders.get(row.get("order_id") or "", (None, None))
        return order_pk if customer_pk == self.customers[row["customer_id"]] else None

    def _ticket(self, row: dict, pk: int) -> dict:
        followups = row.get("followups", [])
        created = _when(row["created_at"])
        updated = _when(row.get("updated_at")) or created
        replies = (
            _when(f["created_at"])
            for f in followups
            if f["author_type"] == "agent" and f.get("public", True)
        )
        status = STATUS.get(row.get("status"), Ticket.Status.OPEN)
        return {
            "id": pk,
            "source_ref": row["id"],
            "shop_id": self.shop_for(row.get("marketplace", "own")).pk,
            "customer_id": self.customers[row["customer_id"]],
            "order_id": self._order_of(row),
            "subject": row["subject"][:255],
            "channel": CHANNEL.get(row.get("channel"), Channel.WEB),
            "kind": KIND.get(row.get("category"), Ticket.Kind.OTHER),
            "priority": PRIORITY.get(row.get("priority"), Ticket.Priority.NORMAL),
            "status": status,
            "language": LANGUAGE.get(row.get("locale"), "en"),
            "assignee_id": self.agents.get(row.get("assignee")),
            "created_at": created,
            "updated_at": updated,
            "last_message_at": max([created, *(_when(f["created_at"]) for f in followups)]),
            "first_response_at": next(replies, None),
            "solved_at": updated
            if status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED)
            else None,
            "closed_at": updated if status == Ticket.Status.CLOSED else None,
        }

    def run(self) -> dict:
        for name in ("agents.jsonl", "customers.jsonl", "orders.jsonl", "tickets.jsonl"):
            if not (self.dir / name).is_file():
                raise DomainError(f"{self.dir} has no {name}: is it a workload directory?")
        for step in ("agents", "shops", "customers", "orders", "tickets", "statistics"):
            started = time.perf_counter()
            getattr(self, f"load_{step}")()
            self.seconds[step] = round(time.perf_counter() - started, 2)
        with transaction.atomic():
            shop = next(iter(self.shops.values()), None)
            if shop is not None:
                audit.record(
                    actor=None, obj=shop, action="workload.import", changes=dict(self.counts)
                )
        return {**self.counts, "seconds": self.seconds}


def import_workload(
    directory: str | Path, *, out: Callable[[str], None] = print, chunk: int = CHUNK
) -> dict:
    """Load a workload directory; returns counts and the time it took."""
    path = Path(directory)
    if not path.is_dir():
        raise DomainError(f"{path} is not a directory")
    return WorkloadImport(path, out=out, chunk=chunk).run()
