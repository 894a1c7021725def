"""The call screens as an agent and a lead use them, the dashboard cards, the Today page
and the customer's timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.core.roles import Role
from kefu.customers.timeline import timeline
from kefu.followups import selectors
from kefu.followups.models import CallScript, FollowUpTask, Reason
from kefu.web import overdue

from .conftest import at, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(clock, sh_shop, customer, agent):
    CallScript.objects.create(
        reason=Reason.DELIVERY,
        text_zh="您好{name}，感谢您在{date}的购买（订单{order}）。{customer.__class__}",
        text_en="Hello {name}",
    )
    return make_task(sh_shop, customer, owner=agent)


def test_the_call_screen_lists_the_agents_calls(task, agent, login, clock):
    clock.set(2026, 3, 2, 10, 0)
    page = login(agent).get(reverse("followups:calls"))
    assert page.status_code == 200
    assert "王芳" in page.content.decode()


def test_another_agent_does_not_see_the_call(task, make_user, login):
    other = make_user(Role.AGENT, "other")
    assert "王芳" not in login(other).get(reverse("followups:calls")).content.decode()
    assert login(other).get(reverse("followups:task", args=[task.pk])).status_code == 404


def test_back_office_has_no_call_screen(finance, login):
    assert login(finance).get(reverse("followups:calls")).status_code == 403


def test_the_task_page_fills_the_script_safely(task, agent, login):
    body = login(agent).get(reverse("followups:task", args=[task.pk])).content.decode()
    assert "您好王芳，感谢您在2026-02-27的购买（订单" + task.order.external_id in body
    assert "{customer.__class__}" in body  # not a placeholder: left as typed
    assert "13800138000" in body


def test_an_attempt_from_the_screen(task, agent, login):
    client = login(agent)
    url = reverse("followups:task_action", args=[task.pk, "attempt"])
    bad = client.post(url, {"outcome": "reached"})
    assert bad.status_code == 400
    assert "satisfied" in bad.content.decode()
    ok = client.post(url, {"outcome": "reached", "satisfaction": "unsatisfied", "to_improve": "慢"})
    assert ok.status_code == 302
    ticket = client.post(reverse("followups:task_action", args=[task.pk, "ticket"]))
    assert ticket.status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.ticket_id


def test_a_call_back_time_is_read_in_the_customers_zone(task, agent, login):
    login(agent).post(
        reverse("followups:task_action", args=[task.pk, "attempt"]),
        {"outcome": "call_back", "call_back_at": "2026-03-03T15:00"},
    )
    task.refresh_from_db()
    assert task.call_back_at == at(2026, 3, 3, 15, 0)


def test_an_agent_cannot_cancel_from_the_screen(task, agent, login):
    r = login(agent).post(
        reverse("followups:task_action", args=[task.pk, "cancel"]), {"reason": "x"}
    )
    assert r.status_code == 403
    task.refresh_from_db()
    assert task.status == "open"


def test_dashboard_cards_and_today_page(task, agent, lead, clock):
    clock.set(2026, 3, 6, 10, 0)  # past the window's end
    assert selectors.dashboard_my_overdue_calls(agent) == 1
    assert selectors.dashboard_my_overdue_calls(lead) == 0
    assert selectors.dashboard_team_overdue_calls(lead) == 1
    assert selectors.dashboard_team_overdue_calls(agent) == 0
    _label, source = overdue.sources()["followup"]
    items = list(source(lead, clock.now))
    assert [i.url for i in items] == [reverse("followups:task", args=[task.pk])]


def test_the_customers_timeline_shows_the_call(task, customer):
    items = timeline(customer, kinds={"followup"})
    assert [i.kind for i in items] == ["followup"]


def test_the_lead_sees_everyones_calls(task, lead, login, clock):
    clock.set(2026, 3, 2, 10, 0)
    assert "王芳" in login(lead).get(reverse("followups:calls")).content.decode()
    assert FollowUpTask.objects.count() == 1


def test_the_dashboard_and_today_page_show_overdue_calls(task, agent, lead, login, clock):
    clock.set(2026, 3, 6, 10, 0)
    assert login(agent).get(reverse("web:dashboard")).status_code == 200
    today = login(lead).get(reverse("web:today"))
    assert today.status_code == 200
    assert reverse("followups:task", args=[task.pk]) in today.content.decode()


def test_an_unsatisfied_call_offers_a_ticket_and_a_complaint(task, agent, login):
    from kefu.followups import services

    services.record_attempt(
        actor=agent, task=task, outcome="reached", satisfaction="unsatisfied", to_improve="慢"
    )
    client = login(agent)
    body = client.get(reverse("followups:task", args=[task.pk])).content.decode()
    assert f"followups/{task.pk}/ticket/" in body and "/complaint/" in body
    assert 'name="outcome"' not in body  # a done call takes no more attempts
    assert (
        client.post(reverse("followups:task_action", args=[task.pk, "complaint"])).status_code
        == 302
    )
    task.refresh_from_db()
    assert task.complaint_id


def test_a_lead_filters_the_list_by_agent(task, lead, make_user, login, clock):
    clock.set(2026, 3, 2, 10, 0)
    other = make_user(Role.AGENT, "other")
    client = login(lead)
    assert (
        "王芳" in client.get(reverse("followups:calls"), {"owner": task.owner_id}).content.decode()
    )
    assert (
        "王芳" not in client.get(reverse("followups:calls"), {"owner": other.pk}).content.decode()
    )


def test_admin_edits_rules_scripts_and_events(admin_user, login):
    client = login(admin_user)
    for model in ("followuprule", "callscript", "event"):
        assert client.get(f"/admin/followups/{model}/").status_code == 200
        assert client.get(f"/admin/followups/{model}/add/").status_code == 200
