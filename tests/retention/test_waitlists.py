"""Restock waitlist: every waiter notified once, in their language; API and screen."""

from __future__ import annotations

import pytest

from kefu.core.errors import DomainError, NotAllowed
from kefu.retention import services
from kefu.retention.models import MessageTemplate, WaitlistEntry
from tests.conftest import assert_error
from tests.factories import make_customer, make_shop


@pytest.fixture
def waiters(shop, agent):
    people = [
        make_customer(name="王芳", language="zh-hans"),
        make_customer(name="김민지", language="ko"),
        make_customer(name="Emma", language="en"),
    ]
    for person in people:
        services.add_to_waitlist(
            actor=agent, shop=shop, customer=person, style_no="DR-2024", size="M"
        )
    return people


def test_restock_notifies_each_waiter_once_in_their_language(shop, agent, waiters):
    other = make_customer(name="李雷")
    services.add_to_waitlist(actor=agent, shop=shop, customer=other, style_no="DR-2024", size="L")
    done = services.restock(actor=agent, style_no="dr-2024", size="m", shop=shop)
    assert {e.customer for e in done} == set(waiters)
    by_name = {e.customer.name: e for e in WaitlistEntry.objects.filter(status="notified")}
    assert "已经到货" in by_name["王芳"].message and by_name["王芳"].language == "zh-hans"
    assert "재입고" in by_name["김민지"].message
    assert "back in stock" in by_name["Emma"].message and "DR-2024" in by_name["Emma"].message
    assert WaitlistEntry.objects.get(customer=other).status == "waiting"  # size L still waits
    assert services.restock(actor=agent, style_no="DR-2024", size="M", shop=shop) == []


def test_an_admin_edited_template_is_used(shop, agent, waiters):
    MessageTemplate.objects.create(kind="restock", language="en", body="{name}: {style_no} is here")
    services.restock(actor=agent, style_no="DR-2024", size="M")
    assert WaitlistEntry.objects.get(customer=waiters[2]).message == "Emma: DR-2024 is here"


def test_the_same_customer_waiting_twice_keeps_one_entry(shop, agent, waiters):
    _entry, created = services.add_to_waitlist(
        actor=agent, shop=shop, customer=waiters[0], style_no="DR-2024", size="M"
    )
    assert not created
    assert WaitlistEntry.objects.filter(customer=waiters[0]).count() == 1


def test_restock_in_one_shop_leaves_the_other_shop_s_list(shop, agent, waiters):
    other_shop = make_shop()
    services.add_to_waitlist(
        actor=agent, shop=other_shop, customer=waiters[0], style_no="DR-2024", size="M"
    )
    services.restock(actor=agent, style_no="DR-2024", size="M", shop=other_shop)
    assert WaitlistEntry.objects.filter(status="waiting").count() == 3


def test_bad_input_and_roles_are_refused(shop, agent, finance):
    customer = make_customer()
    with pytest.raises(DomainError) as exc:
        services.add_to_waitlist(actor=agent, shop=shop, customer=customer, style_no=" ")
    assert "style_no" in exc.value.fields
    with pytest.raises(NotAllowed):
        services.restock(actor=finance, style_no="DR-2024")


def test_api_create_with_idempotency_key_and_restock(api_as, agent, warehouse, shop):
    customer = make_customer(language="ko")
    api = api_as(agent)
    body = {"shop_id": shop.pk, "customer_id": customer.pk, "style_no": "KN-7", "size": "XL"}
    first = api.post("/waitlists", body, idempotency_key="w1")
    assert first.status_code == 201
    assert api.post("/waitlists", body, idempotency_key="w1").json()["id"] == first.json()["id"]
    assert api.post("/waitlists", body).status_code == 200
    assert WaitlistEntry.objects.count() == 1
    assert_error(api.post("/waitlists", {**body, "customer_id": 99999}), 400, "unknown_customer")
    assert_error(api.post("/waitlists", {**body, "style_no": ""}), 422)
    restocked = api.post("/waitlists/restock", {"style_no": "KN-7", "size": "XL"})
    assert restocked.status_code == 200 and restocked.json()["notified"] == 1
    assert restocked.json()["items"][0]["language"] == "ko"
    assert (
        api.post("/waitlists/restock", {"style_no": "KN-7", "size": "XL"}).json()["notified"] == 0
    )
    assert (
        api.get("/waitlists", {"status": "notified"}).json()["items"][0]["id"] == first.json()["id"]
    )
    assert_error(api_as(warehouse).get("/waitlists"), 403)
    assert_error(api_as(warehouse).post("/waitlists/restock", {"style_no": "KN-7"}), 403)


def test_the_waitlist_screen_adds_and_restocks(login, agent, shop):
    customer = make_customer(name="Emma", language="en")
    client = login(agent)
    add = {"form": "add", "customer": customer.pk, "shop": shop.pk, "style_no": "TS-1", "size": "S"}
    assert client.post("/retention/waitlists/", add).status_code == 302
    bad = client.post("/retention/waitlists/", {**add, "style_no": ""})
    assert bad.status_code == 400
    page = client.post(
        "/retention/waitlists/", {"form": "restock", "style_no": "TS-1", "size": "S"}
    )
    assert page.status_code == 302
    listing = client.get("/retention/waitlists/", {"status": "notified"}).content.decode()
    assert "back in stock" in listing
    assert client.get("/retention/").status_code == 200


def test_an_admin_edits_the_message_templates(login, admin_user):
    client = login(admin_user)
    page = client.post(
        "/admin/retention/messagetemplate/add/",
        {"kind": "restock", "language": "ko", "body": "{name}님, {style_no} 재입고!"},
    )
    assert page.status_code == 302
    assert MessageTemplate.objects.get(language="ko").body.endswith("재입고!")


def test_the_customer_timeline_shows_the_wait_and_the_notice(shop, agent, waiters):
    from kefu.customers.timeline import timeline

    services.restock(actor=agent, style_no="DR-2024", size="M")
    items = [i for i in timeline(waiters[1]) if i.kind == "retention"]
    assert len(items) == 1 and "재입고" in items[0].detail


@pytest.mark.parametrize(
    "path",
    ["/retention/", "/retention/waitlists/", "/retention/reminders/", "/retention/campaigns/"],
)
def test_back_office_roles_get_403_on_the_screens(login, finance, warehouse, path):
    assert login(finance).get(path).status_code == 403
    assert login(warehouse).get(path).status_code == 403


def test_the_customer_page_renders_with_retention_rows(login, agent, shop, waiters):
    services.restock(actor=agent, style_no="DR-2024", size="M")
    page = login(agent).get(f"/customers/{waiters[0].pk}/")
    assert page.status_code == 200 and "DR-2024" in page.content.decode()
