"""The customer screens: who may open what, the forms, live search, the customer page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.customers import services, timeline
from kefu.customers.models import Customer, CustomerNote, MergeRecord
from kefu.orders.models import Order, OrderItem
from kefu.tickets.models import Ticket
from tests.factories import make_order, make_ticket

pytestmark = pytest.mark.django_db

VIEW_PAGES = ["/customers/", "/customers/mine/", "/customers/{pk}/"]
EDIT_PAGES = ["/customers/new/", "/customers/{pk}/edit/"]
LEAD_PAGES = ["/customers/assign/", "/customers/duplicates/"]


@pytest.fixture
def customer(new_customer, shop):
    return new_customer(
        "王芳",
        phones=["+86 138 1234 5678"],
        emails=["wf@example.com"],
        identities=[(shop.pk, "tb_wangfang")],
        tags=["老客户"],
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, customer):
    for page in VIEW_PAGES + EDIT_PAGES + LEAD_PAGES:
        response = client.get(page.format(pk=customer.pk))
        assert response.status_code == 302, page
        assert response["Location"].startswith("/login/"), page
    response = client.post(f"/customers/{customer.pk}/notes/", {"body": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not CustomerNote.objects.exists()


@pytest.mark.parametrize("role", ["finance", "warehouse"])
def test_back_office_can_look_but_not_touch(make_user, login, customer, role):
    client = login(make_user(role))
    for page in VIEW_PAGES:
        assert client.get(page.format(pk=customer.pk)).status_code == 200, page
    for page in EDIT_PAGES + LEAD_PAGES:
        assert client.get(page.format(pk=customer.pk)).status_code == 403, page
    assert client.post(f"/customers/{customer.pk}/notes/", {"body": "x"}).status_code == 403
    assert client.post(f"/customers/{customer.pk}/edit/", {"name": "改名"}).status_code == 403
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Add a note" not in html and f"/customers/{customer.pk}/edit/" not in html


def test_agents_edit_but_neither_assign_nor_merge(agent, login, customer, new_customer):
    client = login(agent)
    for page in VIEW_PAGES + EDIT_PAGES:
        assert client.get(page.format(pk=customer.pk)).status_code == 200, page
    for page in LEAD_PAGES:
        assert client.get(page).status_code == 403, page
    twin = new_customer("王芳")
    response = client.post("/customers/merge/", {"survivor": customer.pk, "merged": str(twin.pk)})
    assert response.status_code == 403
    response = client.post("/customers/assign/", {"action": "balance"})
    assert response.status_code == 403
    assert not MergeRecord.objects.exists()
    html = client.get("/customers/").content.decode()
    assert "/customers/assign/" not in html and "/customers/duplicates/" not in html


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_leads_and_admins_open_every_page(make_user, login, customer, role):
    client = login(make_user(role))
    for page in VIEW_PAGES + EDIT_PAGES + LEAD_PAGES:
        assert client.get(page.format(pk=customer.pk)).status_code == 200, page


def test_the_navigation_lists_customers(agent, login):
    html = login(agent).get("/").content.decode()
    assert '<a href="/customers/">Customers</a>' in html


# ---------------------------------------------------------------- list and search


def test_list_search_and_live_search_partial(agent, login, customer, new_customer):
    new_customer("김민준", language="ko", phones=["010-9876-5432"])
    client = login(agent)
    html = client.get("/customers/").content.decode()
    assert "王芳" in html and "김민준" in html and 'id="customer-q"' in html
    html = client.get("/customers/", {"q": "5678"}).content.decode()
    assert "王芳" in html and "김민준" not in html
    partial = client.get("/customers/", {"q": "김민"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and "김민준" in body and "王芳" not in body
    html = client.get("/customers/", {"q": "nobody-like-this"}).content.decode()
    assert "No customer matches" in html


def test_list_filters_and_bad_filter_values(agent, login, customer, new_customer):
    new_customer("别打电话", no_calls=True)
    client = login(agent)
    html = client.get("/customers/", {"consent": "no_calls"}).content.decode()
    assert "别打电话" in html and "王芳" not in html
    for params in ({"segment": "gold"}, {"owner": "x"}, {"tag": "abc"}, {"page": "-3"}):
        assert client.get("/customers/", params).status_code == 200


def test_list_pages(agent, login, db):
    Customer.objects.bulk_create(Customer(name=f"顾客{i:02d}") for i in range(30))
    client = login(agent)
    first = client.get("/customers/").content.decode()
    assert "顾客29" in first and "顾客04" not in first and "page=2" in first
    second = client.get("/customers/", {"page": 2}).content.decode()
    assert "顾客04" in second and "page=1" in second


# ---------------------------------------------------------------- create and edit


def test_create_through_the_form(agent, login, shop, definitions):
    client = login(agent)
    form = client.get("/customers/new/").content.decode()
    assert 'name="attr_height_cm"' in form and "Height" in form and shop.name in form
    response = client.post(
        "/customers/new/",
        {
            "name": "李娜",
            "language": "zh-hans",
            "phones": "139 1234 0000\n+86 137 0000 1111",
            "emails": "lina@example.com",
            "segment": "auto",
            "tags": "老客户, 团购",
            "no_marketing": "on",
            "identity_shop": [str(shop.pk), ""],
            "identity_id": ["tb_lina", ""],
            "address_recipient": ["李娜", ""],
            "address_phone": ["", ""],
            "address_country": ["CN", "CN"],
            "address_region": ["浙江省", ""],
            "address_city": ["杭州市", ""],
            "address_line": ["文三路 90 号", ""],
            "address_postcode": ["", ""],
            "address_default": "0",
            "attr_height_cm": "165",
            "attr_size": "M",
            "attr_has_warranty": "",
        },
    )
    customer = Customer.objects.get(name="李娜")
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert customer.phones.count() == 2
    assert customer.identities.get().external_id == "tb_lina"
    assert customer.addresses.get().city == "杭州市"
    assert customer.no_marketing and not customer.no_calls
    assert customer.attributes == {"height_cm": 165, "size": "M"}
    assert set(customer.tags.values_list("name", flat=True)) == {"老客户", "团购"}


def test_form_errors_come_back_on_their_fields(agent, login, definitions):
    client = login(agent)
    response = client.post(
        "/customers/new/",
        {
            "name": "李娜",
            "language": "zh-hans",
            "segment": "auto",
            "phones": "12",
            "emails": "nope",
            "attr_height_cm": "999",
            "attr_size": "XXL",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please correct the fields marked below." in html
    assert "is not a phone number" in html and "is not an email address" in html
    assert "Must be at most 250." in html and "Choose one of: S, M, L, XL." in html
    assert 'value="999"' in html  # what was typed is kept
    assert not Customer.objects.exists()


def test_edit_through_the_form_in_the_users_language(make_user, login, customer, definitions):
    user = make_user("agent", "kim", language="ko")
    client = login(user)
    form = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert "키" in form  # the Korean label of "Height"
    assert "tb_wangfang" in form and "+86 138 1234 5678" in form
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {
            "name": "王小芳",
            "language": "zh-hans",
            "phones": "+86 138 1234 5678",
            "emails": "",
            "segment": "vip",
            "tags": "",
            "no_calls": "on",
            "identity_shop": [str(customer.identities.get().shop_id)],
            "identity_id": ["tb_wangfang"],
            "attr_weight_kg": "51.5",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "王小芳" and customer.no_calls
    assert customer.segment == "vip" and customer.segment_is_manual
    assert not customer.emails.exists() and not customer.tags.exists()
    assert customer.attributes == {"weight_kg": 51.5}


def test_a_merged_record_cannot_be_opened_for_editing(agent, lead, login, customer, new_customer):
    twin = new_customer("王芳")
    services.merge_customers(actor=lead, survivor=customer, merged=twin)
    client = login(agent)
    assert client.get(f"/customers/{twin.pk}/edit/").status_code == 404
    html = client.get(f"/customers/{twin.pk}/").content.decode()
    assert "This record was merged into" in html


# ---------------------------------------------------------------- the customer page


def test_the_page_shows_everything_and_the_timeline_newest_first(
    agent, login, customer, shop, definitions
):
    services.update_customer(
        actor=agent, customer=customer, attributes={"height_cm": 165}, no_calls=True
    )
    old = timezone.now() - dt.timedelta(days=30)
    make_order(shop=shop, customer=customer, external_id="TB-OLD", placed_at=old)
    make_ticket(shop=shop, customer=customer, subject="我要退款")
    services.add_note(actor=agent, customer=customer, body="喜欢宽松版型")
    html = login(agent).get(f"/customers/{customer.pk}/").content.decode()
    for text in (
        "王芳",
        "+86 138 1234 5678",
        "wf@example.com",
        "tb_wangfang",
        "老客户",
        "No calls",
        "165 cm",
        "Add a note",
    ):
        assert text in html, text
    timeline = html[html.index('id="timeline"') :]
    assert timeline.index("喜欢宽松版型") < timeline.index("我要退款")


def test_adding_a_note_and_a_contact(agent, lead, login, customer):
    services.assign_customers(actor=lead, customer_ids=[customer.pk], owner=agent)
    client = login(agent)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Contact by" in html and "rule 003 ch.2 §3" in html
    response = client.post(
        f"/customers/{customer.pk}/notes/", {"body": "电话联系过了", "contact_channel": "phone"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "电话联系过了" in html and "Contacted by the owner" in html
    assert client.post(f"/customers/{customer.pk}/notes/", {"body": ""}).status_code == 302
    assert CustomerNote.objects.count() == 1


def test_timeline_filter_by_kind(agent, login, customer, shop):
    make_ticket(shop=shop, customer=customer, subject="我要退款")
    services.add_note(actor=agent, customer=customer, body="备注一条")
    html = login(agent).get(f"/customers/{customer.pk}/", {"kind": "note"}).content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "备注一条" in timeline and "我要退款" not in timeline


def _bulk_history(customer, shop, orders: int, tickets: int) -> None:
    now = timezone.now()
    made = Order.objects.bulk_create(
        Order(
            shop=shop,
            customer=customer,
            external_id=f"TB{customer.pk}-{i:05d}",
            currency="CNY",
            total_amount=99,
            paid_amount=99,
            placed_at=now - dt.timedelta(hours=i),
        )
        for i in range(orders)
    )
    OrderItem.objects.bulk_create(
        OrderItem(order=o, title="围巾", unit_price=99, amount=99) for o in made
    )
    Ticket.objects.bulk_create(
        Ticket(
            shop=shop,
            customer=customer,
            subject=f"咨询 {i}",
            created_at=now - dt.timedelta(hours=i, minutes=30),
        )
        for i in range(tickets)
    )


def test_the_customer_page_makes_a_bounded_number_of_queries(
    agent, login, new_customer, shop, definitions, django_assert_max_num_queries
):
    """However long a customer's history, the page costs the same few queries."""
    small, big = new_customer("小", tags=["VIP"]), new_customer("大", tags=["VIP"])
    _bulk_history(small, shop, orders=1, tickets=1)
    _bulk_history(big, shop, orders=500, tickets=200)
    for c in (small, big):
        services.add_note(actor=agent, customer=c, body="备注")
    client = login(agent)
    counts = []
    for c in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/customers/{c.pk}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    # A fixed page, plus one bounded query per feature that adds to the timeline.
    with django_assert_max_num_queries(13 + len(timeline.sources())):
        html = client.get(f"/customers/{big.pk}/").content.decode()
    assert len(re.findall('class="timeline-item"', html)) == 100  # the newest 100


def test_my_customers_to_contact(agent, lead, login, new_customer):
    late, fresh = new_customer("晚了"), new_customer("新来的")
    services.assign_customers(actor=lead, customer_ids=[late.pk, fresh.pk], owner=agent)
    Customer.objects.filter(pk=late.pk).update(
        owner_assigned_at=timezone.now() - dt.timedelta(days=9)
    )
    html = login(agent).get("/customers/mine/").content.decode()
    assert html.index("晚了") < html.index("新来的")
    assert "1 customer is overdue." in html and "rule 003 ch.2 §3" in html
    assert "新来的" not in login(lead).get("/customers/mine/").content.decode()


# ---------------------------------------------------------------- lead pages


def test_assignment_page_balance_and_bulk_assign(lead, login, make_user, db):
    a = make_user("agent", "a", capacity=10)
    b = make_user("agent", "b", capacity=30)
    Customer.objects.bulk_create(Customer(name=f"顾客{i}") for i in range(8))
    client = login(lead)
    html = client.get("/customers/assign/").content.decode()
    assert "Balance 8 unowned customers" in html and "Load per agent" in html
    response = client.post("/customers/assign/", {"action": "balance"})
    assert response.status_code == 302
    assert (a.owned_customers.count(), b.owned_customers.count()) == (2, 6)
    ids = list(b.owned_customers.values_list("pk", flat=True)[:3])
    response = client.post(
        "/customers/assign/",
        {"action": "assign", "customer": [str(i) for i in ids], "owner": str(a.pk)},
    )
    assert response.status_code == 302
    assert a.owned_customers.count() == 5
    client.post(
        "/customers/assign/", {"action": "assign", "customer": [str(ids[0])], "owner": "none"}
    )
    assert Customer.objects.get(pk=ids[0]).owner is None


def test_assigning_from_the_customer_page(lead, agent, login, customer):
    client = login(lead)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Give this customer to" in html
    response = client.post(
        "/customers/assign/",
        {
            "action": "assign",
            "customer": str(customer.pk),
            "owner": str(agent.pk),
            "next": f"/customers/{customer.pk}/",
        },
    )
    assert response["Location"] == f"/customers/{customer.pk}/"
    customer.refresh_from_db()
    assert customer.owner == agent


def test_duplicates_page_merge_and_reverse(lead, login, customer, new_customer, shop):
    twin = new_customer("王芳 (电话)", phones=["13812345678"])
    make_order(shop=shop, customer=twin)
    client = login(lead)
    html = client.get("/customers/duplicates/").content.decode()
    assert "same phone" in html and "王芳 (电话)" in html
    response = client.post(
        "/customers/merge/",
        {"survivor": customer.pk, "merged": f"{customer.pk},{twin.pk}", "reason": "同一人"},
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    record = MergeRecord.objects.get()
    assert record.merged == twin and record.reason == "同一人"
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Reverse this merge" in html
    response = client.post(f"/customers/merges/{record.pk}/reverse/")
    assert response["Location"] == f"/customers/{twin.pk}/"
    assert Order.objects.get().customer_id == twin.pk
    # twice: refused with a message, nothing changes
    response = client.post(f"/customers/merges/{record.pk}/reverse/", follow=True)
    assert "already reversed" in response.content.decode()
