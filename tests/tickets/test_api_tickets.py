"""/api/v1/tickets: list with filters, sort, search and cursors; idempotent create; read
with internal notes marked (or left out); update; workflow actions; messages; files."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import translation

from kefu.core.roles import Role
from kefu.customers.models import Customer
from kefu.customers.services import create_customer
from kefu.tickets import services
from kefu.tickets.models import Attachment, Category, Message, Ticket
from tests.conftest import assert_error
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def customer():
    return create_customer(actor=None, name="김민지", phones=["010-2222-3333"], language="ko")


@pytest.fixture
def ticket(agent, customer, shop):
    t = services.create_ticket(
        actor=None, customer=customer, shop=shop, subject="환불 문의", body="환불해 주세요"
    )
    return services.assign_ticket(actor=agent, ticket=t, assignee=agent)


def new_ticket_body(shop, **extra) -> dict:
    return {
        "customer": {"name": "张伟", "phone": "13912345678"},
        "shop_id": shop.pk,
        "body": "我要退款，订单还没发货",
        "channel": "chat",
        "kind": "after_sales",
        **extra,
    }


# ---------------------------------------------------------------- create


def test_create_finds_or_makes_the_customer_and_returns_the_ticket(agent, api_as, shop):
    api = api_as(agent)
    response = api.post("/tickets", new_ticket_body(shop))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer_name"] == "张伟" and body["status"] == "new"
    assert body["messages"][0]["kind"] == "inbound"
    again = api.post("/tickets", new_ticket_body(shop, body="又来问"))
    assert again.json()["customer_id"] == body["customer_id"]  # found by phone
    assert Customer.objects.filter(name="张伟").count() == 1


def test_create_is_idempotent_with_a_key(agent, api_as, shop):
    api = api_as(agent)
    first = api.post("/tickets", new_ticket_body(shop), idempotency_key="call-0815")
    replay = api.post("/tickets", new_ticket_body(shop), idempotency_key="call-0815")
    assert first.status_code == replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"]
    assert replay["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    other = api.post("/tickets", new_ticket_body(shop, body="别的"), idempotency_key="call-0815")
    assert_error(other, 409, "idempotency_key_reused")


def test_create_refuses_bad_input_clearly(agent, api_as, shop, customer):
    api = api_as(agent)
    err = assert_error(
        api.post("/tickets", new_ticket_body(shop, category_id=424242)), 400, "unknown_category"
    )
    assert "category_id" in err["fields"]
    assert_error(api.post("/tickets", new_ticket_body(shop, body="")), 422, "validation_error")
    assert_error(api.post("/tickets", new_ticket_body(shop, body="   ")), 400, "empty_message")
    assert_error(api.post("/tickets", new_ticket_body(shop, shop_id=999999)), 400, "unknown_shop")
    both = new_ticket_body(shop, customer_id=customer.pk)
    assert_error(api.post("/tickets", both), 400, "validation_error")
    order = make_order(shop=shop, customer=customer)
    theirs = new_ticket_body(shop, order_id=order.pk)  # 张伟 is not the buyer
    assert "order" in assert_error(api.post("/tickets", theirs), 400)["fields"]
    assert Ticket.objects.count() == 0


def test_back_office_reads_but_does_not_write(finance, api_as, shop, ticket):
    api = api_as(finance)
    assert api.get("/tickets").status_code == 200
    assert api.get(f"/tickets/{ticket.pk}").status_code == 200
    assert_error(api.post("/tickets", new_ticket_body(shop)), 403, "forbidden")
    assert_error(api.post(f"/tickets/{ticket.pk}/messages", {"body": "x"}), 403)


# ---------------------------------------------------------------- read


def test_a_ticket_comes_with_its_messages_and_notes_are_marked(agent, api_as, ticket):
    services.post_message(actor=agent, ticket=ticket, kind="note", body="내부 메모: 재고 없음")
    services.post_message(actor=agent, ticket=ticket, kind="reply", body="확인 중입니다")
    services.post_message(
        actor=agent,
        ticket=ticket,
        kind="call",
        body="통화 메모",
        call_seconds=65,
        call_outcome="answered",
    )
    api = api_as(agent)
    body = api.get(f"/tickets/{ticket.pk}").json()
    kinds = [(m["kind"], m["public"]) for m in body["messages"]]
    assert kinds == [("inbound", True), ("note", False), ("reply", True), ("call", True)]
    assert body["messages"][3]["call_seconds"] == 65
    public = api.get(f"/tickets/{ticket.pk}", {"public_only": "true"}).json()
    assert [m["kind"] for m in public["messages"]] == ["inbound", "reply", "call"]
    assert "내부 메모" not in str(public)
    assert public["messages"][2]["body"] == ""  # a call's notes are the team's own


def test_links_in_a_customers_message_say_whether_they_are_trusted(agent, api_as, shop, customer):
    shop.link_allowlist = "coupang.com"
    shop.save()
    t = services.create_ticket(
        actor=None,
        customer=customer,
        shop=shop,
        subject="",
        body="여기 보세요 https://www.coupang.com/vp/1 그리고 http://coupang-refund.xyz/a",
    )
    links = api_as(agent).get(f"/tickets/{t.pk}").json()["messages"][0]["links"]
    assert [(x["host"], x["trusted"]) for x in links] == [
        ("www.coupang.com", True),
        ("coupang-refund.xyz", False),
    ]


def test_unknown_ids_are_404_in_the_error_shape(agent, api_as):
    assert_error(api_as(agent).get("/tickets/987654"), 404, "not_found")
    assert_error(api_as(agent).get("/tickets/0"), 422, "validation_error")


# ---------------------------------------------------------------- list


def test_list_filters_sorts_and_pages_with_a_cursor(agent, lead, api_as, shop, customer):
    made = []
    for i in range(7):
        t = services.create_ticket(
            actor=None,
            customer=customer,
            shop=shop,
            subject=f"배송 문의 {i}",
            body=f"배송이 늦어요 {i}",
            priority=(i % 4) + 1,
        )
        made.append(t.pk)
    services.assign_ticket(actor=lead, ticket=Ticket.objects.get(pk=made[0]), assignee=agent)
    api = api_as(agent)
    first = api.get("/tickets", {"view": "all", "limit": 3}).json()
    assert [t["id"] for t in first["items"]] == made[::-1][:3]
    second = api.get("/tickets", {"view": "all", "limit": 3, "cursor": first["next_cursor"]})
    assert [t["id"] for t in second.json()["items"]] == made[::-1][3:6]
    mine = api.get("/tickets", {"view": "mine"}).json()["items"]
    assert [t["id"] for t in mine] == [made[0]]
    urgent = api.get("/tickets", {"view": "all", "sort": "priority", "limit": 2}).json()["items"]
    assert [t["priority"] for t in urgent] == [4, 3]
    by_status = api.get("/tickets", {"status": ["new", "open"], "priority": 1}).json()["items"]
    assert {t["priority"] for t in by_status} == {1}
    found = api.get("/tickets", {"q": "늦어요 3"}).json()["items"]
    assert [t["id"] for t in found] == [made[3]]
    assert api.get("/tickets", {"assignee": "9999999999999999999"}).json()["items"] == []
    assert_error(api.get("/tickets", {"cursor": "nonsense!"}), 400, "invalid_cursor")
    assert_error(api.get("/tickets", {"sort": "random"}), 422, "validation_error")


# ---------------------------------------------------------------- update and actions


def test_patch_changes_fields_tags_and_assignee(agent, lead, api_as, ticket):
    category = Category.objects.create(name="退款")
    api = api_as(lead)
    body = api.patch(
        f"/tickets/{ticket.pk}",
        {"priority": 4, "category_id": category.pk, "tags": ["加急"], "assignee_id": None},
    )
    assert body.status_code == 200, body.content
    data = body.json()
    assert (data["priority"], data["category"], data["tags"], data["assignee_id"]) == (
        4,
        "退款",
        ["加急"],
        None,
    )
    assert_error(
        api.patch(f"/tickets/{ticket.pk}", {"category_id": 99999}), 400, "unknown_category"
    )


def test_workflow_actions_follow_the_table(agent, lead, api_as, ticket):
    api = api_as(agent)
    assert api.post(f"/tickets/{ticket.pk}/actions/solve", {}).json()["status"] == "solved"
    assert_error(api.post(f"/tickets/{ticket.pk}/actions/close", {}), 403, "forbidden")
    assert_error(api.post(f"/tickets/{ticket.pk}/actions/reopen", {}), 400, "invalid")
    assert_error(api.post(f"/tickets/{ticket.pk}/actions/solve", {}), 409, "invalid_transition")
    assert api_as(lead).post(f"/tickets/{ticket.pk}/actions/close", {}).json()["status"] == "closed"


def test_messages_reply_note_and_call(agent, api_as, ticket):
    api = api_as(agent)
    reply = api.post(f"/tickets/{ticket.pk}/messages", {"kind": "reply", "body": "처리했습니다"})
    assert reply.status_code == 201 and reply.json()["public"] is True
    note = api.post(f"/tickets/{ticket.pk}/messages", {"kind": "note", "body": "메모"})
    assert note.json()["public"] is False
    call = api.post(
        f"/tickets/{ticket.pk}/messages",
        {"kind": "call", "body": "통화함", "call_seconds": 90, "call_outcome": "solved"},
    )
    assert call.json()["call_outcome"] == "solved"
    assert_error(
        api.post(f"/tickets/{ticket.pk}/messages", {"kind": "call", "body": "?"}),
        400,
        "validation_error",
    )
    assert_error(api.post(f"/tickets/{ticket.pk}/messages", {"body": "  "}), 400, "empty_message")


def test_files_upload_as_multipart_with_limits(agent, api_as, ticket):
    api = api_as(agent)
    client = Client()
    headers = {"Authorization": f"Bearer {api.token}"}
    photo = io.BytesIO(PNG)
    photo.name = "破损照片.png"
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"files": [photo]}, headers=headers
    )
    assert response.status_code == 201, response.content
    item = response.json()[0]
    assert (item["name"], item["content_type"], item["size"]) == ("破损照片.png", "image/png", 72)
    note = Message.objects.get(pk=item["message_id"])
    assert note.kind == "note" and "破损照片.png" in note.body

    big = io.BytesIO(PNG + b"\x00" * (10 * 1024 * 1024))
    big.name = "huge.png"
    refused = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"files": [big]}, headers=headers
    )
    assert_error(refused, 400, "attachment_too_large")
    program = io.BytesIO(b"MZ\x90\x00 not a picture")
    program.name = "invoice.pdf"
    refused = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"files": [program]}, headers=headers
    )
    assert_error(refused, 400, "attachment_type_not_allowed")
    assert Attachment.objects.count() == 1


# ---------------------------------------------------------------- quick replies over the API


def test_quick_replies_over_the_api(agent, lead, api_as, ticket, shop):
    order = make_order(shop=shop, customer=ticket.customer, amount="45000", waybill="CJ998877")
    order.currency = "KRW"
    order.carrier = "CJ대한통운"
    order.save()
    services.update_ticket(actor=agent, ticket=ticket, order=order)
    lead_api = api_as(lead)
    created = lead_api.post(
        "/tickets/quick-replies",
        {
            "shortcut": "/ship",
            "title": "발송 안내",
            "shared": True,
            "body_ko": "{name}님, 주문 {order}은 {waybill}로 발송되었습니다.",
            "body_en": "Hi {name}, order {order} shipped with {waybill}.",
        },
    )
    assert created.status_code == 201, created.content
    listed = api_as(agent).get("/tickets/quick-replies").json()
    assert [r["shortcut"] for r in listed["items"]] == ["ship"]
    assert {v["name"] for v in listed["variables"]} >= {"name", "order", "waybill"}
    expanded = api_as(agent).post(
        "/tickets/quick-replies/expand", {"ticket_id": ticket.pk, "shortcut": "/ship"}
    )
    assert expanded.json() == {
        "text": f"김민지님, 주문 {order.external_id}은 CJ대한통운 CJ998877로 발송되었습니다.",
        "language": "ko",
        "missing": [],
    }
    bad = assert_error(
        api_as(agent).post(
            "/tickets/quick-replies", {"shortcut": "x", "title": "t", "body_en": "{coupon}"}
        ),
        400,
        "validation_error",
    )
    assert "{coupon}" in bad["message"] and "{waybill}" in bad["message"]
    assert_error(
        api_as(agent).post(
            "/tickets/quick-replies",
            {"shortcut": "y", "title": "t", "body_en": "hi", "shared": True},
        ),
        403,
    )
    assert_error(
        api_as(agent).post(
            "/tickets/quick-replies/expand", {"ticket_id": ticket.pk, "shortcut": "nope"}
        ),
        404,
        "unknown_shortcut",
    )


def test_roles_are_what_the_table_says(make_user, api_as, shop):
    warehouse = make_user(Role.WAREHOUSE)
    assert api_as(warehouse).get("/tickets").status_code == 200
    assert_error(api_as(warehouse).get("/tickets/quick-replies"), 403)
