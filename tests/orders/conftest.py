"""Fixtures of the order tests: shops of three currencies and export files as shops make them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from kefu.core.models import Shop
from kefu.orders import services
from kefu.orders.models import ImportBatch

SECRET = "shpss_0123456789abcdef"


@pytest.fixture
def tmall(db) -> Shop:
    return Shop.objects.create(
        slug="tmall", name="云裳官方旗舰店", platform="tmall", store_type="mall", currency="CNY"
    )


@pytest.fixture
def coupang(db) -> Shop:
    return Shop.objects.create(
        slug="coupang",
        name="윤샹 공식스토어",
        platform="coupang",
        currency="KRW",
        time_zone="Asia/Seoul",
        language="ko",
    )


@pytest.fixture
def shopify(db) -> Shop:
    return Shop.objects.create(
        slug="shopify",
        name="Yunshang Studio",
        platform="shopify",
        currency="USD",
        time_zone="America/Los_Angeles",
        language="en",
        webhook_secret=SECRET,
    )


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, bytes) → path of a file in the test's temp dir."""

    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def run_import(write_file):
    """run_import(shop, name, bytes, layout="auto", **kw) → the finished ImportBatch."""

    def run(shop: Shop, name: str, data: bytes, layout: str = "auto", **kw) -> ImportBatch:
        path = write_file(name, data)
        return services.import_file(shop=shop, path=path, layout=layout, **kw)

    return run


def refused(batch: ImportBatch) -> dict[int, str]:
    """{row: reason} of a batch's refused rows."""
    return {e["line"]: e["reason"] for e in batch.errors}


# kefu's own layout: a small, realistic file (header is row 1)
KEFU_HEADER = [
    "order_number",
    "placed_at",
    "status",
    "total",
    "shipping_fee",
    "paid_at",
    "shipped_at",
    "carrier",
    "waybill",
    "buyer_id",
    "customer_name",
    "customer_phone",
    "customer_email",
    "recipient_name",
    "shipping_address",
    "item_title",
    "sku",
    "style_no",
    "size",
    "color",
    "quantity",
    "unit_price",
]


def kefu_rows() -> list[list]:
    return [
        KEFU_HEADER,
        # 1001: two items, order columns on the first row only
        [
            "1001",
            "2026-03-01 10:00",
            "shipped",
            "918.00",
            "0",
            "2026-03-01 10:05",
            "2026-03-02 09:00",
            "顺丰",
            "SF1234567890",
            "yun_xiaofang",
            "王小芳",
            "138 1234 5678",
            "xiaofang@example.com",
            "王小芳",
            "浙江省杭州市西湖区文三路 90 号",
            "羊绒围巾",
            "SC-001-BK",
            "SC-001",
            "均码",
            "黑色",
            "2",
            "229.00",
        ],
        ["1001", *[""] * 14, "轻薄羽绒服", "DJ-12-M", "DJ-12", "M", "藏青色", "1", "460.00"],
        # 1002: same buyer by phone, written another way
        [
            "1002",
            "2026-03-05 20:30",
            "paid",
            "129.00",
            "",
            "2026-03-05 20:31",
            "",
            "",
            "",
            "",
            "王小芳",
            "+86 138-1234-5678",
            "",
            "",
            "",
            "保温杯 500ml",
            "CUP-500",
            "CUP",
            "",
            "白色",
            "1",
            "129.00",
        ],
        # 1003: a new buyer found by nothing → created
        [
            "1003",
            "2026-03-06 08:00",
            "unpaid",
            "39.90",
            "",
            "",
            "",
            "",
            "",
            "",
            "李雷",
            "139 0000 1111",
            "",
            "",
            "",
            "手机壳",
            "",
            "",
            "",
            "",
            "1",
            "39.90",
        ],
    ]
