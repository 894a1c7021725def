"""An agent's working hour in headless Chromium against `kefu serve` with the demo shop:
the inbox and its filters, the keyboard, a ticket with the customer beside it, a quick
reply typed as /shortcut and sent, an internal note, and a Chinese search. On a laptop
the thread and the customer sit side by side; on a phone they stack.

Screenshots go to $KEFU_SCREENSHOTS when set (to look at them), else to tmp.
"""

from __future__ import annotations

import re

import pytest

from tests.browser_support import kefu_server, requires_chromium, sign_in, watch_for_problems

pytestmark = requires_chromium

SETUP = """
from kefu.core.models import User
from kefu.tickets import quick_replies, search
from kefu.tickets.models import QuickReply, Ticket
search.reindex(Ticket.objects.values_list("pk", flat=True))
# this test's own wording, in place of the demo's /refund7
QuickReply.objects.filter(shortcut="refund7", owner=None).delete()
quick_replies.save_quick_reply(
    actor=User.objects.get(username="lead"),
    shortcut="refund7",
    title="7天无理由退款",
    shared=True,
    body_zh="{name}您好，您的退款会在7天内原路退回，请留意账户。客服{agent}",
    body_ko="{name}님, 환불은 7일 이내에 처리됩니다. 상담원 {agent}",
    body_en="Hi {name}, your refund will be back within 7 days. {agent}",
)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kefu_server(tmp_path_factory, shell=SETUP, demo=True) as base:
        yield base


def _open_my_first_ticket(page, base: str) -> str:
    page.goto(f"{base}/tickets/")
    page.wait_for_selector("[data-ticket-row]")
    page.keyboard.press("j")
    assert "is-current" in (page.locator("[data-ticket-row]").first.get_attribute("class") or "")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/tickets/\d+/$", page.url)
    return page.url


def test_an_agent_works_the_inbox_answers_with_a_quick_reply_and_notes(server, browser, shots):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "agent")
        page.goto(f"{server}/tickets/")
        assert (
            page.locator("nav.primary-nav a[aria-current=page]").get_attribute("href")
            == "/tickets/"
        )
        mine = page.locator("[data-ticket-row]").count()
        assert mine > 0
        page.screenshot(path=str(shots / "tickets-inbox-laptop.png"), full_page=True)

        # all tickets of one shop: the list follows the filters without a reload
        page.locator("label.view-tab", has=page.locator("input[value=all]")).click()
        page.wait_for_function(
            "n => document.querySelectorAll('[data-ticket-row]').length !== n", arg=mine
        )
        shop_name = page.locator("#f-shop option").nth(1).inner_text()
        with page.expect_response(lambda r: "/tickets/?" in r.url and "shop=" in r.url):
            page.select_option("#f-shop", index=1)
        page.wait_for_timeout(200)
        shops = page.locator("[data-ticket-row] td:nth-child(6)").all_inner_texts()
        assert shops and all(s.strip() == shop_name for s in shops)
        assert "shop=" in page.url  # the filtered list has its own address
        page.screenshot(path=str(shots / "tickets-inbox-filtered-laptop.png"))

        # back to my tickets, open the first one with the keyboard
        page.goto(f"{server}/tickets/?view=mine")
        url = _open_my_first_ticket(page, server)
        thread = page.locator("#thread").bounding_box()
        side = page.locator(".ticket-side").bounding_box()
        assert side["x"] >= thread["x"] + thread["width"]  # side by side
        assert page.locator(".side-customer h2").inner_text().strip()

        # /refund7 + Tab fills in the reply in the customer's language
        customer = page.locator(".side-customer h2").inner_text().strip()
        box = page.locator("#reply-body")
        box.click()
        box.type("/refund")
        page.wait_for_selector("[data-qr-menu] .qr-item")
        page.screenshot(path=str(shots / "ticket-quick-reply-menu-laptop.png"))
        box.press("Tab")
        page.wait_for_function("() => document.getElementById('reply-body').value.includes('7')")
        text = box.input_value()
        assert customer in text and "/refund" not in text
        messages_before = page.locator("#thread article.msg").count()
        page.locator("[data-send]").click()
        page.wait_for_function(
            "n => document.querySelectorAll('#thread article.msg').length > n",
            arg=messages_before,
        )
        last = page.locator("#thread article.msg").last
        assert "msg-reply" in last.get_attribute("class")
        assert customer in last.inner_text()

        # an internal note looks like one
        page.locator("label.kind-note").click()
        page.locator("#reply-body").fill("客户要求加急，已联系仓库")
        page.locator("[data-send]").click()
        page.wait_for_selector("#thread article.msg-note >> text=客户要求加急")
        note = page.locator("#thread article.msg-note").last
        background = note.evaluate("e => getComputedStyle(e).backgroundColor")
        assert background != "rgb(255, 255, 255)"
        page.goto(url)
        page.screenshot(path=str(shots / "ticket-page-laptop.png"), full_page=True)

        # a Chinese search
        page.goto(f"{server}/tickets/search/")
        with page.expect_response(lambda r: "q=" in r.url):
            page.fill("#search-q", "退款")
        page.wait_for_selector("[data-ticket-row]")
        hits = page.locator("[data-ticket-row]").count()
        assert hits > 0
        page.screenshot(path=str(shots / "tickets-search-laptop.png"), full_page=True)
        assert not problems, problems
    finally:
        context.close()


def test_the_ticket_page_stacks_on_a_phone(server, browser, shots):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ko-KR",
    )
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "agent2")
        page.goto(f"{server}/tickets/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "tickets-inbox-phone.png"), full_page=True)
        first = page.locator("[data-ticket-row] a.ticket-link").first
        with page.expect_navigation():
            first.click()
        thread = page.locator("#thread").bounding_box()
        side = page.locator(".ticket-side").bounding_box()
        assert side["y"] >= thread["y"] + thread["height"]  # stacked under the thread
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "ticket-page-phone.png"), full_page=True)
        assert not problems, problems
    finally:
        context.close()
