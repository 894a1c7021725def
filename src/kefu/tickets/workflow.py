"""The ticket's status workflow: one table, (state, action, roles) → next state."""

from __future__ import annotations

from django.utils import timezone

from kefu.core.roles import Role
from kefu.core.workflow import SYSTEM, Workflow, rows
from kefu.tickets import sla
from kefu.tickets.models import Ticket

S = Ticket.Status
FRONT = (Role.AGENT, Role.LEAD, Role.ADMIN)

TICKET_WORKFLOW = Workflow(
    name="ticket",
    states=tuple(S.values),
    final_states=frozenset({S.CLOSED}),
    transitions=rows(
        [
            (S.NEW, "open", S.OPEN, FRONT),
            (S.NEW, "wait_customer", S.PENDING_CUSTOMER, FRONT),
            (S.NEW, "wait_internal", S.PENDING_INTERNAL, FRONT),
            (S.NEW, "solve", S.SOLVED, FRONT),
            (S.OPEN, "wait_customer", S.PENDING_CUSTOMER, FRONT),
            (S.OPEN, "wait_internal", S.PENDING_INTERNAL, FRONT),
            (S.OPEN, "solve", S.SOLVED, FRONT),
            (S.PENDING_CUSTOMER, "customer_replied", S.OPEN, (SYSTEM, *FRONT)),
            (S.PENDING_CUSTOMER, "open", S.OPEN, FRONT),
            (S.PENDING_CUSTOMER, "solve", S.SOLVED, FRONT),
            (S.PENDING_INTERNAL, "open", S.OPEN, FRONT),
            (S.PENDING_INTERNAL, "solve", S.SOLVED, FRONT),
            (S.SOLVED, "reopen", S.OPEN, (SYSTEM, *FRONT), {"needs_reason": True}),
            (S.SOLVED, "close", S.CLOSED, (SYSTEM, Role.LEAD, Role.ADMIN)),
        ]
    ),
)


def stamp_times(ticket: Ticket, transition, context: dict) -> dict:
    """Keep solved_at / closed_at in step with the status the table moves to, and stop or
    restart the SLA clock (waiting on the customer, reopened after solved)."""
    now = timezone.now()
    changes = sla.on_status_change(ticket, transition.source, transition.target, now)
    if transition.target == S.SOLVED:
        ticket.solved_at = now
    elif transition.target == S.CLOSED:
        ticket.closed_at = now
    elif transition.source == S.SOLVED:
        ticket.solved_at = None
    return changes
