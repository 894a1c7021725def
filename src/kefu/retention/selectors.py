"""Reads for keeping customers: the waitlist, open reminders, campaigns and deliveries."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kefu.core.roles import can
from kefu.orders.models import Order
from kefu.retention.models import Campaign, CampaignDelivery, UnpaidReminder, WaitlistEntry


def waitlist(user, *, status: str = "", style_no: str = "", shop: int | None = None):
    if not can(user, "retention.work"):
        return WaitlistEntry.objects.none()
    qs = WaitlistEntry.objects.select_related("customer", "shop", "created_by")
    if status:
        qs = qs.filter(status=status)
    if style_no:
        qs = qs.filter(style_no__iexact=style_no.strip())
    if shop:
        qs = qs.filter(shop_id=shop)
    return qs.order_by("-created_at", "-id")


def waiting_by_style(user) -> list[dict]:
    """What the warehouse should know: how many wait for each style and size."""
    return list(
        waitlist(user, status=WaitlistEntry.Status.WAITING)
        .values("shop_id", "shop__name", "style_no", "size")
        .annotate(waiting=Count("id"))
        .order_by("-waiting", "style_no", "size")[:200]
    )


def open_reminders(user) -> QuerySet[UnpaidReminder]:
    """Reminders to send whose order is still unpaid."""
    if not can(user, "retention.work"):
        return UnpaidReminder.objects.none()
    return (
        UnpaidReminder.objects.filter(
            status=UnpaidReminder.Status.OPEN, order__status=Order.Status.UNPAID
        )
        .select_related("order", "order__shop", "customer")
        .order_by("hold_until", "id")
    )


def campaigns(user) -> QuerySet[Campaign]:
    if not can(user, "retention.work"):
        return Campaign.objects.none()
    outcome = CampaignDelivery.Outcome
    return (
        Campaign.objects.select_related("shop", "created_by")
        .annotate(
            sent=Count("deliveries", filter=Q(deliveries__outcome=outcome.SENT)),
            skipped=Count("deliveries", filter=~Q(deliveries__outcome=outcome.SENT)),
        )
        .order_by("-scheduled_for", "-id")
    )


def deliveries(user, campaign: Campaign, *, outcome: str = "") -> QuerySet[CampaignDelivery]:
    if not can(user, "retention.work"):
        return CampaignDelivery.objects.none()
    qs = CampaignDelivery.objects.filter(campaign=campaign).select_related("customer")
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("id")
