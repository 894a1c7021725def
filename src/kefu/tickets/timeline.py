"""The "ticket" source of the customer page's timeline (kefu.customers.timeline)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from kefu.customers.timeline import TimelineItem
from kefu.tickets.models import Ticket


def _url(ticket_id: int) -> str:
    try:
        return reverse("tickets:detail", args=[ticket_id])
    except NoReverseMatch:  # the ticket screens are not there yet
        return ""


def ticket_items(customer, limit: int) -> list[TimelineItem]:
    tickets = (
        Ticket.objects.filter(customer=customer)
        .only("id", "subject", "status", "kind", "channel", "created_at", "customer_id")
        .order_by("-created_at", "-id")[:limit]
    )
    items = []
    linked = True
    for t in tickets:
        url = _url(t.pk) if linked else ""
        linked = bool(url)
        items.append(
            TimelineItem(
                at=t.created_at,
                kind="ticket",
                title=f"#{t.pk} {t.subject}",
                status=t.get_status_display(),
                detail=f"{t.get_kind_display()} · {t.get_channel_display()}",
                url=url,
                extra={"state": t.status},
            )
        )
    return items
