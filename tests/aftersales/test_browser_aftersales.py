"""The warehouse desk and the refund queue in headless Chromium against `kefu serve` with
the demo: the waybill field has the cursor, a scan (typing + Enter) finds the case, the
return sheet is filled and sent, and finance confirms a refund."""

from __future__ import annotations

import pytest

from tests.browser_support import kefu_server, requires_chromium, sign_in, watch_for_problems

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kefu_server(tmp_path_factory, demo=True) as base:
        yield base


def test_the_warehouse_scans_and_inspects_and_finance_pays(server, browser, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "warehouse")
        page.goto(f"{server}/aftersales/warehouse/")
        assert page.evaluate("document.activeElement.id") == "waybill"
        first = page.locator("section[aria-labelledby=inspect-title] tbody tr td:nth-child(2)")
        waybill = first.first.inner_text().strip()
        assert waybill
        page.keyboard.type(waybill)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        form = page.locator("#found-title ~ article form").first
        form.locator("select[name=condition]").select_option("resellable")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        waiting = page.locator("section[aria-labelledby=inspect-title]").inner_text()
        assert waybill not in waiting  # inspected: it left the list
        page.screenshot(path=str(shots / "aftersales-warehouse.png"), full_page=True)
        sign_in(page, server, "finance")
        page.goto(f"{server}/aftersales/finance/")
        row = page.locator("tbody tr[id^=case-]").first
        row.locator("input[name=reference]").fill("ALIPAY-BROWSER-1")
        with page.expect_navigation():
            row.locator("button[type=submit]").click()
        assert "ALIPAY-BROWSER-1" in page.content()
        page.screenshot(path=str(shots / "aftersales-finance.png"), full_page=True)
        sign_in(page, server, "lead")
        page.goto(f"{server}/aftersales/?near=1")
        with page.expect_navigation():
            page.locator("tbody a.cell-main").first.click()
        assert page.locator("#actions-title").is_visible()
        page.screenshot(path=str(shots / "aftersales-case.png"), full_page=True)
        assert problems == []
    finally:
        context.close()
