"""A lead imports a shop's export in the browser, reads the result and opens the orders.

Runs against `kefu serve` (gunicorn) with the demo shop loaded. Screenshots go to
$KEFU_SCREENSHOTS when set.
"""

from __future__ import annotations

import pytest

from tests.browser_support import kefu_server, requires_chromium, sign_in, watch_for_problems
from tests.orders.conftest import csv_bytes, kefu_rows

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kefu_server(tmp_path_factory, demo=True) as base:
        yield base


def test_a_lead_imports_orders_and_opens_one(server, browser, shots, tmp_path):
    rows = kefu_rows()
    rows.append(
        ["BR-9", "2026-03-07", "paid", "abc", *[""] * 11, "围巾", "", "", "", "", "1", "10"]
    )
    export = tmp_path / "tmall-orders.csv"
    export.write_bytes(csv_bytes(rows))

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "lead")
        page.click("nav.primary-nav a:has-text('订单'), nav.primary-nav a:has-text('Orders')")
        page.wait_for_url(f"{server}/orders/")
        page.click("a.btn-primary[href='/orders/import/']")
        page.wait_for_url(f"{server}/orders/import/")
        page.select_option("#id_shop", label="云裳官方旗舰店")
        page.set_input_files("#id_file", str(export))
        page.screenshot(path=str(shots / "orders-import-form.png"), full_page=True)
        with page.expect_navigation():
            page.click("form.upload-form button[type=submit]")
        assert "/orders/imports/" in page.url
        page.wait_for_selector("#import-status[data-status=done]")
        assert page.locator("[data-count=created]").inner_text() == "3"
        assert page.locator("[data-count=refused]").inner_text() == "1"
        assert "abc" in page.locator(".refused-table").inner_text()
        page.screenshot(path=str(shots / "orders-import-result.png"), full_page=True)

        page.click("a.btn:has-text('订单'), a.btn[href*='/orders/?shop=']")
        page.fill("#order-q", "1001")
        page.wait_for_selector(".order-table a.order-link:text-is('1001')")
        assert page.locator(".order-table tbody tr").count() == 1
        page.screenshot(path=str(shots / "orders-list.png"), full_page=True)

        page.click(".order-table a.order-link:text-is('1001')")
        page.wait_for_selector("h1")
        assert "1001" in page.locator("h1").inner_text()
        items = page.locator(".item-table tbody tr")
        assert items.count() == 2
        assert "¥918.00" in page.locator(".order-total").inner_text()
        page.screenshot(path=str(shots / "orders-detail.png"), full_page=True)
        assert not problems, problems
    finally:
        context.close()


def test_the_order_pages_fit_a_phone(server, browser, shots):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "agent")
        page.goto(f"{server}/orders/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "orders-list-phone.png"))
        page.locator(".order-table a.order-link").first.click()
        page.wait_for_selector(".item-table")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "orders-detail-phone.png"), full_page=True)
        assert not problems, problems
    finally:
        context.close()
