"""The customer page's timeline, filled by every app that has something about a customer.

Customers sit low in the stack and import nobody above them; orders, tickets, complaints,
returns, follow-ups and reviews each register a source here (from their AppConfig.ready
or their timeline module), and the customer page merges them newest first.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

from kefu.customers.models import Customer


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    kind: str  # "order", "ticket", "note", "complaint", "return", "followup", "review", …
    title: str
    status: str = ""
    detail: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict, compare=False)


Source = Callable[[Customer, int], list[TimelineItem]]
"""Given a customer and a limit, the source's newest items (at most ``limit``)."""

_sources: dict[str, Source] = {}


def register(kind: str, source: Source) -> None:
    _sources[kind] = source


def sources() -> dict[str, Source]:
    return dict(_sources)


def timeline(
    customer: Customer, limit: int = 100, kinds: set[str] | None = None
) -> list[TimelineItem]:
    """Everything about ``customer``, newest first; one bounded query per source."""
    streams = [
        source(customer, limit)
        for kind, source in _sources.items()
        if kinds is None or kind in kinds
    ]
    merged = heapq.merge(*streams, key=lambda item: item.at, reverse=True)
    return [item for _, item in zip(range(limit), merged, strict=False)]


def note_items(customer: Customer, limit: int) -> list[TimelineItem]:
    """The "note" source: notes written on the customer page, contacts among them."""
    from django.utils.translation import gettext as _

    from kefu.customers.models import ContactChannel, CustomerNote

    channels = dict(ContactChannel.choices)
    notes = (
        CustomerNote.objects.filter(customer=customer)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        TimelineItem(
            at=note.created_at,
            kind="note",
            title=str(channels[note.contact_channel]) if note.contact_channel else _("Note"),
            detail=note.body,
            extra={"author": str(note.author), "contact": note.contact_channel},
        )
        for note in notes
    ]
