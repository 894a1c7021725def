from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kefu.reviews import services
from tests.factories import make_customer, make_order


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def order(shop):
    customer = make_customer(name="王芳", language="zh-hans")
    return make_order(shop=shop, customer=customer, external_id="TB1001")


@pytest.fixture
def make_review(shop, order, agent):
    counter = iter(range(1, 10_000))

    def make(**kw):
        row = services.ReviewInput(
            order_number=kw.pop("order_number", order.external_id),
            rating=kw.pop("rating", 2),
            text=kw.pop("text", "尺码偏小，穿不上"),
            reviewed_at=kw.pop("reviewed_at", timezone.now() - dt.timedelta(hours=2)),
            platform_review_id=kw.pop("platform_review_id", f"R{next(counter)}"),
        )
        review, _ = services.record_review(actor=kw.pop("actor", agent), shop=shop, row=row)
        return review

    return make
