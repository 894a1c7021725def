"""Fixtures of the customer archive's tests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum

from kefu.customers import segments, services
from kefu.customers.models import AttributeDefinition
from kefu.orders.models import Order
from tests.factories import make_shop

PAID = [
    Order.Status.PAID,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.COMPLETED,
]


def order_purchases(ids, since):
    """A purchase source over orders, as the orders app registers one."""
    rows = Order.objects.filter(status__in=PAID)
    if ids is not None:
        rows = rows.filter(customer_id__in=ids)
    recent = Q(paid_at__gte=since)
    for row in rows.values("customer_id", "shop_id").annotate(
        paid=Count("id"),
        recent_orders=Count("id", filter=recent),
        recent_spend=Sum("paid_amount", filter=recent),
    ):
        yield segments.Purchases(
            customer_id=row["customer_id"],
            shop_id=row["shop_id"],
            paid_orders=row["paid"],
            recent_orders=row["recent_orders"],
            recent_spend=row["recent_spend"] or Decimal(0),
        )


@pytest.fixture
def purchases():
    """Segments follow the orders in these tests (the orders app fills the same hook)."""
    before = dict(segments._sources)
    segments._sources.clear()
    segments.register_purchases("test-orders", order_purchases)
    yield order_purchases
    segments._sources.clear()
    segments._sources.update(before)


@pytest.fixture
def no_purchases():
    before = dict(segments._sources)
    segments._sources.clear()
    yield
    segments._sources.update(before)


@pytest.fixture
def shop2(db):
    return make_shop(slug="coupang", name="쿠팡 스토어", platform="coupang", currency="KRW")


@pytest.fixture
def definitions(db):
    """Apparel and car attributes, as an admin would define them (002 篇2)."""
    K = AttributeDefinition.Kind
    rows = [
        dict(
            key="height_cm",
            label="Height",
            label_zh="身高",
            label_ko="키",
            kind=K.INTEGER,
            unit="cm",
            minimum=50,
            maximum=250,
            group="apparel",
            position=1,
        ),
        dict(
            key="weight_kg",
            label="Weight",
            label_zh="体重",
            label_ko="몸무게",
            kind=K.DECIMAL,
            unit="kg",
            minimum=2,
            maximum=300,
            group="apparel",
            position=2,
        ),
        dict(
            key="size",
            label="Size",
            label_zh="尺码",
            label_ko="사이즈",
            kind=K.CHOICE,
            choices=["S", "M", "L", "XL"],
            group="apparel",
            position=3,
        ),
        dict(
            key="preferred_brand",
            label="Preferred brand",
            label_zh="偏好品牌",
            kind=K.TEXT,
            group="apparel",
            position=4,
        ),
        dict(key="car_model", label="Car model", label_zh="车型", kind=K.TEXT, group="car"),
        dict(
            key="next_service",
            label="Next service date",
            label_zh="下次保养",
            kind=K.DATE,
            group="car",
        ),
        dict(key="has_warranty", label="Extended warranty", kind=K.BOOLEAN, group="car"),
    ]
    return {row["key"]: AttributeDefinition.objects.create(**row) for row in rows}


@pytest.fixture
def new_customer(agent):
    """new_customer(name, **fields) → a customer created through the service."""

    def make(name: str = "王芳", **fields):
        return services.create_customer(actor=fields.pop("actor", agent), name=name, **fields)

    return make
