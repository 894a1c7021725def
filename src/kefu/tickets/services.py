"""Writes on tickets: every inquiry recorded, every message kept, every status move audited."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kefu.core import audit, workflow
from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.customers.models import Customer
from kefu.orders.models import Order
from kefu.tickets import search
from kefu.tickets.models import Category, Channel, Message, Ticket
from kefu.tickets.workflow import TICKET_WORKFLOW, stamp_times

LANGUAGES = {code for code, _ in settings.LANGUAGES}
MAX_BODY = 50_000


def change_ticket_status(*, actor, ticket: Ticket, action: str, reason: str = "") -> Ticket:
    """Apply ``action`` (open, wait_customer, solve, reopen, close …) as ``actor``; audited."""
    return workflow.apply(
        TICKET_WORKFLOW, ticket, action, actor=actor, reason=reason, on_transition=stamp_times
    )


def _clean_body(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(
            "Write the message first.", fields={field: ["Empty."]}, code="empty_message"
        )
    if len(body) > MAX_BODY:
        raise DomainError(
            f"The message is longer than {MAX_BODY} characters.", fields={field: ["Too long."]}
        )
    return body


def create_ticket(
    *,
    actor,
    customer: Customer,
    shop: Shop,
    subject: str,
    body: str,
    channel: str = Channel.CHAT,
    kind: str = Ticket.Kind.OTHER,
    order: Order | None = None,
    category: Category | None = None,
    priority: int = Ticket.Priority.NORMAL,
    language: str | None = None,
    created_at: dt.datetime | None = None,
) -> Ticket:
    """Record an inquiry: the ticket and the customer's first message, routed and timed.

    ``actor`` is the agent who recorded it (a phone call, a walk-in) or None when the
    customer wrote in themselves (portal, web form, marketplace, API integration).
    """
    subject = (subject or "").strip()[:255]
    body = _clean_body(body)
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [f"Choose one of: {', '.join(Channel.values)}."]
    if kind not in Ticket.Kind.values:
        errors["kind"] = [f"Choose one of: {', '.join(Ticket.Kind.values)}."]
    if priority not in Ticket.Priority.values:
        errors["priority"] = ["Choose 1 (low) to 4 (urgent)."]
    if order is not None and order.customer_id != customer.pk:
        errors["order"] = ["This order belongs to another customer."]
    if language is not None and language not in LANGUAGES:
        errors["language"] = [f"Choose one of: {', '.join(sorted(LANGUAGES))}."]
    if errors:
        raise DomainError("The ticket has invalid fields.", fields=errors, code="validation_error")
    now = created_at or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            shop=shop,
            customer=customer,
            order=order,
            subject=subject or body.splitlines()[0][:80],
            channel=channel,
            kind=kind,
            category=category,
            priority=priority,
            language=language or customer.language,
            created_at=now,
            last_message_at=now,
        )
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.INBOUND,
            author=None,
            body=body,
            created_at=now,
            channel=channel,
        )
        _after_create(ticket)
        search.reindex([ticket.pk])
        Customer.objects.filter(pk=customer.pk).update(last_contact_at=now)
        audit.record(
            actor=actor,
            obj=ticket,
            action="ticket.create",
            to_state=ticket.status,
            changes={"assignee": [None, ticket.assignee_id], "team": [None, ticket.team_id]},
        )
    return ticket


def _after_create(ticket: Ticket) -> None:
    """Hooks that time and route a new ticket (SLA due times, assignee)."""
    for hook in NEW_TICKET_HOOKS:
        hook(ticket)


NEW_TICKET_HOOKS: list = []
"""Callables ``hook(ticket)`` run inside create_ticket's transaction, in order (SLA, routing)."""


def add_message(
    *,
    actor,
    ticket: Ticket,
    kind: str,
    body: str,
    channel: str = "",
    call_seconds: int | None = None,
    call_outcome: str = "",
    created_at: dt.datetime | None = None,
) -> Message:
    """Add a message: a customer's reply (actor None), an agent's reply, note or call log.

    The first public reply from the team stamps the first response; a customer writing
    back to a ticket waiting on them reopens it; a reply to a solved ticket reopens it.
    """
    body = _clean_body(body)
    if kind not in Message.Kind.values:
        raise DomainError(
            "Unknown message kind.", fields={"kind": [f"One of {Message.Kind.values}."]}
        )
    if kind != Message.Kind.INBOUND and actor is None:
        raise DomainError("Replies, notes and calls need the agent who wrote them.")
    if ticket.status == Ticket.Status.CLOSED:
        raise DomainError(
            "This ticket is closed; open a new ticket for the customer instead.",
            code="ticket_closed",
        )
    now = created_at or timezone.now()
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=locked,
            kind=kind,
            author=actor if kind != Message.Kind.INBOUND else None,
            body=body,
            created_at=now,
            channel=channel,
            call_seconds=call_seconds,
            call_outcome=call_outcome,
        )
        updates: dict = {"last_message_at": now}
        if kind in (Message.Kind.REPLY, Message.Kind.CALL) and locked.first_response_at is None:
            updates["first_response_at"] = now
        Ticket.objects.filter(pk=locked.pk).update(**updates)
        if kind == Message.Kind.INBOUND:
            if locked.status == Ticket.Status.PENDING_CUSTOMER:
                change_ticket_status(actor=None, ticket=locked, action="customer_replied")
            elif locked.status == Ticket.Status.SOLVED:
                change_ticket_status(
                    actor=None, ticket=locked, action="reopen", reason="the customer wrote again"
                )
            Customer.objects.filter(pk=locked.customer_id).update(last_contact_at=now)
        search.reindex([locked.pk])
        audit.record(
            actor=actor,
            obj=locked,
            action=f"ticket.message.{kind}",
            changes={"message": message.pk},
        )
    return message
