"""Reads about parcels: tracking logs, claims, the damage register, what is overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.money import fmt
from kefu.core.roles import can
from kefu.orders import carrier
from kefu.orders.models import DamageClaim, DamageClaimItem, Order, TrackingQuery

OPEN = (DamageClaim.Status.DRAFT, DamageClaim.Status.FILED, DamageClaim.Status.REJECTED)


@dataclass(frozen=True)
class ClaimFilters:
    status: str = ""
    parcel_state: str = ""
    carrier: str = ""
    shop: int | None = None
    order: int | None = None
    waybill: str = ""
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None
    handler: int | None = None


def claim_list(f: ClaimFilters | None = None) -> QuerySet[DamageClaim]:
    """Claims newest report first, with order, shop, handler and items."""
    f = f or ClaimFilters()
    claims = (
        DamageClaim.objects.select_related("order", "order__shop", "order__customer", "handler")
        .prefetch_related(Prefetch("items", queryset=DamageClaimItem.objects.order_by("id")))
        .order_by("-report_date", "-id")
    )
    if f.status:
        claims = claims.filter(status=f.status)
    if f.parcel_state:
        claims = claims.filter(parcel_state=f.parcel_state)
    if f.carrier:
        claims = claims.filter(carrier__iexact=f.carrier.strip())
    if f.shop is not None:
        claims = claims.filter(order__shop_id=f.shop)
    if f.order is not None:
        claims = claims.filter(order_id=f.order)
    if f.waybill:
        claims = claims.filter(waybill=f.waybill.strip())
    if f.reported_from is not None:
        claims = claims.filter(report_date__gte=f.reported_from)
    if f.reported_to is not None:
        claims = claims.filter(report_date__lte=f.reported_to)
    if f.handler is not None:
        claims = claims.filter(handler_id=f.handler)
    return claims


def claim_detail() -> QuerySet[DamageClaim]:
    return DamageClaim.objects.select_related(
        "order", "order__shop", "order__customer", "handler"
    ).prefetch_related(
        Prefetch("items", queryset=DamageClaimItem.objects.order_by("id")),
        "photos",
    )


def tracking_list(
    *,
    order: int | None = None,
    waybill: str = "",
    carrier_name: str = "",
    outcome: str = "",
    handler: int | None = None,
    queried_from: dt.datetime | None = None,
    queried_to: dt.datetime | None = None,
) -> QuerySet[TrackingQuery]:
    """Tracking queries newest first."""
    rows = TrackingQuery.objects.select_related("order", "order__shop", "handler").order_by(
        "-queried_at", "-id"
    )
    if order is not None:
        rows = rows.filter(order_id=order)
    if waybill:
        rows = rows.filter(waybill=waybill.strip())
    if carrier_name:
        rows = rows.filter(carrier__iexact=carrier_name.strip())
    if outcome:
        rows = rows.filter(outcome=outcome)
    if handler is not None:
        rows = rows.filter(handler_id=handler)
    if queried_from is not None:
        rows = rows.filter(queried_at__gte=queried_from)
    if queried_to is not None:
        rows = rows.filter(queried_at__lt=queried_to)
    return rows


def carriers() -> list[str]:
    """Carriers named on claims and tracking queries, for the filters."""
    names = set(DamageClaim.objects.values_list("carrier", flat=True).distinct())
    names |= set(TrackingQuery.objects.values_list("carrier", flat=True).distinct())
    return sorted(n for n in names if n)


def order_panel(order: Order, user=None, *, limit: int = 20) -> dict:
    """What the order page's carrier panel shows: the order's tracking log and claims."""
    queries = list(tracking_list(order=order.pk)[:limit])
    claims = list(claim_list(ClaimFilters(order=order.pk))[:limit])
    return {
        "order": order,
        "tracking_queries": queries,
        "claims": claims,
        "status_tone": carrier.STATUS_TONE,
        "outcomes": TrackingQuery.Outcome.choices,
        "can_work": can(user, "claims.work") if user is not None else False,
    }


# ---------------------------------------------------------------- the damage register


REGISTER_COLUMNS = (
    ("report_date", gettext_lazy("Report date")),
    ("waybill", gettext_lazy("Waybill")),
    ("carrier", gettext_lazy("Carrier")),
    ("parcel_state", gettext_lazy("Parcel state")),
    ("carrier_agent_id", gettext_lazy("Carrier agent ID")),
    ("value", gettext_lazy("Value")),
    ("currency", gettext_lazy("Currency")),
    ("style_numbers", gettext_lazy("Style numbers")),
    ("handler", gettext_lazy("Handler")),
    ("order", gettext_lazy("Order")),
    ("status", gettext_lazy("Status")),
    ("amount_paid", gettext_lazy("Amount paid")),
)


def register_headers() -> list[str]:
    return [str(label) for _key, label in REGISTER_COLUMNS]


def register_rows(claims) -> Iterator[list]:
    """The damage register (破损登记簿), one line per claim, in the columns above."""
    for c in claims:
        styles = ", ".join(
            dict.fromkeys(
                f"{i.style_no or i.title}×{i.quantity}"
                if i.quantity > 1
                else (i.style_no or i.title)
                for i in c.items.all()
            )
        )
        yield [
            c.report_date,
            c.waybill,
            c.carrier,
            c.get_parcel_state_display(),
            c.carrier_agent_id,
            c.declared_value,
            c.currency,
            styles,
            c.handler.get_username() if c.handler_id else "",
            c.order.external_id,
            c.get_status_display(),
            c.amount_paid if c.amount_paid is not None else "",
        ]


# ---------------------------------------------------------------- customer page, Today page


def timeline_items(customer, limit: int):
    """The customer's claims, for the customer page's timeline."""
    from kefu.customers.timeline import TimelineItem

    claims = (
        DamageClaim.objects.filter(order__customer_id=customer.pk)
        .select_related("order")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        TimelineItem(
            at=c.created_at,
            kind="claim",
            title=_("Carrier claim · waybill %(waybill)s (order %(number)s)")
            % {"waybill": c.waybill, "number": c.order.external_id},
            status=c.get_status_display(),
            detail=f"{c.get_parcel_state_display()} · {fmt(c.amount_claimed, c.currency)}",
            url=reverse("carrier:claim", args=[c.pk]),
            extra={"claim_id": c.pk, "order_id": c.order_id, "status": c.status},
        )
        for c in claims
    ]


def overdue_items(user, now: dt.datetime):
    """Drafts not filed within ``claims.draft_days``; filed claims the carrier has not
    answered within ``claims.carrier_answer_days``. For those who work claims."""
    from kefu.web.overdue import OverdueItem

    if not can(user, "claims.work"):
        return []
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    draft_days = carrier.DRAFT_DAYS.get()
    answer_days = carrier.CARRIER_ANSWER_DAYS.get()
    candidates = DamageClaim.objects.select_related("handler", "order").filter(
        Q(
            status=DamageClaim.Status.DRAFT,
            created_at__lte=end_of_day - dt.timedelta(days=draft_days),
        )
        | Q(
            status=DamageClaim.Status.FILED,
            filed_at__lte=end_of_day - dt.timedelta(days=answer_days),
        )
    )
    out = []
    for c in candidates.order_by("id")[:200]:
        if c.status == DamageClaim.Status.DRAFT:
            due = c.created_at + dt.timedelta(days=draft_days)
            detail = _("Not yet filed with %(carrier)s") % {"carrier": c.carrier}
        else:
            due = c.filed_at + dt.timedelta(days=answer_days)
            detail = _("%(carrier)s has not answered") % {"carrier": c.carrier}
        out.append(
            OverdueItem(
                title=_("Claim #%(id)s · waybill %(waybill)s") % {"id": c.pk, "waybill": c.waybill},
                url=reverse("carrier:claim", args=[c.pk]),
                due=due,
                owner=c.handler.get_username() if c.handler_id else "",
                detail=str(detail),
            )
        )
    return out
