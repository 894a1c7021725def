"""Reads on reviews: the list with its filters, the measures, the dashboard count, the
overdue source of the lead's "Today" page and the customer's timeline."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.roles import can
from kefu.customers.timeline import TimelineItem
from kefu.reviews.models import Cause, Review
from kefu.reviews.services import CONTACT_WINDOW_HOURS
from kefu.reviews.workflow import CLOSED_STATES, REVISED, TO_CONTACT
from kefu.web.overdue import OverdueItem


@dataclass
class ReviewFilters:
    status: str = ""
    rating: int | None = None
    cause: str = ""
    shop: int | None = None
    customer: int | None = None


def review_list(user, f: ReviewFilters | None = None) -> QuerySet[Review]:
    f = f or ReviewFilters()
    if not can(user, "reviews.work"):
        return Review.objects.none()
    qs = Review.objects.select_related("shop", "order", "customer", "handler")
    if f.status:
        qs = qs.filter(status=f.status)
    if f.rating:
        qs = qs.filter(rating=f.rating)
    if f.cause:
        qs = qs.filter(cause=f.cause)
    if f.shop:
        qs = qs.filter(shop_id=f.shop)
    if f.customer:
        qs = qs.filter(customer_id=f.customer)
    return qs.order_by("-flagged_at", "-id")


def contact_due(review: Review, windows: dict[int, int] | None = None) -> dt.datetime:
    """When the buyer must have been contacted; ``windows`` caches the hours per shop id so
    a list asks the policy once per shop, not once per row."""
    if windows is None:
        windows = {}
    if review.shop_id not in windows:
        windows[review.shop_id] = CONTACT_WINDOW_HOURS.get(shop=review.shop)
    return review.flagged_at + dt.timedelta(hours=windows[review.shop_id])


def to_contact() -> QuerySet[Review]:
    return Review.objects.filter(status__in=TO_CONTACT)


def dashboard_reviews_to_contact(user) -> int:
    """Dashboard card: flagged or analysed reviews nobody has contacted the buyer about."""
    if not can(user, "reviews.work"):
        return 0
    return to_contact().count()


def overdue_items(user, now: dt.datetime) -> Iterable[OverdueItem]:
    """Reviews whose buyer was not contacted within the policy window (due before the end
    of today included)."""
    if not can(user, "reviews.work"):
        return []
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    items = []
    windows: dict[int, int] = {}
    for review in to_contact().select_related("shop", "customer", "handler")[:500]:
        due = contact_due(review, windows)
        if due > end_of_day:
            continue
        items.append(
            OverdueItem(
                title=f"{review.customer} · {review.rating}★ {review.text[:40]}",
                url=reverse("reviews:detail", args=[review.pk]),
                due=due,
                owner=str(review.handler or ""),
                detail=_("Buyer not contacted yet (%(shop)s)") % {"shop": review.shop.name},
            )
        )
    return items


def timeline_items(customer, limit: int) -> list[TimelineItem]:
    status = dict(Review.Status.choices)
    out = []
    for r in Review.objects.filter(customer=customer).order_by("-reviewed_at", "-id")[:limit]:
        out.append(
            TimelineItem(
                at=r.reviewed_at,
                kind="review",
                title=_("%(n)s-star review: %(text)s") % {"n": r.rating, "text": r.text[:60]},
                status=str(status.get(r.status, r.status)),
                detail=r.get_cause_display() if r.cause else "",
                url=reverse("reviews:detail", args=[r.pk]),
                extra={"state": r.status},
            )
        )
    return out


# ---------------------------------------------------------------- measures


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Measure:
    label: str
    total: int = 0
    closed: int = 0
    revised: int = 0
    contact_hours: list[float] = field(default_factory=list)

    @property
    def recovery_rate(self) -> float | None:
        return self.revised / self.closed if self.closed else None

    @property
    def recovery_percent(self) -> float | None:
        rate = self.recovery_rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def median_hours(self) -> float | None:
        return round(statistics.median(self.contact_hours), 1) if self.contact_hours else None

    @property
    def p90_hours(self) -> float | None:
        value = percentile(self.contact_hours, 90)
        return None if value is None else round(value, 1)

    def add(self, review: Review) -> None:
        self.total += 1
        if review.status in CLOSED_STATES:
            self.closed += 1
            if review.status == REVISED:
                self.revised += 1
        if review.contacted_at is not None:
            hours = (review.contacted_at - review.flagged_at).total_seconds() / 3600
            self.contact_hours.append(max(hours, 0.0))


@dataclass
class Measures:
    overall: Measure
    by_cause: list[Measure]
    by_shop: list[Measure]


def measures(user, *, since: dt.datetime | None = None, shop: int | None = None) -> Measures:
    """Recovery rate (revised ÷ closed) and time from flag to first contact (median, p90),
    overall, by cause and by shop, for the reviews flagged since ``since``."""
    qs = (
        review_list(user, ReviewFilters(shop=shop))
        .select_related(None)
        .select_related("shop")
        .only("status", "cause", "shop__name", "flagged_at", "contacted_at")
    )
    if since is not None:
        qs = qs.filter(flagged_at__gte=since)
    overall = Measure(_("All reviews"))
    causes = {value: Measure(str(label)) for value, label in Cause.choices}
    causes[""] = Measure(_("Not analysed yet"))
    shops: dict[int, Measure] = {}
    for review in qs.iterator():
        overall.add(review)
        causes[review.cause].add(review)
        shops.setdefault(review.shop_id, Measure(review.shop.name)).add(review)
    return Measures(
        overall=overall,
        by_cause=[m for m in causes.values() if m.total],
        by_shop=sorted(shops.values(), key=lambda m: m.label),
    )
