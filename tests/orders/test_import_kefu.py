"""Importing kefu's own layout: rows, refused rows, re-imports, customers, money, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError

from kefu.core.models import AuditEntry
from kefu.customers.models import (
    Address,
    Customer,
    CustomerEmail,
    CustomerPhone,
    MarketplaceIdentity,
    Segment,
)
from kefu.customers.search import CUSTOMER_INDEX
from kefu.orders import services
from kefu.orders.models import ImportBatch, Order, OrderItem
from tests.factories import make_customer
from tests.orders.conftest import KEFU_HEADER, csv_bytes, kefu_rows, refused, xlsx_bytes

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_kefu_csv_creates_orders_items_and_customers(tmall, run_import):
    batch = run_import(tmall, "orders.csv", csv_bytes(kefu_rows()))

    assert batch.status == ImportBatch.Status.DONE
    assert batch.layout == "kefu"
    assert (batch.rows_total, batch.orders_total) == (4, 3)
    assert (batch.orders_created, batch.orders_updated, batch.rows_failed) == (3, 0, 0)
    assert batch.items_written == 4
    assert batch.customers_created == 2

    order = Order.objects.get(shop=tmall, external_id="1001")
    assert order.status == Order.Status.SHIPPED
    assert order.currency == "CNY"
    assert order.total_amount == Decimal("918.00")
    assert order.placed_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
    assert order.carrier == "顺丰" and order.waybill == "SF1234567890"
    assert order.buyer_id == "yun_xiaofang"
    items = list(
        order.items.order_by("id").values_list(
            "title", "sku", "size", "color", "quantity", "unit_price", "amount"
        )
    )
    assert items == [
        ("羊绒围巾", "SC-001-BK", "均码", "黑色", 2, Decimal("229.00"), Decimal("458.00")),
        ("轻薄羽绒服", "DJ-12-M", "M", "藏青色", 1, Decimal("460.00"), Decimal("460.00")),
    ]
    # Tmall confirms receipt 10 days after shipping unless the file says otherwise
    assert order.auto_confirm_at == order.shipped_at + dt.timedelta(days=10)


def test_the_same_phone_is_the_same_customer_and_new_buyers_are_created(
    tmall, run_import, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the segment job runs
        run_import(tmall, "orders.csv", csv_bytes(kefu_rows()))

    first, second, third = (Order.objects.get(external_id=n) for n in ("1001", "1002", "1003"))
    assert first.customer_id == second.customer_id  # 138 1234 5678 == +86 138-1234-5678
    assert third.customer_id != first.customer_id
    buyer = first.customer
    assert buyer.name == "王小芳"
    assert list(buyer.phones.values_list("normalized", flat=True)) == ["8613812345678"]
    assert list(buyer.emails.values_list("normalized", flat=True)) == ["xiaofang@example.com"]
    assert list(buyer.identities.values_list("shop__slug", "external_id")) == [
        ("tmall", "yun_xiaofang")
    ]
    assert Address.objects.get(customer=buyer).line == "浙江省杭州市西湖区文三路 90 号"
    # who bought is an existing customer; an unpaid order is not a purchase
    buyer.refresh_from_db()
    assert buyer.segment == Segment.EXISTING
    assert third.customer.segment == Segment.POTENTIAL
    # the new customers are in the customer search index
    from django.db import connection

    sql, params = CUSTOMER_INDEX.ids_sql(connection, "5678")
    with connection.cursor() as c:
        c.execute(sql, params)
        assert {row[0] for row in c.fetchall()} == {buyer.pk}


def test_customers_are_matched_by_marketplace_id_then_phone_then_email(tmall, run_import):
    by_id = make_customer(name="老顾客")
    MarketplaceIdentity.objects.create(customer=by_id, shop=tmall, external_id="nick_1")
    by_phone = make_customer(name="电话顾客")
    CustomerPhone.objects.create(
        customer=by_phone, number="13900002222", normalized="8613900002222"
    )
    by_email = make_customer(name="邮件顾客")
    CustomerEmail.objects.create(
        customer=by_email, email="A@Example.com", normalized="a@example.com"
    )
    header = [
        "order_number",
        "placed_at",
        "buyer_id",
        "customer_phone",
        "customer_email",
        "item_title",
        "unit_price",
    ]
    rows = [
        header,
        ["A1", "2026-03-01", "nick_1", "13900002222", "a@example.com", "围巾", "10"],
        ["A2", "2026-03-01", "", "139-0000-2222", "a@example.com", "围巾", "10"],
        ["A3", "2026-03-01", "", "", " a@EXAMPLE.com ", "围巾", "10"],
    ]
    batch = run_import(tmall, "m.csv", csv_bytes(rows))

    assert batch.customers_created == 0
    owners = dict(Order.objects.values_list("external_id", "customer_id"))
    assert owners == {"A1": by_id.pk, "A2": by_phone.pk, "A3": by_email.pk}


def test_a_different_marketplace_id_on_the_shop_is_another_buyer(tmall, run_import):
    """Two accounts on one shop sharing a phone stay two customers (the duplicate finder
    can propose merging them); an account new to a customer without one is attached."""
    header = ["order_number", "placed_at", "buyer_id", "customer_phone", "item_title", "unit_price"]
    rows = [
        header,
        ["B1", "2026-03-01", "mother", "13800001111", "围巾", "10"],
        ["B2", "2026-03-02", "daughter", "13800001111", "围巾", "10"],
        ["B3", "2026-03-03", "mother", "", "围巾", "10"],
    ]
    run_import(tmall, "ids.csv", csv_bytes(rows))
    owners = dict(Order.objects.values_list("external_id", "customer_id"))
    assert owners["B1"] == owners["B3"] != owners["B2"]

    phone_only = make_customer(name="只有电话")
    CustomerPhone.objects.create(
        customer=phone_only, number="13700007777", normalized="8613700007777"
    )
    run_import(
        tmall,
        "more.csv",
        csv_bytes([header, ["B4", "2026-03-04", "new_nick", "13700007777", "围巾", "10"]]),
    )
    assert Order.objects.get(external_id="B4").customer_id == phone_only.pk
    assert MarketplaceIdentity.objects.get(shop=tmall, external_id="new_nick").customer_id == (
        phone_only.pk
    )


def test_an_order_of_a_merged_customer_goes_to_the_survivor(tmall, run_import):
    survivor = make_customer(name="留下的")
    merged = make_customer(name="合并掉的", merged_into=survivor)
    CustomerPhone.objects.create(customer=merged, number="13811112222", normalized="8613811112222")
    header = ["order_number", "placed_at", "customer_phone", "item_title", "unit_price"]
    run_import(
        tmall, "x.csv", csv_bytes([header, ["M1", "2026-03-01", "13811112222", "帽子", "5"]])
    )
    assert Order.objects.get(external_id="M1").customer_id == survivor.pk


def test_bad_rows_are_refused_with_row_number_and_reason_good_rows_are_kept(tmall, run_import):
    header = [
        "order_number",
        "placed_at",
        "total",
        "currency",
        "status",
        "item_title",
        "quantity",
        "unit_price",
    ]
    rows = [
        header,  # row 1
        ["G1", "2026-03-01 10:00", "20.00", "CNY", "paid", "好的", "2", "10.00"],  # 2
        ["", "2026-03-01 10:00", "20.00", "CNY", "paid", "没有单号", "1", "10"],  # 3
        ["B1", "2026-03-01 10:00", "12,3x", "CNY", "paid", "金额错", "1", "10"],  # 4
        ["B2", "2026-03-01 10:00", "10", "USD", "paid", "币种错", "1", "10"],  # 5
        ["B3", "2026-03-01 10:00", "10", "CNY", "paid", "数量零", "0", "10"],  # 6
        ["B4", "2026-13-45 10:00", "10", "CNY", "paid", "日期错", "1", "10"],  # 7
        ["B5", "2026-03-01 10:00", "10", "CNY", "lost", "状态错", "1", "10"],  # 8
        ["B6", "2026-03-01 10:00", "10.005", "CNY", "paid", "分以下", "1", "10"],  # 9
        # an order whose second item is bad is refused whole
        ["B7", "2026-03-01 10:00", "30", "CNY", "paid", "第一件", "1", "10"],  # 10
        ["B7", "", "", "", "", "第二件", "2", "abc"],  # 11
        ["G2", "2026-03-02", "", "", "", "也好", "1", "5"],  # 12
    ]
    batch = run_import(tmall, "bad.csv", csv_bytes(rows))

    assert batch.status == ImportBatch.Status.DONE
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["G1", "G2"]
    reasons = refused(batch)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "order number is missing" in reasons[3]
    assert "'12,3x' is not an amount" in reasons[4]
    assert "USD is not the shop's currency CNY" in reasons[5]
    assert "quantity must be at least 1" in reasons[6]
    assert "'2026-13-45 10:00' is not a date" in reasons[7]
    assert "'lost' is not one of" in reasons[8]
    assert "more decimals than CNY allows" in reasons[9]
    assert "unit_price: 'abc' is not an amount" in reasons[11]
    assert "see row 11" in reasons[10]
    assert (batch.rows_failed, batch.orders_failed, batch.orders_created) == (9, 7, 2)
    # G2 has no total: the sum of its items
    assert Order.objects.get(external_id="G2").total_amount == Decimal("5.00")


def test_reimport_updates_and_never_duplicates(tmall, run_import):
    run_import(tmall, "orders.csv", csv_bytes(kefu_rows()))
    again = run_import(tmall, "orders.csv", csv_bytes(kefu_rows()))

    assert (again.orders_created, again.orders_updated, again.orders_unchanged) == (0, 0, 3)
    assert Order.objects.count() == 3
    assert OrderItem.objects.count() == 4
    assert Customer.objects.count() == 2

    # the marketplace moved 1003 on, and 1002 got one more item
    rows = kefu_rows()
    rows[4][2] = "paid"  # 1003
    rows[4][5] = "2026-03-06 08:10"
    rows.insert(4, ["1002", *[""] * 14, "杯套", "CUP-SLV", "CUP", "", "", "1", "15.00"])
    before = Order.objects.get(external_id="1002")
    changed = run_import(tmall, "orders.csv", csv_bytes(rows))

    assert (changed.orders_created, changed.orders_updated, changed.orders_unchanged) == (0, 2, 1)
    assert Order.objects.count() == 3
    assert Order.objects.get(external_id="1003").status == Order.Status.PAID
    after = Order.objects.get(external_id="1002")
    assert after.pk == before.pk
    assert list(after.items.values_list("title", flat=True).order_by("id")) == [
        "保温杯 500ml",
        "杯套",
    ]
    assert OrderItem.objects.count() == 5


def test_an_older_export_never_moves_an_order_back(tmall, run_import):
    run_import(tmall, "orders.csv", csv_bytes(kefu_rows()))
    order = Order.objects.get(external_id="1001")
    services.update_order(actor=None, order=order, changes={"status": "completed"})

    run_import(tmall, "orders.csv", csv_bytes(kefu_rows()))  # still says "shipped"
    assert Order.objects.get(external_id="1001").status == Order.Status.COMPLETED


def test_one_audit_entry_per_import(tmall, run_import, lead):
    batch = run_import(tmall, "orders.csv", csv_bytes(kefu_rows()), actor=lead)
    entries = AuditEntry.objects.filter(action="orders.import")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor == lead
    assert entry.object_id == str(batch.pk)
    assert entry.changes["orders_created"] == 3
    assert not AuditEntry.objects.filter(action__startswith="order.").exists()


def test_money_is_exact_whole_won_and_two_place_yuan(coupang, tmall, run_import):
    header = ["order_number", "placed_at", "item_title", "quantity", "unit_price", "shipping_fee"]
    won = run_import(
        coupang,
        "krw.csv",
        csv_bytes(
            [
                header,
                ["K1", "2026-03-01", "캐시미어 머플러", "3", "89,000", "3000"],
                ["K2", "2026-03-01", "휴대폰 케이스", "1", "12000.00", ""],
                ["K3", "2026-03-01", "반값", "1", "12000.5", ""],
            ]
        ),
    )
    assert refused(won) == {4: "unit_price: 12000.5 has more decimals than KRW allows (0)"}
    k1 = Order.objects.get(external_id="K1")
    assert (k1.currency, k1.total_amount, k1.shipping_fee) == ("KRW", Decimal("270000"), 3000)
    assert k1.items.get().amount == Decimal("267000")

    yuan = run_import(
        tmall,
        "cny.csv",
        csv_bytes([header, ["C1", "2026-03-01", "围巾", "3", "¥0.10", "0.20"]]),
    )
    assert yuan.rows_failed == 0
    c1 = Order.objects.get(external_id="C1")
    assert c1.items.get().amount == Decimal("0.30")  # never 0.30000000000000004
    assert c1.total_amount == Decimal("0.50")


def test_xlsx_in_kefu_layout(tmall, run_import):
    rows = kefu_rows()
    rows[1][11] = 13812345678  # a phone typed as a number
    rows[1][21] = 229  # a price typed as a number
    rows[1][1] = dt.datetime(2026, 3, 1, 10, 0)  # a real date cell
    batch = run_import(tmall, "orders.xlsx", xlsx_bytes({"Orders": rows}))

    assert (batch.layout, batch.orders_created, batch.rows_failed) == ("kefu", 3, 0)
    order = Order.objects.get(external_id="1001")
    assert order.placed_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
    assert order.customer.phones.get().normalized == "8613812345678"
    assert order.items.order_by("id").first().unit_price == Decimal("229.00")


def test_chunks_commit_on_their_own_and_a_refused_chunk_is_retried_order_by_order(
    tmall, run_import, monkeypatch
):
    header = ["order_number", "placed_at", "item_title", "unit_price"]
    rows = [header] + [[f"N{i}", "2026-03-01", "件", "1"] for i in range(1, 8)]
    original = services.OrderWriter.write

    def flaky(self, orders, **kw):  # the database refuses any write that includes N5
        if any(o.external_id == "N5" for o in orders):
            raise IntegrityError("simulated refusal")
        return original(self, orders, **kw)

    monkeypatch.setattr(services.OrderWriter, "write", flaky)
    batch = run_import(tmall, "chunks.csv", csv_bytes(rows), chunk_size=3)

    assert sorted(Order.objects.values_list("external_id", flat=True)) == [
        "N1",
        "N2",
        "N3",
        "N4",
        "N6",
        "N7",
    ]
    assert refused(batch) == {6: "could not be written: simulated refusal"}
    assert (batch.orders_created, batch.orders_failed) == (6, 1)
    # every order that was written has its item: nothing half-written
    assert OrderItem.objects.count() == 6


def test_a_file_that_is_no_known_layout_fails_the_batch(tmall, run_import):
    batch = run_import(tmall, "x.csv", csv_bytes([["foo", "bar"], ["1", "2"]]))
    assert batch.status == ImportBatch.Status.FAILED
    assert "match no layout" in batch.message
    assert Order.objects.count() == 0


def test_forcing_a_layout_the_file_does_not_have_says_what_is_missing(tmall, run_import):
    batch = run_import(tmall, "x.csv", csv_bytes([KEFU_HEADER[:3], ["1", "2026-01-01", "paid"]]))
    assert batch.status == ImportBatch.Status.FAILED
    batch = run_import(tmall, "x.csv", csv_bytes(kefu_rows()), layout="shopify")
    assert batch.status == ImportBatch.Status.FAILED
    assert "Shopify" in batch.message


def test_semicolon_and_tab_separated_files_are_read(tmall, run_import):
    tab = run_import(tmall, "t.tsv", csv_bytes(kefu_rows(), delimiter="\t"))
    assert tab.orders_created == 3
    semi = run_import(tmall, "s.csv", csv_bytes(kefu_rows(), delimiter=";"))
    assert semi.orders_unchanged == 3


def test_the_rows_of_an_order_must_be_together(tmall, run_import):
    """Orders are written as soon as their rows are complete; a row that comes back to an
    order already complete is refused, so no order is ever written in two halves."""
    header = ["order_number", "placed_at", "item_title", "unit_price"]
    rows = [
        header,
        ["T1", "2026-03-01", "a", "1"],  # row 2
        ["T2", "2026-03-01", "b", "1"],  # 3
        ["T1", "2026-03-01", "c", "1"],  # 4
    ]
    batch = run_import(tmall, "apart.csv", csv_bytes(rows))
    reason = "order T1 was already read (from row 2): the rows of an order must be together"
    assert refused(batch) == {4: reason}
    assert Order.objects.get(external_id="T1").items.count() == 1


def test_a_big_file_is_written_while_it_is_read(tmall, run_import):
    header = ["order_number", "placed_at", "item_title", "quantity", "unit_price"]
    rows = [header]
    for n in range(1, 2501):
        rows.append([f"BIG{n}", "2026-03-01 10:00", "围巾", "1", "10.00"])
        rows.append([f"BIG{n}", "", "手套", "2", "5.00"])
    progress = []
    batch = run_import(
        tmall,
        "big.csv",
        csv_bytes(rows),
        chunk_size=1000,
        progress=lambda stage, b: progress.append((stage, b.orders_done, b.rows_total)),
    )
    assert (batch.rows_total, batch.orders_total, batch.orders_created) == (5000, 2500, 2500)
    assert batch.rows_expected == 5000
    assert progress[0] == ("started", 0, 0)
    # chunks are written as the file is read: 1000 orders, 2000, then the rest
    assert [(stage, done) for stage, done, _ in progress[1:]] == [
        ("chunk", 1000),
        ("chunk", 2000),
        ("chunk", 2500),
    ]
    assert progress[1][2] < 5000  # the first chunk was written before the file was read
    assert OrderItem.objects.count() == 5000
    assert Order.objects.get(external_id="BIG2500").total_amount == Decimal("20.00")
