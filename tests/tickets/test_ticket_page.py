"""The ticket page: the thread (customer, replies, notes, calls told apart), answering,
notes and call logs, status moves from the workflow table, assignment, editing, the
customer beside it in a fixed number of queries, and recording a new inquiry."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from kefu.core.models import AuditEntry
from kefu.core.roles import Role
from kefu.customers.models import Customer
from kefu.customers.services import create_customer
from kefu.tickets import portal, services
from kefu.tickets.models import Category, Message, Ticket
from kefu.tickets.workflow import TICKET_WORKFLOW
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


S = Ticket.Status


@pytest.fixture
def customer(shop):
    return create_customer(actor=None, name="王芳", phones=["138 1234 5678"], no_calls=True)


@pytest.fixture
def ticket(agent, customer, shop):
    order = make_order(shop=shop, customer=customer, amount="299.00", waybill="SF1234567")
    t = services.create_ticket(
        actor=None,
        customer=customer,
        shop=shop,
        subject="退款进度",
        body="我的退款到哪了？",
        order=order,
    )
    return services.assign_ticket(actor=agent, ticket=t, assignee=agent)


def page(client, ticket) -> str:
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_thread_tells_customer_reply_note_and_call_apart(agent, login, ticket):
    services.post_message(actor=agent, ticket=ticket, kind="reply", body="您好，已为您查询")
    services.post_message(actor=agent, ticket=ticket, kind="note", body="仓库说明天到")
    services.post_message(
        actor=agent,
        ticket=ticket,
        kind="call",
        body="客户同意等待",
        call_seconds=205,
        call_outcome="solved",
    )
    html = page(login(agent), ticket)
    for kind in ("inbound", "reply", "note", "call"):
        assert f'class="msg msg-{kind}"' in html
    note = re.search(r'<article class="msg msg-note".*?</article>', html, re.S).group(0)
    assert "仓库说明天到" in note and "Only the team sees this" in note
    call = re.search(r'<article class="msg msg-call".*?</article>', html, re.S).group(0)
    assert "3:25" in call and "Answered, solved" in call


def test_the_customer_and_their_orders_sit_beside_the_thread(agent, login, ticket, customer, shop):
    other = services.create_ticket(
        actor=None, customer=customer, shop=shop, subject="", body="上次的问题"
    )
    html = page(login(agent), ticket)
    side = html[html.index('class="ticket-side"') :]
    assert "王芳" in side and "138 1234 5678" in side
    assert "No calls" in side and 'href="tel:' not in side  # consent shown, no call link
    assert ticket.order.external_id in side and "SF1234567" in side and "¥299.00" in side
    assert f"#{other.pk}" in side


def test_the_page_takes_the_same_queries_for_3_or_30_messages(
    agent, login, ticket, django_assert_max_num_queries
):
    client = login(agent)
    client.get(f"/tickets/{ticket.pk}/")  # warm the session and caches

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            page(client, ticket)
        return len(captured.captured_queries)

    for i in range(2):
        services.post_message(actor=agent, ticket=ticket, kind="note", body=f"备注{i}")
    few = count()
    for i in range(28):
        services.post_message(
            actor=agent, ticket=ticket, kind="reply" if i % 2 else "note", body=f"消息{i}"
        )
    assert count() == few
    with django_assert_max_num_queries(30):
        page(client, ticket)


def test_an_agent_replies_adds_a_note_and_logs_a_call(agent, login, ticket, customer):
    client = login(agent)
    response = client.post(f"/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": "已退款"})
    assert response.status_code == 302
    client.post(f"/tickets/{ticket.pk}/messages/", {"kind": "note", "body": "财务已确认"})
    client.post(
        f"/tickets/{ticket.pk}/calls/",
        {"outcome": "no_answer", "minutes": "0", "seconds": "30", "body": "没人接"},
    )
    kinds = list(ticket.messages.order_by("id").values_list("kind", "body", "call_seconds"))
    assert kinds[1:] == [
        ("reply", "已退款", None),
        ("note", "财务已确认", None),
        ("call", "没人接", 30),
    ]
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    customer.refresh_from_db()
    assert customer.last_contact_at is not None


def test_an_htmx_reply_swaps_the_conversation_and_the_status_head(agent, login, ticket):
    response = login(agent).post(
        f"/tickets/{ticket.pk}/messages/",
        {"kind": "reply", "body": "请稍等", "then": "wait_customer"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div class="conversation" id="conversation">')
    assert 'hx-swap-oob="true"' in html and "Waiting on customer" in html
    ticket.refresh_from_db()
    assert ticket.status == S.PENDING_CUSTOMER


def test_an_empty_message_is_refused_with_a_clear_error(agent, login, ticket):
    response = login(agent).post(f"/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": " "})
    assert response.status_code == 400
    assert "Write the message first." in response.content.decode()
    assert ticket.messages.count() == 1
    response = login(agent).post(
        f"/tickets/{ticket.pk}/calls/", {"outcome": "busy", "minutes": "1", "body": ""}
    )
    assert "Write down what was said on the call." in response.content.decode()


def test_status_actions_come_from_the_workflow_table_for_the_role(agent, lead, login, ticket):
    services.change_ticket_status(actor=agent, ticket=ticket, action="solve")
    ticket.refresh_from_db()
    for user in (agent, lead):
        html = page(login(user), ticket)
        offered = set(
            re.findall(
                r'<option value="([a-z_]+)"[^>]*>',
                html.split('id="status-action"')[1].split("</select>")[0],
            )
        )
        expected = {t.action for t in TICKET_WORKFLOW.available(S.SOLVED, user.role)}
        assert offered == expected
    assert "close" not in {t.action for t in TICKET_WORKFLOW.available(S.SOLVED, Role.AGENT)}
    refused = login(agent).post(f"/tickets/{ticket.pk}/status/", {"action": "close"})
    assert refused.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.SOLVED
    login(lead).post(f"/tickets/{ticket.pk}/status/", {"action": "reopen", "reason": "客户又来问"})
    ticket.refresh_from_db()
    assert ticket.status == S.OPEN


def test_taking_handing_back_and_assigning(agent, lead, make_user, login, customer, shop):
    other = make_user(Role.AGENT, "agent-c")
    ticket = services.create_ticket(
        actor=None, customer=customer, shop=shop, subject="", body="在吗"
    )
    login(agent).post(f"/tickets/{ticket.pk}/assign/", {"assignee": "me"})
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    login(other).post(f"/tickets/{ticket.pk}/assign/", {"assignee": "me"})  # not theirs to take
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert "Take it" not in page(login(other), ticket)
    login(lead).post(f"/tickets/{ticket.pk}/assign/", {"assignee": str(other.pk)})
    ticket.refresh_from_db()
    assert ticket.assignee == other
    entry = AuditEntry.objects.filter(action="ticket.assign").latest("id")
    assert entry.changes["assignee"] == [agent.pk, other.pk]


def test_editing_the_ticket_and_an_unknown_category(agent, login, ticket):
    category = Category.objects.create(name="退款")
    client = login(agent)
    data = {
        "subject": "退款未到账",
        "kind": "after_sales",
        "priority": "3",
        "category": str(category.pk),
        "language": "zh-hans",
        "tags": "加急, 老客户",
    }
    assert client.post(f"/tickets/{ticket.pk}/edit/", data).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority, ticket.category) == ("退款未到账", 3, category)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["加急", "老客户"]
    bad = client.post(f"/tickets/{ticket.pk}/edit/", {**data, "category": "999999"})
    assert bad.status_code == 400
    with pytest.raises(Exception, match="Unknown category"):
        services.update_ticket(actor=agent, ticket=ticket, category=999999)


def test_a_closed_ticket_offers_no_reply_box(agent, lead, login, ticket):
    services.change_ticket_status(actor=agent, ticket=ticket, action="solve")
    services.change_ticket_status(actor=lead, ticket=ticket, action="close")
    html = page(login(agent), ticket)
    assert 'id="composer"' not in html and "record a new ticket" in html
    refused = login(agent).post(f"/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": "x"})
    assert refused.status_code == 400


def test_internal_notes_never_reach_the_customer(agent, login, ticket):
    login(agent).post(
        f"/tickets/{ticket.pk}/messages/", {"kind": "note", "body": "客户很难缠，别给补偿"}
    )
    login(agent).post(
        f"/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": "已为您加急处理"}
    )
    seen = [m.body for m in portal.public_messages(ticket)]
    assert "已为您加急处理" in seen
    assert not any("难缠" in body for body in seen)


def test_back_office_reads_the_page_without_forms(finance, login, ticket):
    html = page(login(finance), ticket)
    assert 'id="composer"' not in html and 'id="status-action"' not in html
    assert login(finance).post(f"/tickets/{ticket.pk}/messages/", {"body": "x"}).status_code == 403


# ---------------------------------------------------------------- a new inquiry


def test_an_agent_records_a_phone_call_from_a_known_customer(agent, login, customer, shop):
    order = make_order(shop=shop, customer=customer, external_id="TB2025001")
    response = login(agent).post(
        "/tickets/new/",
        {
            "customer": str(customer.pk),
            "shop": str(shop.pk),
            "channel": "phone",
            "kind": "order",
            "priority": "2",
            "order_number": "TB2025001",
            "body": "来电询问发货时间",
            "assign_to_me": "on",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.latest("id")
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert (ticket.customer, ticket.order, ticket.channel, ticket.assignee) == (
        customer,
        order,
        "phone",
        agent,
    )
    assert ticket.subject == "来电询问发货时间"


def test_a_walk_in_becomes_a_new_customer_and_a_wrong_order_is_refused(agent, login, shop):
    client = login(agent)
    data = {
        "new_name": "李雷",
        "new_phone": "139 0000 1111",
        "shop": str(shop.pk),
        "channel": "in_person",
        "kind": "pre_sales",
        "priority": "2",
        "body": "到店咨询尺码",
    }
    refused = client.post("/tickets/new/", {**data, "order_number": "NOPE-1"})
    assert refused.status_code == 400 and "has no order NOPE-1" in refused.content.decode()
    assert not Customer.objects.filter(name="李雷").exists()  # nothing half-made
    assert client.post("/tickets/new/", data).status_code == 302
    ticket = Ticket.objects.latest("id")
    assert ticket.customer.name == "李雷" and ticket.channel == "in_person"
    lookup = client.get("/tickets/new/customers/", {"who": "1111"})
    assert "李雷" in lookup.content.decode()


def test_a_new_ticket_needs_someone_and_something_said(agent, login, shop):
    response = login(agent).post("/tickets/new/", {"shop": str(shop.pk), "body": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose the customer, or give the name of a new customer." in html
    assert "Write down what the customer asked or said." in html


def test_search_page_finds_customers_and_tickets(agent, login, ticket, customer):
    html = login(agent).get("/tickets/search/", {"q": "退款"}).content.decode()
    assert f"#{ticket.pk}" in html
    html = login(agent).get("/tickets/search/", {"q": "5678"}).content.decode()
    assert "王芳" in html and f"#{ticket.pk}" in html  # the customer's phone finds their ticket


def test_sla_due_time_shows_on_the_page(agent, login, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due=timezone.now() - dt.timedelta(minutes=5)
    )
    assert "First response overdue" in page(login(agent), ticket)


def test_message_counts(ticket):
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_cases_and_complaints_opened_from_a_ticket_are_listed_on_it(agent, login, customer, shop):
    from kefu.complaints.services import register_complaint

    ticket = services.create_ticket(
        actor=None, customer=customer, shop=shop, subject="", body="快递员态度很差"
    )
    complaint = register_complaint(
        actor=agent,
        customer=customer,
        content="快递员态度很差",
        channel="chat",
        category="service",
        severity="medium",
        ticket=ticket,
    )
    html = page(login(agent), ticket)
    assert f'href="/complaints/{complaint.pk}/"' in html
    assert f"/complaints/new/?ticket={ticket.pk}" in html
