"""Builders for after-sales tests: a delivered order with two lines, and cases on it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kefu.aftersales import services
from kefu.orders.models import OrderItem
from tests.factories import make_customer, make_order, make_shop


@pytest.fixture
def delivered_order(db):
    def make(*, store_type="c_store", promo=False, completed=False, days_ago=2, currency="CNY"):
        shop = make_shop(store_type=store_type, currency=currency)
        customer = make_customer()
        now = timezone.now()
        order = make_order(
            shop=shop,
            customer=customer,
            amount="300.00",
            free_shipping_promo=promo,
            shipped_at=now - dt.timedelta(days=days_ago + 2),
            delivered_at=now - dt.timedelta(days=days_ago),
            completed_at=(now - dt.timedelta(days=1)) if completed else None,
        )
        order.items.all().delete()
        OrderItem.objects.create(
            order=order,
            title="羊绒围巾",
            style_no="SC-001",
            quantity=2,
            unit_price=Decimal("100.00"),
            amount=Decimal("200.00"),
        )
        OrderItem.objects.create(
            order=order,
            title="手套",
            style_no="GL-002",
            quantity=1,
            unit_price=Decimal("100.00"),
            amount=Decimal("100.00"),
        )
        return order

    return make


@pytest.fixture
def make_case(agent, delivered_order):
    def make(kind="return_refund", reason="quality", *, order=None, items=None, actor=None, **kw):
        order = order or delivered_order()
        if items is None:
            items = [(i.pk, i.quantity) for i in order.items.order_by("pk")]
        return services.create_case(
            actor=actor or agent, order=order, kind=kind, reason=reason, items=items, **kw
        )

    return make
