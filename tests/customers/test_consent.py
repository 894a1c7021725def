"""Consent flags hold for every later list: a "no calls" customer is never on a call list,
a "no marketing" customer never gets an offer."""

from __future__ import annotations

import pytest

from kefu.customers import selectors, services
from kefu.customers.models import Customer
from kefu.tickets.models import Ticket
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(new_customer):
    return {
        "ok": new_customer("可以打", phones=["13800000001"]),
        "no_calls": new_customer("别打电话", phones=["13800000002"], no_calls=True),
        "no_phone": new_customer("没电话", emails=["x@example.com"]),
        "no_marketing": new_customer("别推销", phones=["13800000003"], no_marketing=True),
    }


def test_callable_customers_never_include_no_calls(people):
    names = set(selectors.callable_customers().values_list("name", flat=True))
    assert names == {"可以打", "别推销"}


def test_callable_customers_narrow_any_base_list(people):
    base = Customer.objects.filter(name__in=["别打电话", "可以打"])
    assert list(selectors.callable_customers(base).values_list("name", flat=True)) == ["可以打"]
    # and the queryset method reads the same
    assert set(Customer.objects.callable().values_list("name", flat=True)) == {"可以打", "别推销"}


def test_a_later_no_calls_takes_the_customer_off_every_call_list(people, agent):
    services.update_customer(actor=agent, customer=people["ok"], no_calls=True)
    assert "可以打" not in set(selectors.callable_customers().values_list("name", flat=True))


def test_a_merge_keeps_no_calls(people, lead):
    services.merge_customers(actor=lead, survivor=people["ok"], merged=people["no_calls"])
    assert "可以打" not in set(selectors.callable_customers().values_list("name", flat=True))


def test_merged_records_are_not_called(people, lead, new_customer):
    twin = new_customer("可以打", phones=["13800000009"])
    services.merge_customers(actor=lead, survivor=people["ok"], merged=twin)
    assert twin.pk not in set(selectors.callable_customers().values_list("pk", flat=True))


def test_rows_of_later_apps_filter_through_callable_filter(people, shop):
    """A follow-up or review-recovery list made of rows that point at a customer."""
    for person in people.values():
        make_ticket(shop=shop, customer=person)
    to_call = Ticket.objects.filter(selectors.callable_filter("customer"))
    assert set(to_call.values_list("customer__name", flat=True)) == {"可以打", "别推销"}


def test_marketable_customers_never_include_no_marketing(people):
    names = set(selectors.marketable_customers().values_list("name", flat=True))
    assert names == {"可以打", "别打电话", "没电话"}
    assert Ticket.objects.filter(selectors.marketable_filter()).count() == 0


def test_search_can_start_from_the_call_list(people):
    found = selectors.search_customers("138", base=selectors.callable_customers())
    assert set(found.values_list("name", flat=True)) == {"可以打", "别推销"}
