"""Shopify's "Export orders" CSV: one row per line item, order columns on the first row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kefu.orders.models import Order
from tests.orders.conftest import csv_bytes, refused, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Phone",
]


def row(**values) -> list[str]:
    return [values.get(h, "") for h in HEADER]


def first(name, **kw):
    base = {
        "Name": name,
        "Email": "emily.carter@example.com",
        "Financial Status": "paid",
        "Paid at": "2026-03-01 09:15:02 -0800",
        "Fulfillment Status": "fulfilled",
        "Fulfilled at": "2026-03-02 11:00:00 -0800",
        "Currency": "USD",
        "Subtotal": "118.00",
        "Shipping": "5.00",
        "Taxes": "0.00",
        "Total": "113.00",
        "Discount Code": "SPRING10",
        "Discount Amount": "10.00",
        "Created at": "2026-03-01 09:14:40 -0800",
        "Billing Name": "Emily Carter",
        "Billing Phone": "+1 415-555-0134",
        "Shipping Name": "Emily Carter",
        "Shipping Address1": "500 Market St",
        "Shipping City": "San Francisco",
        "Shipping Zip": "94105",
        "Shipping Province": "CA",
        "Shipping Country": "US",
        "Shipping Phone": "+1 415-555-0134",
        "Notes": "Gift wrap, please",
        "Id": "5012345678901",
    }
    base.update(kw)
    return base


def item(name, **kw):
    return {"Name": name, "Email": "emily.carter@example.com", **kw}


def export(*rows) -> bytes:
    return csv_bytes([HEADER, *[row(**r) for r in rows]])


def test_a_shopify_export_with_several_line_items(shopify, run_import):
    data = export(
        first(
            "#1001",
            **{
                "Lineitem quantity": "2",
                "Lineitem name": "Cashmere Scarf - Black / M",
                "Lineitem price": "39.00",
                "Lineitem sku": "SC-001-BK-M",
            },
        ),
        item(
            "#1001",
            **{
                "Lineitem quantity": "1",
                "Lineitem name": "Travel Mug",
                "Lineitem price": "40.00",
                "Lineitem sku": "MUG-1",
            },
        ),
        first(
            "#1002",
            **{
                "Financial Status": "pending",
                "Paid at": "",
                "Fulfillment Status": "unfulfilled",
                "Fulfilled at": "",
                "Total": "25.00",
                "Discount Amount": "0",
                "Shipping": "0",
                "Email": "li.lei@example.com",
                "Billing Name": "Li Lei",
                "Billing Phone": "",
                "Shipping Phone": "",
                "Phone": "",
                "Lineitem quantity": "1",
                "Lineitem name": "Phone Case",
                "Lineitem price": "25.00",
                "Lineitem sku": "",
            },
        ),
    )
    batch = run_import(shopify, "orders_export_1.csv", data)

    assert (batch.layout, batch.orders_created, batch.rows_failed) == ("shopify", 2, 0)
    order = Order.objects.get(external_id="#1001")
    assert order.status == Order.Status.SHIPPED
    assert (order.total_amount, order.shipping_fee, order.discount_amount, order.paid_amount) == (
        Decimal("113.00"),
        Decimal("5.00"),
        Decimal("10.00"),
        Decimal("113.00"),
    )
    assert order.placed_at == dt.datetime(2026, 3, 1, 17, 14, 40, tzinfo=dt.UTC)
    assert order.shipped_at == dt.datetime(2026, 3, 2, 19, 0, tzinfo=dt.UTC)
    assert order.auto_confirm_at is None  # no auto-confirm on Shopify
    assert order.buyer_note == "Gift wrap, please"
    assert order.shipping_address == "500 Market St, San Francisco, CA 94105, US"
    items = list(order.items.order_by("id").values_list("title", "sku", "color", "size", "amount"))
    assert items == [
        ("Cashmere Scarf - Black / M", "SC-001-BK-M", "Black", "M", Decimal("78.00")),
        ("Travel Mug", "MUG-1", "", "", Decimal("40.00")),
    ]
    assert order.customer.name == "Emily Carter"
    assert order.customer.emails.get().normalized == "emily.carter@example.com"
    assert order.customer.phones.get().normalized == "14155550134"
    address = order.customer.addresses.get()
    assert (address.country, address.city, address.postcode) == ("US", "San Francisco", "94105")

    pending = Order.objects.get(external_id="#1002")
    assert (pending.status, pending.paid_amount) == (Order.Status.UNPAID, Decimal("0.00"))
    assert pending.customer_id != order.customer_id


def test_shopify_statuses(shopify, run_import):
    data = export(
        first(
            "#1", **{"Financial Status": "refunded", "Lineitem name": "A", "Lineitem price": "1"}
        ),
        first(
            "#2",
            **{
                "Cancelled at": "2026-03-03 10:00:00 -0800",
                "Financial Status": "voided",
                "Lineitem name": "A",
                "Lineitem price": "1",
            },
        ),
        first(
            "#3",
            **{"Fulfillment Status": "unfulfilled", "Lineitem name": "A", "Lineitem price": "1"},
        ),
        first(
            "#4", **{"Financial Status": "authorized", "Lineitem name": "A", "Lineitem price": "1"}
        ),
    )
    run_import(shopify, "s.csv", data)
    assert dict(Order.objects.values_list("external_id", "status")) == {
        "#1": "refunded",
        "#2": "cancelled",
        "#3": "paid",
        "#4": "unpaid",
    }


def test_another_currency_or_a_bad_price_is_refused_with_the_row(shopify, run_import):
    data = export(
        first("#10", **{"Lineitem name": "A", "Lineitem price": "10"}),  # row 2
        first("#11", **{"Currency": "EUR", "Lineitem name": "A", "Lineitem price": "10"}),  # 3
        first("#12", **{"Lineitem name": "A", "Lineitem price": "10"}),  # 4
        item("#12", **{"Lineitem name": "B", "Lineitem price": "9.999"}),  # 5
        first(
            "#13", **{"Lineitem name": "A", "Lineitem price": "10", "Lineitem quantity": "1.5"}
        ),  # 6
    )
    batch = run_import(shopify, "bad.csv", data)
    reasons = refused(batch)
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "EUR is not the shop's currency USD" in reasons[3]
    assert "see row 5" in reasons[4]
    assert "more decimals than USD allows" in reasons[5]
    assert "not a whole number" in reasons[6]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["#10"]


def test_reimporting_a_shopify_export_updates_it(shopify, run_import):
    one = first(
        "#20",
        **{
            "Fulfillment Status": "unfulfilled",
            "Fulfilled at": "",
            "Lineitem name": "A",
            "Lineitem price": "113",
        },
    )
    run_import(shopify, "a.csv", export(one))
    assert Order.objects.get().status == Order.Status.PAID
    one.update({"Fulfillment Status": "fulfilled", "Fulfilled at": "2026-03-04 08:00:00 -0800"})
    batch = run_import(shopify, "a.csv", export(one))
    assert (batch.orders_created, batch.orders_updated) == (0, 1)
    order = Order.objects.get()
    assert order.status == Order.Status.SHIPPED
    assert order.shipped_at == dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)


def test_a_shopify_export_saved_as_xlsx(shopify, run_import):
    rows = [
        HEADER,
        row(
            **first(
                "#30", **{"Lineitem name": "A", "Lineitem price": "113", "Lineitem quantity": "1"}
            )
        ),
    ]
    rows[1][HEADER.index("Lineitem quantity")] = 1
    rows[1][HEADER.index("Total")] = 113.0
    batch = run_import(shopify, "orders.xlsx", xlsx_bytes({"orders_export": rows}))
    assert (batch.layout, batch.orders_created, batch.rows_failed) == ("shopify", 1, 0)
    assert Order.objects.get().total_amount == Decimal("113.00")
