"""The "retention" source of the customer page's timeline: restock waits and notices,
and payment reminders."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.customers.timeline import TimelineItem
from kefu.retention.models import UnpaidReminder, WaitlistEntry


def retention_items(customer, limit: int) -> list[TimelineItem]:
    waits = dict(WaitlistEntry.Status.choices)
    reminders = dict(UnpaidReminder.Status.choices)
    items = [
        TimelineItem(
            at=e.notified_at or e.created_at,
            kind="retention",
            title=_("Waiting for %(style)s %(size)s") % {"style": e.style_no, "size": e.size},
            status=str(waits.get(e.status, e.status)),
            detail=e.message,
            url=reverse("retention:waitlists"),
            extra={"state": e.status},
        )
        for e in WaitlistEntry.objects.filter(customer=customer).order_by("-created_at")[:limit]
    ]
    items += [
        TimelineItem(
            at=r.created_at,
            kind="retention",
            title=_("Payment reminder for order %(order)s") % {"order": r.order.external_id},
            status=str(reminders.get(r.status, r.status)),
            detail=r.message,
            url=reverse("retention:reminders"),
            extra={"state": r.status},
        )
        for r in UnpaidReminder.objects.filter(customer=customer)
        .select_related("order")
        .order_by("-created_at")[:limit]
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
