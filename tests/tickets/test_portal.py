"""The customer portal: who gets in, and that nobody sees what is not theirs."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test import Client
from django.utils import timezone

from kefu.core import policies
from kefu.core.models import AuditEntry, JobRecord
from kefu.customers.models import Customer, CustomerEmail
from kefu.customers.services import create_customer
from kefu.tickets import portal, services
from kefu.tickets.models import Attachment, Message, PortalAccess, Ticket
from kefu.tickets.portal_views import SESSION_KEY
from kefu.tickets.search import TICKET_INDEX
from tests.factories import make_order, make_shop

pytestmark = pytest.mark.django_db

NOTE = "内部备注-只给客服看-7731"
CALL_NOTES = "通话记录：客户很生气-8842"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(db):
    return make_shop(slug="tmall-flagship", name="天猫旗舰店", language="zh-hans")


@pytest.fixture
def alice(shop):
    customer = create_customer(
        actor=None,
        name="王芳",
        phones=["138 1234 5678"],
        emails=["wang.fang@example.com"],
        language="zh-hans",
    )
    customer.order = make_order(shop=shop, customer=customer, external_id="TB100000000001")
    return customer


@pytest.fixture
def bob(shop):
    customer = create_customer(
        actor=None,
        name="김서연",
        phones=["010-4380-1286"],
        emails=["kim.seoyeon@example.com"],
        language="ko",
    )
    customer.order = make_order(shop=shop, customer=customer, external_id="TB200000000002")
    return customer


def ticket_for(customer, shop, body="我要退款，订单破损", **kw):
    return services.create_ticket(
        actor=None, customer=customer, shop=shop, subject=kw.pop("subject", body[:20]), body=body
    )


def signed_in(customer) -> Client:
    """A browser that proved to be ``customer`` with order number + phone."""
    client = Client(REMOTE_ADDR=f"10.0.{customer.pk % 250}.{customer.pk % 200 + 1}")
    phone = customer.phones.first().number
    response = client.post(
        "/portal/verify/", {"order_number": customer.order.external_id, "phone": phone}
    )
    assert response.status_code == 302, response.content[:400]
    assert response["Location"] == "/portal/requests/"
    return client


def portal_customer_id(client) -> int | None:
    entry = client.session.get(SESSION_KEY)
    return entry["customer"] if entry else None


# ---------------------------------------------------------------- landing


def test_landing_has_no_staff_navigation_and_offers_both_ways_in(client, shop):
    response = client.get("/portal/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="by-order"' in html and 'id="by-email"' in html
    assert "primary-nav" not in html and "/admin/" not in html
    assert response["Cache-Control"] == "private, no-store"


def test_shop_branding_follows_the_shop_parameter(client, shop):
    html = client.get("/portal/?shop=tmall-flagship").content.decode()
    assert "天猫旗舰店" in html
    # it stays for the visit, and the new-request form is for that shop only
    form = client.get("/portal/requests/new/").content.decode()
    assert 'name="shop" value="tmall-flagship"' in form
    # an unknown shop is ignored
    make_shop(slug="other", name="Other shop")
    html = client.get("/portal/?shop=nope").content.decode()
    assert "天猫旗舰店" not in html.split("<main", 1)[0]


# ---------------------------------------------------------------- order number + phone


@pytest.mark.parametrize(
    "typed", ["138 1234 5678", "13812345678", "+86 138-1234-5678", "0086 13812345678"]
)
def test_order_number_and_phone_in_any_usual_form_sign_in(client, alice, typed):
    response = client.post("/portal/verify/", {"order_number": " TB100000000001 ", "phone": typed})
    assert response.status_code == 302
    assert portal_customer_id(client) == alice.pk


def test_korean_number_typed_the_local_way_matches(client, bob):
    response = client.post(
        "/portal/verify/", {"order_number": "TB200000000002", "phone": "010 4380 1286"}
    )
    assert response.status_code == 302
    assert portal_customer_id(client) == bob.pk


def test_recipient_phone_on_the_order_also_matches(client, shop):
    customer = create_customer(actor=None, name="李娜", language="zh-hans")
    make_order(shop=shop, customer=customer, external_id="JD77", recipient_phone="139 0000 1111")
    response = client.post("/portal/verify/", {"order_number": "JD77", "phone": "13900001111"})
    assert response.status_code == 302
    assert portal_customer_id(client) == customer.pk


@pytest.mark.parametrize(
    "order_number,phone",
    [
        ("TB100000000001", "13800000000"),  # right order, wrong phone
        ("TB999999999999", "13812345678"),  # unknown order, right phone
        ("TB200000000002", "13812345678"),  # someone else's order with my phone
        ("", "13812345678"),
        ("TB100000000001", ""),
        ("TB100000000001", "12"),
    ],
)
def test_mismatch_never_signs_in_and_says_nothing_specific(client, alice, bob, order_number, phone):
    response = client.post("/portal/verify/", {"order_number": order_number, "phone": phone})
    assert response.status_code == 400
    assert portal_customer_id(client) is None
    html = response.content.decode()
    assert "王芳" not in html and "김서연" not in html
    assert client.get("/portal/requests/").status_code == 302


def test_failed_checks_are_limited_per_address(alice):
    wrong = {"order_number": "TB100000000001", "phone": "13899999999"}
    for _ in range(portal.VERIFY_ATTEMPTS_PER_ADDRESS.get()):
        # a fresh session each time: throwing the cookie away does not reset the count
        assert Client(REMOTE_ADDR="203.0.113.9").post("/portal/verify/", wrong).status_code == 400
    client = Client(REMOTE_ADDR="203.0.113.9")
    # now even the right answer is refused, from this address…
    right = {"order_number": "TB100000000001", "phone": "13812345678"}
    refused = client.post("/portal/verify/", right)
    assert refused.status_code == 429
    assert portal_customer_id(client) is None
    # …also with a fresh session (cookies thrown away)
    assert Client(REMOTE_ADDR="203.0.113.9").post("/portal/verify/", right).status_code == 429
    # another address is not affected
    assert Client(REMOTE_ADDR="198.51.100.7").post("/portal/verify/", right).status_code == 302


def test_failed_checks_are_limited_per_session(alice):
    client = Client(REMOTE_ADDR="203.0.113.10")
    client.get("/portal/")
    client.post("/portal/link/", {"email": "x@example.com"})  # gives the visit a session
    wrong = {"order_number": "TB100000000001", "phone": "13899999999"}
    for _ in range(portal.VERIFY_ATTEMPTS.get()):
        assert client.post("/portal/verify/", wrong).status_code == 400
    right = {"order_number": "TB100000000001", "phone": "13812345678"}
    assert client.post("/portal/verify/", right).status_code == 429
    assert portal_customer_id(client) is None


def test_failed_checks_are_limited_per_session_across_addresses(alice):
    client = Client(REMOTE_ADDR="203.0.113.20")
    client.get("/portal/")
    client.post("/portal/link/", {"email": "x@example.com"})  # gives the visit a session
    for n in range(portal.VERIFY_ATTEMPTS.get()):
        client.defaults["REMOTE_ADDR"] = f"203.0.113.{30 + n}"
        client.post("/portal/verify/", {"order_number": "TB100000000001", "phone": "1380000000"})
    client.defaults["REMOTE_ADDR"] = "203.0.113.99"
    right = {"order_number": "TB100000000001", "phone": "13812345678"}
    assert client.post("/portal/verify/", right).status_code == 429


def test_limit_and_window_are_policies(alice, admin_user):
    policies.set_value(actor=admin_user, key="portal.verify_attempts", value=2)
    client = Client(REMOTE_ADDR="203.0.113.50")
    client.post("/portal/link/", {"email": "x@example.com"})  # gives the visit a session
    wrong = {"order_number": "TB100000000001", "phone": "13800000000"}
    assert client.post("/portal/verify/", wrong).status_code == 400
    assert client.post("/portal/verify/", wrong).status_code == 400
    assert client.post("/portal/verify/", wrong).status_code == 429
    cache.clear()  # the window passed
    right = {"order_number": "TB100000000001", "phone": "13812345678"}
    assert client.post("/portal/verify/", right).status_code == 302


def test_sign_in_is_audited_and_gets_a_fresh_session_id(client, alice):
    client.get("/portal/")
    client.post("/portal/link/", {"email": "nobody@example.com"})
    before = client.cookies["sessionid"].value
    client.post("/portal/verify/", {"order_number": "TB100000000001", "phone": "13812345678"})
    assert client.cookies["sessionid"].value != before
    entry = AuditEntry.objects.filter(action="portal.sign_in").get()
    assert entry.object_id == str(alice.pk)
    assert entry.actor_label == f"customer #{alice.pk} (portal)"


# ---------------------------------------------------------------- isolation


def test_list_shows_only_my_requests(alice, bob, shop):
    mine = ticket_for(alice, shop, subject="我的退款申请")
    theirs = ticket_for(bob, shop, body="환불 요청합니다", subject="환불 요청합니다")
    html = signed_in(alice).get("/portal/requests/").content.decode()
    assert f'data-ticket="{mine.pk}"' in html and "我的退款申请" in html
    assert f'data-ticket="{theirs.pk}"' not in html and "환불" not in html


def test_guessing_ticket_ids_finds_nothing_of_anyone_else(alice, bob, shop):
    mine = {ticket_for(alice, shop).pk for _ in range(2)}
    theirs = {ticket_for(bob, shop, body=f"환불 {n}").pk for n in range(3)}
    client = signed_in(alice)
    for pk in range(1, max(mine | theirs) + 5):
        response = client.get(f"/portal/requests/{pk}/")
        if pk in mine:
            assert response.status_code == 200
        else:
            assert response.status_code == 404, pk
            assert "환불" not in response.content.decode()
    for pk in theirs:
        reply = client.post(f"/portal/requests/{pk}/reply/", {"body": "hijack"})
        assert reply.status_code == 404
    assert not Message.objects.filter(body="hijack").exists()


def test_not_signed_in_every_request_page_sends_to_the_sign_in(client, alice, shop):
    ticket = ticket_for(alice, shop)
    for url in (
        "/portal/requests/",
        f"/portal/requests/{ticket.pk}/",
        f"/portal/requests/{ticket.pk + 1000}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/portal/", url
    assert client.post(f"/portal/requests/{ticket.pk}/reply/", {"body": "x"}).status_code == 302
    assert ticket.messages.count() == 1


def test_a_staff_login_is_not_a_portal_sign_in(login, agent, alice, shop):
    ticket = ticket_for(alice, shop)
    client = login(agent)
    assert client.get(f"/portal/requests/{ticket.pk}/").status_code == 302


def test_a_forged_session_entry_is_not_honoured(alice, bob, shop):
    ticket = ticket_for(bob, shop)
    client = signed_in(alice)
    # the session lives on the server: a cookie edited by hand is just an unknown session
    client.cookies["sessionid"] = "forged" + client.cookies["sessionid"].value[6:]
    assert client.get(f"/portal/requests/{ticket.pk}/").status_code == 302


def test_attachments_of_others_are_not_reachable(alice, bob, shop):
    theirs = ticket_for(bob, shop)
    message = theirs.messages.get()
    attachment = Attachment.objects.create(
        message=message,
        file=SimpleUploadedFile("damage.png", PNG),
        name="damage.png",
        size=len(PNG),
        content_type="image/png",
    )
    client = signed_in(alice)
    assert client.get(f"/portal/requests/{theirs.pk}/files/{attachment.pk}/").status_code == 404
    mine = ticket_for(alice, shop)
    assert client.get(f"/portal/requests/{mine.pk}/files/{attachment.pk}/").status_code == 404
    owner = signed_in(bob)
    response = owner.get(f"/portal/requests/{theirs.pk}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment")


# ---------------------------------------------------------------- what a request shows


def test_internal_notes_never_reach_the_customer(alice, shop, agent):
    ticket = ticket_for(alice, shop, body="快递破损了")
    services.add_message(actor=agent, ticket=ticket, kind=Message.Kind.NOTE, body=NOTE)
    services.add_message(
        actor=agent, ticket=ticket, kind=Message.Kind.REPLY, body="已为您安排补发。"
    )
    services.add_message(
        actor=agent,
        ticket=ticket,
        kind=Message.Kind.CALL,
        body=CALL_NOTES,
        call_seconds=150,
        call_outcome="reached",
    )
    noted = Attachment.objects.create(
        message=ticket.messages.get(kind=Message.Kind.NOTE),
        file=SimpleUploadedFile("internal.pdf", b"%PDF-1.4"),
        name="internal.pdf",
        size=8,
        content_type="application/pdf",
    )
    client = signed_in(alice)
    pages = [
        client.get("/portal/requests/").content.decode(),
        client.get(f"/portal/requests/{ticket.pk}/").content.decode(),
    ]
    for html in pages:
        assert NOTE not in html
        assert CALL_NOTES not in html
        assert "internal.pdf" not in html
    detail = pages[1]
    assert "快递破损了" in detail and "已为您安排补发。" in detail
    assert 'data-kind="call"' in detail  # the call is mentioned, its notes are not
    assert 'data-kind="note"' not in detail
    assert client.get(f"/portal/requests/{ticket.pk}/files/{noted.pk}/").status_code == 404
    # the selector itself never returns a note
    kinds = {m.kind for m in portal.public_messages(ticket)}
    assert kinds == {Message.Kind.INBOUND, Message.Kind.REPLY, Message.Kind.CALL}


def test_status_is_in_the_customers_words(alice, shop, agent):
    ticket = ticket_for(alice, shop)
    services.change_ticket_status(actor=agent, ticket=ticket, action="wait_customer")
    html = signed_in(alice).get(f"/portal/requests/{ticket.pk}/").content.decode()
    assert "等待您的回复" in html  # "Waiting for your reply", in her language
    assert "pending_customer" not in html


def test_text_is_escaped(alice, shop):
    ticket = ticket_for(alice, shop, body="<script>alert(1)</script> 退款")
    html = signed_in(alice).get(f"/portal/requests/{ticket.pk}/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---------------------------------------------------------------- replying


def test_customer_reply_is_an_inbound_message_and_reopens_a_waiting_ticket(alice, shop, agent):
    ticket = ticket_for(alice, shop)
    services.change_ticket_status(actor=agent, ticket=ticket, action="wait_customer")
    client = signed_in(alice)
    response = client.post(f"/portal/requests/{ticket.pk}/reply/", {"body": "照片已经发给你们了"})
    assert response.status_code == 302
    message = ticket.messages.order_by("-id").first()
    assert message.kind == Message.Kind.INBOUND and message.author is None
    assert message.body == "照片已经发给你们了" and message.channel == "web"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert "照片已经发给你们了" in client.get(response["Location"]).content.decode()


def test_reply_with_a_photo(alice, shop):
    ticket = ticket_for(alice, shop)
    client = signed_in(alice)
    photo = SimpleUploadedFile("破损.png", PNG, content_type="image/png")
    response = client.post(
        f"/portal/requests/{ticket.pk}/reply/", {"body": "看照片", "attachment": photo}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.message.ticket_id == ticket.pk and attachment.content_type == "image/png"
    html = client.get(f"/portal/requests/{ticket.pk}/").content.decode()
    assert "破损.png" in html


def test_reply_refuses_empty_text_and_unknown_files(alice, shop):
    ticket = ticket_for(alice, shop)
    client = signed_in(alice)
    assert client.post(f"/portal/requests/{ticket.pk}/reply/", {"body": "  "}).status_code == 400
    exe = SimpleUploadedFile("invoice.exe", b"MZ")
    response = client.post(
        f"/portal/requests/{ticket.pk}/reply/", {"body": "文件", "attachment": exe}
    )
    assert response.status_code == 400
    assert ticket.messages.count() == 1 and not Attachment.objects.exists()


def test_closed_request_takes_no_reply(alice, shop, lead):
    ticket = ticket_for(alice, shop)
    services.change_ticket_status(actor=lead, ticket=ticket, action="solve")
    services.change_ticket_status(actor=lead, ticket=ticket, action="close")
    client = signed_in(alice)
    html = client.get(f"/portal/requests/{ticket.pk}/").content.decode()
    assert 'id="closed-notice"' in html and 'id="reply-submit"' not in html
    assert (
        client.post(f"/portal/requests/{ticket.pk}/reply/", {"body": "还在吗"}).status_code == 400
    )
    assert ticket.messages.count() == 1


# ---------------------------------------------------------------- email link


def _link_from_mail() -> str:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    found = re.search(r"https?://\S+/portal/link/(\S+)/", mail.outbox[0].body)
    assert found, mail.outbox[0].body
    return found.group(1)


def test_email_link_signs_in_once(client, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/link/", {"email": " Wang.Fang@Example.com "})
    assert response.status_code == 302 and response["Location"] == "/portal/link/sent/"
    assert mail.outbox[0].to == ["wang.fang@example.com"]
    token = _link_from_mail()
    # only a digest is stored; the token is in no table
    access = PortalAccess.objects.get()
    assert access.customer_id == alice.pk and token not in access.digest
    assert access.digest == hashlib.sha256(token.encode()).hexdigest()
    assert all(token not in str(job.payload) for job in JobRecord.objects.all())
    assert JobRecord.objects.get(name="portal.send_link").status == JobRecord.Status.DONE

    browser = Client()
    page = browser.get(f"/portal/link/{token}/")  # opening it (or a mail scanner) uses nothing
    assert page.status_code == 200 and 'id="link-continue"' in page.content.decode()
    assert PortalAccess.objects.get().used_at is None
    used = browser.post(f"/portal/link/{token}/")
    assert used.status_code == 302 and used["Location"] == "/portal/requests/"
    assert portal_customer_id(browser) == alice.pk
    # a second time, from anywhere, it is void
    again = Client()
    assert again.get(f"/portal/link/{token}/").status_code == 400
    assert again.post(f"/portal/link/{token}/").status_code == 400
    assert portal_customer_id(again) is None


def test_tampered_and_expired_links_are_refused(client, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/link/", {"email": "wang.fang@example.com"})
    token = _link_from_mail()
    pk, mac = token.split("-", 1)
    tampered = [
        f"{pk}-{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        f"{int(pk) + 1}-{mac}",
        token[:-4],
        "1-" + "A" * 43,
        "x" * 300,
    ]
    for bad in tampered:
        visitor = Client()
        assert visitor.post(f"/portal/link/{bad}/").status_code == 400, bad
        assert portal_customer_id(visitor) is None
    PortalAccess.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    late = Client()
    assert late.get(f"/portal/link/{token}/").status_code == 400
    assert late.post(f"/portal/link/{token}/").status_code == 400
    assert portal_customer_id(late) is None


def test_link_lifetime_is_a_policy(client, alice, admin_user, django_capture_on_commit_callbacks):
    policies.set_value(actor=admin_user, key="portal.link_hours", value=2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/link/", {"email": "wang.fang@example.com"})
    access = PortalAccess.objects.get()
    assert abs(access.expires_at - access.created_at - dt.timedelta(hours=2)) < dt.timedelta(
        minutes=1
    )


def test_unknown_email_looks_the_same_and_sends_nothing(
    client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/portal/link/", {"email": "wang.fang@example.com"})
        unknown = Client().post("/portal/link/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1 and PortalAccess.objects.count() == 1
    sent_page = Client().get(unknown["Location"]).content.decode()
    assert "nobody@example.com" not in sent_page


def test_link_requests_are_limited_per_visitor(alice, django_capture_on_commit_callbacks):
    client = Client(REMOTE_ADDR="203.0.113.77")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(portal.REQUESTS_PER_HOUR.get()):
            assert (
                client.post("/portal/link/", {"email": "wang.fang@example.com"}).status_code == 302
            )
        assert client.post("/portal/link/", {"email": "wang.fang@example.com"}).status_code == 429
    assert len(mail.outbox) == portal.REQUESTS_PER_HOUR.get()


def test_link_mail_is_in_the_language_of_the_page(client, bob, django_capture_on_commit_callbacks):
    client.get("/portal/?lang=ko")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/link/", {"email": "kim.seoyeon@example.com"})
    assert JobRecord.objects.get(name="portal.send_link").payload["language"] == "ko"


def test_a_link_for_one_customer_opens_only_their_requests(
    client, alice, bob, shop, django_capture_on_commit_callbacks
):
    theirs = ticket_for(bob, shop)
    mine = ticket_for(alice, shop)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/link/", {"email": "wang.fang@example.com"})
    browser = Client()
    browser.post(f"/portal/link/{_link_from_mail()}/")
    assert browser.get(f"/portal/requests/{mine.pk}/").status_code == 200
    assert browser.get(f"/portal/requests/{theirs.pk}/").status_code == 404


# ---------------------------------------------------------------- the session


def test_session_expires_after_the_policy_hours(alice, shop):
    ticket = ticket_for(alice, shop)
    client = signed_in(alice)
    session = client.session
    hours = portal.SESSION_HOURS.get()
    session[SESSION_KEY]["at"] = (timezone.now() - dt.timedelta(hours=hours, minutes=1)).isoformat()
    session.save()
    assert client.get(f"/portal/requests/{ticket.pk}/").status_code == 302
    assert portal_customer_id(client) is None


def test_sign_out(alice):
    client = signed_in(alice)
    assert client.post("/portal/sign-out/").status_code == 302
    assert client.get("/portal/requests/").status_code == 302


def test_a_merged_record_leads_to_the_surviving_one(alice, shop):
    twin = create_customer(actor=None, name="王芳", emails=["fang@example.net"])
    Customer.objects.filter(pk=alice.pk).update(merged_into=twin)
    ticket = ticket_for(twin, shop)
    client = signed_in(alice)  # the order still points at the merged record
    assert portal_customer_id(client) == twin.pk
    assert client.get(f"/portal/requests/{ticket.pk}/").status_code == 200


# ---------------------------------------------------------------- the web form


def form(**overrides):
    data = {
        "name": "陈静",
        "email": "chen.jing@example.com",
        "phone": "",
        "shop": "tmall-flagship",
        "topic": "return",
        "order_number": "",
        "subject": "",
        "message": "收到的保温杯漏水，申请退款。",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_web_form_creates_customer_and_web_ticket(client, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/requests/new/", form())
    assert response.status_code == 302 and response["Location"] == "/portal/requests/thanks/"
    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.kind == Ticket.Kind.AFTER_SALES
    assert ticket.shop == shop and ticket.status == Ticket.Status.NEW
    customer = ticket.customer
    assert customer.name == "陈静"
    assert customer.emails.get().normalized == "chen.jing@example.com"
    first = ticket.messages.get()
    assert first.kind == Message.Kind.INBOUND and first.body.startswith("收到的保温杯漏水")
    # an unverified visitor is not signed in, and gets a link by email instead
    assert portal_customer_id(client) is None
    assert mail.outbox and mail.outbox[0].to == ["chen.jing@example.com"]
    thanks = client.get("/portal/requests/thanks/").content.decode()
    assert f"#{ticket.pk}" in thanks
    # the ticket is in the search index like every other
    sql, params = TICKET_INDEX.ids_sql(connection, "保温杯漏水")
    assert Ticket.objects.filter(pk__in=RawSQL(sql, params)).get() == ticket


def test_web_form_matches_existing_customer_by_email(client, alice, shop):
    response = client.post("/portal/requests/new/", form(email="WANG.FANG@example.com"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.customer_id == alice.pk
    assert Customer.objects.count() == 1
    assert portal_customer_id(client) is None


def test_web_form_matches_existing_customer_by_phone(client, alice, shop):
    response = client.post(
        "/portal/requests/new/", form(email="", phone="+86 138 1234 5678", name="芳")
    )
    assert response.status_code == 302
    assert Ticket.objects.get().customer_id == alice.pk
    assert not CustomerEmail.objects.filter(normalized="chen.jing@example.com").exists()


def test_web_form_links_only_the_customers_own_order(client, alice, bob, shop):
    client.post(
        "/portal/requests/new/", form(email="wang.fang@example.com", order_number="TB100000000001")
    )
    client.post(
        "/portal/requests/new/", form(email="wang.fang@example.com", order_number="TB200000000002")
    )
    own, other = Ticket.objects.order_by("pk")
    assert own.order_id == alice.order.pk
    assert other.order_id is None  # bob's order is never linked to alice's request
    assert "TB200000000002" in other.messages.get().body  # the agent still sees what was typed


def test_web_form_needs_a_way_to_answer(client, shop):
    response = client.post("/portal/requests/new/", form(email="", phone=""))
    assert response.status_code == 400
    assert not Ticket.objects.exists()
    html = response.content.decode()
    assert 'id="id_email_errors"' in html
    assert "收到的保温杯漏水" in html  # what was typed is kept


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"message": ""}, "message"),
        ({"topic": "nonsense"}, "topic"),
        ({"shop": "nope"}, "shop"),
        ({"name": ""}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "", "phone": "12"}, "phone"),
    ],
)
def test_web_form_says_what_is_wrong(client, shop, overrides, field):
    make_shop(slug="second", name="Second")  # two shops: the form asks which
    response = client.post("/portal/requests/new/", form(**overrides))
    assert response.status_code == 400
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_web_form_with_attachment(client, shop):
    photo = SimpleUploadedFile("box.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    response = client.post("/portal/requests/new/", {**form(), "attachment": photo})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "box.jpg" and attachment.content_type == "image/jpeg"
    assert not attachment.file.name.endswith("box.jpg")  # stored under a generated name
    assert attachment.message.ticket == Ticket.objects.get()


def test_web_form_refuses_a_program_renamed_as_a_photo(client, shop):
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"0" * 100, content_type="image/png")
    response = client.post("/portal/requests/new/", {**form(), "attachment": fake})
    assert response.status_code == 400
    assert 'id="id_attachment_errors"' in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_web_form_refuses_files_over_the_limit(client, shop, admin_user):
    policies.set_value(actor=admin_user, key="portal.attachment_max_mb", value=1)
    big = SimpleUploadedFile("video.mp4", b"0" * (1024 * 1024 + 1), content_type="video/mp4")
    response = client.post("/portal/requests/new/", {**form(), "attachment": big})
    assert response.status_code == 400
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_signed_in_customer_sends_a_request_as_themselves(alice, shop):
    client = signed_in(alice)
    page = client.get("/portal/requests/new/").content.decode()
    assert 'id="id_name"' not in page  # no need to say who they are again
    response = client.post(
        "/portal/requests/new/",
        {"topic": "order", "message": "什么时候发货？", "order_number": "TB100000000001"},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/requests/{ticket.pk}/"
    assert ticket.customer_id == alice.pk and ticket.order_id == alice.order.pk
    assert ticket.kind == Ticket.Kind.LOGISTICS and ticket.messages.get().body == "什么时候发货？"


def test_new_requests_are_limited_per_visitor(shop, admin_user):
    policies.set_value(actor=admin_user, key="portal.requests_per_hour", value=2)
    client = Client(REMOTE_ADDR="203.0.113.88")
    assert (
        client.post("/portal/requests/new/", form(email="", phone="13700000001")).status_code == 302
    )
    assert (
        client.post("/portal/requests/new/", form(email="", phone="13700000001")).status_code == 302
    )
    assert (
        client.post("/portal/requests/new/", form(email="", phone="13700000001")).status_code == 429
    )
    assert Ticket.objects.count() == 2


# ---------------------------------------------------------------- language


def test_language_switch_sets_the_choice_and_comes_back(client, shop):
    response = client.get("/portal/requests/new/?lang=ko&shop=tmall-flagship")
    assert response.status_code == 302
    assert response["Location"] == "/portal/requests/new/?shop=tmall-flagship"
    assert client.cookies["kefu_language"].value == "ko"
    html = client.get(response["Location"]).content.decode()
    assert '<html lang="ko">' in html
    client.get("/portal/?lang=zh-hans")
    assert '<html lang="zh-hans">' in client.get("/portal/").content.decode()
    # nonsense is ignored
    client.get("/portal/?lang=xx")
    assert client.cookies["kefu_language"].value == "zh-hans"


def test_request_is_recorded_in_the_language_of_the_portal(client, shop):
    client.get("/portal/?lang=en")
    client.post("/portal/requests/new/", form())
    assert Ticket.objects.get().language == "en"
    assert Ticket.objects.get().customer.language == "en"


def test_signed_in_customer_sees_their_own_language_until_they_choose(bob, shop):
    client = signed_in(bob)
    assert '<html lang="ko">' in client.get("/portal/requests/").content.decode()
    client.get("/portal/requests/?lang=en")
    assert '<html lang="en">' in client.get("/portal/requests/").content.decode()


def test_browser_language_is_used_by_default(shop):
    client = Client(HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")
    assert '<html lang="ko">' in client.get("/portal/").content.decode()
