"""A lead's round in headless Chromium: the complaint register with an overdue row, a
complaint's steps, choosing a solution on the page, and the classification chart; the
complaint page stacks on a phone.

Screenshots go to $KEFU_SCREENSHOTS when set, else to tmp.
"""

from __future__ import annotations

import pytest

from tests.browser_support import (
    PASSWORD,
    kefu_server,
    requires_chromium,
    sign_in,
    watch_for_problems,
)

pytestmark = requires_chromium

SETUP = f"""
import datetime as dt
from django.utils import timezone
from kefu.complaints import services
from kefu.complaints.models import Complaint
from kefu.core.models import Shop, User
from kefu.customers.models import Customer
from kefu.orders.models import Order

agent = User.objects.create_user(username="agent", password={PASSWORD!r}, role="agent")
lead = User.objects.create_user(username="lead", password={PASSWORD!r}, role="lead")
shop = Shop.objects.create(slug="tmall", name="云裳旗舰店", platform="tmall", currency="CNY")
customer = Customer.objects.create(name="王芳")
now = timezone.now()
order = Order.objects.create(
    shop=shop, customer=customer, external_id="TB900001", currency="CNY",
    total_amount=199, paid_amount=199, placed_at=now, paid_at=now,
)
c = services.register_complaint(
    actor=agent, customer=customer, order=order, content="围巾起球，要求换新",
    channel="chat", category="quality", severity="high",
)
c = services.act(actor=agent, complaint=c, action="judge_founded", department="质检部")
c = services.act(actor=agent, complaint=c, action="record_cause", cause="面料批次", owner=agent.pk)
c = services.act(actor=agent, complaint=c, action="propose", description="换新并赠券")
late = services.register_complaint(
    actor=agent, customer=customer, content="客服不回复", channel="phone",
    category="service", severity="medium",
)
Complaint.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(hours=3))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kefu_server(tmp_path_factory, shell=SETUP) as base:
        yield base


def test_a_lead_chooses_a_solution_and_reads_the_table(server, browser, shots):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "lead")
        page.goto(f"{server}/complaints/")
        assert page.locator("tr.row-overdue").count() == 1
        assert "客服不回复" in page.locator("tr.row-overdue").inner_text()
        page.screenshot(path=str(shots / "complaints-list.png"), full_page=True)
        page.click("text=围巾起球")
        page.wait_for_selector("#action-choose_solution")
        assert page.locator(".complaint-step.is-current").count() == 1
        page.fill("#choose_solution-instruction", "今天寄出新围巾")
        with page.expect_navigation():
            page.click("#action-choose_solution button[type=submit]")
        assert page.locator("#action-implement").count() == 1
        assert "今天寄出新围巾" in page.inner_text(".complaint-steps")
        page.screenshot(path=str(shots / "complaint-detail.png"), full_page=True)
        page.goto(f"{server}/complaints/classification/")
        page.wait_for_selector("[data-chart='complaint-classification'] svg")
        page.screenshot(path=str(shots / "complaint-classification.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{server}/complaints/1/")
        main = page.locator(".complaint-main").bounding_box()
        side = page.locator(".complaint-side").bounding_box()
        assert side["y"] >= main["y"] + main["height"] - 1  # stacked, not squeezed
        assert problems == []
    finally:
        context.close()
