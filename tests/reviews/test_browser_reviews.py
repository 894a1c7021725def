"""A lead's look at reviews and keeping customers in headless Chromium: the review list, a
review's steps taken with the keyboard-friendly forms, the waitlist restock and a campaign,
on a laptop and on a phone."""

from __future__ import annotations

import pytest

from tests.browser_support import PASSWORD, kefu_server, requires_chromium, watch_for_problems

pytestmark = requires_chromium

SETUP = f"""
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from kefu.core.models import Shop, User
from kefu.customers.models import Customer, CustomerPhone
from kefu.orders.models import Order
from kefu.retention import services as retention
from kefu.reviews import services as reviews
lead = User.objects.create_user(username="lead", password="{PASSWORD}", role="lead")
shop = Shop.objects.create(slug="tmall", name="天猫旗舰店", platform="tmall", currency="CNY")
buyer = Customer.objects.create(name="王芳", language="zh-hans", segment="vip")
CustomerPhone.objects.create(customer=buyer, number="13800138000", normalized="13800138000")
now = timezone.now()
Order.objects.create(shop=shop, customer=buyer, external_id="TB5001", currency="CNY",
    total_amount=Decimal("199"), placed_at=now, status="delivered")
reviews.record_review(actor=lead, shop=shop, row=reviews.ReviewInput(
    order_number="TB5001", rating=1, platform_review_id="RV-1", text="尺码偏小，穿不上",
    reviewed_at=now - dt.timedelta(hours=3)))
retention.add_to_waitlist(actor=lead, shop=shop, customer=buyer, style_no="DR-2024", size="M")
retention.create_campaign(actor=lead, name="VIP 新品", segment="vip",
    messages_by_language={{"zh-hans": "{{name}}，VIP新品八折"}}, scheduled_for=now)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kefu_server(tmp_path_factory, shell=SETUP) as base:
        yield base


def _sign_in(page, base):
    page.goto(f"{base}/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 860}, {"width": 390, "height": 844}]
)
def test_a_lead_works_a_review_and_keeps_customers(server, browser, shots, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        _sign_in(page, server)
        page.goto(f"{server}/reviews/")
        page.get_by_text("尺码偏小").first.click()
        page.wait_for_url(f"{server}/reviews/*/")
        if page.locator("select#cause").count():
            page.select_option("select#cause", "size")
            page.select_option("select#attitude", "upset")
            page.locator("button[data-action=analyse]").click()
            page.wait_for_load_state()
        assert page.locator("select#contact_channel").count() == 1
        page.screenshot(path=str(shots / f"review-{viewport['width']}.png"), full_page=True)

        page.goto(f"{server}/retention/waitlists/")
        page.fill("#r-style", "DR-2024")
        page.fill("#r-size", "M")
        page.locator("form:has(#r-style) button[type=submit]").click()
        page.wait_for_url("**/retention/waitlists/?status=notified")
        assert "已经到货" in page.content()

        page.goto(f"{server}/retention/campaigns/")
        page.get_by_text("VIP 新品").first.click()
        page.locator("form.page-actions button[type=submit]").click()
        page.wait_for_load_state()
        assert "VIP新品八折" in page.content()
        page.screenshot(path=str(shots / f"campaign-{viewport['width']}.png"), full_page=True)
        assert problems == []
    finally:
        context.close()
