"""Unpaid-order reminders: only inside the hold window, once per order, consent and
quiet hours respected."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.core import policies
from kefu.orders.models import Order
from kefu.retention import services
from kefu.retention.models import UnpaidReminder
from tests.factories import make_customer, make_order

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON_ISH = dt.datetime(2026, 5, 6, 10, 30, tzinfo=SHANGHAI)  # a weekday morning, not lunch


def unpaid(shop, placed_ago: dt.timedelta, **customer):
    buyer = make_customer(**{"language": "zh-hans", **customer})
    return make_order(
        shop=shop,
        customer=buyer,
        status=Order.Status.UNPAID,
        placed_at=NOON_ISH - placed_ago,
        paid_at=None,
    )


def test_reminders_only_within_the_three_day_hold_and_once(shop):
    inside = unpaid(shop, dt.timedelta(days=2))
    too_fresh = unpaid(shop, dt.timedelta(minutes=5))
    expired = unpaid(shop, dt.timedelta(days=3, minutes=1))
    result = services.remind_unpaid(NOON_ISH)
    assert result["created"] == 1
    reminder = UnpaidReminder.objects.get()
    assert reminder.order == inside
    assert reminder.hold_until == inside.placed_at + dt.timedelta(days=3)
    assert inside.external_id in reminder.message and "3天" in reminder.message
    assert services.remind_unpaid(NOON_ISH + dt.timedelta(hours=1))["created"] == 1  # too_fresh now
    later = services.remind_unpaid(NOON_ISH + dt.timedelta(hours=4))  # 14:30, calling hours
    assert later == {"created": 0, "quiet_hours": 0}
    assert set(UnpaidReminder.objects.values_list("order_id", flat=True)) == {
        inside.pk,
        too_fresh.pk,
    }
    assert not UnpaidReminder.objects.filter(order=expired).exists()


def test_paid_orders_and_customers_without_consent_get_no_reminder(shop):
    paid = unpaid(shop, dt.timedelta(hours=5))
    Order.objects.filter(pk=paid.pk).update(status=Order.Status.PAID)
    unpaid(shop, dt.timedelta(hours=5), no_marketing=True)
    assert services.remind_unpaid(NOON_ISH)["created"] == 0


def test_no_reminder_in_the_customer_s_quiet_hours(shop):
    unpaid(shop, dt.timedelta(hours=5))
    night = dt.datetime(2026, 5, 6, 23, 30, tzinfo=SHANGHAI)
    result = services.remind_unpaid(night)
    assert result["created"] == 0 and result["quiet_hours"] == 1
    next_morning = dt.datetime(2026, 5, 7, 9, 30, tzinfo=SHANGHAI)
    assert services.remind_unpaid(next_morning)["created"] == 1


def test_the_hold_window_is_a_policy(shop, admin_user):
    order = unpaid(shop, dt.timedelta(days=4))
    policies.set_value(actor=admin_user, key="retention.unpaid_hold_days", value=5, shop=shop)
    assert services.remind_unpaid(NOON_ISH)["created"] == 1
    assert UnpaidReminder.objects.get().order == order


def test_the_agent_marks_a_reminder_sent_on_the_screen(shop, agent, login, finance):
    unpaid(shop, dt.timedelta(hours=5))
    services.remind_unpaid(NOON_ISH)
    reminder = UnpaidReminder.objects.get()
    client = login(agent)
    page = client.get("/retention/reminders/")
    assert page.status_code == 200 and reminder.message in page.content.decode()
    assert login(finance).post(f"/retention/reminders/{reminder.pk}/done/").status_code == 403
    assert (
        client.post(f"/retention/reminders/{reminder.pk}/done/", {"sent": "1"}).status_code == 302
    )
    reminder.refresh_from_db()
    assert reminder.status == "done" and reminder.done_by == agent
    assert reminder.message not in client.get("/retention/reminders/").content.decode()


@pytest.mark.django_db
def test_the_sweep_is_registered():
    from kefu.core import jobs

    assert "retention.unpaid_reminders" in jobs.registered_sweeps()
    assert "retention.campaigns" in jobs.registered_sweeps()
