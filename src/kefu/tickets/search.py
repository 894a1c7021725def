"""The ticket search index: subject, every message, the order number and the customer's
emails, so an agent finds a ticket by anything said in it, in any language."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from kefu.core.search import SearchIndex
from kefu.tickets.models import Message, Ticket

TICKET_INDEX = SearchIndex("tickets")


def document(
    subject: str, bodies: Iterable[str], order_number: str = "", emails: Iterable[str] = ()
) -> str:
    return "\n".join([subject, *bodies, order_number or "", *emails])


def reindex(ticket_ids: Iterable[int]) -> None:
    """Bring the index in step with these tickets (call inside the writing transaction)."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    tickets = (
        Ticket.objects.filter(pk__in=ids)
        .select_related("order")
        .prefetch_related("customer__emails")
        .only("id", "subject", "order__external_id", "customer_id")
    )
    bodies: dict[int, list[str]] = {pk: [] for pk in ids}
    for ticket_id, body in (
        Message.objects.filter(ticket_id__in=ids)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "body")
    ):
        bodies[ticket_id].append(body)
    rows = [
        (
            t.pk,
            document(
                t.subject,
                bodies[t.pk],
                t.order.external_id if t.order_id else "",
                (e.email for e in t.customer.emails.all()),
            ),
        )
        for t in tickets
    ]
    TICKET_INDEX.put_many(connection, rows)
    gone = set(ids) - {pk for pk, _ in rows}
    TICKET_INDEX.remove(connection, gone)


def prepare_new(*, subject: str, body: str, order, customer) -> str:
    """The index entry of a ticket about to be created, worked out before its
    transaction (one query for the customer's emails); ``add_new`` stores it."""
    emails = customer.emails.values_list("email", flat=True)
    text = document(subject, [body], order.external_id if order is not None else "", emails)
    return TICKET_INDEX.prepare(connection, text)


def add_new(ticket: Ticket, prepared: str) -> None:
    TICKET_INDEX.add(connection, ticket.pk, prepared)
