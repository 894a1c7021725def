"""Rule-based segments: potential, existing, VIP; hand-set segments stay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kefu.core import policies
from kefu.core.models import AuditEntry
from kefu.customers import rules, services
from kefu.customers.models import Customer
from kefu.customers.tasks import daily
from kefu.orders.models import Order
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def segment_of(customer) -> str:
    return Customer.objects.get(pk=customer.pk).segment


def test_rule_defaults_are_documented_policies():
    assert rules.VIP_WINDOW_DAYS.default == 365
    assert rules.VIP_MIN_SPEND.default == Decimal("5000")
    assert rules.VIP_MIN_ORDERS.default == 5


def test_potential_existing_vip(purchases, new_customer, shop):
    browser, buyer, big, frequent = (new_customer(n) for n in ("看看", "买过", "大单", "常客"))
    make_order(shop=shop, customer=buyer, amount="199.00")
    make_order(shop=shop, customer=big, amount="6000.00")
    for _ in range(5):
        make_order(shop=shop, customer=frequent, amount="50.00")
    unpaid = new_customer("未付款")
    make_order(shop=shop, customer=unpaid, status=Order.Status.UNPAID)
    outcome = services.refresh_segments()
    assert outcome == {"changed": 3}
    assert [segment_of(c) for c in (browser, buyer, big, frequent, unpaid)] == [
        "potential",
        "existing",
        "vip",
        "vip",
        "potential",
    ]
    entry = AuditEntry.objects.get(action="customer.segment", object_id=str(big.pk))
    assert (entry.from_state, entry.to_state, entry.reason) == ("potential", "vip", "rule")


def test_old_purchases_do_not_make_a_vip(purchases, new_customer, shop):
    old = new_customer("老客户")
    long_ago = timezone.now() - dt.timedelta(days=400)
    make_order(shop=shop, customer=old, amount="9000.00", paid_at=long_ago, placed_at=long_ago)
    services.refresh_segments()
    assert segment_of(old) == "existing"


def test_a_shop_sets_its_own_spend_threshold(purchases, new_customer, shop2, admin_user):
    buyer = new_customer("김민준", language="ko")
    make_order(shop=shop2, customer=buyer, amount="600000")  # won, not yuan
    services.refresh_segments()
    assert segment_of(buyer) == "vip"  # 600,000 > the global 5,000
    policies.set_value(actor=admin_user, key="customers.vip_min_spend", value="1000000", shop=shop2)
    services.refresh_segments()
    assert segment_of(buyer) == "existing"


def test_a_hand_set_segment_is_kept_by_the_rule(purchases, new_customer, agent, shop):
    customer = new_customer("王芳")
    services.update_customer(actor=agent, customer=customer, segment="vip")
    services.refresh_segments()
    assert segment_of(customer) == "vip"
    services.update_customer(actor=agent, customer=customer, segment="auto")
    assert segment_of(customer) == "potential"  # back to the rule at once
    make_order(shop=shop, customer=customer)
    services.refresh_segments([customer.pk])
    assert segment_of(customer) == "existing"


def test_the_daily_sweep_is_idempotent(purchases, new_customer, shop):
    customer = new_customer("王芳")
    make_order(shop=shop, customer=customer)
    now = timezone.now()
    assert daily(now)["segments_changed"] == 1
    assert daily(now)["segments_changed"] == 0
    assert AuditEntry.objects.filter(action="customer.segment").count() == 1


def test_without_a_purchase_source_nobody_is_downgraded(no_purchases, new_customer):
    vip = new_customer("王芳")
    Customer.objects.filter(pk=vip.pk).update(segment="vip")
    assert services.refresh_segments() == {"changed": 0, "skipped": 1}
    assert segment_of(vip) == "vip"
    assert daily(timezone.now())["segment_rule_skipped"] is True


def test_merging_takes_the_higher_segment_then_the_rule(purchases, new_customer, lead, shop):
    survivor, merged = new_customer("王芳"), new_customer("王芳")
    make_order(shop=shop, customer=merged, amount="6000.00")
    services.refresh_segments()
    record = services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    assert segment_of(survivor) == "vip"
    services.unmerge(actor=lead, record=record)
    assert (segment_of(survivor), segment_of(merged)) == ("potential", "vip")
