"""Small builders for the domain objects tests need (real rows, real database)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.utils import timezone

from kefu.core.models import Shop
from kefu.customers.models import Customer
from kefu.orders.models import Order, OrderItem
from kefu.tickets.models import Message, Ticket

_seq = itertools.count(1)


def make_shop(**kw) -> Shop:
    n = next(_seq)
    defaults = {"slug": f"shop-{n}", "name": f"店铺{n}", "platform": "tmall", "currency": "CNY"}
    return Shop.objects.create(**{**defaults, **kw})


def make_customer(**kw) -> Customer:
    return Customer.objects.create(**{"name": f"顾客{next(_seq)}", **kw})


def make_order(*, shop: Shop, customer: Customer, amount="199.00", **kw) -> Order:
    now = timezone.now()
    order = Order.objects.create(
        shop=shop,
        customer=customer,
        external_id=kw.pop("external_id", f"TB{next(_seq):012d}"),
        currency=shop.currency,
        total_amount=Decimal(amount),
        paid_amount=Decimal(amount),
        placed_at=kw.pop("placed_at", now),
        paid_at=kw.pop("paid_at", now),
        **kw,
    )
    OrderItem.objects.create(
        order=order,
        title="羊绒围巾",
        style_no="SC-001",
        unit_price=Decimal(amount),
        amount=Decimal(amount),
    )
    return order


def make_ticket(*, shop: Shop, customer: Customer, body: str = "我要退款", **kw) -> Ticket:
    now = timezone.now()
    ticket = Ticket.objects.create(
        shop=shop, customer=customer, subject=kw.pop("subject", body[:40]), created_at=now, **kw
    )
    Message.objects.create(ticket=ticket, kind=Message.Kind.INBOUND, body=body, created_at=now)
    return ticket
