"""Calls planned by the rules: due windows across time zones and quiet hours, consent,
idempotent sweeps, second calls, complaints, events, members and owners."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.core import policies
from kefu.core.models import User
from kefu.core.roles import Role
from kefu.customers.models import Customer
from kefu.followups import selectors, services
from kefu.followups.models import Event, FollowUpRule, FollowUpTask, Invitation, Reason
from kefu.tickets.models import Team
from tests.factories import make_customer, make_order

from .conftest import SEOUL, SHANGHAI, at, callable_customer, delivered_order, make_task, rule

pytestmark = pytest.mark.django_db


def tasks_of(customer):
    return list(FollowUpTask.objects.filter(customer=customer).order_by("pk"))


def test_first_call_3_to_7_days_after_delivery_in_the_shops_time_zone(clock, sh_shop, customer):
    delivered_order(sh_shop, customer, at(2026, 3, 1, 23, 30))
    clock.set(2026, 3, 2, 10, 0)
    assert services.plan_all()["delivery"] == 1
    (task,) = tasks_of(customer)
    assert task.reason == Reason.DELIVERY
    assert task.due_start == at(2026, 3, 4, 9, 0)  # delivered on the 1st + 3 days, 09:00
    assert task.due_end == at(2026, 3, 8, 20, 0)  # + 4 more days, 20:00
    assert task.service_date == dt.date(2026, 3, 1)


def test_a_seoul_customer_of_a_shanghai_shop_is_called_on_seoul_days_and_hours(clock, sh_shop):
    seoul = callable_customer("01012345678", name="김민지", time_zone="Asia/Seoul")
    shanghai = callable_customer("13900139000", name="李娜")
    # 23:30 in Shanghai is already 00:30 the next day in Seoul
    delivered_order(sh_shop, seoul, at(2026, 3, 1, 23, 30))
    delivered_order(sh_shop, shanghai, at(2026, 3, 1, 23, 30))
    services.plan_all()
    (k,) = tasks_of(seoul)
    (c,) = tasks_of(shanghai)
    assert k.due_start == at(2026, 3, 5, 9, 0, tz=SEOUL)
    assert k.due_end == at(2026, 3, 9, 20, 0, tz=SEOUL)
    assert k.service_date == dt.date(2026, 3, 2)
    assert c.due_start == at(2026, 3, 4, 9, 0, tz=SHANGHAI)
    assert k.due_start - at(2026, 3, 5, 9, 0, tz=SHANGHAI) == dt.timedelta(hours=-1)


def test_quiet_hours_keep_a_lunchtime_call_off_the_call_now_list(clock, sh_shop, agent):
    seoul = callable_customer("01012345678", name="김민지", time_zone="Asia/Seoul")
    shanghai = callable_customer("13900139000", name="李娜")
    k = make_task(sh_shop, seoul, owner=agent)
    c = make_task(sh_shop, shanghai, owner=agent)
    clock.set(2026, 3, 2, 12, 45)  # lunch in Shanghai; 13:45 in Seoul, lunch is over there
    lists = selectors.call_lists(agent, clock.now)
    assert [t.pk for t in lists["now"]] == [k.pk]
    assert [t.pk for t in lists["later"]] == [c.pk]
    clock.set(2026, 3, 2, 19, 30)  # 20:30 in Seoul: too late there, fine in Shanghai
    lists = selectors.call_lists(agent, clock.now)
    assert [t.pk for t in lists["now"]] == [c.pk]
    assert [t.pk for t in lists["later"]] == [k.pk]


def test_quiet_hours_are_a_policy_per_shop(clock, sh_shop, agent, admin_user, customer):
    task = make_task(sh_shop, customer, owner=agent, start=at(2026, 3, 1, 9, 0))
    clock.set(2026, 3, 2, 8, 30)
    assert selectors.call_lists(agent, clock.now)["now"] == []
    policies.set_value(actor=admin_user, key="followups.call_from", value="08:00", shop=sh_shop)
    assert [t.pk for t in selectors.call_lists(agent, clock.now)["now"]] == [task.pk]


def test_customers_who_said_no_calls_get_no_tasks(clock, sh_shop):
    no_calls = callable_customer("13700137000", no_calls=True)
    no_phone = make_customer()
    for c in (no_calls, no_phone):
        delivered_order(sh_shop, c, at(2026, 3, 1, 10, 0))
    assert services.plan_all()["delivery"] == 0
    assert FollowUpTask.objects.count() == 0


def test_a_customer_who_asks_for_no_calls_later_loses_open_calls(clock, sh_shop, customer):
    delivered_order(sh_shop, customer, at(2026, 3, 1, 10, 0))
    services.plan_all()
    Customer.objects.filter(pk=customer.pk).update(no_calls=True)
    assert services.plan_all()["cancelled"] == 1
    assert tasks_of(customer)[0].status == FollowUpTask.Status.CANCELLED


def test_running_the_sweep_twice_plans_nothing_twice(clock, sh_shop, customer):
    delivered_order(sh_shop, customer, at(2026, 3, 1, 10, 0))
    first = services.plan_all()
    second = services.plan_all()
    assert first["delivery"] == 1 and second["delivery"] == 0
    assert FollowUpTask.objects.count() == 1


def test_the_database_refuses_a_duplicate_call(clock, sh_shop, customer):
    from django.db import IntegrityError, transaction

    task = make_task(sh_shop, customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpTask.objects.create(
            rule=task.rule,
            reason=task.reason,
            source_kind=task.source_kind,
            source_id=task.source_id,
            sequence=task.sequence,
            shop=sh_shop,
            customer=customer,
            due_start=task.due_start,
            due_end=task.due_end,
        )


def test_an_old_delivery_whose_window_passed_is_not_planned(clock, sh_shop, customer):
    delivered_order(sh_shop, customer, at(2026, 2, 1, 10, 0))
    assert services.plan_all()["delivery"] == 0


def test_a_shop_rule_overrides_the_default_and_can_switch_it_off(clock, sh_shop, customer):
    FollowUpRule.objects.create(shop=sh_shop, reason=Reason.DELIVERY, offset_days=5, window_days=1)
    delivered_order(sh_shop, customer, at(2026, 3, 1, 10, 0))
    services.plan_all()
    (task,) = tasks_of(customer)
    assert (task.due_start, task.due_end) == (at(2026, 3, 6, 9, 0), at(2026, 3, 7, 20, 0))
    other = callable_customer("13600136000")
    FollowUpRule.objects.filter(shop=sh_shop).update(is_active=False)
    delivered_order(sh_shop, other, at(2026, 3, 1, 11, 0))
    services.plan_all()
    assert tasks_of(other) == []


def test_a_reached_first_call_plans_a_second_one_a_week_later(clock, sh_shop, customer, agent):
    task = make_task(sh_shop, customer, owner=agent)
    clock.set(2026, 3, 2, 10, 0)
    services.record_attempt(actor=agent, task=task, outcome="reached", satisfaction="satisfied")
    second = FollowUpTask.objects.get(previous=task)
    assert second.reason == Reason.SECOND
    assert second.due_start == at(2026, 3, 9, 9, 0)
    assert second.due_end == at(2026, 3, 12, 20, 0)
    assert services.plan_all()["second"] == 0  # the sweep finds it planned already


def test_the_complaint_closed_signal_plans_a_call_within_3_days(clock, sh_shop, customer, lead):
    from kefu.complaints.models import Complaint
    from kefu.complaints.signals import complaint_closed
    from tests.complaints.helpers import register

    complaint = register(lead, sh_shop, customer=customer)
    clock.set(2026, 3, 2, 15, 10)
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=clock.now)
    complaint.refresh_from_db()
    complaint_closed.send(sender=Complaint, complaint=complaint, actor=lead)
    (task,) = FollowUpTask.objects.filter(reason=Reason.COMPLAINT)
    assert task.source_kind == "complaint" and task.source_id == complaint.pk
    assert task.due_start == at(2026, 3, 2, 15, 10)
    assert task.due_end == at(2026, 3, 5, 20, 0)
    complaint_closed.send(sender=Complaint, complaint=complaint, actor=lead)
    assert FollowUpTask.objects.filter(reason=Reason.COMPLAINT).count() == 1


def test_a_complaint_closed_at_night_is_due_from_the_next_morning(clock, sh_shop, customer, lead):
    from kefu.complaints.models import Complaint
    from tests.complaints.helpers import register

    complaint = register(lead, sh_shop, customer=customer)
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=at(2026, 3, 2, 22, 0))
    complaint.refresh_from_db()
    task = services.plan_after_complaint(complaint)
    assert task.due_start == at(2026, 3, 3, 9, 0)


def test_invited_customers_are_called_14_days_before_the_event(clock, sh_shop, customer):
    event = Event.objects.create(shop=sh_shop, title="春季会员日", starts_at=at(2026, 4, 1, 10, 0))
    Invitation.objects.create(event=event, customer=customer)
    no_calls = callable_customer("13500135000", no_calls=True)
    Invitation.objects.create(event=event, customer=no_calls)
    assert services.plan_all()["event"] == 1
    (task,) = tasks_of(customer)
    assert task.reason == Reason.EVENT and task.event == event
    assert task.due_start == at(2026, 3, 18, 9, 0)
    assert task.due_end == at(2026, 3, 20, 20, 0)
    assert services.plan_all()["event"] == 0


def test_members_are_called_once_per_period(clock, sh_shop):
    vip = callable_customer("13300133000", segment="vip")
    plain = callable_customer("13200132000", segment="existing")
    for c in (vip, plain):
        make_order(shop=sh_shop, customer=c)
    assert services.plan_all()["member"] == 1
    assert services.plan_all()["member"] == 0
    (task,) = tasks_of(vip)
    assert task.reason == Reason.MEMBER
    clock.now += dt.timedelta(days=rule(Reason.MEMBER).offset_days)
    assert services.plan_all()["member"] == 1


def test_the_customers_owner_gets_the_call(clock, sh_shop, customer, make_user):
    owner = make_user(Role.AGENT, "owner")
    customer.owner = owner
    customer.save()
    delivered_order(sh_shop, customer, at(2026, 3, 1, 10, 0))
    services.plan_all()
    assert tasks_of(customer)[0].owner == owner


def test_without_an_owner_the_least_loaded_present_team_member_gets_it(clock, sh_shop, make_user):
    busy = make_user(Role.AGENT, "busy", presence=User.Presence.ONLINE)
    free = make_user(Role.AGENT, "free", presence=User.Presence.ONLINE, capacity=10)
    offline = make_user(Role.AGENT, "offline", presence=User.Presence.OFFLINE)
    team = Team.objects.create(name="回访组")
    team.members.set([busy, free, offline])
    for i in range(2):
        c = callable_customer(f"1310013100{i}", owner=busy)
        make_task(sh_shop, c)
    picked = []
    for i in range(3):
        c = callable_customer(f"1320013200{i}")
        delivered_order(sh_shop, c, at(2026, 3, 1, 10, i))
    services.plan_all()
    picked = list(
        FollowUpTask.objects.filter(customer__owner__isnull=True)
        .order_by("pk")
        .values_list("owner__username", flat=True)
    )
    assert picked == ["free", "free", "busy"]  # 0→1→2 for free while busy holds 2
    assert "offline" not in picked
