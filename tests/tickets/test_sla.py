"""SLA targets (tickets.sla): the policy a ticket falls under, due times in business hours
across weekends and holidays, the pause while waiting on the customer, breach flags."""

from __future__ import annotations

import datetime as dt
import importlib
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone

from kefu.core import jobs
from kefu.core.audit import history
from kefu.core.models import AuditEntry
from kefu.tickets import services, sla
from kefu.tickets.models import BusinessCalendar, CalendarDay, Message, SLAPolicy, Ticket
from tests.factories import make_customer, make_shop

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = [["09:00", "18:00"]]


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


class Clock:
    """timezone.now() under the test's control."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def set(self, *args) -> dt.datetime:
        self.now = at(*args)
        return self.now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    c = Clock(at(2025, 9, 22, 10, 0))
    with mock.patch("django.utils.timezone.now", c):
        yield c


@pytest.fixture
def calendar(db):
    """Mon–Fri 09:00–18:00 in Shanghai; 1–8 Oct 2025 off; Sat 11 Oct 2025 worked (调休)."""
    cal = BusinessCalendar.objects.create(
        name="上海工作日",
        time_zone="Asia/Shanghai",
        weekly_hours={str(d): OFFICE for d in range(5)},
    )
    for day in range(1, 9):
        CalendarDay.objects.create(calendar=cal, date=dt.date(2025, 10, day), name="国庆节")
    CalendarDay.objects.create(calendar=cal, date=dt.date(2025, 10, 11), hours=OFFICE, name="调休")
    return cal


@pytest.fixture
def policy(calendar):
    """Only our own policies: first response in 2 business hours, resolution in 2 days."""
    SLAPolicy.objects.all().delete()
    return SLAPolicy.objects.create(
        name="Default",
        calendar=calendar,
        first_response_minutes=120,
        resolution_minutes=18 * 60,
        position=1000,
    )


@pytest.fixture
def shop(db):
    return make_shop()


def new_ticket(shop, *, at_time: dt.datetime, **kw) -> Ticket:
    return services.create_ticket(
        actor=None,
        customer=make_customer(),
        shop=shop,
        subject=kw.pop("subject", "尺码问题"),
        body="这件衣服有M码吗?",
        created_at=at_time,
        **kw,
    )


def reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# ---------------------------------------------------------------- which policy


def test_the_first_match_by_position_wins_and_the_more_specific_among_equals(calendar, shop):
    SLAPolicy.objects.all().delete()
    other = make_shop()

    def make(name, position=100, **kw):
        return SLAPolicy.objects.create(
            name=name,
            calendar=calendar,
            first_response_minutes=60,
            resolution_minutes=600,
            position=position,
            **kw,
        )

    default = make("default", 1000)
    chat = make("chat", channel="chat")
    shop_only = make("shop", shop=shop)
    exact = make("shop chat urgent", shop=shop, channel="chat", priority=4)
    make("switched off", 1, is_active=False)
    make("other shop first", 1, shop=other)

    def match(s, channel, priority):
        return sla.match_policy(shop_id=s.pk, channel=channel, priority=priority)

    assert match(shop, "chat", 4) == exact
    assert match(shop, "chat", 2) == shop_only  # shop beats channel at the same position
    assert match(shop, "email", 2) == shop_only
    assert match(make_shop(), "chat", 4) == chat
    assert match(make_shop(), "email", 1) == default
    assert match(other, "email", 1).name == "other shop first"  # position comes first


def test_no_policy_means_no_targets(shop, calendar):
    SLAPolicy.objects.all().delete()
    ticket = new_ticket(shop, at_time=at(2025, 9, 22, 10, 0))
    assert ticket.sla_policy is None
    assert ticket.first_response_due is None and ticket.resolution_due is None
    assert sla.sla_status(ticket).state == "none"


def test_the_migration_seeds_standard_hours_and_policies(db):
    seed = importlib.import_module("kefu.tickets.migrations.0005_sla_routing_escalation")
    SLAPolicy.objects.all().delete()
    BusinessCalendar.objects.filter(name="Standard hours").delete()
    seed.seed_default_sla(apps, None)
    default = SLAPolicy.objects.get(name="Default")
    assert (default.first_response_minutes, default.resolution_minutes) == (120, 2 * 9 * 60)
    assert default.position == max(SLAPolicy.objects.values_list("position", flat=True))
    week = default.calendar.weekly_hours
    assert [week[str(d)] for d in range(6)] == [[["09:00", "18:00"]]] * 6
    assert week["6"] == []
    urgent = sla.match_policy(shop_id=None, channel="chat", priority=4)
    assert urgent.name == "Urgent"
    seed.seed_default_sla(apps, None)  # a second run leaves an admin's rows alone
    assert SLAPolicy.objects.filter(name="Default").count() == 1


# ---------------------------------------------------------------- due times


def test_due_times_count_business_hours_across_the_weekend(policy, shop):
    ticket = new_ticket(shop, at_time=at(2025, 9, 19, 17, 0))  # Friday
    assert ticket.sla_policy == policy
    assert ticket.first_response_due == at(2025, 9, 22, 10, 0)  # Monday
    assert ticket.resolution_due == at(2025, 9, 23, 17, 0)  # two business days
    stored = reload(ticket)
    assert stored.first_response_due == ticket.first_response_due
    assert stored.resolution_due == ticket.resolution_due


def test_due_times_skip_the_national_day_holiday(policy, shop):
    ticket = new_ticket(shop, at_time=at(2025, 9, 30, 17, 0))
    assert ticket.first_response_due == at(2025, 10, 9, 10, 0)
    # 1 h on 30 Sep, none from 1 to 8 Oct, 9 h on 9 Oct, 8 h on 10 Oct.
    assert ticket.resolution_due == at(2025, 10, 10, 17, 0)


def test_a_ticket_in_before_opening_is_due_from_opening(policy, shop):
    ticket = new_ticket(shop, at_time=at(2025, 9, 22, 6, 30))
    assert ticket.first_response_due == at(2025, 9, 22, 11, 0)


# ---------------------------------------------------------------- pause


def test_waiting_on_the_customer_pauses_and_moves_the_resolution_due(policy, shop, agent, clock):
    clock.set(2025, 9, 22, 10, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    services.add_message(actor=agent, ticket=ticket, kind=Message.Kind.REPLY, body="有的")
    first_due = ticket.first_response_due
    resolution_due = ticket.resolution_due
    assert resolution_due == at(2025, 9, 24, 10, 0)

    clock.set(2025, 9, 22, 11, 0)
    services.change_ticket_status(actor=agent, ticket=ticket, action="wait_customer")
    paused = reload(ticket)
    assert paused.sla_paused_at == at(2025, 9, 22, 11, 0)
    assert sla.sla_status(paused, clock.now).state == "paused"

    clock.set(2025, 9, 24, 11, 0)  # Wednesday: the customer writes back
    services.add_message(actor=None, ticket=ticket, kind=Message.Kind.INBOUND, body="我要M码")
    resumed = reload(ticket)
    assert resumed.status == Ticket.Status.OPEN
    assert resumed.sla_paused_at is None
    stood = 7 * 60 + 9 * 60 + 2 * 60  # Mon 11–18, Tue, Wed 9–11
    assert resumed.sla_paused_minutes == stood
    assert resumed.first_response_due == first_due  # answered before the pause
    assert resumed.resolution_due == at(2025, 9, 26, 10, 0)  # two business days later
    entry = history(ticket).filter(action="ticket.customer_replied").get()
    assert entry.changes["sla_paused_minutes"] == [0, stood]
    old_due, new_due = entry.changes["resolution_due"]
    assert dt.datetime.fromisoformat(old_due) == resolution_due
    assert dt.datetime.fromisoformat(new_due) == resumed.resolution_due


def test_a_pause_over_the_holiday_moves_the_due_by_business_minutes_only(
    policy, shop, agent, clock
):
    clock.set(2025, 9, 30, 17, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    services.add_message(actor=agent, ticket=ticket, kind=Message.Kind.REPLY, body="在的")
    services.change_ticket_status(actor=agent, ticket=ticket, action="wait_customer")
    clock.set(2025, 10, 9, 9, 30)
    services.change_ticket_status(actor=agent, ticket=ticket, action="open")
    resumed = reload(ticket)
    assert resumed.sla_paused_minutes == 30 + 60  # 17:00–18:00 on 30 Sep, 09:00–09:30 on 9 Oct
    assert resumed.resolution_due == at(2025, 10, 11, 9, 30)  # the make-up Saturday


def test_waiting_before_any_answer_moves_the_first_response_due_too(policy, shop, agent, clock):
    clock.set(2025, 9, 22, 9, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    clock.set(2025, 9, 22, 9, 30)
    services.change_ticket_status(actor=agent, ticket=ticket, action="wait_customer")
    clock.set(2025, 9, 22, 10, 30)
    services.change_ticket_status(actor=agent, ticket=ticket, action="open")
    assert reload(ticket).first_response_due == at(2025, 9, 22, 12, 0)


def test_the_time_a_ticket_sat_solved_is_not_counted_when_it_reopens(policy, shop, agent, clock):
    clock.set(2025, 9, 22, 10, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    services.add_message(actor=agent, ticket=ticket, kind=Message.Kind.REPLY, body="好的")
    clock.set(2025, 9, 22, 12, 0)
    services.change_ticket_status(actor=agent, ticket=ticket, action="solve")
    clock.set(2025, 9, 23, 12, 0)
    services.add_message(actor=None, ticket=ticket, kind=Message.Kind.INBOUND, body="还是不行")
    reopened = reload(ticket)
    assert reopened.status == Ticket.Status.OPEN
    assert reopened.sla_paused_minutes == 9 * 60
    assert reopened.resolution_due == at(2025, 9, 25, 10, 0)


def test_a_priority_change_matches_the_policy_again(policy, shop, calendar, clock):
    urgent = SLAPolicy.objects.create(
        name="Urgent",
        calendar=calendar,
        priority=4,
        first_response_minutes=30,
        resolution_minutes=9 * 60,
        position=10,
    )
    clock.set(2025, 9, 22, 10, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    ticket.priority = 4
    changes = sla.reapply_policy(ticket)
    stored = reload(ticket)
    assert stored.sla_policy == urgent
    assert stored.first_response_due == at(2025, 9, 22, 10, 30)
    assert stored.resolution_due == at(2025, 9, 23, 10, 0)
    assert changes["sla_policy"] == [policy.pk, urgent.pk]


# ---------------------------------------------------------------- breaches


def test_the_sweep_flags_a_missed_first_response_once_with_one_audit_entry(policy, shop, clock):
    clock.set(2025, 9, 22, 10, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    assert sla.flag_breaches(at(2025, 9, 22, 11, 59)) == {"first_response": 0, "resolution": 0}

    results = jobs.run_due_sweeps(at(2025, 9, 22, 12, 5), only={"tickets.sla_breaches"})
    assert results["tickets.sla_breaches"] == {"first_response": 1, "resolution": 0}
    flagged = reload(ticket)
    assert flagged.first_response_breached_at == at(2025, 9, 22, 12, 0)  # when it passed
    assert flagged.resolution_breached_at is None

    for minute in (6, 7):
        sla.flag_breaches(at(2025, 9, 22, 12, minute))
    again = jobs.run_due_sweeps(at(2025, 9, 22, 12, 8), only={"tickets.sla_breaches"})
    assert again["tickets.sla_breaches"] == {"first_response": 0, "resolution": 0}
    assert history(ticket).filter(action="ticket.sla.first_response_breached").count() == 1


def test_the_sweep_flags_resolution_breaches_and_late_answers(policy, shop, agent, clock):
    clock.set(2025, 9, 22, 9, 0)
    late_answer = new_ticket(shop, at_time=clock.now)
    never_solved = new_ticket(shop, at_time=clock.now)
    solved_late = new_ticket(shop, at_time=clock.now)
    on_time = new_ticket(shop, at_time=clock.now)
    clock.set(2025, 9, 22, 9, 30)
    services.add_message(actor=agent, ticket=on_time, kind=Message.Kind.REPLY, body="您好")
    services.add_message(actor=agent, ticket=never_solved, kind=Message.Kind.REPLY, body="您好")
    services.add_message(actor=agent, ticket=solved_late, kind=Message.Kind.REPLY, body="您好")
    services.change_ticket_status(actor=agent, ticket=on_time, action="solve")
    clock.set(2025, 9, 22, 11, 30)
    services.add_message(actor=agent, ticket=late_answer, kind=Message.Kind.REPLY, body="抱歉")
    clock.set(2025, 9, 24, 9, 30)  # resolution was due Tue 18:00
    services.change_ticket_status(actor=agent, ticket=solved_late, action="solve")

    counts = sla.flag_breaches(clock.now)
    assert counts == {"first_response": 1, "resolution": 3}
    assert reload(late_answer).first_response_breached_at == at(2025, 9, 22, 11, 0)
    assert reload(late_answer).resolution_breached_at == at(2025, 9, 23, 18, 0)
    assert reload(never_solved).resolution_breached_at == at(2025, 9, 23, 18, 0)
    assert reload(solved_late).resolution_breached_at == at(2025, 9, 23, 18, 0)
    assert reload(on_time).resolution_breached_at is None
    assert reload(on_time).first_response_breached_at is None


def test_an_answer_after_the_due_time_is_a_breach_even_if_the_sweep_missed_it(
    policy, shop, agent, clock
):
    clock.set(2025, 9, 22, 9, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    clock.set(2025, 9, 22, 11, 30)  # due at 11:00; no sweep ran in between
    services.add_message(actor=agent, ticket=ticket, kind=Message.Kind.REPLY, body="抱歉久等")
    assert sla.flag_breaches(clock.now)["first_response"] == 1
    assert reload(ticket).first_response_breached_at == at(2025, 9, 22, 11, 0)


def test_a_ticket_forgotten_for_weeks_is_still_flagged(policy, shop, clock):
    clock.set(2025, 9, 1, 10, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    assert sla.flag_breaches(at(2025, 11, 3, 9, 0)) == {"first_response": 1, "resolution": 1}
    flagged = reload(ticket)
    assert flagged.first_response_breached_at == at(2025, 9, 1, 12, 0)
    assert flagged.resolution_breached_at == at(2025, 9, 3, 10, 0)


def test_a_paused_ticket_does_not_breach(policy, shop, agent, clock):
    clock.set(2025, 9, 22, 9, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    services.add_message(actor=agent, ticket=ticket, kind=Message.Kind.REPLY, body="请提供照片")
    services.change_ticket_status(actor=agent, ticket=ticket, action="wait_customer")
    clock.set(2025, 10, 20, 9, 0)
    assert sla.flag_breaches(clock.now) == {"first_response": 0, "resolution": 0}
    assert not reload(ticket).resolution_breached_at
    assert Ticket.objects.filter(sla.overdue_q(clock.now), pk=ticket.pk).count() == 0


# ---------------------------------------------------------------- reading


def test_overdue_and_due_soon(policy, shop, agent, clock):
    clock.set(2025, 9, 22, 9, 0)
    overdue = new_ticket(shop, at_time=clock.now)  # first response due 11:00
    clock.set(2025, 9, 22, 9, 45)
    soon = new_ticket(shop, at_time=clock.now)  # due 11:45
    clock.set(2025, 9, 22, 10, 30)
    calm = new_ticket(shop, at_time=clock.now)  # due 12:30
    answered = new_ticket(shop, at_time=at(2025, 9, 22, 9, 0))
    services.add_message(actor=agent, ticket=answered, kind=Message.Kind.REPLY, body="您好")
    clock.set(2025, 9, 22, 11, 20)

    ids = {overdue.pk, soon.pk, calm.pk, answered.pk}
    qs = Ticket.objects.filter(pk__in=ids)
    assert set(qs.filter(sla.overdue_q(clock.now)).values_list("pk", flat=True)) == {overdue.pk}
    assert set(qs.filter(sla.due_soon_q(30, clock.now)).values_list("pk", flat=True)) == {soon.pk}
    assert set(qs.filter(sla.due_soon_q(75, clock.now)).values_list("pk", flat=True)) == {
        soon.pk,
        calm.pk,
    }
    # Flagged and then answered: no longer overdue for the inbox, still counted as a breach.
    sla.flag_breaches(clock.now)
    services.add_message(actor=agent, ticket=overdue, kind=Message.Kind.REPLY, body="抱歉")
    assert not qs.filter(sla.overdue_q(clock.now), pk=overdue.pk).exists()
    assert qs.filter(sla.breached_q(), pk=overdue.pk).exists()
    counts = sla.breach_counts(qs)
    assert counts["with_target"] == 4
    assert counts["first_response_breached"] == 1
    assert counts["breached"] == 1

    states = {t.pk: sla.sla_status(reload(t), clock.now, soon_minutes=30).state for t in qs}
    assert states[soon.pk] == "due_soon"
    assert states[calm.pk] == "on_track"
    assert states[answered.pk] == "on_track"
    clock.set(2025, 9, 22, 12, 40)
    assert sla.sla_status(reload(calm), clock.now, soon_minutes=30).state == "overdue"


def test_overdue_and_due_soon_are_one_query_each(policy, shop, django_assert_max_num_queries):
    now = timezone.now()
    with django_assert_max_num_queries(1):
        list(Ticket.objects.filter(sla.overdue_q(now)).values_list("pk", flat=True)[:50])
    with django_assert_max_num_queries(2):  # the due-soon policy is read once
        list(Ticket.objects.filter(sla.due_soon_q(now=now)).values_list("pk", flat=True)[:50])


def test_breach_audit_entries_are_system_entries(policy, shop, clock):
    clock.set(2025, 9, 22, 9, 0)
    ticket = new_ticket(shop, at_time=clock.now)
    sla.flag_breaches(at(2025, 9, 30, 9, 0))
    entries = AuditEntry.objects.filter(object_id=str(ticket.pk), action__startswith="ticket.sla")
    assert {e.action for e in entries} == {
        "ticket.sla.first_response_breached",
        "ticket.sla.resolution_breached",
    }
    assert all(e.actor is None and e.actor_label == "system" for e in entries)
