"""Owners: bulk assignment, balancing by capacity weight, the first-contact window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.core import policies
from kefu.core.errors import DomainError
from kefu.core.models import AuditEntry
from kefu.customers import rules, selectors, services
from kefu.customers.models import Customer
from kefu.customers.tasks import daily

pytestmark = pytest.mark.django_db


def make_many(n: int, prefix: str = "顾客") -> list[Customer]:
    return Customer.objects.bulk_create(Customer(name=f"{prefix}{i}") for i in range(n))


def owned(user) -> int:
    return Customer.objects.filter(owner=user).count()


def test_balance_gives_each_agent_their_share_by_capacity(make_user, lead):
    big = make_user("agent", "big", capacity=30)
    mid = make_user("agent", "mid", capacity=20)
    small = make_user("agent", "small", capacity=10)
    make_user("agent", "gone", capacity=50, is_active=False)
    make_user("agent", "resting", capacity=0)
    make_user("finance", "money", capacity=40)
    make_many(60)
    given = services.balance_unowned(actor=lead)
    assert {k: len(v) for k, v in given.items()} == {big.pk: 30, mid.pk: 20, small.pk: 10}
    assert (owned(big), owned(mid), owned(small)) == (30, 20, 10)
    assert not Customer.objects.filter(owner__isnull=True).exists()


def test_balance_counts_what_agents_already_hold(make_user, lead):
    a = make_user("agent", "a", capacity=10)
    b = make_user("agent", "b", capacity=10)
    held = make_many(8, "旧")
    Customer.objects.filter(pk__in=[c.pk for c in held]).update(owner=a)
    make_many(12)
    services.balance_unowned(actor=lead)
    # 20 customers, equal weights: 10 each; a already had 8 so gets 2, b gets 10
    assert (owned(a), owned(b)) == (10, 10)


def test_an_overloaded_agent_gets_nothing_and_keeps_their_customers(make_user, lead):
    a = make_user("agent", "a", capacity=10)
    b = make_user("agent", "b", capacity=10)
    Customer.objects.filter(pk__in=[c.pk for c in make_many(20, "旧")]).update(owner=a)
    make_many(6)
    services.balance_unowned(actor=lead)
    assert (owned(a), owned(b)) == (20, 6)


def test_balance_is_deterministic_and_audited_per_customer(make_user, lead):
    a = make_user("agent", "a", capacity=3)
    b = make_user("agent", "b", capacity=1)
    customers = make_many(8)
    given = services.balance_unowned(actor=lead)
    # in id order, each to the lowest (load+1)/capacity, ties to the lower user id:
    # a 1/3, a 2/3, a 3/3 (tie with b's 1/1), b 1/1, a 4/3, a 5/3, a 6/3 (tie), b 2/1
    pks = [c.pk for c in customers]
    assert given == {a.pk: [pks[i] for i in (0, 1, 2, 4, 5, 6)], b.pk: [pks[3], pks[7]]}
    entries = AuditEntry.objects.filter(action="customer.assign", reason="balance")
    assert entries.count() == 8
    entry = entries.get(object_id=str(pks[3]))
    assert entry.actor == lead and entry.to_state == str(b.pk)
    assert entry.changes == {"owner_id": [None, b.pk]}
    assert len({e.request_id for e in entries}) == 1


def test_balance_sets_the_assignment_time_and_a_second_run_does_nothing(make_user, lead):
    make_user("agent", "a")
    make_many(3)
    services.balance_unowned(actor=lead)
    assert not Customer.objects.filter(owner_assigned_at__isnull=True).exists()
    assert services.balance_unowned(actor=lead) == {}


def test_balance_among_chosen_agents_only(make_user, lead):
    a = make_user("agent", "a")
    b = make_user("agent", "b")
    make_many(4)
    services.balance_unowned(actor=lead, agents=[b])
    assert (owned(a), owned(b)) == (0, 4)


def test_balance_needs_an_agent(lead, db):
    make_many(2)
    with pytest.raises(DomainError):
        services.balance_unowned(actor=lead)


def test_merged_records_are_never_assigned(make_user, lead, new_customer):
    make_user("agent", "a")
    survivor, merged = new_customer("甲"), new_customer("乙")
    services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    given = services.balance_unowned(actor=lead)
    assert [pk for ids in given.values() for pk in ids] == [survivor.pk]


def test_bulk_assignment_restarts_the_contact_window(agent, lead, make_user):
    other = make_user("agent", "other")
    customers = make_many(3)
    ids = [c.pk for c in customers]
    assert services.assign_customers(actor=lead, customer_ids=ids, owner=agent) == 3
    Customer.objects.filter(pk=ids[0]).update(owner_contacted_at=timezone.now())
    # the same owner again changes nothing
    assert services.assign_customers(actor=lead, customer_ids=ids, owner=agent) == 0
    assert services.assign_customers(actor=lead, customer_ids=ids[:1], owner=other) == 1
    moved = Customer.objects.get(pk=ids[0])
    assert moved.owner == other and moved.owner_contacted_at is None
    entry = AuditEntry.objects.filter(action="customer.assign", object_id=str(ids[0])).first()
    assert entry.changes == {"owner_id": [agent.pk, other.pk]}
    assert services.assign_customers(actor=lead, customer_ids=ids, owner=None) == 3
    assert not Customer.objects.filter(owner__isnull=False).exists()


def test_only_active_staff_who_may_edit_customers_own_them(lead, finance, make_user):
    make_many(1)
    with pytest.raises(DomainError):
        services.assign_customers(actor=lead, customer_ids=[1], owner=finance)
    with pytest.raises(DomainError):
        services.assign_customers(
            actor=lead, customer_ids=[1], owner=make_user("agent", "x", is_active=False)
        )


# ---------------------------------------------------------------- first contact


def assigned(owner, days_ago: float, contacted: bool = False, name: str = "顾客") -> Customer:
    at = timezone.now() - dt.timedelta(days=days_ago)
    return Customer.objects.create(
        name=name,
        owner=owner,
        owner_assigned_at=at,
        owner_contacted_at=at + dt.timedelta(hours=1) if contacted else None,
    )


def test_overdue_first_contacts_show_on_the_owners_and_the_leads_lists(agent, make_user):
    other = make_user("agent", "other")
    late = assigned(agent, 8, name="晚了")
    soon = assigned(agent, 2, name="还来得及")
    done = assigned(agent, 9, contacted=True, name="联系过")
    others = assigned(other, 10, name="别人的")
    assert list(selectors.awaiting_first_contact(agent)) == [late, soon]
    assert set(selectors.overdue_first_contacts(agent)) == {late}
    assert set(selectors.overdue_first_contacts()) == {late, others}
    assert done not in selectors.awaiting_first_contact()


def test_the_contact_window_is_a_policy(agent, admin_user):
    late = assigned(agent, 4)
    assert rules.OWNER_CONTACT_DAYS.default == 7
    assert rules.OWNER_CONTACT_DAYS.source == "003 ch.2 §3"
    assert not selectors.overdue_first_contacts().exists()
    policies.set_value(actor=admin_user, key="customers.owner_contact_days", value=3)
    assert list(selectors.overdue_first_contacts()) == [late]
    assert selectors.contact_due(late) == late.owner_assigned_at + dt.timedelta(days=3)


def test_recording_a_contact_takes_the_customer_off_the_list(agent):
    late = assigned(agent, 8)
    services.add_note(actor=agent, customer=late, body="已联系", contact_channel="phone")
    assert not selectors.overdue_first_contacts().exists()


def test_the_daily_sweep_counts_overdue_contacts(agent, no_purchases):
    assigned(agent, 8)
    assigned(agent, 1)
    outcome = daily(timezone.now())
    assert outcome["overdue_first_contacts"] == 1


def test_dashboard_cards_show_real_numbers(agent, lead, login):
    assigned(agent, 8)
    assigned(agent, 1)
    html = login(agent).get("/").content.decode()
    assert "Customers to contact" in html
    assert '<span class="stat-value">2</span>' in html
    html = login(lead).get("/").content.decode()
    assert "Overdue first contacts" in html
    assert '<span class="stat-value">1</span>' in html


def test_agent_loads_compare_holdings_with_capacity(make_user, lead):
    a = make_user("agent", "a", capacity=30)
    b = make_user("agent", "b", capacity=10)
    assigned(a, 8)
    assigned(a, 1)
    assigned(b, 1, contacted=True)
    make_many(2)
    rows, unowned = selectors.agent_loads()
    by_user = {r.user.pk: r for r in rows}
    assert unowned == 2
    assert (by_user[a.pk].owned, by_user[a.pk].awaiting, by_user[a.pk].overdue) == (2, 2, 1)
    assert by_user[a.pk].share == pytest.approx(5 * 30 / 40)
    assert by_user[b.pk].share == pytest.approx(5 * 10 / 40)
