"""Reads of shops, orders and imports, shaped once per screen or endpoint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from kefu.core.models import Shop
from kefu.customers import search as customer_search
from kefu.customers.segments import Purchases
from kefu.orders.models import ImportBatch, Order, OrderItem

MAX_QUERY = 100


def shop_list(*, active_only: bool = False) -> QuerySet[Shop]:
    shops = Shop.objects.order_by("name", "id")
    return shops.filter(is_active=True) if active_only else shops


def _search(orders: QuerySet[Order], q: str) -> QuerySet[Order]:
    """Order number or waybill (exact, ``1001`` finds ``#1001``), or the customer's name,
    phone (also its last four digits), email or marketplace ID through the customer index."""
    q = q.strip()[:MAX_QUERY]
    if not q:
        return orders
    numbers = {q, q.upper()}
    if not q.startswith("#"):
        numbers.add(f"#{q}")
    condition = Q(external_id__in=numbers) | Q(waybill__in=numbers)
    found = customer_search.ids_sql(q)
    if found is not None:
        sql, params = found
        condition |= Q(customer_id__in=RawSQL(sql, params))
    return orders.filter(condition)


def order_list(
    *,
    shop: int | None = None,
    status: str | None = None,
    customer: int | None = None,
    placed_after: dt.datetime | None = None,
    placed_before: dt.datetime | None = None,
    q: str | None = None,
) -> QuerySet[Order]:
    """Orders newest first, filtered; each with its shop and customer."""
    orders = Order.objects.select_related("shop", "customer").order_by("-placed_at", "-id")
    if shop is not None:
        orders = orders.filter(shop_id=shop)
    if status:
        orders = orders.filter(status=status)
    if customer is not None:
        orders = orders.filter(customer_id=customer)
    if placed_after is not None:
        orders = orders.filter(placed_at__gte=placed_after)
    if placed_before is not None:
        orders = orders.filter(placed_at__lt=placed_before)
    if q:
        orders = _search(orders, q)
    return orders


def with_items(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))


def order_detail() -> QuerySet[Order]:
    return with_items(Order.objects.select_related("shop", "customer", "customer__merged_into"))


def customer_orders(customer_id: int, limit: int) -> list[Order]:
    """A customer's newest orders, for the customer's timeline."""
    return list(
        Order.objects.filter(customer_id=customer_id)
        .select_related("shop")
        .order_by("-placed_at", "-id")[:limit]
    )


def import_list(*, shop: int | None = None) -> QuerySet[ImportBatch]:
    batches = ImportBatch.objects.select_related("shop", "started_by").order_by(
        "-started_at", "-id"
    )
    return batches.filter(shop_id=shop) if shop is not None else batches


BOUGHT = (
    Order.Status.PAID,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.COMPLETED,
)


def purchases(ids: list[int] | None, since: dt.datetime):
    """What customers bought, per customer and shop, for the customers' segment rule:
    paid orders ever (not cancelled or refunded), and those paid since ``since`` with
    their paid amount (in the shop's currency)."""
    orders = Order.objects.filter(status__in=BOUGHT)
    if ids is not None:
        orders = orders.filter(customer_id__in=ids)
    recent = Q(paid_at__gte=since)
    rows = (
        orders.values("customer_id", "shop_id")
        .annotate(
            paid=Count("id"),
            recent_orders=Count("id", filter=recent),
            recent_spend=Sum("paid_amount", filter=recent),
        )
        .order_by()
    )
    for row in rows:
        yield Purchases(
            customer_id=row["customer_id"],
            shop_id=row["shop_id"],
            paid_orders=row["paid"],
            recent_orders=row["recent_orders"],
            recent_spend=row["recent_spend"] or Decimal(0),
        )


def customers_touched_since(shop_id: int, since: dt.datetime) -> list[int]:
    """The customers whose orders in ``shop_id`` were written since ``since``."""
    return list(
        Order.objects.filter(shop_id=shop_id, updated_at__gte=since)
        .values_list("customer_id", flat=True)
        .distinct()
    )
