"""Recording calls: every attempt kept, call-backs reschedule, unanswered calls fail after
the policy's attempts, roles and ownership enforced, unsatisfied answers become a ticket
or a complaint in one click."""

from __future__ import annotations

import pytest

from kefu.core import policies
from kefu.core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from kefu.core.models import AuditEntry
from kefu.core.roles import Role
from kefu.followups import services
from kefu.followups.models import CallAttempt, FollowUpTask

from .conftest import at, make_task

pytestmark = pytest.mark.django_db
S = FollowUpTask.Status


@pytest.fixture
def task(clock, sh_shop, customer, agent):
    return make_task(sh_shop, customer, owner=agent)


def test_a_reached_call_records_the_answer_and_is_done(task, agent, clock):
    done = services.record_attempt(
        actor=agent,
        task=task,
        outcome="reached",
        satisfaction="neutral",
        to_improve="快递太慢",
        suggestions="希望用顺丰",
    )
    assert done.status == S.DONE and done.closed_at == clock.now
    assert (done.satisfaction, done.to_improve, done.suggestions) == (
        "neutral",
        "快递太慢",
        "希望用顺丰",
    )
    assert CallAttempt.objects.get(task=task).outcome == "reached"
    entry = AuditEntry.objects.filter(action="followup.reached").get()
    assert (entry.from_state, entry.to_state) == ("open", "done")
    task.customer.refresh_from_db()
    assert task.customer.last_contact_at == clock.now


def test_a_reached_call_needs_the_satisfaction_answer(task, agent):
    with pytest.raises(DomainError) as exc:
        services.record_attempt(actor=agent, task=task, outcome="reached")
    assert "satisfaction" in exc.value.fields
    assert CallAttempt.objects.count() == 0


def test_call_back_at_a_new_time_reschedules(task, agent, clock):
    when = at(2026, 3, 7, 15, 0)
    moved = services.record_attempt(actor=agent, task=task, outcome="call_back", call_back_at=when)
    assert moved.status == S.RESCHEDULED and moved.call_back_at == when
    assert moved.due_end == at(2026, 3, 7, 20, 0)  # the window stretches to that day's end
    with pytest.raises(DomainError):
        services.record_attempt(
            actor=agent, task=moved, outcome="call_back", call_back_at=at(2026, 3, 1, 9, 0)
        )


def test_unanswered_calls_fail_after_the_policys_attempts(task, agent, admin_user, sh_shop):
    policies.set_value(actor=admin_user, key="followups.max_attempts", value=2, shop=sh_shop)
    t = services.record_attempt(actor=agent, task=task, outcome="no_answer")
    assert t.status == S.OPEN and t.attempts == 1
    t = services.record_attempt(actor=agent, task=t, outcome="busy")
    assert t.status == S.FAILED and t.attempts == 2
    assert AuditEntry.objects.filter(action="followup.fail", actor=None).exists()
    with pytest.raises(InvalidTransition):
        services.record_attempt(actor=agent, task=t, outcome="no_answer")


def test_a_wrong_number_fails_at_once(task, agent):
    assert services.record_attempt(actor=agent, task=task, outcome="wrong_number").status == (
        S.FAILED
    )


def test_nobody_fails_a_call_by_hand(task, lead):
    with pytest.raises(NotAllowed):
        services.change_status(actor=lead, task=task, action="fail", reason="x")


def test_a_lead_cancels_with_a_reason_an_agent_cannot(task, agent, lead):
    with pytest.raises(NotAllowed):
        services.change_status(actor=agent, task=task, action="cancel", reason="不用打")
    with pytest.raises(DomainError):
        services.change_status(actor=lead, task=task, action="cancel", reason="")
    t = services.change_status(actor=lead, task=task, action="cancel", reason="客户已来店")
    assert t.status == S.CANCELLED
    with pytest.raises(InvalidTransition):
        services.change_status(actor=lead, task=t, action="reopen", reason="再试")


def test_a_lead_reopens_a_failed_call_with_fresh_attempts(task, agent, lead):
    t = services.record_attempt(actor=agent, task=task, outcome="wrong_number")
    t = services.change_status(actor=lead, task=t, action="reopen", reason="找到新号码")
    assert t.status == S.OPEN and t.attempts == 0 and t.closed_at is None


def test_an_agent_works_only_their_own_calls(task, make_user):
    other = make_user(Role.AGENT, "other")
    with pytest.raises(NotAllowed):
        services.record_attempt(actor=other, task=task, outcome="no_answer")


@pytest.mark.parametrize("role", [Role.FINANCE, Role.WAREHOUSE])
def test_back_office_roles_make_no_calls(task, make_user, role):
    with pytest.raises(NotAllowed):
        services.record_attempt(actor=make_user(role), task=task, outcome="no_answer")


def test_a_lead_may_call_for_an_agent_and_reassign(task, lead, make_user):
    other = make_user(Role.AGENT, "other")
    services.reassign(actor=lead, task=task, owner=other)
    task.refresh_from_db()
    assert task.owner == other
    with pytest.raises(NotAllowed):
        services.reassign(actor=other, task=task, owner=other)
    assert services.record_attempt(actor=lead, task=task, outcome="busy").attempts == 1


def unsatisfied(task, agent):
    return services.record_attempt(
        actor=agent,
        task=task,
        outcome="reached",
        satisfaction="unsatisfied",
        to_improve="围巾起球，客服回复慢",
    )


def test_an_unsatisfied_answer_opens_a_ticket_in_one_click(task, agent):
    t = unsatisfied(task, agent)
    ticket = services.open_ticket(actor=agent, task=t)
    t.refresh_from_db()
    assert t.ticket == ticket
    assert ticket.customer == t.customer and ticket.order == t.order and ticket.channel == "phone"
    assert "围巾起球" in ticket.messages.first().body
    with pytest.raises(Conflict):
        services.open_ticket(actor=agent, task=t)


def test_an_unsatisfied_answer_opens_a_complaint_in_one_click(task, agent):
    from kefu.complaints.models import Complaint

    t = unsatisfied(task, agent)
    complaint = services.open_complaint(actor=agent, task=t)
    t.refresh_from_db()
    assert t.complaint_id == complaint.pk
    c = Complaint.objects.get(pk=complaint.pk)
    assert c.customer == t.customer and c.shop == t.shop and "围巾起球" in c.content
    with pytest.raises(Conflict):
        services.open_complaint(actor=agent, task=t)


def test_a_satisfied_answer_opens_nothing(task, agent):
    t = services.record_attempt(actor=agent, task=task, outcome="reached", satisfaction="satisfied")
    with pytest.raises(Conflict):
        services.open_ticket(actor=agent, task=t)
    with pytest.raises(Conflict):
        services.open_complaint(actor=agent, task=t)
