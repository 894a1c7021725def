"""An agent finds a customer and writes down a call, in Chromium against `kefu serve`.

The demo shop is loaded (a few hundred customers), plus one buyer we know: 司马青云, who
wrote in from Tmall. The agent searches for them by Chinese name and by the last four
digits of their phone, as a caller would read them out, opens their page, records the
call and sees it at the top of the timeline. Then the same pages on a phone.

Screenshots go to $KEFU_SCREENSHOTS when set, else to the test's temporary directory.
"""

from __future__ import annotations

import pytest

from tests.browser_support import kefu_server, requires_chromium, sign_in, watch_for_problems

pytestmark = requires_chromium

NAME = "司马青云"
SHELL = (
    "from kefu.core.models import Shop, User; "
    "from kefu.customers import services; "
    "agent = User.objects.get(username='agent'); "
    "shop = Shop.objects.order_by('pk').first(); "
    "c = services.create_customer(actor=agent, name='" + NAME + "', "
    "phones=['+86 139 8765 4321'], emails=['qingyun.sima@example.com'], "
    "identities=[(shop.pk, 'tb_qingyun')], tags=['老客户'], "
    "addresses=[{'region': '浙江省', 'city': '杭州市', 'line': '西湖区文三路 90 号'}]); "
    "services.assign_customers(actor=User.objects.get(username='lead'), "
    "customer_ids=[c.pk], owner=agent)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kefu_server(tmp_path_factory, demo=True, shell=SHELL) as base:
        yield base


def _english(page) -> None:
    """The demo agent works in Chinese; the test reads the English words of the screens."""
    page.click("details.lang-menu > summary")
    with page.expect_navigation():
        page.click("details.lang-menu button.menu-item:has-text('English')")


def _search(page, text: str) -> None:
    box = page.locator("#customer-q")
    box.fill("")
    with page.expect_response(lambda r: "/customers/?" in r.url and r.status == 200):
        box.fill(text)
    page.wait_for_selector(f"#customer-results a.customer-link:has-text('{NAME}')")


def test_agent_finds_a_customer_and_records_a_call(server, browser, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "agent")
        _english(page)
        page.click("nav.primary-nav a[href='/customers/']")
        page.wait_for_url(f"{server}/customers/")
        assert page.locator("h1").inner_text() == "Customers"
        rows = page.locator("#customer-results tbody tr")
        assert rows.count() == 25  # the demo shop fills the first page
        # an agent neither assigns nor merges
        assert page.locator("a[href='/customers/assign/']").count() == 0
        assert page.locator("a[href='/customers/duplicates/']").count() == 0
        page.screenshot(path=str(shots / "customers-list-desktop.png"), full_page=True)

        _search(page, "青云")  # part of the Chinese name
        assert "q=" in page.url  # the search is in the address, to share or reload
        assert rows.count() == 1
        page.screenshot(path=str(shots / "customers-search-name.png"), full_page=True)

        _search(page, "4321")  # the last four digits of the phone
        page.screenshot(path=str(shots / "customers-search-phone.png"), full_page=True)

        page.click(f"#customer-results a.customer-link:has-text('{NAME}')")
        page.wait_for_selector("#customer-name")
        assert page.locator("#customer-name").inner_text() == NAME
        header = page.locator("header.customer-head").inner_text()
        assert "老客户" in header
        assert "Contact by" in page.locator("#contact-due").inner_text()
        details = page.locator("section[aria-labelledby='contact-title']").inner_text()
        assert "+86 139 8765 4321" in details and "tb_qingyun" in details
        page.screenshot(path=str(shots / "customer-page-desktop.png"), full_page=True)

        note = "已电话联系，客户想换大一码，明天发货前再确认"
        page.fill("#id_body", note)
        page.select_option("#id_contact_channel", "phone")
        with page.expect_navigation():
            page.click("form.note-form button[type=submit]")
        assert "Contact recorded." in page.locator("#messages").inner_text()
        first = page.locator("#timeline .timeline-item").first
        assert note in first.inner_text()
        assert first.get_attribute("data-kind") == "note"
        assert "Phone call" in first.inner_text()
        assert "Contacted by the owner" in page.locator(".owner-panel").inner_text()
        page.screenshot(path=str(shots / "customer-page-note.png"), full_page=True)
        assert not problems, problems
    finally:
        context.close()


def test_customer_pages_fit_a_phone(server, browser, shots):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "agent")
        page.goto(f"{server}/customers/?q=4321")
        page.wait_for_selector(f"a.customer-link:has-text('{NAME}')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "customers-list-phone.png"), full_page=True)
        page.click(f"a.customer-link:has-text('{NAME}')")
        page.wait_for_selector("#customer-name")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # on a phone: how to reach them, then the note form and the timeline, then the rest
        contact = page.locator("#contact-title").bounding_box()["y"]
        note = page.locator("#id_body").bounding_box()["y"]
        timeline = page.locator("#timeline-title").bounding_box()["y"]
        addresses = page.locator("#address-title").bounding_box()["y"]
        assert contact < note < timeline < addresses
        page.screenshot(path=str(shots / "customer-page-phone.png"), full_page=True)
        page.goto(f"{server}/customers/new/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "customer-form-phone.png"), full_page=True)
        assert not problems, problems
    finally:
        context.close()
