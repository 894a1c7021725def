"""A lead and an agent on the follow-up screens in headless Chromium with the demo shop:
the call list, one call with its script, recording an attempt, and the measures charts."""

from __future__ import annotations

import pytest

from tests.browser_support import kefu_server, requires_chromium, sign_in, watch_for_problems

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kefu_server(tmp_path_factory, demo=True) as base:
        yield base


def test_a_lead_works_a_call_and_reads_the_measures(server, browser, shots):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "lead")
        page.goto(f"{server}/followups/")
        page.screenshot(path=str(shots / "followups-calls.png"), full_page=True)
        link = page.locator("#calls-overdue a.cell-main").first
        with page.expect_navigation():
            link.click()
        assert page.locator(".call-script").count() == 1
        page.check("input[name=outcome][value=no_answer]")
        with page.expect_navigation():
            page.click("form[action$='/attempt/'] button[type=submit]")
        assert page.locator("#attempts-title").count() == 1
        assert page.locator("table >> text=/无人接听|No answer/").count() >= 1
        page.goto(f"{server}/followups/measures/")
        page.wait_for_selector("[data-chart=followup-satisfaction] svg")
        page.screenshot(path=str(shots / "followups-measures.png"), full_page=True)
        assert problems == []
    finally:
        context.close()
