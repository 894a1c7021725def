import datetime as dt

import pytest
from django.utils import timezone

from kefu.complaints import services
from kefu.complaints.models import Status
from kefu.core.errors import DomainError, NotAllowed
from kefu.core.models import AuditEntry
from tests.complaints.helpers import register
from tests.factories import make_customer, make_order, make_shop, make_ticket

pytestmark = pytest.mark.django_db


def test_register_records_the_form_and_the_judging_deadline(agent, shop):
    c = register(agent, shop, complainant_name="王女士")
    assert c.status == Status.REGISTERED
    assert c.complainant_name == "王女士"
    assert c.registered_by == agent
    assert abs((c.due_at - c.registered_at) - dt.timedelta(hours=24)) < dt.timedelta(seconds=1)
    assert AuditEntry.objects.filter(action="complaint.register", object_id=str(c.pk)).exists()
    assert c.get_absolute_url() == f"/complaints/{c.pk}/"


def test_shop_defaults_from_order_then_ticket_then_customer(agent):
    a, b = make_shop(), make_shop()
    customer = make_customer()
    order = make_order(shop=a, customer=customer)
    base = {"content": "x", "channel": "phone", "category": "service", "severity": "low"}
    c1 = services.register_complaint(actor=agent, customer=customer, order=order, **base)
    assert c1.shop == a
    ticket = make_ticket(shop=b, customer=customer)
    c2 = services.register_complaint(actor=agent, customer=customer, ticket=ticket, **base)
    assert c2.shop == b
    c3 = services.register_complaint(actor=agent, customer=customer, **base)
    assert c3.shop == a  # the customer's latest order


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content": "  "}, "content"),
        ({"channel": "pigeon"}, "channel"),
        ({"category": "bad"}, "category"),
        ({"severity": "huge"}, "severity"),
        ({"occurred_at": "future"}, "occurred_at"),
    ],
)
def test_bad_registration_names_the_field(agent, shop, change, field):
    if change.get("occurred_at") == "future":
        change = {"occurred_at": timezone.now() + dt.timedelta(days=1)}
    with pytest.raises(DomainError) as err:
        register(agent, shop, **change)
    assert field in err.value.fields


def test_order_of_another_customer_is_refused(agent, shop):
    other = make_order(shop=shop, customer=make_customer())
    with pytest.raises(DomainError) as err:
        register(agent, shop, order=other)
    assert "order" in err.value.fields


@pytest.mark.parametrize("role_fixture", ["finance", "warehouse"])
def test_back_office_cannot_register(request, role_fixture, shop):
    with pytest.raises(NotAllowed):
        register(request.getfixturevalue(role_fixture), shop)
