"""The "ticket" source of the customer page's timeline (kefu.customers.timeline)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from kefu.customers.timeline import TimelineItem
from kefu.tickets.models import Channel, Ticket

_MARK = 987654321


def _url_pattern() -> str:
    """The ticket page's address with a mark where the id goes (one reverse per call)."""
    try:
        return reverse("tickets:detail", args=[_MARK])
    except NoReverseMatch:  # the ticket screens are not there yet
        return ""


def ticket_items(customer, limit: int) -> list[TimelineItem]:
    tickets = (
        Ticket.objects.filter(customer=customer)
        .only("id", "subject", "status", "kind", "channel", "created_at", "customer_id")
        .order_by("-created_at", "-id")[:limit]
    )
    # Labels once per call: get_FOO_display() re-hashes every choice of the field each time.
    status = {value: str(label) for value, label in Ticket.Status.choices}
    kind = {value: str(label) for value, label in Ticket.Kind.choices}
    channel = {value: str(label) for value, label in Channel.choices}
    pattern = _url_pattern()
    items = []
    for t in tickets:
        url = pattern.replace(str(_MARK), str(t.pk)) if pattern else ""
        items.append(
            TimelineItem(
                at=t.created_at,
                kind="ticket",
                title=f"#{t.pk} {t.subject}",
                status=status.get(t.status, t.status),
                detail=f"{kind.get(t.kind, t.kind)} · {channel.get(t.channel, t.channel)}",
                url=url,
                extra={"state": t.status},
            )
        )
    return items
