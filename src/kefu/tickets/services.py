"""Writes on tickets. Every status change goes through the ticket workflow table."""

from __future__ import annotations

from kefu.core import workflow
from kefu.tickets.models import Ticket
from kefu.tickets.workflow import TICKET_WORKFLOW, stamp_times


def change_ticket_status(*, actor, ticket: Ticket, action: str, reason: str = "") -> Ticket:
    """Apply ``action`` (open, wait_customer, solve, reopen, close …) as ``actor``; audited."""
    return workflow.apply(
        TICKET_WORKFLOW, ticket, action, actor=actor, reason=reason, on_transition=stamp_times
    )
