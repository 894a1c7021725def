"""Importing review files: all rows or none, every bad row reported, re-import idempotent."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from kefu.core.errors import DomainError
from kefu.reviews import services
from kefu.reviews.models import Review
from tests.factories import make_customer, make_order

HEADER = "订单号,评价ID,评分,评价内容,评价时间\n"


@pytest.fixture
def orders(shop):
    buyer = make_customer(name="김민지", language="ko")
    return [
        make_order(shop=shop, customer=buyer, external_id="TB2001"),
        make_order(shop=shop, customer=make_customer(), external_id="TB2002"),
    ]


def write(tmp_path, text: str, name="reviews.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_csv_imports_every_row_with_the_buyer_from_the_order(tmp_path, shop, agent, orders):
    path = write(
        tmp_path,
        HEADER + "TB2001,R-1,1,物流太慢了,2026-05-01 10:00\n" + "TB2002,R-2,3,一般般,2026-05-02\n",
    )
    report = services.import_reviews(actor=agent, shop=shop, path=path)
    assert (report.ok, report.created, report.existing) == (True, 2, 0)
    first = Review.objects.get(platform_review_id="R-1")
    assert first.customer == orders[0].customer and first.order == orders[0]
    assert first.status == "flagged" and first.rating == 1
    assert first.reviewed_at.isoformat() == "2026-05-01T02:00:00+00:00"  # shop time, UTC+8


def test_importing_the_same_file_again_creates_nothing(tmp_path, shop, agent, orders):
    path = write(tmp_path, HEADER + "TB2001,R-1,2,尺码偏小,2026-05-01\n")
    services.import_reviews(actor=agent, shop=shop, path=path)
    again = services.import_reviews(actor=agent, shop=shop, path=path)
    assert (again.created, again.existing) == (0, 1)
    assert Review.objects.count() == 1


def test_bad_rows_are_reported_by_line_and_nothing_is_half_imported(tmp_path, shop, agent, orders):
    path = write(
        tmp_path,
        HEADER
        + "TB2001,R-1,2,尺码偏小,2026-05-01\n"  # good
        + "TB9999,R-2,2,?,2026-05-01\n"  # unknown order
        + "TB2002,R-3,5,很好,2026-05-01\n"  # a positive review
        + "TB2002,R-4,two,差,2026-05-01\n"  # not a number
        + "TB2002,R-1,1,差,2026-05-01\n"  # repeats a review ID
        + "TB2002,R-6,1,差,someday\n"  # not a date
        + "TB2002,,1,差,2026-05-01\n",  # no review ID
    )
    report = services.import_reviews(actor=agent, shop=shop, path=path)
    assert not report.ok
    assert [e["line"] for e in report.errors] == [3, 4, 5, 6, 7, 8]
    reasons = {e["line"]: e["reason"] for e in report.errors}
    assert "TB9999" in reasons[3]
    assert "1 to 3" in reasons[4]
    assert "line 2" in reasons[6]
    assert "someday" in reasons[7]
    assert Review.objects.count() == 0


def test_an_xlsx_file_imports_like_a_csv(tmp_path, shop, agent, orders):
    book = Workbook()
    sheet = book.active
    sheet.append(["주문번호", "리뷰ID", "평점", "리뷰", "작성일"])
    sheet.append(["TB2001", "K-1", 2, "배송이 너무 늦어요", "2026-05-03 09:30"])
    sheet.append(["TB2002", "K-2", 1, "사이즈가 작아요", "2026-05-03"])
    path = tmp_path / "reviews.xlsx"
    book.save(path)
    report = services.import_reviews(actor=agent, shop=shop, path=path)
    assert (report.ok, report.created) == (True, 2)
    assert set(Review.objects.values_list("platform_review_id", flat=True)) == {"K-1", "K-2"}


def test_an_xlsx_with_a_bad_row_imports_nothing(tmp_path, shop, agent, orders):
    book = Workbook()
    sheet = book.active
    sheet.append(["order_number", "review_id", "rating", "text", "date"])
    sheet.append(["TB2001", "E-1", 2, "Too small", "2026-05-03"])
    sheet.append(["TB2001", "E-2", 9, "?", "2026-05-03"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "reviews.xlsx"
    path.write_bytes(buffer.getvalue())
    report = services.import_reviews(actor=agent, shop=shop, path=path)
    assert [e["line"] for e in report.errors] == [3]
    assert not Review.objects.exists()


def test_a_file_without_the_needed_columns_is_refused_with_their_names(tmp_path, shop, agent):
    path = write(tmp_path, "订单号,评分\nTB2001,2\n")
    with pytest.raises(DomainError) as exc:
        services.import_reviews(actor=agent, shop=shop, path=path)
    assert "platform_review_id" in exc.value.message and "reviewed_at" in exc.value.message


def test_an_empty_file_is_refused(tmp_path, shop, agent):
    with pytest.raises(DomainError):
        services.import_reviews(actor=agent, shop=shop, path=write(tmp_path, HEADER))


def test_the_same_review_id_in_another_shop_is_another_review(shop, agent, orders):
    from tests.factories import make_shop

    other = make_shop()
    make_order(shop=other, customer=orders[0].customer, external_id="TB2001")
    row = services.ReviewInput(
        order_number="TB2001", rating=2, platform_review_id="R-1", reviewed_at="2026-05-01"
    )
    a, created_a = services.record_review(actor=agent, shop=shop, row=row)
    b, created_b = services.record_review(actor=agent, shop=other, row=row)
    assert created_a and created_b and a.pk != b.pk
    again, created = services.record_review(actor=agent, shop=shop, row=row)
    assert again.pk == a.pk and not created
