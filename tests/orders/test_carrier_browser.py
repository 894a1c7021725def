"""The carrier screens in headless Chromium with the demo shop: a lead reads the claims,
opens one, downloads its report, files the damage register and the tracking log; on a phone
the tables stack. Screenshots go to $KEFU_SCREENSHOTS when set."""

from __future__ import annotations

import pytest

from tests.browser_support import kefu_server, requires_chromium, sign_in, watch_for_problems

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kefu_server(tmp_path_factory, demo=True) as base:
        yield base


def test_a_lead_walks_the_carrier_screens(server, browser, shots):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "lead")
        page.goto(f"{server}/carrier/claims/")
        rows = page.locator("table.data-table tbody tr")
        assert rows.count() >= 10
        page.screenshot(path=str(shots / "carrier-claims-laptop.png"), full_page=True)
        page.select_option("#f-status", "rejected")
        with page.expect_navigation():
            page.click("form.toolbar button[type=submit]")
        assert "status=rejected" in page.url
        with page.expect_navigation():
            page.locator("table.data-table tbody tr a.cell-main").first.click()
        assert "#" in page.locator("h1").inner_text()
        assert page.locator("form.claim-action").count() >= 1  # refile, write off
        page.screenshot(path=str(shots / "carrier-claim-laptop.png"), full_page=True)
        with page.expect_download() as download:
            page.evaluate(
                "() => { const a = document.querySelector(\"a[href$='report.pdf']\");"
                " a.setAttribute('download', ''); a.click(); }"
            )
        assert download.value.suggested_filename.endswith(".pdf")
        page.goto(f"{server}/carrier/register/")
        assert page.locator("table.register-table tbody tr").count() >= 10
        page.screenshot(path=str(shots / "carrier-register-laptop.png"), full_page=True)
        page.goto(f"{server}/carrier/tracking/")
        assert page.locator("table.data-table tbody tr").count() >= 20
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{server}/carrier/claims/")
        page.screenshot(path=str(shots / "carrier-claims-phone.png"), full_page=True)
        assert problems == []
    finally:
        context.close()
