"""Merging two records of one buyer, and undoing it exactly from the merge record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models.fields.reverse_related import ManyToOneRel
from django.utils import timezone

from kefu.core import audit
from kefu.core.errors import Conflict, DomainError
from kefu.customers import merge as merging
from kefu.customers import services
from kefu.customers.models import (
    Address,
    Customer,
    CustomerEmail,
    CustomerNote,
    CustomerPhone,
    MarketplaceIdentity,
    MergeRecord,
)
from kefu.orders.models import Order
from kefu.tickets.models import Ticket
from tests.factories import make_order, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(new_customer, agent, shop, shop2):
    """Two records of 王芳: one from Tmall, one written in by phone."""
    survivor = new_customer(
        "王芳",
        phones=["13812345678"],
        emails=["wf@example.com"],
        identities=[(shop.pk, "tb_wangfang")],
        addresses=[{"line": "文三路 90 号", "city": "杭州"}],
        tags=["VIP"],
    )
    merged = new_customer(
        "王芳",
        phones=["+86 138 1234 5678", "13900001111"],
        emails=["WF@example.com", "fang@example.org"],
        identities=[(shop2.pk, "coupang_fang")],
        addresses=[
            {"line": "文三路 90 号", "city": "杭州"},
            {"line": "南京路 1 号", "city": "上海"},
        ],
        tags=["VIP", "差评风险"],
        no_calls=True,
        notes="上班时间不方便接电话",
    )
    orders = [make_order(shop=shop, customer=merged) for _ in range(3)]
    tickets = [make_ticket(shop=shop, customer=merged) for _ in range(2)]
    note = services.add_note(actor=agent, customer=merged, body="电话里说要换货")
    return survivor, merged, orders, tickets, note


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_merge_moves_every_order_ticket_note_and_contact(pair, lead):
    survivor, merged, orders, tickets, note = pair
    before_merged_phones = ids(merged.phones.all())
    record = services.merge_customers(actor=lead, survivor=survivor, merged=merged, reason="同一人")

    assert ids(Order.objects.filter(customer=survivor)) == {o.pk for o in orders}
    assert ids(Ticket.objects.filter(customer=survivor)) == {t.pk for t in tickets}
    assert ids(CustomerNote.objects.filter(customer=survivor)) == {note.pk}
    assert set(survivor.phones.values_list("normalized", flat=True)) == {
        "8613812345678",
        "8613900001111",
    }
    assert set(survivor.emails.values_list("normalized", flat=True)) == {
        "wf@example.com",
        "fang@example.org",
    }
    assert set(survivor.identities.values_list("external_id", flat=True)) == {
        "tb_wangfang",
        "coupang_fang",
    }
    assert set(survivor.addresses.values_list("city", flat=True)) == {"杭州", "上海"}
    assert set(survivor.tags.values_list("name", flat=True)) == {"VIP", "差评风险"}

    merged.refresh_from_db()
    assert merged.merged_into == survivor
    assert not Order.objects.filter(customer=merged).exists()

    # exact duplicates stayed behind on the merged record, and the record says which
    left = record.snapshot["left_behind"]
    assert set(left) == {
        "customers.CustomerPhone",
        "customers.CustomerEmail",
        "customers.Address",
        "customers.Customer_tags",
    }
    assert set(left["customers.CustomerPhone"]) < before_merged_phones
    assert merged.phones.get().normalized == "8613812345678"

    assert set(record.moved["orders.Order"]) == {o.pk for o in orders}
    assert set(record.moved["tickets.Ticket"]) == {t.pk for t in tickets}
    assert record.moved["customers.CustomerNote"] == [note.pk]
    assert record.snapshot["merged"]["no_calls"] is True
    assert record.reason == "同一人" and record.merged_by == lead


def test_merge_is_in_the_audit_log_of_both_records(pair, lead):
    survivor, merged, orders, *_ = pair
    record = services.merge_customers(actor=lead, survivor=survivor, merged=merged, reason="同一人")
    won = audit.history(survivor).get(action="customer.merge")
    lost = audit.history(merged).get(action="customer.merged_into")
    assert won.actor == lead and won.reason == "同一人"
    assert won.changes["merge_record"] == record.pk
    assert won.changes["moved"]["orders.Order"] == len(orders)
    assert lost.to_state == str(survivor.pk)


def test_the_survivor_takes_the_stricter_consent_and_missing_facts(pair, lead, agent, no_purchases):
    """(Without a purchase source the higher segment of the two is kept.)"""
    survivor, merged, *_ = pair
    past = timezone.now() - dt.timedelta(days=300)
    Customer.objects.filter(pk=merged.pk).update(
        first_contact_at=past,
        owner=agent,
        owner_assigned_at=past,
        attributes={"size": "M"},
        segment="vip",
    )
    merged.refresh_from_db()
    services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    survivor.refresh_from_db()
    assert survivor.no_calls is True  # one record said "no calls": it stays so
    assert survivor.first_contact_at == past
    assert survivor.owner == agent and survivor.owner_assigned_at == past
    assert survivor.attributes == {"size": "M"}
    assert "上班时间不方便接电话" in survivor.notes
    assert survivor.segment == "vip"


def test_unmerge_moves_exactly_those_rows_back(pair, lead, shop, agent):
    survivor, merged, orders, tickets, note = pair
    survivor_before = {
        "phones": ids(survivor.phones.all()),
        "emails": ids(survivor.emails.all()),
        "addresses": ids(survivor.addresses.all()),
        "identities": ids(survivor.identities.all()),
        "tags": set(survivor.tags.values_list("name", flat=True)),
    }
    merged_before = {
        "phones": ids(merged.phones.all()),
        "emails": ids(merged.emails.all()),
        "addresses": ids(merged.addresses.all()),
        "identities": ids(merged.identities.all()),
        "tags": set(merged.tags.values_list("name", flat=True)),
    }
    record = services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    # life goes on: a new order arrives on the survivor after the merge
    later = make_order(shop=shop, customer=survivor)

    services.unmerge(actor=lead, record=record, reason="不是同一人")

    for who, before in ((survivor, survivor_before), (merged, merged_before)):
        assert ids(who.phones.all()) == before["phones"]
        assert ids(who.emails.all()) == before["emails"]
        assert ids(who.addresses.all()) == before["addresses"]
        assert ids(who.identities.all()) == before["identities"]
        assert set(who.tags.values_list("name", flat=True)) == before["tags"]
    assert ids(Order.objects.filter(customer=merged)) == {o.pk for o in orders}
    assert ids(Order.objects.filter(customer=survivor)) == {later.pk}
    assert ids(Ticket.objects.filter(customer=merged)) == {t.pk for t in tickets}
    assert ids(CustomerNote.objects.filter(customer=merged)) == {note.pk}

    merged.refresh_from_db()
    survivor.refresh_from_db()
    assert merged.merged_into is None
    assert survivor.no_calls is False  # the merge's change to the survivor is undone
    assert survivor.notes == ""
    record.refresh_from_db()
    assert record.reversed_by == lead and record.reversed_at is not None
    assert audit.history(survivor).filter(action="customer.unmerge").exists()
    assert audit.history(merged).get(action="customer.unmerged").reason == "不是同一人"


def test_unmerge_keeps_edits_made_after_the_merge(pair, lead, agent):
    survivor, merged, *_ = pair
    record = services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    survivor.refresh_from_db()
    assert survivor.no_calls is True
    services.update_customer(actor=agent, customer=survivor, notes="换了新的备注")
    services.unmerge(actor=lead, record=record)
    survivor.refresh_from_db()
    assert survivor.notes == "换了新的备注"  # edited since the merge: left alone
    assert survivor.no_calls is False


def test_a_merge_is_reversed_once(pair, lead):
    survivor, merged, *_ = pair
    record = services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    services.unmerge(actor=lead, record=record)
    with pytest.raises(Conflict) as caught:
        services.unmerge(actor=lead, record=record)
    assert caught.value.code == "already_reversed"


def test_undo_the_later_merge_first(new_customer, lead, shop):
    a, b, c = new_customer("甲"), new_customer("乙"), new_customer("丙")
    order = make_order(shop=shop, customer=a)
    first = services.merge_customers(actor=lead, survivor=b, merged=a)
    second = services.merge_customers(actor=lead, survivor=c, merged=b)
    order.refresh_from_db()
    assert order.customer == c
    with pytest.raises(Conflict) as caught:
        services.unmerge(actor=lead, record=first)
    assert caught.value.code == "survivor_merged"
    services.unmerge(actor=lead, record=second)
    services.unmerge(actor=lead, record=first)
    order.refresh_from_db()
    assert order.customer == a


def test_refused_merges(new_customer, lead):
    a, b, c = new_customer("甲"), new_customer("乙"), new_customer("丙")
    with pytest.raises(DomainError):
        services.merge_customers(actor=lead, survivor=a, merged=a)
    services.merge_customers(actor=lead, survivor=a, merged=b)
    with pytest.raises(Conflict):
        services.merge_customers(actor=lead, survivor=b, merged=c)  # b is merged already
    with pytest.raises(Conflict):
        services.merge_customers(actor=lead, survivor=c, merged=b)
    assert MergeRecord.objects.count() == 1


def test_every_foreign_key_to_a_customer_is_moved():
    """A later app's table that points at a customer (complaints, returns, follow-ups,
    reviews…) is found by itself; only the merge history and the merged-into pointer stay."""
    every = {
        (rel.related_model._meta.label, rel.field.name)
        for rel in Customer._meta.get_fields(include_hidden=True)
        if isinstance(rel, ManyToOneRel)
    }
    moved = {(r.model._meta.label, r.field) for r in merging.relations()}
    assert moved == every - merging.NOT_MOVED
    assert every >= merging.NOT_MOVED
    assert {
        ("orders.Order", "customer"),
        ("tickets.Ticket", "customer"),
        ("customers.CustomerNote", "customer"),
        ("customers.CustomerPhone", "customer"),
        ("customers.CustomerEmail", "customer"),
        ("customers.MarketplaceIdentity", "customer"),
        ("customers.Address", "customer"),
        ("customers.Customer_tags", "customer"),
    } <= moved


def test_every_relation_is_emptied_and_restored(new_customer, lead, shop, agent):
    """Whatever rows exist on any relation move over and come back (generic check)."""
    survivor, merged = new_customer("甲"), new_customer("乙", phones=["13700000000"])
    make_order(shop=shop, customer=merged)
    make_ticket(shop=shop, customer=merged)
    services.add_note(actor=agent, customer=merged, body="x")
    before = {
        r.key: ids(r.model._base_manager.filter(**{r.field: merged})) for r in merging.relations()
    }
    record = services.merge_customers(actor=lead, survivor=survivor, merged=merged)
    for r in merging.relations():
        assert not r.model._base_manager.filter(**{r.field: merged}).exists(), r.key
    services.unmerge(actor=lead, record=record)
    after = {
        r.key: ids(r.model._base_manager.filter(**{r.field: merged})) for r in merging.relations()
    }
    assert after == before


def test_identities_phones_and_emails_models_are_all_covered():
    keys = {r.key for r in merging.relations()}
    for model in (CustomerPhone, CustomerEmail, MarketplaceIdentity, Address, CustomerNote):
        assert model._meta.label in keys
