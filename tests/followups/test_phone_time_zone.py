"""A customer with no time zone of their own is called in the zone their phone number's
country code points to (+82 → Seoul) before the shop's zone is used."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.customers.models import CustomerPhone
from kefu.followups import quiet, selectors, services
from kefu.followups.models import FollowUpTask
from tests.factories import make_customer, make_shop

from .conftest import SEOUL, SHANGHAI, at, callable_customer, delivered_order, make_task

pytestmark = pytest.mark.django_db


def only_task(customer) -> FollowUpTask:
    (task,) = FollowUpTask.objects.filter(customer=customer)
    return task


def test_a_korean_phone_gets_seoul_due_windows_in_a_shanghai_shop(clock, sh_shop):
    korean = callable_customer("821012345678", name="김민지")
    chinese = callable_customer("8613900139000", name="李娜")
    assert korean.time_zone == ""
    delivered_order(sh_shop, korean, at(2026, 3, 1, 23, 30))  # 00:30 on the 2nd in Seoul
    delivered_order(sh_shop, chinese, at(2026, 3, 1, 23, 30))
    services.plan_all()
    k, c = only_task(korean), only_task(chinese)
    assert k.due_start == at(2026, 3, 5, 9, 0, tz=SEOUL)
    assert k.due_end == at(2026, 3, 9, 20, 0, tz=SEOUL)
    assert k.service_date == dt.date(2026, 3, 2)
    assert c.due_start == at(2026, 3, 4, 9, 0, tz=SHANGHAI)


def test_a_korean_phone_gets_seoul_quiet_hours_and_local_time(clock, sh_shop, agent):
    korean = callable_customer("821012345678", name="김민지")
    task = make_task(sh_shop, korean, owner=agent)
    clock.set(2026, 3, 2, 19, 30)  # 20:30 in Seoul: too late there, fine in Shanghai
    lists = selectors.call_lists(agent, clock.now)
    assert [t.pk for t in lists["later"]] == [task.pk]
    (row,) = lists["later"]
    assert row.local_time.utcoffset() == dt.timedelta(hours=9)
    assert row.local_time.hour == 20


def test_the_call_screen_shows_the_customers_seoul_time(clock, sh_shop, lead, login):
    korean = callable_customer("821012345678", name="김민지")
    task = make_task(sh_shop, korean)
    clock.set(2026, 3, 2, 15, 5)
    body = login(lead).get(f"/followups/{task.pk}/").content.decode()
    assert "16:05" in body
    assert "15:05" not in body


def test_a_customer_with_their_own_zone_keeps_it(sh_shop):
    customer = callable_customer("821012345678", time_zone="Asia/Tokyo")
    assert quiet.zone(customer, sh_shop).key == "Asia/Tokyo"


def test_no_phone_means_the_shops_zone(sh_shop):
    customer = make_customer()
    assert quiet.zone(customer, sh_shop).key == "Asia/Shanghai"
    seoul_shop = make_shop(slug="coupang-kr", time_zone="Asia/Seoul")
    assert quiet.zone(customer, seoul_shop).key == "Asia/Seoul"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("8613800138000", "Asia/Shanghai"),
        ("821012345678", "Asia/Seoul"),
        ("819012345678", "Asia/Tokyo"),
        ("85291234567", "Asia/Hong_Kong"),
        ("886912345678", "Asia/Taipei"),
        ("6581234567", "Asia/Singapore"),
        ("447700900123", "Europe/London"),
    ],
)
def test_the_country_code_table(number, expected):
    shop = make_shop(slug=f"s-{number}", time_zone="America/New_York")
    customer = make_customer()
    CustomerPhone.objects.create(customer=customer, number="+" + number, normalized=number)
    assert quiet.zone(customer, shop) == ZoneInfo(expected)


def test_a_plus_one_number_keeps_the_shops_zone():
    customer = make_customer()
    CustomerPhone.objects.create(customer=customer, number="+12125550123", normalized="12125550123")
    for tz in ("Asia/Shanghai", "America/Los_Angeles"):
        shop = make_shop(slug=f"s-{tz.split('/')[1].lower()}", time_zone=tz)
        assert quiet.zone(customer, shop).key == tz


def test_the_first_phone_with_a_known_code_counts(sh_shop):
    customer = make_customer()
    CustomerPhone.objects.create(customer=customer, number="+1 212", normalized="12125550123")
    CustomerPhone.objects.create(customer=customer, number="010", normalized="821012345678")
    assert quiet.zone(customer, sh_shop).key == "Asia/Seoul"


def test_the_call_list_asks_for_phones_once(clock, sh_shop, agent, django_assert_max_num_queries):
    for i in range(5):
        make_task(sh_shop, callable_customer(f"82101234567{i}"), owner=agent)
    with django_assert_max_num_queries(12):
        lists = selectors.call_lists(agent, at(2026, 3, 2, 10, 0))
    assert sum(len(v) for v in lists.values()) == 5


def test_the_list_tells_the_first_call_from_the_second_for_one_order(clock, sh_shop, lead, login):
    """A first call after delivery and its planned second call share customer and order;
    the list says which is which, and planning again adds no third row."""
    customer = callable_customer("8613800138000", name="王芳")
    first = make_task(sh_shop, customer, owner=lead)
    services.record_attempt(actor=lead, task=first, outcome="reached", satisfaction="satisfied")
    second = FollowUpTask.objects.get(previous=first)
    assert second.order_id == first.order_id
    services.plan_all()
    assert FollowUpTask.objects.filter(customer=customer).count() == 2
    clock.set(2026, 3, 9, 10, 0)
    body = login(lead).get("/followups/").content.decode()
    assert body.count("Second call") == 1
    assert "after the first call on 03-02" in body
    assert body.count("First call") == 1
