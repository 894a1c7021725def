"""Taobao / Tmall seller exports: Chinese headers, GBK files, Excel guards, two sheets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kefu.customers.models import MarketplaceIdentity
from kefu.orders.models import ImportBatch, Order
from tests.orders.conftest import csv_bytes, refused, xlsx_bytes

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

ORDER_HEADER = [
    "订单编号",
    "买家会员名",
    "买家应付货款",
    "买家应付邮费",
    "总金额",
    "买家实际支付金额",
    "订单状态",
    "买家留言",
    "收货人姓名",
    "收货地址",
    "运送方式",
    "联系手机",
    "订单创建时间",
    "订单付款时间",
    "宝贝标题",
    "宝贝种类",
    "物流单号",
    "物流公司",
    "订单备注",
    "宝贝总数量",
]
ITEM_COLUMNS = ["标题", "价格", "购买数量", "外部系统编号", "商品属性", "商家编码"]


def order_row(number, status="卖家已发货，等待买家确认", **kw):
    values = {
        "订单编号": f'="{number}"',  # Excel guard on a 19-digit number
        "买家会员名": "tb_小芳2023",
        "买家应付货款": "398.00",
        "买家应付邮费": "0.00",
        "总金额": "398.00",
        "买家实际支付金额": "398.00",
        "订单状态": status,
        "买家留言": "请发顺丰",
        "收货人姓名": "王小芳",
        "收货地址": "浙江省 杭州市 西湖区 文三路90号(310012)",
        "运送方式": "快递 包邮",
        "联系手机": "\t13812345678",  # tab guard
        "订单创建时间": "2026-03-01 10:00:00",
        "订单付款时间": "2026-03-01 10:01:30",
        "宝贝标题": "羊绒围巾",
        "宝贝种类": "1",
        "物流单号": "No:SF1234567890",
        "物流公司": "顺丰速运",
        "订单备注": "",
        "宝贝总数量": "2",
    }
    values.update(kw)
    return [values[h] for h in ORDER_HEADER]


def combined(rows):
    """The order columns and the item columns on one row per item."""
    return [ORDER_HEADER + ITEM_COLUMNS, *rows]


def test_a_gbk_csv_with_one_row_per_item_and_excel_guards(tmall, run_import):
    number = "3512345678901234567"
    rows = combined(
        [
            [
                *order_row(number),
                "羊绒围巾 秋冬",
                "199.00",
                "1",
                "SC-001",
                "颜色分类：黑色;尺码：均码",
                "SC-001-BK",
            ],
            [
                *order_row(number),
                "羊绒围巾 秋冬",
                "199.00",
                "1",
                "SC-001",
                "颜色分类：驼色;尺码：均码",
                "SC-001-CA",
            ],
        ]
    )
    batch = run_import(tmall, "ExportOrderList.csv", csv_bytes(rows, encoding="gbk"))

    assert (batch.status, batch.layout, batch.rows_failed) == ("done", "taobao", 0)
    order = Order.objects.get(shop=tmall)
    assert order.external_id == number  # every digit, no ="…"
    assert order.status == Order.Status.SHIPPED
    assert order.placed_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
    assert order.paid_at == dt.datetime(2026, 3, 1, 10, 1, 30, tzinfo=SHANGHAI)
    assert (order.total_amount, order.paid_amount, order.shipping_fee) == (
        Decimal("398.00"),
        Decimal("398.00"),
        Decimal("0.00"),
    )
    assert order.free_shipping_promo is True
    assert order.carrier == "顺丰速运"
    assert order.buyer_note == "请发顺丰"
    assert order.recipient_phone == "13812345678"
    items = list(order.items.order_by("id").values_list("sku", "style_no", "color", "size"))
    assert items == [
        ("SC-001-BK", "SC-001", "黑色", "均码"),
        ("SC-001-CA", "SC-001", "驼色", "均码"),
    ]
    customer = order.customer
    assert customer.name == "王小芳"
    assert customer.phones.get().normalized == "8613812345678"
    assert MarketplaceIdentity.objects.get(customer=customer).external_id == "tb_小芳2023"


def test_statuses_of_the_marketplace_map_to_kefus(tmall, run_import):
    cases = {
        "1001": ("等待买家付款", Order.Status.UNPAID),
        "1002": ("买家已付款，等待卖家发货", Order.Status.PAID),
        "1003": ("卖家已发货，等待买家确认", Order.Status.SHIPPED),
        "1004": ("交易成功", Order.Status.COMPLETED),
        "1005": ("交易关闭", Order.Status.REFUNDED),  # closed after payment: refunded
    }
    rows = [
        [*order_row(n, status=s), "帽子", "398.00", "1", "", "", ""] for n, (s, _) in cases.items()
    ]
    rows.append(
        [
            *order_row("1006", status="交易关闭", 订单付款时间="", 买家实际支付金额="0"),
            "帽子",
            "398.00",
            "1",
            "",
            "",
            "",
        ]
    )
    batch = run_import(tmall, "s.csv", csv_bytes(combined(rows)))
    assert batch.rows_failed == 0
    got = dict(Order.objects.values_list("external_id", "status"))
    assert got == {n: want for n, (_, want) in cases.items()} | {"1006": Order.Status.CANCELLED}
    assert Order.objects.get(external_id="1001").paid_amount == Decimal("398.00")


def test_masked_phones_match_nobody(tmall, run_import):
    rows = [
        [
            *order_row("2001", 联系手机="138****5678", 买家会员名="buyer_a"),
            "帽子",
            "398",
            "1",
            "",
            "",
            "",
        ],
        [
            *order_row("2002", 联系手机="138****5678", 买家会员名="buyer_b"),
            "帽子",
            "398",
            "1",
            "",
            "",
            "",
        ],
    ]
    run_import(tmall, "m.csv", csv_bytes(combined(rows)))
    a, b = (Order.objects.get(external_id=n) for n in ("2001", "2002"))
    assert a.customer_id != b.customer_id
    assert not a.customer.phones.exists()
    assert a.recipient_phone == "138****5678"


def test_bad_taobao_rows_are_refused_with_their_row(tmall, run_import):
    rows = combined(
        [
            [*order_row("3001"), "帽子", "398", "1", "", "", ""],  # row 2
            [*order_row("3002", 订单创建时间="昨天"), "帽子", "398", "1", "", "", ""],  # 3
            [*order_row("3003", 订单状态="外星状态"), "帽子", "398", "1", "", "", ""],  # 4
            [*order_row("3004"), "帽子", "-5", "1", "", "", ""],  # 5
        ]
    )
    batch = run_import(tmall, "b.csv", csv_bytes(rows, encoding="gb18030"))
    reasons = refused(batch)
    assert sorted(reasons) == [3, 4, 5]
    assert "订单创建时间: '昨天' is not a date" in reasons[3]
    assert "not a known order status" in reasons[4]
    assert "价格: -5 is negative" in reasons[5]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["3001"]


def test_the_order_report_alone_gives_one_summary_item(tmall, run_import):
    rows = [
        ORDER_HEADER,
        order_row(
            "4001", 宝贝标题="羊绒围巾，保温杯", 宝贝总数量="3", 总金额="310.00", 买家应付邮费="10"
        ),
    ]
    batch = run_import(tmall, "orders-only.csv", csv_bytes(rows))
    assert batch.rows_failed == 0
    item = Order.objects.get(external_id="4001").items.get()
    assert (item.title, item.quantity, item.amount, item.unit_price) == (
        "羊绒围巾，保温杯",
        3,
        Decimal("300.00"),
        Decimal("100.00"),
    )


def test_a_workbook_with_the_order_sheet_and_the_item_sheet(tmall, run_import):
    item_sheet = [
        [
            "订单编号",
            "标题",
            "价格",
            "购买数量",
            "外部系统编号",
            "商品属性",
            "套餐信息",
            "备注",
            "订单状态",
            "商家编码",
        ],
        [
            "5001",
            "羊绒围巾",
            199,
            2,
            "SC-001",
            "颜色分类：黑色;尺码：均码",
            "",
            "",
            "交易成功",
            "SC-001-BK",
        ],
        ["5002", "保温杯", "129.00", 1, "CUP", "颜色分类：白色", "", "", "交易成功", "CUP-W"],
        ["5002", "杯套", "x", 1, "CUP", "", "", "", "交易成功", "CUP-S"],
        ["9999", "孤儿", "1", 1, "", "", "", "", "", ""],
    ]
    orders = [
        ORDER_HEADER,
        # no ="…" guards in a workbook: a cell starting with = is a formula there
        order_row("5001", 订单编号="5001", 订单状态="交易成功"),
        order_row("5002", 订单编号="5002", 订单状态="交易成功", 总金额="144.00"),
    ]
    batch = run_import(
        tmall, "export.xlsx", xlsx_bytes({"订单报表": orders, "宝贝报表": item_sheet})
    )

    assert batch.layout == "taobao"
    assert batch.rows_total == 6
    order = Order.objects.get(external_id="5001")
    assert order.status == Order.Status.COMPLETED
    item = order.items.get()
    assert (item.sku, item.style_no, item.quantity, item.amount, item.color) == (
        "SC-001-BK",
        "SC-001",
        2,
        Decimal("398.00"),
        "黑色",
    )
    reasons = refused(batch)
    assert not Order.objects.filter(external_id="5002").exists()  # its 杯套 row is bad
    assert any("宝贝报表 row 4" in r and "价格" in r for r in reasons.values())
    assert any("9999 is not on the order sheet" in r for r in reasons.values())


def test_an_order_number_excel_made_a_number_is_refused_not_guessed(tmall, run_import):
    rows = [ORDER_HEADER, order_row("x")]
    rows[1][0] = 3512345678901234567  # Excel keeps 15 significant digits of this
    rows.append(order_row("6001", 订单编号="6001"))
    batch = run_import(tmall, "lossy.xlsx", xlsx_bytes({"Sheet1": rows}))
    assert "lost digits" in refused(batch)[2]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["6001"]


def test_a_file_that_is_neither_utf8_nor_gbk_is_refused_as_a_whole(tmall, run_import):
    batch = run_import(tmall, "bin.csv", b"\x81\x30" * 3 + b"\xff\xfe\xfd\x00" * 50)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.message
