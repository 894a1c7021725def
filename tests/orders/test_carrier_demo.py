"""The carrier demo: queries and claims in every state, on demo orders only, gone on reset."""

from __future__ import annotations

import random
from types import SimpleNamespace

from django.utils import timezone

from kefu.core.models import Shop
from kefu.core.roles import Role
from kefu.orders import carrier_demo
from kefu.orders.models import DamageClaim, Order, TrackingQuery
from tests.factories import make_customer, make_order


def test_demo_rows_in_every_state(make_user):
    users = {
        name: make_user(role, name)
        for name, role in (
            ("agent", Role.AGENT),
            ("agent2", Role.AGENT),
            ("agent3", Role.AGENT),
            ("warehouse", Role.WAREHOUSE),
            ("lead", Role.LEAD),
        )
    }
    now = timezone.now()
    for slug, platform, currency in (
        ("demo-tmall", "tmall", "CNY"),
        ("demo-coupang", "coupang", "KRW"),
        ("demo-shopify", "shopify", "USD"),
    ):
        shop = Shop.objects.create(slug=slug, name=slug, platform=platform, currency=currency)
        for n in range(6):
            make_order(
                shop=shop,
                customer=make_customer(is_demo=True),
                carrier="顺丰速运",
                waybill=f"{slug}-{n}",
                shipped_at=now - timezone.timedelta(days=5),
                status="shipped",
            )
    make_order(shop=shop, customer=make_customer(), waybill="REAL-1", shipped_at=now)
    builder = SimpleNamespace(rng=random.Random(7), now=now, users=users, shops={}, out=print)
    counts = carrier_demo.load(builder)
    assert counts["carrier claims"] == len(carrier_demo.PLAN)
    assert counts["tracking queries"] > 20 and counts["claim photos"] > 0
    states = {s: DamageClaim.objects.filter(status=s).count() for s in DamageClaim.Status.values}
    assert all(n >= 2 for n in states.values()), states
    outcomes = set(DamageClaim.objects.filter(status="closed").values_list("outcome", flat=True))
    assert outcomes == {"paid", "written_off", "withdrawn"}
    assert not DamageClaim.objects.filter(order__waybill="REAL-1").exists()
    assert not TrackingQuery.objects.filter(order__customer__is_demo=False).exists()
    for claim in DamageClaim.objects.all():
        assert claim.items.exists()
        if claim.status == "settled":
            assert claim.amount_paid is not None
    Order.objects.filter(customer__is_demo=True).delete()  # what a reset does
    assert not DamageClaim.objects.exists() and not TrackingQuery.objects.exists()
