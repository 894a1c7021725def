"""Reads of the complaint file: the filtered list, the overdue items, the dashboard counts,
the customer timeline source and the classification table (003 §6: the lead's complaint
classification statistics, by category, shop and period, with the change on the
previous period)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints.models import Category, Complaint, Severity, Status
from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.core.roles import can

OPEN = ~Q(status=Status.CLOSED)


def overdue_q(now: dt.datetime) -> Q:
    """Open complaints whose current step is past its due time."""
    return OPEN & Q(due_at__lt=now)


def base() -> QuerySet[Complaint]:
    return Complaint.objects.select_related(
        "shop", "customer", "order", "owner", "registered_by", "ticket"
    )


@dataclass
class Filters:
    status: str = ""
    category: str = ""
    severity: str = ""
    shop: int | None = None
    owner: str = ""  # "", "me", "none" or a user id
    overdue: bool = False
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def parse_filters(data, user) -> Filters:
    """Filters from a query string; unknown values are dropped with an error to show."""
    f = Filters()
    errors = f.errors
    status = (data.get("status") or "").strip()
    if status in ("open", *Status.values):
        f.status = status
    elif status:
        errors["status"] = _("Unknown status “%(v)s”.") % {"v": status}
    for name, choices in (("category", Category), ("severity", Severity)):
        value = (data.get(name) or "").strip()
        if value in choices.values:
            setattr(f, name, value)
        elif value:
            errors[name] = _("Unknown %(name)s “%(v)s”.") % {"name": name, "v": value}
    shop = (data.get("shop") or "").strip()
    if shop:
        if shop.isdigit():
            f.shop = int(shop)
        else:
            errors["shop"] = _("Choose a shop from the list.")
    owner = (data.get("owner") or "").strip()
    if owner in ("me", "none") or owner.isdigit():
        f.owner = owner
    elif owner:
        errors["owner"] = _("Choose an owner from the list.")
    f.overdue = (data.get("overdue") or "") in ("1", "true", "on", "yes")
    f.q = (data.get("q") or "").strip()[:200]
    return f


def complaints(user, filters: Filters | None = None, *, now: dt.datetime | None = None):
    """The list, newest first, filtered; every staff member who may view sees the team's
    complaints (the loop is team work)."""
    now = now or timezone.now()
    f = filters or Filters()
    qs = base()
    if f.status == "open":
        qs = qs.filter(OPEN)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.shop:
        qs = qs.filter(shop_id=f.shop)
    if f.owner == "me":
        qs = qs.filter(owner=user)
    elif f.owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif f.owner:
        qs = qs.filter(owner_id=int(f.owner))
    if f.overdue:
        qs = qs.filter(overdue_q(now))
    if f.q:
        term = Q(content__icontains=f.q) | Q(complainant_name__icontains=f.q)
        term |= Q(customer__name__icontains=f.q) | Q(order__external_id__icontains=f.q)
        if f.q.lstrip("#").isdigit():
            term |= Q(pk=int(f.q.lstrip("#")))
        qs = qs.filter(term)
    return qs.order_by("-registered_at", "-id")


def is_overdue(c: Complaint, now: dt.datetime) -> bool:
    return c.status != Status.CLOSED and c.due_at is not None and c.due_at < now


# ---------------------------------------------------------------- dashboard, Today page


def _mine(user) -> Q:
    return Q(owner=user) | Q(owner__isnull=True, registered_by=user)


def dashboard_my_open_complaints(user) -> int:
    """Open complaints the user owns (or registered and nobody owns yet)."""
    if not can(user, "complaints.work"):
        return 0
    return Complaint.objects.filter(OPEN).filter(_mine(user)).count()


def dashboard_solutions_to_approve(user) -> int:
    """Complaints whose proposed solutions wait for the lead's choice."""
    if not can(user, "complaints.decide"):
        return 0
    return Complaint.objects.filter(status=Status.SOLUTIONS_PROPOSED).count()


def overdue_items(user, now: dt.datetime) -> Iterable:
    """The Today page's source: open complaints past due or due before the end of today."""
    from kefu.web.overdue import OverdueItem

    if not can(user, "complaints.view"):
        return []
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=0)
    labels = dict(Status.choices)
    rows = base().filter(OPEN, due_at__lte=end_of_day).order_by("due_at", "id")[:200]
    return [
        OverdueItem(
            title=f"#{c.pk} {c.customer.name}: {c.content[:60]}",
            url=c.get_absolute_url(),
            due=c.due_at,
            owner=str(c.owner or c.registered_by or ""),
            detail=f"{labels.get(c.status, c.status)} · {c.get_category_display()}",
        )
        for c in rows
    ]


# ---------------------------------------------------------------- customer timeline

_MARK = 987654321


def timeline_items(customer, limit: int) -> list:
    from kefu.customers.timeline import TimelineItem

    try:
        pattern = reverse("complaints:detail", args=[_MARK])
    except NoReverseMatch:
        pattern = ""
    status = {value: str(label) for value, label in Status.choices}
    category = {value: str(label) for value, label in Category.choices}
    severity = {value: str(label) for value, label in Severity.choices}
    rows = (
        Complaint.objects.filter(customer=customer)
        .only("id", "content", "status", "category", "severity", "registered_at", "customer_id")
        .order_by("-registered_at", "-id")[:limit]
    )
    return [
        TimelineItem(
            at=c.registered_at,
            kind="complaint",
            title=f"#{c.pk} {c.content[:80]}",
            status=status.get(c.status, c.status),
            detail=f"{category.get(c.category, c.category)} · "
            f"{severity.get(c.severity, c.severity)}",
            url=pattern.replace(str(_MARK), str(c.pk)) if pattern else "",
            extra={"state": c.status},
        )
        for c in rows
    ]


# ---------------------------------------------------------------- classification table

PERIODS = ("month", "quarter")
GROUPS = ("category", "shop")


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: dt.date
    end: dt.date  # exclusive


def period_of(day: dt.date, kind: str) -> Period:
    if kind == "month":
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        key = f"{start.year}-{start.month:02d}"
        return Period(key, key, start, end)
    q = (day.month - 1) // 3 + 1
    start = dt.date(day.year, 3 * q - 2, 1)
    end = dt.date(day.year + 1, 1, 1) if q == 4 else dt.date(day.year, 3 * q + 1, 1)
    key = f"{day.year}-Q{q}"
    return Period(key, key, start, end)


def periods_between(start: dt.date, end: dt.date, kind: str) -> list[Period]:
    """Every period touching [start, end], in order."""
    out, p = [], period_of(start, kind)
    while p.start <= end:
        out.append(p)
        p = period_of(p.end, kind)
    return out


@dataclass
class Change:
    delta: int
    percent: Decimal | None  # None when the previous period had none


@dataclass
class Line:
    key: str
    label: str
    counts: list[int]
    changes: list[Change]
    total: int = 0
    share: Decimal = Decimal("0")


@dataclass
class Table:
    period: str
    by: str
    periods: list[Period]
    lines: list[Line]
    totals: list[int]
    total_changes: list[Change]
    total: int


def _change(now: int, before: int) -> Change:
    if before == 0:
        return Change(now - before, None)
    pct = (Decimal(now - before) * 100 / before).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return Change(now - before, pct)


def default_range(kind: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last four quarters (or twelve months) up to today."""
    current = period_of(today, kind)
    start = current.start
    for _i in range(3 if kind == "quarter" else 11):
        start = period_of(start - dt.timedelta(days=1), kind).start
    return start, today


def classification(
    *,
    period: str = "quarter",
    by: str = "category",
    start: dt.date,
    end: dt.date,
    shop: Shop | None = None,
) -> Table:
    """Complaints counted per line (category or shop) and period, by the complaint time in
    the site's time zone, with each period's change on the one before (the first period
    compares with the period before the range)."""
    if period not in PERIODS:
        raise DomainError(
            _("Choose month or quarter."),
            fields={"period": [_("Not valid.")]},
            code="validation_error",
        )
    if by not in GROUPS:
        raise DomainError(
            _("Group by category or shop."),
            fields={"by": [_("Not valid.")]},
            code="validation_error",
        )
    if end < start:
        raise DomainError(
            _("The end comes before the start."),
            fields={"end": [_("Before the start.")]},
            code="validation_error",
        )
    periods = periods_between(start, end, period)
    if len(periods) > 60:
        raise DomainError(
            _("Choose at most 60 periods."),
            fields={"start": [_("Too long a range.")]},
            code="validation_error",
        )
    before = period_of(periods[0].start - dt.timedelta(days=1), period)
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(before.start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(periods[-1].end, dt.time.min, tzinfo=tz)
    qs = Complaint.objects.filter(occurred_at__gte=lo, occurred_at__lt=hi)
    if shop is not None:
        qs = qs.filter(shop=shop)
    if by == "category":
        keys = [(value, str(label)) for value, label in Category.choices]
        column = "category"
    else:
        shops = Shop.objects.order_by("name")
        if shop is not None:
            shops = shops.filter(pk=shop.pk)
        keys = [(str(s.pk), s.name) for s in shops]
        column = "shop_id"
    all_periods = [before, *periods]
    index = {p.key: i for i, p in enumerate(all_periods)}
    grid: dict[str, list[int]] = {k: [0] * len(all_periods) for k, _label in keys}
    for occurred, key in qs.values_list("occurred_at", column):
        day = timezone.localtime(occurred, tz).date()
        i = index.get(period_of(day, period).key)
        if i is not None and str(key) in grid:
            grid[str(key)][i] += 1
    lines = []
    for key, label in keys:
        counts = grid[key]
        lines.append(
            Line(
                key=key,
                label=label,
                counts=counts[1:],
                changes=[_change(counts[i], counts[i - 1]) for i in range(1, len(counts))],
                total=sum(counts[1:]),
            )
        )
    sums = [sum(grid[k][i] for k, _label in keys) for i in range(len(all_periods))]
    total = sum(sums[1:])
    for line in lines:
        if total:
            line.share = (Decimal(line.total) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return Table(
        period=period,
        by=by,
        periods=periods,
        lines=lines,
        totals=sums[1:],
        total_changes=[_change(sums[i], sums[i - 1]) for i in range(1, len(sums))],
        total=total,
    )


def chart_option(table: Table) -> dict:
    """An ECharts option: one stacked bar series per line, periods on the x axis."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0, "left": "center"},
        "grid": {"left": 16, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [p.label for p in table.periods]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": line.label, "type": "bar", "stack": "total", "data": line.counts}
            for line in table.lines
        ],
    }
