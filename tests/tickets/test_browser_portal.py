"""A buyer follows their request in the portal, on a phone, against the production server.

The demo shop is loaded; the setup picks one demo customer whose request has both a reply
from the team and an internal note, and writes that customer's order number and phone
(as the customer record keeps it) to a file. The test then does what the buyer does:
open the portal, switch to their language, verify with order number + phone, open the
request, read the reply (never the note), write back; and tries someone else's request.

Screenshots go to $KEFU_SCREENSHOTS when set (to look at them), else to a temporary dir.
"""

from __future__ import annotations

import json

import pytest

from tests.browser_support import kefu_server, requires_chromium, watch_for_problems

pytestmark = requires_chromium

PICK = """
import json
from django.db.models import Exists, OuterRef
from kefu.tickets.models import Message, Ticket
def has(kind):
    return Exists(Message.objects.filter(ticket=OuterRef('pk'), kind=kind))
ticket = (
    Ticket.objects.filter(is_demo=True, order__isnull=False, customer__phones__isnull=False)
    .exclude(status='closed')
    .filter(has('note'), has('reply'))
    .order_by('pk')
    .first()
)
other = Ticket.objects.exclude(customer=ticket.customer).order_by('pk').first()
print(json.dumps({
    'order': ticket.order.external_id,
    'phone': ticket.customer.phones.order_by('pk').first().number,
    'name': ticket.customer.name,
    'ticket': ticket.pk,
    'subject': ticket.subject,
    'reply': ticket.messages.filter(kind='reply').first().body,
    'notes': list(ticket.messages.filter(kind='note').values_list('body', flat=True)),
    'other': other.pk,
    'other_subject': other.subject,
}, ensure_ascii=False), file=open(PATH, 'w'), flush=True)
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("portal-pick") / "pick.json"
    with kefu_server(tmp_path_factory, demo=True, shell=f"PATH={str(path)!r}\n{PICK}") as base:
        yield base, json.loads(path.read_text())


def test_customer_verifies_reads_and_replies_on_a_phone(demo, browser, shots):
    base, pick = demo
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        page.goto(f"{base}/portal/")
        assert page.locator(".primary-nav").count() == 0  # no staff navigation
        # nothing sticks out sideways on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "portal-landing-phone.png"), full_page=True)

        # the language switch (kept by a cookie)
        page.click(".portal-langs a[lang=zh-hans]")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.click(".portal-langs a[lang=en]")
        assert page.locator("html").get_attribute("lang") == "en"

        # a wrong phone is refused without saying which half was wrong
        page.fill("#id_order_number", pick["order"])
        page.fill("#id_phone", "000 0000 0000")
        page.click("#verify-submit")
        assert page.locator("#portal-error").is_visible()
        assert pick["name"] not in page.content()
        problems.clear()  # the refusal is a 400 on purpose
        page.screenshot(path=str(shots / "portal-mismatch-phone.png"), full_page=True)

        # the right pair signs in
        page.fill("#id_order_number", pick["order"])
        page.fill("#id_phone", pick["phone"])
        page.click("#verify-submit")
        page.wait_for_url(f"{base}/portal/requests/")
        assert page.locator(f"#request-list a[data-ticket='{pick['ticket']}']").count() == 1
        assert page.locator(f"#request-list a[data-ticket='{pick['other']}']").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "portal-requests-phone.png"), full_page=True)

        # the request: the team's reply, never its notes
        page.click(f"#request-list a[data-ticket='{pick['ticket']}']")
        page.wait_for_url(f"{base}/portal/requests/{pick['ticket']}/")
        conversation = page.locator("#conversation").inner_text()
        assert pick["reply"].split("\n")[0] in conversation
        for note in pick["notes"]:
            assert note not in page.content()
        assert page.locator("[data-kind=note]").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "portal-request-phone.png"), full_page=True)

        # writing back
        page.fill("#id_body", "Thanks — I sent the photos of the box just now.")
        page.click("#reply-submit")
        page.wait_for_url(f"{base}/portal/requests/{pick['ticket']}/")
        mine = page.locator("#conversation .bubble.mine").last
        assert "I sent the photos of the box just now." in mine.inner_text()
        page.screenshot(path=str(shots / "portal-replied-phone.png"), full_page=True)

        # someone else's request, by typing its number: not found, nothing shown
        response = page.goto(f"{base}/portal/requests/{pick['other']}/")
        assert response.status == 404
        assert page.locator("#not-found").is_visible()
        assert pick["other_subject"] not in page.content()
        problems.clear()  # the 404 is the point

        # a new request while signed in goes straight to its page
        page.goto(f"{base}/portal/requests/new/")
        page.select_option("#id_shop", index=1)
        page.select_option("#id_topic", "order")
        page.fill("#id_message", "When will my second parcel ship?")
        page.screenshot(path=str(shots / "portal-new-request-phone.png"), full_page=True)
        page.click("#request-submit")
        page.wait_for_url(lambda url: "/portal/requests/" in url and url.rstrip("/")[-1].isdigit())
        assert "When will my second parcel ship?" in page.locator("#conversation").inner_text()

        page.click(".portal-account button[type=submit]")
        page.wait_for_url(f"{base}/portal/")
        assert page.goto(f"{base}/portal/requests/{pick['ticket']}/").url == f"{base}/portal/"
        assert problems == [], problems
    finally:
        context.close()


def test_branded_landing_in_chinese_on_a_laptop(demo, browser, shots):
    base, _pick = demo
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        page.goto(f"{base}/portal/")
        slug = page.evaluate(
            "fetch('/portal/requests/new/').then(r => r.text()).then(t => "
            '(t.match(/<option value="([a-z0-9-]+)"/) || [])[1])'
        )
        assert slug, "the new-request form lists the demo shops"
        page.goto(f"{base}/portal/?shop={slug}&lang=zh-hans")
        assert page.url == f"{base}/portal/?shop={slug}"
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        brand = page.locator(".portal-brand").inner_text()
        page.goto(f"{base}/portal/requests/new/")
        assert page.locator("input[type=hidden][name=shop]").get_attribute("value") == slug
        assert page.locator(".portal-brand").inner_text() == brand
        page.screenshot(path=str(shots / "portal-new-request-branded-desktop.png"), full_page=True)
        page.goto(f"{base}/portal/")
        page.screenshot(path=str(shots / "portal-landing-branded-desktop.png"), full_page=True)
        assert problems == [], problems
    finally:
        context.close()
