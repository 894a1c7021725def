"""Each step's due time (policies per shop), the overdue sweep and where the lead sees it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.complaints import selectors, services
from kefu.complaints.models import Complaint, Status
from kefu.core import jobs, policies
from kefu.core.errors import DomainError
from kefu.core.models import AuditEntry
from kefu.customers.timeline import timeline
from kefu.web import overdue
from tests.complaints.helpers import register, walk_to
from tests.factories import make_shop

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def _close_to(a, b):
    return abs(a - b) < dt.timedelta(seconds=5)


def test_each_step_gets_its_policy_due_time(agent, lead, shop):
    c = register(agent, shop)
    assert _close_to(c.due_at, timezone.now() + 24 * H)  # judge within 24 h
    c = walk_to(c, Status.INVESTIGATING, agent=agent, lead=lead)
    assert c.due_at == c.investigation_due
    assert _close_to(c.due_at, timezone.now() + 72 * H)  # the promised time, by default
    expected = {
        Status.CAUSE_FOUND: 24,
        Status.SOLUTIONS_PROPOSED: 24,
        Status.IMPLEMENTING: 48,
        Status.AWAITING_CONFIRMATION: 72,
        Status.FOLLOWING_UP: 72,
        Status.FOLLOWED_UP: 24,
    }
    for status, hours in expected.items():
        c = walk_to(c, status, agent=agent, lead=lead)
        assert _close_to(c.due_at, timezone.now() + hours * H), status
    c = walk_to(c, Status.CLOSED, agent=agent, lead=lead)
    assert c.due_at is None


def test_the_promised_investigation_time_is_the_due_time(agent, shop):
    c = register(agent, shop)
    promised = timezone.now() + 5 * 24 * H
    c = services.act(
        actor=agent,
        complaint=c,
        action="judge_founded",
        department="客服部",
        investigation_due=promised,
    )
    assert c.due_at == promised == c.investigation_due
    d = register(agent, shop)
    for bad in (timezone.now() - H, "next tuesday"):
        with pytest.raises(DomainError) as err:
            services.act(
                actor=agent,
                complaint=d,
                action="judge_founded",
                department="客服部",
                investigation_due=bad,
            )
        assert "investigation_due" in err.value.fields


def test_a_shop_s_own_policy_wins(agent, admin_user, shop):
    other = make_shop()
    policies.set_value(actor=admin_user, key="complaints.judge_hours", value=4, shop=shop)
    assert _close_to(register(agent, shop).due_at, timezone.now() + 4 * H)
    assert _close_to(register(agent, other).due_at, timezone.now() + 24 * H)


def test_adding_a_second_solution_keeps_the_decision_due_time(agent, lead, shop):
    c = walk_to(register(agent, shop), Status.SOLUTIONS_PROPOSED, agent=agent, lead=lead)
    due = c.due_at
    c = services.act(actor=agent, complaint=c, action="propose", description="退款")
    assert c.due_at == due


def test_sweep_flags_overdue_once_and_audits(agent, shop):
    late = register(agent, shop)
    fresh = register(agent, shop)
    later = timezone.now() + 25 * H
    assert services.flag_overdue(later) == 2  # both were registered 25 h before then
    Complaint.objects.filter(pk=fresh.pk).update(overdue_flagged_at=None, due_at=later + H)
    assert services.flag_overdue(later) == 0  # flagged once only; fresh is not due
    late.refresh_from_db()
    assert late.overdue_flagged_at == later
    entry = AuditEntry.objects.get(action="complaint.overdue", object_id=str(late.pk))
    assert entry.actor is None and entry.actor_label == "system"
    # the next step clears the flag and sets a new due time
    late = services.act(actor=agent, complaint=late, action="judge_founded", department="质检部")
    assert late.overdue_flagged_at is None and late.due_at > timezone.now()


def test_closed_complaints_are_never_flagged(agent, lead, shop):
    c = walk_to(register(agent, shop), Status.CLOSED, agent=agent, lead=lead)
    assert services.flag_overdue(timezone.now() + 1000 * H) == 0
    c.refresh_from_db()
    assert c.overdue_flagged_at is None


def test_the_sweep_is_registered_and_runs_from_the_tick(agent, shop):
    register(agent, shop)
    later = timezone.now() + 30 * H
    result = jobs.run_due_sweeps(later, only={"complaints.flag_overdue"})
    assert result == {"complaints.flag_overdue": {"flagged": 1}}


def test_overdue_on_the_lead_s_list_today_page_and_filter(login, agent, lead, shop):
    late = register(agent, shop, content="迟迟没有处理")
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - 2 * H)
    on_time = register(agent, shop, content="刚登记的投诉")
    Complaint.objects.filter(pk=on_time.pk).update(due_at=timezone.now() + 30 * 24 * H)
    services.flag_overdue()
    client = login(lead)
    page = client.get(reverse("complaints:list"), {"overdue": "1"}).content.decode()
    assert "迟迟没有处理" in page and "刚登记的投诉" not in page
    assert 'class="row-overdue"' in page
    assert "1 complaint is past its step" in client.get(reverse("complaints:list")).content.decode()
    rows = [r for r in overdue.collect(lead) if r.kind == "complaint"]
    assert [r.item.url for r in rows] == [late.get_absolute_url()]
    assert rows[0].overdue
    today = client.get(reverse("web:today")).content.decode()
    assert late.get_absolute_url() in today


def test_dashboard_counts(agent, lead, make_user, shop):
    mine = walk_to(register(agent, shop), Status.SOLUTIONS_PROPOSED, agent=agent, lead=lead)
    register(agent, shop)  # registered by the agent, no owner yet
    other = make_user("agent", "agent-b")
    register(other, shop)
    walk_to(register(agent, shop), Status.CLOSED, agent=agent, lead=lead)
    assert selectors.dashboard_my_open_complaints(agent) == 2
    assert selectors.dashboard_my_open_complaints(other) == 1
    assert selectors.dashboard_solutions_to_approve(lead) == 1
    assert selectors.dashboard_solutions_to_approve(agent) == 0
    assert mine.owner == agent


def test_customer_timeline_shows_complaints(agent, shop):
    c = register(agent, shop, content="包装破损")
    items = [i for i in timeline(c.customer) if i.kind == "complaint"]
    assert len(items) == 1
    assert items[0].url == c.get_absolute_url() and "包装破损" in items[0].title
    assert items[0].status == "Registered"


def test_customer_page_lists_the_complaint(login, agent, shop):
    c = register(agent, shop, content="退款一直没到账")
    page = login(agent).get(reverse("customers:detail", args=[c.customer_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert c.get_absolute_url() in html and "退款一直没到账" in html
