"""Likely duplicates: records sharing a normalised phone, email or marketplace ID."""

from __future__ import annotations

import pytest

from kefu.core.models import Shop
from kefu.customers import selectors, services

pytestmark = pytest.mark.django_db


def groups() -> list[tuple[list[str], list[tuple[str, str]]]]:
    return [([c.name for c in g.customers], g.reasons) for g in selectors.duplicate_groups()]


def test_phone_in_any_form_email_in_any_case(new_customer):
    new_customer("王芳", phones=["+86 138 1234 5678"], emails=["WF@example.com"])
    new_customer("王芳（电话）", phones=["138-1234-5678"])
    new_customer("Wang Fang", emails=["wf@example.com"])
    new_customer("李娜", phones=["13900000000"])
    # linked by a phone and by an email: one buyer, one group
    assert groups() == [
        (
            ["王芳", "王芳（电话）", "Wang Fang"],
            [("email", "wf@example.com"), ("phone", "8613812345678")],
        )
    ]


def test_marketplace_ids_on_the_same_platform(new_customer, shop):
    other_tmall = Shop.objects.create(slug="tmall-2", name="天猫二店", platform="tmall")
    coupang = Shop.objects.create(slug="cp", name="쿠팡", platform="coupang")
    new_customer("甲", identities=[(shop.pk, "buyer_001")])
    new_customer("乙", identities=[(other_tmall.pk, "buyer_001")])
    new_customer("丙", identities=[(coupang.pk, "buyer_001")])  # another platform's account
    assert groups() == [(["甲", "乙"], [("marketplace_id", "tmall:buyer_001")])]


def test_a_number_many_share_is_not_a_duplicate(new_customer):
    for i in range(selectors.MAX_SHARED + 1):
        new_customer(f"顾客{i}", phones=["13800000000"])  # a placeholder number
    assert groups() == []


def test_merged_records_drop_out(new_customer, lead):
    a = new_customer("王芳", phones=["13812345678"])
    b = new_customer("王芳", phones=["13812345678"])
    assert len(groups()) == 1
    services.merge_customers(actor=lead, survivor=a, merged=b)
    assert groups() == []  # b keeps its phone (left behind) but is merged
