"""POST /api/v1/shops/{id}/webhooks/orders: Shopify order JSON, signed with the shop's secret."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.test import Client

from kefu.core.models import AuditEntry
from kefu.customers.models import Customer, MarketplaceIdentity
from kefu.orders.models import Order, OrderItem, WebhookDelivery
from tests.conftest import assert_error
from tests.orders.conftest import SECRET

pytestmark = pytest.mark.django_db

ORDER = {
    "id": 5012345678901,
    "name": "#1001",
    "order_number": 1001,
    "email": "emily.carter@example.com",
    "phone": None,
    "created_at": "2026-03-01T09:14:40-08:00",
    "updated_at": "2026-03-01T09:15:10-08:00",
    "processed_at": "2026-03-01T09:14:41-08:00",
    "currency": "USD",
    "total_price": "113.00",
    "subtotal_price": "118.00",
    "total_discounts": "10.00",
    "total_shipping_price_set": {"shop_money": {"amount": "5.00", "currency_code": "USD"}},
    "financial_status": "paid",
    "fulfillment_status": None,
    "note": "Gift wrap, please",
    "line_items": [
        {
            "sku": "SC-001-BK-M",
            "title": "Cashmere Scarf",
            "variant_title": "Black / M",
            "quantity": 2,
            "price": "39.00",
        },
        {
            "sku": "MUG-1",
            "title": "Travel Mug",
            "variant_title": None,
            "quantity": 1,
            "price": "40.00",
        },
    ],
    "customer": {
        "id": 7001,
        "first_name": "Emily",
        "last_name": "Carter",
        "email": "emily.carter@example.com",
        "phone": "+14155550134",
    },
    "shipping_address": {
        "name": "Emily Carter",
        "address1": "500 Market St",
        "city": "San Francisco",
        "province": "California",
        "zip": "94105",
        "country": "United States",
        "country_code": "US",
        "phone": "+1 415-555-0134",
    },
    "fulfillments": [],
}


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def deliver(shop, payload, *, signature=None, delivery="d-1", topic="orders/create", raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"X-Shopify-Topic": topic}
    if delivery:
        headers["X-Shopify-Webhook-Id"] = delivery
    if signature is not False:
        headers["X-Shopify-Hmac-Sha256"] = sign(body) if signature is None else signature
    return Client().post(
        f"/api/v1/shops/{shop.pk}/webhooks/orders",
        body,
        content_type="application/json",
        headers=headers,
    )


def test_a_signed_order_is_stored_with_items_and_customer(shopify):
    response = deliver(shopify, ORDER)

    assert response.status_code == 200, response.content
    order = Order.objects.get(shop=shopify, external_id="#1001")
    assert response.json() == {"result": "stored", "order": order.pk}
    assert order.status == Order.Status.PAID
    assert (order.total_amount, order.shipping_fee, order.discount_amount) == (
        Decimal("113.00"),
        Decimal("5.00"),
        Decimal("10.00"),
    )
    assert order.buyer_id == "7001"
    items = list(order.items.order_by("id").values_list("title", "color", "size", "amount"))
    assert items == [
        ("Cashmere Scarf", "Black", "M", Decimal("78.00")),
        ("Travel Mug", "", "", Decimal("40.00")),
    ]
    customer = order.customer
    assert customer.name == "Emily Carter"
    assert MarketplaceIdentity.objects.get(customer=customer, shop=shopify).external_id == "7001"
    assert WebhookDelivery.objects.get(shop=shopify, delivery_id="d-1").order == order
    entry = AuditEntry.objects.get(action="order.create")
    assert entry.object_id == str(order.pk)
    assert "Shopify webhook" in entry.reason


@pytest.mark.parametrize(
    "signature",
    [False, "", "bm90IGEgc2lnbmF0dXJl", sign(b"another body"), sign(b"x", secret="other")],
    ids=["missing", "empty", "garbage", "other-body", "other-secret"],
)
def test_a_wrong_or_missing_signature_is_401_and_stores_nothing(shopify, signature):
    response = deliver(shopify, ORDER, signature=signature)
    assert_error(response, 401)
    assert not Order.objects.exists()
    assert not Customer.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_the_signature_is_over_the_exact_bytes(shopify):
    body = json.dumps(ORDER).encode()
    tampered = body.replace(b'"113.00"', b'"1.00"')
    response = deliver(shopify, None, raw=tampered, signature=sign(body))
    assert_error(response, 401)
    assert not Order.objects.exists()


def test_a_replayed_delivery_changes_nothing(shopify):
    assert deliver(shopify, ORDER).status_code == 200
    first = Order.objects.get()
    again = deliver(shopify, ORDER)
    assert again.status_code == 200
    assert again.json() == {"result": "duplicate", "order": first.pk}
    assert Order.objects.count() == 1
    assert OrderItem.objects.count() == 2
    assert Customer.objects.count() == 1
    assert AuditEntry.objects.filter(action__startswith="order.").count() == 1
    # the same order body again under a new delivery id is harmless too
    third = deliver(shopify, ORDER, delivery="d-2")
    assert third.json()["result"] == "stored"
    assert Order.objects.count() == 1 and OrderItem.objects.count() == 2
    assert AuditEntry.objects.filter(action__startswith="order.").count() == 1


def test_an_update_moves_the_order_on_and_an_older_one_is_ignored(shopify):
    deliver(shopify, ORDER)
    shipped = copy.deepcopy(ORDER)
    shipped.update(
        updated_at="2026-03-02T11:00:05-08:00",
        fulfillment_status="fulfilled",
        fulfillments=[
            {
                "tracking_number": "1Z999AA10123456784",
                "tracking_company": "UPS",
                "created_at": "2026-03-02T11:00:00-08:00",
                "shipment_status": None,
            }
        ],
    )
    assert deliver(shopify, shipped, delivery="d-2", topic="orders/fulfilled").status_code == 200
    order = Order.objects.get()
    assert order.status == Order.Status.SHIPPED
    assert (order.carrier, order.waybill) == ("UPS", "1Z999AA10123456784")
    update = AuditEntry.objects.get(action="order.update")
    assert (update.from_state, update.to_state) == ("paid", "shipped")
    assert update.changes["waybill"] == ["", "1Z999AA10123456784"]

    stale = copy.deepcopy(ORDER)  # the orders/create body arriving late, under a new id
    stale["note"] = "stale"
    assert deliver(shopify, stale, delivery="d-3").status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.buyer_note == "Gift wrap, please"


def test_unknown_shop_and_shop_without_secret(shopify, tmall):
    response = Client().post(
        "/api/v1/shops/999999/webhooks/orders",
        json.dumps(ORDER),
        content_type="application/json",
        headers={"X-Shopify-Hmac-Sha256": sign(json.dumps(ORDER).encode())},
    )
    assert_error(response, 404)
    assert_error(deliver(tmall, ORDER), 401, "bad_signature")  # tmall has no secret
    assert not Order.objects.exists()


def test_a_signed_body_that_is_not_an_order_is_422(shopify):
    assert_error(deliver(shopify, None, raw=b"not json"), 422)
    assert_error(deliver(shopify, {"line_items": "nope"}), 422)
    no_items = dict(ORDER, line_items=[])
    assert_error(deliver(shopify, no_items), 422)
    other_currency = dict(ORDER, currency="EUR")
    error = assert_error(deliver(shopify, other_currency), 422)
    assert "EUR" in error["message"]
    assert not Order.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_topics_other_than_orders_are_acknowledged_and_ignored(shopify):
    response = deliver(shopify, {"id": 1}, topic="products/update")
    assert response.status_code == 200
    assert response.json() == {"result": "ignored", "order": None}
    assert not Order.objects.exists()


def test_the_webhook_needs_no_token_and_ignores_one(shopify, api_as, agent):
    client = api_as(agent)
    body = json.dumps(ORDER).encode()
    response = client.client.post(
        f"/api/v1/shops/{shopify.pk}/webhooks/orders",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}", "X-Shopify-Hmac-Sha256": "bad"},
    )
    assert_error(response, 401)


def test_the_webhook_is_in_the_openapi_document_without_bearer_auth(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/shops/{shop_id}/webhooks/orders"]["post"]
    assert "security" not in operation or operation["security"] in ([], [{}])
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "line_items" in body["properties"]
    assert "$defs" not in json.dumps(body)
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"X-Shopify-Hmac-Sha256", "X-Shopify-Webhook-Id"} <= headers
