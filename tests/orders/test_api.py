"""/api/v1/shops and /api/v1/orders: list, filters, q, create, update, and who may."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kefu.core.models import AuditEntry, Shop
from kefu.customers.models import CustomerPhone
from kefu.orders.models import Order
from tests.conftest import assert_error
from tests.factories import make_customer, make_order

pytestmark = pytest.mark.django_db


def new_order(shop_id, **kw):
    body = {
        "shop": shop_id,
        "order_number": "API-1",
        "placed_at": "2026-03-01T10:00:00+08:00",
        "status": "paid",
        "paid_at": "2026-03-01T10:01:00+08:00",
        "buyer": {"name": "王小芳", "phone": "13812345678"},
        "items": [
            {
                "title": "羊绒围巾",
                "sku": "SC-001-BK",
                "size": "均码",
                "color": "黑色",
                "quantity": 2,
                "unit_price": "229.00",
            },
            {"title": "保温杯", "quantity": 1, "unit_price": "129.90"},
        ],
    }
    body.update(kw)
    return body


# ---------------------------------------------------------------- shops


def test_staff_list_shops_and_secrets_stay_secret(api_as, finance, shopify, tmall):
    response = api_as(finance).get("/shops")
    assert response.status_code == 200
    body = response.json()
    by_slug = {s["slug"]: s for s in body["items"]}
    assert set(by_slug) == {"shopify", "tmall"}
    assert by_slug["shopify"]["has_webhook_secret"] is True
    assert by_slug["shopify"]["webhook_path"] == f"/api/v1/shops/{shopify.pk}/webhooks/orders"
    assert "webhook_secret" not in by_slug["shopify"]
    assert "shpss_" not in response.content.decode()
    one = api_as(finance).get(f"/shops/{tmall.pk}")
    assert one.json()["currency"] == "CNY"


def test_only_admins_create_and_change_shops(api_as, admin_user, lead, agent):
    body = {
        "slug": "coupang-kr",
        "name": "윤샹 쿠팡",
        "platform": "coupang",
        "currency": "KRW",
        "time_zone": "Asia/Seoul",
        "language": "ko",
        "webhook_secret": "s3",
    }
    for user in (lead, agent):
        assert_error(api_as(user).post("/shops", body), 403)
    created = api_as(admin_user).post("/shops", body)
    assert created.status_code == 201, created.content
    shop = Shop.objects.get(slug="coupang-kr")
    assert shop.webhook_secret == "s3"
    assert_error(api_as(admin_user).post("/shops", body), 409, "slug_taken")

    assert_error(api_as(lead).patch(f"/shops/{shop.pk}", {"name": "x"}), 403)
    changed = api_as(admin_user).patch(
        f"/shops/{shop.pk}", {"webhook_secret": "new", "name": "쿠팡"}
    )
    assert changed.status_code == 200
    shop.refresh_from_db()
    assert (shop.name, shop.webhook_secret) == ("쿠팡", "new")
    entry = AuditEntry.objects.get(action="shop.update")
    assert "new" not in str(entry.changes)  # the secret itself is not logged
    bad = api_as(admin_user).patch(f"/shops/{shop.pk}", {"time_zone": "Mars/Olympus"})
    assert_error(bad, 400, "validation_error")


# ---------------------------------------------------------------- orders


def test_create_an_order_with_items_money_as_strings(api_as, lead, tmall):
    response = api_as(lead).post("/orders", new_order(tmall.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["order_number"] == "API-1"
    assert body["total_amount"] == "587.90"
    assert body["paid_amount"] == "587.90"
    assert body["items"][0] == {
        "sku": "SC-001-BK",
        "style_no": "",
        "title": "羊绒围巾",
        "size": "均码",
        "color": "黑色",
        "quantity": 2,
        "unit_price": "229.00",
        "amount": "458.00",
    }
    order = Order.objects.get(pk=body["id"])
    assert order.total_amount == Decimal("587.90")
    assert order.customer.phones.get().normalized == "8613812345678"
    assert AuditEntry.objects.filter(action="order.create", object_id=str(order.pk)).exists()
    # the same number again is a conflict, not a duplicate
    assert_error(api_as(lead).post("/orders", new_order(tmall.pk)), 409, "order_exists")
    assert Order.objects.count() == 1


def test_create_with_an_existing_customer_and_won_amounts(api_as, admin_user, coupang):
    customer = make_customer(name="김민지")
    body = new_order(
        coupang.pk,
        order_number="CP-1",
        customer_id=customer.pk,
        items=[{"title": "머플러", "quantity": 1, "unit_price": "89000"}],
    )
    response = api_as(admin_user).post("/orders", body)
    assert response.status_code == 201, response.content
    assert response.json()["total_amount"] == "89000"
    assert response.json()["customer"] == customer.pk
    half_won = new_order(
        coupang.pk, order_number="CP-2", items=[{"title": "x", "quantity": 1, "unit_price": "1.50"}]
    )
    error = assert_error(api_as(admin_user).post("/orders", half_won), 422)
    assert "items.0.unit_price" in error["fields"]


def test_idempotency_key_returns_the_first_answer(api_as, lead, tmall):
    client = api_as(lead)
    first = client.post("/orders", new_order(tmall.pk), idempotency_key="k-1")
    again = client.post("/orders", new_order(tmall.pk), idempotency_key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json() == again.json()
    assert Order.objects.count() == 1


def test_list_filters_and_search(api_as, agent, tmall, coupang):
    wang = make_customer(name="王小芳")
    CustomerPhone.objects.create(customer=wang, number="138 1234 5678", normalized="8613812345678")
    from kefu.customers.search import reindex

    reindex([wang.pk])
    kim = make_customer(name="김민지")
    reindex([kim.pk])
    now = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    a = make_order(
        shop=tmall,
        customer=wang,
        external_id="3512345678901234567",
        placed_at=now - dt.timedelta(days=5),
        waybill="SF100200300",
    )
    b = make_order(
        shop=tmall,
        customer=wang,
        external_id="TB2",
        status="shipped",
        placed_at=now - dt.timedelta(days=1),
    )
    c = make_order(shop=coupang, customer=kim, external_id="CP1", amount="59000", placed_at=now)
    client = api_as(agent)

    def ids(**params):
        response = client.get("/orders", params)
        assert response.status_code == 200, response.content
        return [o["id"] for o in response.json()["items"]]

    assert ids() == [c.pk, b.pk, a.pk]  # newest first
    assert ids(shop=coupang.pk) == [c.pk]
    assert ids(status="shipped") == [b.pk]
    assert ids(customer=wang.pk) == [b.pk, a.pk]
    assert ids(placed_after="2026-03-06T00:00:00Z", placed_before="2026-03-09T23:59:59Z") == [b.pk]
    assert ids(q="3512345678901234567") == [a.pk]
    assert ids(q="SF100200300") == [a.pk]
    assert ids(q="5678") == [b.pk, a.pk]  # last four digits of the phone
    assert ids(q="王小芳") == [b.pk, a.pk]
    assert ids(q="김민") == [c.pk]
    assert ids(q="nothing-like-this") == []
    page = client.get("/orders", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert client.get("/orders", {"cursor": page["next_cursor"]}).json()["items"][0]["id"] == a.pk
    assert client.get(f"/orders/{c.pk}").json()["total_amount"] == "59000"


def test_patch_an_order_is_audited(api_as, agent, tmall):
    order = make_order(shop=tmall, customer=make_customer())
    response = api_as(agent).patch(
        f"/orders/{order.pk}",
        {
            "status": "shipped",
            "carrier": "顺丰",
            "waybill": "SF1",
            "shipped_at": "2026-03-02T09:00:00",
            "seller_note": "加急",
            "reason": "客户来电",
        },
    )
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert (order.status, order.carrier, order.waybill, order.seller_note) == (
        "shipped",
        "顺丰",
        "SF1",
        "加急",
    )
    # a time without an offset is the shop's local time
    assert order.shipped_at == dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    entry = AuditEntry.objects.get(action="order.update")
    assert (entry.from_state, entry.to_state, entry.reason) == ("paid", "shipped", "客户来电")
    assert entry.changes["waybill"] == ["", "SF1"]
    assert_error(api_as(agent).patch(f"/orders/{order.pk}", {"status": "lost"}), 422)


def test_who_may_do_what(api_as, agent, finance, warehouse, lead, tmall):
    order = make_order(shop=tmall, customer=make_customer())
    for user in (agent, finance, warehouse, lead):
        assert api_as(user).get("/orders").status_code == 200
        assert api_as(user).get(f"/orders/{order.pk}").status_code == 200
    for user in (finance, warehouse):
        assert_error(api_as(user).patch(f"/orders/{order.pk}", {"carrier": "x"}), 403)
    for user in (agent, finance, warehouse):
        assert_error(api_as(user).post("/orders", new_order(tmall.pk)), 403)
    anonymous = api_as(None)
    for path in ("/orders", f"/orders/{order.pk}", "/shops", f"/shops/{tmall.pk}"):
        assert_error(anonymous.get(path), 401)
    assert_error(anonymous.post("/orders", new_order(tmall.pk)), 401)
    assert not Order.objects.exclude(pk=order.pk).exists()


def test_ids_out_of_range_are_refused_not_crashed(api_as, agent):
    client = api_as(agent)
    assert_error(client.get(f"/orders/{2**63}"), 422)
    assert_error(client.get("/orders/0"), 422)
    assert_error(client.get(f"/shops/{2**64}"), 422)
    assert_error(client.get("/orders/12345"), 404)
