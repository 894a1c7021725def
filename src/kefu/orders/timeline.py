"""Orders on the customer's timeline (registered from OrdersConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.core.money import fmt
from kefu.customers.timeline import TimelineItem
from kefu.orders import selectors


def order_items(customer, limit: int) -> list[TimelineItem]:
    """The customer's newest orders: when placed, where, how much, in which state."""
    return [
        TimelineItem(
            at=order.placed_at,
            kind="order",
            title=_("Order %(number)s · %(shop)s")
            % {"number": order.external_id, "shop": order.shop.name},
            status=order.get_status_display(),
            detail=fmt(order.total_amount, order.currency),
            url=reverse("orders:detail", args=[order.pk]),
            extra={"order_id": order.pk, "shop_id": order.shop_id, "status": order.status},
        )
        for order in selectors.customer_orders(customer.pk, limit)
    ]
