"""The workflow base, exercised through the ticket status table (a real workflow)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.core.audit import history
from kefu.core.errors import DomainError, InvalidTransition, NotAllowed
from kefu.core.roles import Role
from kefu.core.workflow import SYSTEM, Transition, Workflow, rows
from kefu.tickets.models import Ticket
from kefu.tickets.services import change_ticket_status
from kefu.tickets.workflow import TICKET_WORKFLOW
from tests.factories import make_customer, make_shop, make_ticket

pytestmark = pytest.mark.django_db
ROLES = [*Role.values, SYSTEM]
ACTIONS = sorted(TICKET_WORKFLOW.actions)


@pytest.fixture
def ticket():
    return make_ticket(shop=make_shop(), customer=make_customer())


def set_status(ticket: Ticket, status: str) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=status)


def test_illegal_transition_is_refused_with_a_clear_error(ticket, agent):
    with pytest.raises(InvalidTransition) as exc:
        change_ticket_status(actor=agent, ticket=ticket, action="close")
    assert "close" in exc.value.message
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert not history(ticket).exists()


def test_transition_by_a_role_the_table_does_not_name_is_forbidden(ticket, warehouse):
    with pytest.raises(NotAllowed):
        change_ticket_status(actor=warehouse, ticket=ticket, action="open")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


def test_reopen_needs_a_reason(ticket, agent):
    change_ticket_status(actor=agent, ticket=ticket, action="solve")
    with pytest.raises(DomainError):
        change_ticket_status(actor=agent, ticket=ticket, action="reopen", reason="  ")
    change_ticket_status(actor=agent, ticket=ticket, action="reopen", reason="customer wrote again")
    entry = history(ticket).last()
    assert (entry.from_state, entry.to_state, entry.reason) == (
        "solved",
        "open",
        "customer wrote again",
    )


@pytest.mark.parametrize(
    ("state", "action", "role"), list(itertools.product(TICKET_WORKFLOW.states, ACTIONS, ROLES))
)
def test_every_state_action_role_triple_does_what_the_table_says(
    make_user, ticket, state, action, role
):
    """Walk the whole table: allowed triples move and are audited; all others are refused."""
    actor = None if role == SYSTEM else make_user(role)
    set_status(ticket, state)
    row = TICKET_WORKFLOW.transition(state, action)
    reason = "because" if row and row.needs_reason else ""
    if row is None:
        with pytest.raises(InvalidTransition):
            change_ticket_status(actor=actor, ticket=ticket, action=action, reason=reason)
    elif role not in row.roles:
        with pytest.raises(NotAllowed):
            change_ticket_status(actor=actor, ticket=ticket, action=action, reason=reason)
    else:
        moved = change_ticket_status(actor=actor, ticket=ticket, action=action, reason=reason)
        assert moved.status == row.target
        entry = history(ticket).last()
        assert entry.actor_id == (actor.pk if actor else None)
        assert (entry.action, entry.from_state, entry.to_state) == (
            f"ticket.{action}",
            state,
            row.target,
        )
        return
    ticket.refresh_from_db()
    assert ticket.status == state
    assert not history(ticket).exists()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(["agent", "lead", "system"])),
        max_size=12,
    )
)
def test_any_sequence_keeps_state_legal_and_audits_each_move(make_user, steps):
    ticket = make_ticket(shop=make_shop(), customer=make_customer())
    actors = {"agent": make_user(Role.AGENT), "lead": make_user(Role.LEAD), "system": None}
    moves = 0
    for action, who in steps:
        try:
            ticket = change_ticket_status(
                actor=actors[who], ticket=ticket, action=action, reason="r"
            )
            moves += 1
        except DomainError:
            pass
        ticket.refresh_from_db()
        assert ticket.status in TICKET_WORKFLOW.states
        assert (ticket.solved_at is not None) == (ticket.status in {"solved", "closed"})
    assert history(ticket).count() == moves


def test_closed_is_final_and_every_state_is_reachable_from_new():
    assert TICKET_WORKFLOW.available(Ticket.Status.CLOSED) == []
    assert TICKET_WORKFLOW.reachable(Ticket.Status.NEW) == set(TICKET_WORKFLOW.states)


def test_a_table_with_two_rows_for_one_move_is_rejected():
    with pytest.raises(ValueError, match="two rows"):
        Workflow("x", ("a", "b"), rows([("a", "go", "b", ["agent"]), ("a", "go", "a", ["agent"])]))


def test_a_final_state_with_a_way_out_is_rejected():
    with pytest.raises(ValueError, match="final"):
        Workflow(
            "x",
            ("a", "b"),
            [Transition("b", "go", "a", frozenset({"agent"}))],
            final_states=frozenset({"b"}),
        )


def test_screen_offers_only_the_moves_of_the_users_role():
    offered = {t.action for t in TICKET_WORKFLOW.available(Ticket.Status.SOLVED, Role.AGENT)}
    assert offered == {"reopen"}
    offered = {t.action for t in TICKET_WORKFLOW.available(Ticket.Status.SOLVED, Role.LEAD)}
    assert offered == {"reopen", "close"}
