"""Escalation (tickets.escalation): an agent asks the lead, the lead answers, the answer
reaches the customer the same day; the lead's list with ages; the panel; the API."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import (
    NoReverseMatch,
    Resolver404,
    clear_url_caches,
    include,
    path,
    resolve,
    reverse,
)
from ninja import NinjaAPI

from kefu.core import api as core_api
from kefu.core import policies
from kefu.core.audit import history
from kefu.core.errors import Conflict, DomainError, NotAllowed
from kefu.tickets import escalation, services
from kefu.tickets.models import BusinessCalendar, Escalation, Message, SLAPolicy, Ticket
from tests.conftest import assert_error
from tests.factories import make_customer, make_shop

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def set(self, *args) -> dt.datetime:
        self.now = at(*args)
        return self.now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    c = Clock(at(2025, 9, 22, 10, 0))
    with mock.patch("django.utils.timezone.now", c):
        yield c


# ---------------------------------------------------------------- URLs until they are mounted


def _test_api():
    """A NinjaAPI of its own with the escalation router, behaving like /api/v1/."""
    from kefu.tickets.api_escalation import router

    own = NinjaAPI(
        auth=core_api.BearerToken(),
        parser=core_api.KefuParser(),
        urls_namespace="escalation_api_test",
    )
    own._exception_handlers = dict(core_api.api._exception_handlers)
    own.add_router("/escalations", router)
    return own


@pytest.fixture(autouse=True)
def escalation_urls(settings):
    """Use the project's URLs; where the escalation screens or API are not mounted yet,
    mount them in front of the project's for this module's tests."""
    import kefu.urls

    try:
        reverse("tickets:escalations")
        views_mounted = True
    except NoReverseMatch:
        views_mounted = False
    try:
        resolve("/api/v1/escalations")
        api_mounted = True
    except Resolver404:
        api_mounted = False
    if views_mounted and api_mounted:
        yield
        return
    extra = []
    if not api_mounted:
        extra.append(path("api/v1/", _test_api().urls))
    if not views_mounted:
        escalations = [path("escalations/", include("kefu.tickets.urls_escalation"))]
        extra.append(path("tickets/", include((escalations, "tickets"))))

    class Urls:
        urlpatterns = [*extra, *kefu.urls.urlpatterns]

    settings.ROOT_URLCONF = Urls
    clear_url_caches()
    yield
    clear_url_caches()


# ---------------------------------------------------------------- the world


@pytest.fixture
def calendar(db):
    """Mon–Fri 09:00–18:00 in Shanghai, the only SLA policy."""
    SLAPolicy.objects.all().delete()
    cal = BusinessCalendar.objects.create(
        name="升级日历",
        time_zone="Asia/Shanghai",
        weekly_hours={str(d): [["09:00", "18:00"]] for d in range(5)},
    )
    SLAPolicy.objects.create(
        name="Default", calendar=cal, first_response_minutes=120, resolution_minutes=1080
    )
    return cal


@pytest.fixture
def ticket(calendar, clock):
    return services.create_ticket(
        actor=None,
        customer=make_customer(),
        shop=make_shop(),
        subject="要求免费退货",
        body="衣服穿了一次就起球了,我要退货,运费你们出。",
        created_at=clock.now,
    )


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


# ---------------------------------------------------------------- escalate


def test_an_agent_escalates_with_a_question(ticket, agent, clock):
    clock.set(2025, 9, 22, 10, 30)
    item = escalation.escalate(actor=agent, ticket=ticket, reason="顾客要求免运费退货,可以吗?")
    assert item.raised_by == agent
    assert item.answer_due == at(2025, 9, 22, 18, 0)  # the end of today's business day
    stored = reload(ticket)
    assert stored.escalated_at == at(2025, 9, 22, 10, 30)
    assert stored.status == Ticket.Status.PENDING_INTERNAL
    note = stored.messages.get(kind=Message.Kind.NOTE)
    assert "顾客要求免运费退货" in note.body
    entry = history(ticket).get(action="ticket.escalate")
    assert entry.actor == agent and entry.reason == "顾客要求免运费退货,可以吗?"
    assert entry.changes["escalation"] == item.pk


def test_a_question_is_required(ticket, agent):
    with pytest.raises(DomainError) as refused:
        escalation.escalate(actor=agent, ticket=ticket, reason="   ")
    assert "reason" in refused.value.fields
    assert not Escalation.objects.exists()


def test_only_those_who_work_tickets_escalate(ticket, finance):
    with pytest.raises(NotAllowed):
        escalation.escalate(actor=finance, ticket=ticket, reason="?")


def test_one_open_escalation_per_ticket(ticket, agent):
    escalation.escalate(actor=agent, ticket=ticket, reason="第一次")
    with pytest.raises(Conflict):
        escalation.escalate(actor=agent, ticket=ticket, reason="第二次")


def test_a_solved_ticket_is_not_escalated(ticket, agent):
    services.change_ticket_status(actor=agent, ticket=ticket, action="solve")
    with pytest.raises(Conflict):
        escalation.escalate(actor=agent, ticket=ticket, reason="?")


def test_late_in_the_day_the_answer_is_due_by_the_next_business_days_end(ticket, agent, clock):
    clock.set(2025, 9, 26, 17, 30)  # Friday, half an hour before closing
    item = escalation.escalate(actor=agent, ticket=ticket, reason="能不能补发?")
    assert item.answer_due == at(2025, 9, 29, 18, 0)  # Monday


def test_the_grace_before_closing_is_a_policy(ticket, agent, clock, admin_user):
    policies.set_value(actor=admin_user, key="tickets.escalation_grace_minutes", value=15)
    clock.set(2025, 9, 26, 17, 30)
    item = escalation.escalate(actor=agent, ticket=ticket, reason="能不能补发?")
    assert item.answer_due == at(2025, 9, 26, 18, 0)


def test_raised_at_the_weekend_it_is_due_by_mondays_end(ticket, agent, clock):
    clock.set(2025, 9, 27, 11, 0)  # Saturday
    item = escalation.escalate(actor=agent, ticket=ticket, reason="周末的问题")
    assert item.answer_due == at(2025, 9, 29, 18, 0)


# ---------------------------------------------------------------- answer


def test_the_leads_answer_goes_to_the_customer_the_same_day(ticket, agent, lead, clock):
    item = escalation.escalate(actor=agent, ticket=ticket, reason="可以免运费吗?")
    clock.set(2025, 9, 22, 15, 0)
    answered = escalation.answer_escalation(
        actor=lead, escalation=item, answer="可以,这次运费由我们承担。"
    )
    assert answered.answered_by == lead
    assert answered.answered_at == answered.customer_told_at == at(2025, 9, 22, 15, 0)
    stored = reload(ticket)
    reply = stored.messages.get(kind=Message.Kind.REPLY)
    assert (reply.author, reply.body) == (lead, "可以,这次运费由我们承担。")
    assert stored.first_response_at == at(2025, 9, 22, 15, 0)
    assert stored.escalated_at is None
    assert stored.status == Ticket.Status.OPEN  # back with the agent
    entry = history(ticket).get(action="ticket.escalation.answer")
    assert entry.actor == lead
    assert not escalation.open_escalations().exists()


def test_an_answer_kept_for_the_agent_waits_until_they_tell_the_customer(
    ticket, agent, lead, clock
):
    item = escalation.escalate(actor=agent, ticket=ticket, reason="怎么回复?")
    escalation.answer_escalation(
        actor=lead, escalation=item, answer="先道歉,再补发。", send_to_customer=False
    )
    stored = reload(ticket)
    assert not stored.messages.filter(kind=Message.Kind.REPLY).exists()
    assert "先道歉,再补发。" in stored.messages.filter(kind=Message.Kind.NOTE).last().body
    assert list(escalation.untold_escalations()) == [reload(item)]
    clock.set(2025, 9, 22, 16, 0)
    told = escalation.mark_customer_told(actor=agent, escalation=item)
    assert told.customer_told_at == at(2025, 9, 22, 16, 0)
    assert not escalation.untold_escalations().exists()
    with pytest.raises(Conflict):
        escalation.mark_customer_told(actor=agent, escalation=item)


def test_only_a_lead_answers_and_only_once(ticket, agent, lead):
    item = escalation.escalate(actor=agent, ticket=ticket, reason="?")
    with pytest.raises(NotAllowed):
        escalation.answer_escalation(actor=agent, escalation=item, answer="我自己答")
    with pytest.raises(DomainError):
        escalation.answer_escalation(actor=lead, escalation=item, answer="")
    escalation.answer_escalation(actor=lead, escalation=item, answer="好")
    with pytest.raises(Conflict):
        escalation.answer_escalation(actor=lead, escalation=item, answer="再答")


# ---------------------------------------------------------------- the lead's list


def test_open_escalations_oldest_first_with_age_and_overdue(calendar, agent, clock):
    shop = make_shop()

    def raise_one(when, reason):
        clock.set(*when)
        t = services.create_ticket(
            actor=None, customer=make_customer(), shop=shop, subject=reason, body=reason
        )
        return escalation.escalate(actor=agent, ticket=t, reason=reason)

    older = raise_one((2025, 9, 22, 10, 0), "昨天的")
    newer = raise_one((2025, 9, 23, 11, 0), "今天的")
    clock.set(2025, 9, 23, 12, 0)
    rows = list(escalation.open_escalations())
    assert [e.pk for e in rows] == [older.pk, newer.pk]
    assert rows[0].age == dt.timedelta(hours=26)
    assert rows[0].is_overdue and not rows[1].is_overdue


def test_the_lead_sees_the_list_with_ages_and_overdue_rows(ticket, agent, lead, login, clock):
    escalation.escalate(actor=agent, ticket=ticket, reason="顾客要赔偿")
    clock.set(2025, 9, 23, 9, 30)
    page = login(lead).get(reverse("tickets:escalations"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "顾客要赔偿" in html
    assert 'class="row-overdue"' in html
    assert "23" in html and "hours" in html  # the age: 23 hours, 30 minutes


def test_agents_do_not_see_the_leads_list(agent, login, db):
    assert login(agent).get(reverse("tickets:escalations")).status_code == 403


def test_the_lead_answers_from_the_list(ticket, agent, lead, login):
    item = escalation.escalate(actor=agent, ticket=ticket, reason="可以退吗")
    client = login(lead)
    url = reverse("tickets:escalation_answer", args=[item.pk])
    response = client.post(url, {"answer": "可以退", "send_to_customer": "1"})
    assert response.status_code == 302
    assert reload(item).customer_told_at is not None
    again = client.post(url, {"answer": "再答"}, follow=True)
    assert "answered already" in again.content.decode()


# ---------------------------------------------------------------- the panel


def test_the_panel_offers_the_agent_to_escalate_and_the_lead_to_answer(ticket, agent, lead, login):
    panel_url = reverse("tickets:escalation_panel", args=[ticket.pk])
    agent_client = login(agent)
    assert 'name="reason"' in agent_client.get(panel_url).content.decode()

    escalate_url = reverse("tickets:escalate", args=[ticket.pk])
    refused = agent_client.post(escalate_url, {"reason": " "}, headers={"HX-Request": "true"})
    assert refused.status_code == 200
    assert 'class="field-error"' in refused.content.decode()

    done = agent_client.post(escalate_url, {"reason": "能赔吗"}, headers={"HX-Request": "true"})
    html = done.content.decode()
    assert 'id="escalation-panel"' in html and "能赔吗" in html
    assert 'name="reason"' not in html and 'name="answer"' not in html

    lead_html = login(lead).get(panel_url).content.decode()
    assert 'name="answer"' in lead_html


def test_without_htmx_the_forms_come_back_to_a_page(ticket, agent, login):
    response = login(agent).post(reverse("tickets:escalate", args=[ticket.pk]), {"reason": "?"})
    assert response.status_code == 302
    assert Escalation.objects.filter(ticket=ticket).exists()


def test_who_may_not_escalate_gets_403(ticket, finance, login):
    response = login(finance).post(reverse("tickets:escalate", args=[ticket.pk]), {"reason": "?"})
    assert response.status_code == 403


# ---------------------------------------------------------------- API


def test_api_escalate_list_answer(ticket, agent, lead, api_as):
    as_agent, as_lead = api_as(agent), api_as(lead)
    created = as_agent.post("/escalations", {"ticket_id": ticket.pk, "reason": "能补偿吗"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["ticket_id"] == ticket.pk and body["reason"] == "能补偿吗"
    assert body["answered_at"] is None and body["overdue"] is False

    listed = as_lead.get("/escalations", {"open": "true"})
    assert [e["id"] for e in listed.json()["items"]] == [body["id"]]
    assert as_lead.get("/escalations", {"open": "false"}).json()["items"] == []

    assert_error(as_agent.post(f"/escalations/{body['id']}/answer", {"answer": "x"}), 403)
    answered = as_lead.post(f"/escalations/{body['id']}/answer", {"answer": "补偿10元"})
    assert answered.status_code == 200, answered.content
    assert answered.json()["customer_told_at"] is not None
    assert_error(as_lead.post(f"/escalations/{body['id']}/answer", {"answer": "再"}), 409)
    assert as_lead.get(f"/escalations/{body['id']}").json()["answer"] == "补偿10元"


def test_api_refusals(ticket, agent, finance, api_as):
    as_agent = api_as(agent)
    assert_error(as_agent.post("/escalations", {"ticket_id": 10**12, "reason": "?"}), 404)
    assert_error(as_agent.post("/escalations", {"ticket_id": ticket.pk, "reason": ""}), 422)
    assert_error(as_agent.post("/escalations", {"ticket_id": ticket.pk, "reason": "  "}), 400)
    assert_error(api_as(finance).post("/escalations", {"ticket_id": ticket.pk, "reason": "?"}), 403)
    assert_error(api_as(None).get("/escalations"), 401)
    assert_error(as_agent.get("/escalations/999999"), 404)
    as_agent.post("/escalations", {"ticket_id": ticket.pk, "reason": "一"})
    assert_error(as_agent.post("/escalations", {"ticket_id": ticket.pk, "reason": "二"}), 409)


def test_the_panel_lets_the_agent_mark_the_answer_as_told(ticket, agent, lead, login):
    item = escalation.escalate(actor=agent, ticket=ticket, reason="怎么回?")
    lead_client = login(lead)
    answered = lead_client.post(
        reverse("tickets:escalation_answer", args=[item.pk]),
        {"answer": "道歉并补发"},  # no send_to_customer: kept for the agent
        headers={"HX-Request": "true"},
    )
    html = answered.content.decode()
    assert "道歉并补发" in html and "Customer not told yet" in html
    agent_client = login(agent)
    told_url = reverse("tickets:escalation_told", args=[item.pk])
    assert (
        told_url
        in agent_client.get(reverse("tickets:escalation_panel", args=[ticket.pk])).content.decode()
    )
    after = agent_client.post(told_url, headers={"HX-Request": "true"})
    assert "Customer told" in after.content.decode()
    assert reload(item).customer_told_at is not None
    again = agent_client.post(told_url, headers={"HX-Request": "true"})
    assert "told already" in again.content.decode()
