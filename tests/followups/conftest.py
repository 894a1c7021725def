"""Fixtures for the follow-up tests: a clock, a Shanghai shop, callable customers."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from kefu.customers.models import CustomerPhone
from kefu.followups.models import FollowUpRule, FollowUpTask, Reason
from kefu.followups.services import plan_call, window
from tests.factories import make_customer, make_order, make_shop

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEOUL = ZoneInfo("Asia/Seoul")


def at(*args, tz=SHANGHAI) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def set(self, *args, tz=SHANGHAI) -> dt.datetime:
        self.now = at(*args, tz=tz)
        return self.now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    c = Clock(at(2026, 3, 2, 10, 0))
    with mock.patch("django.utils.timezone.now", c):
        yield c


@pytest.fixture
def sh_shop(db):
    return make_shop(slug="tmall-sh", name="云裳旗舰店", time_zone="Asia/Shanghai")


def callable_customer(phone: str = "13800138000", **kw):
    customer = make_customer(**kw)
    CustomerPhone.objects.create(customer=customer, number=phone, normalized=phone)
    return customer


@pytest.fixture
def customer(db):
    return callable_customer(name="王芳")


def delivered_order(shop, customer, delivered_at: dt.datetime, **kw):
    return make_order(
        shop=shop,
        customer=customer,
        status="delivered",
        delivered_at=delivered_at,
        placed_at=delivered_at - dt.timedelta(days=3),
        **kw,
    )


def rule(reason: str, shop=None) -> FollowUpRule:
    r = FollowUpRule.objects.filter(reason=reason, shop=shop).first()
    assert r is not None, "the default rules come with the migration"
    return r


def make_task(shop, customer, *, owner=None, start=None, end=None, reason=Reason.DELIVERY, **kw):
    """A planned call (through the planning service), due from ``start`` to ``end``."""
    r = rule(reason)
    start = start or at(2026, 3, 2, 9, 0)
    end = end or at(2026, 3, 5, 20, 0)
    if owner is not None:
        customer.owner = owner
        customer.save(update_fields=["owner"])
    order = kw.pop("order", None) or make_order(shop=shop, customer=customer)
    task = plan_call(
        rule=r,
        source_kind=FollowUpTask.Source.ORDER,
        source_id=order.pk,
        customer=customer,
        shop=shop,
        start=start,
        end=end,
        order=order,
        service_date=kw.pop("service_date", dt.date(2026, 2, 27)),
        **kw,
    )
    assert task is not None
    return task


__all__ = ["SEOUL", "SHANGHAI", "window"]
