"""Reads for the call screens, the measures and the dashboards, scoped by role."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.roles import Role, can
from kefu.followups import quiet
from kefu.followups.models import CallScript, FollowUpTask, Reason, Satisfaction

S = FollowUpTask.Status
ACTIVE = (S.OPEN, S.RESCHEDULED)
CLOSED = (S.DONE, S.FAILED, S.CANCELLED)
LIST_LIMIT = 200
PLACEHOLDERS = ("name", "date", "order")


def visible_tasks(user) -> QuerySet[FollowUpTask]:
    """Agents see their own calls (and unowned ones); leads and admins see all."""
    qs = FollowUpTask.objects.select_related(
        "customer", "shop", "owner", "order", "event", "previous"
    )
    if not can(user, "followups.work"):
        return qs.none()
    if user.role == Role.AGENT:
        qs = qs.filter(Q(owner=user) | Q(owner__isnull=True))
    return qs


def callable_now(
    task: FollowUpTask, now: dt.datetime, hours: quiet.QuietHours | None = None
) -> bool:
    """Outside the customer's quiet hours and past an agreed call-back time."""
    if task.call_back_at and task.call_back_at > now:
        return False
    if task.due_start > now:
        return False
    tz = quiet.zone(task.customer, task.shop)
    return (hours or quiet.QuietHours(task.shop)).allows(now.astimezone(tz))


def call_lists(user, now: dt.datetime | None = None, *, owner=None) -> dict[str, list]:
    """The agent's call screen: call now, later today, overdue, done lately."""
    now = now or timezone.now()
    qs = visible_tasks(user)
    if owner is not None:
        qs = qs.filter(owner=owner)
    local_now = timezone.localtime(now)
    end_of_day = local_now.replace(hour=23, minute=59, second=59, microsecond=0)
    lists: dict[str, list] = {"overdue": [], "now": [], "later": [], "done": []}
    active = (
        qs.filter(status__in=ACTIVE, due_start__lte=end_of_day)
        .prefetch_related("customer__phones")
        .order_by("due_end", "pk")
    )
    shop_hours: dict[int, quiet.QuietHours] = {}
    for task in active[: LIST_LIMIT * 2]:
        if task.shop_id not in shop_hours:
            shop_hours[task.shop_id] = quiet.QuietHours(task.shop)
        task.quiet_now = not callable_now(task, now, shop_hours[task.shop_id])
        task.local_time = now.astimezone(quiet.zone(task.customer, task.shop))
        if task.due_end < now:
            lists["overdue"].append(task)
        elif not task.quiet_now:
            lists["now"].append(task)
        else:
            lists["later"].append(task)
    lists["done"] = list(
        qs.filter(status__in=CLOSED, closed_at__gte=now - dt.timedelta(days=7)).order_by(
            "-closed_at", "-pk"
        )[:LIST_LIMIT]
    )
    return lists


def upcoming(user, now: dt.datetime | None = None) -> list[FollowUpTask]:
    now = now or timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    return list(
        visible_tasks(user)
        .filter(status__in=ACTIVE, due_start__gt=end_of_day)
        .order_by("due_start", "pk")[:LIST_LIMIT]
    )


def script_for(task: FollowUpTask) -> CallScript | None:
    scripts = {
        s.shop_id: s
        for s in CallScript.objects.filter(reason=task.reason).filter(
            Q(shop=task.shop) | Q(shop__isnull=True)
        )
    }
    return scripts.get(task.shop_id) or scripts.get(None)


def script_text(task: FollowUpTask, language: str) -> str:
    """The script in ``language`` (else any), with {name}, {date} and {order} filled in.

    Plain replacement, never str.format: an admin's text cannot reach object attributes.
    """
    script = script_for(task)
    if script is None:
        return ""
    field = {"zh-hans": "text_zh", "ko": "text_ko", "en": "text_en"}.get(language, "text_en")
    text = getattr(script, field) or script.text_zh or script.text_ko or script.text_en
    values = {
        "name": task.customer.name,
        "date": task.service_date.isoformat() if task.service_date else "",
        "order": task.order.external_id if task.order_id else "",
    }
    for key in PLACEHOLDERS:
        text = text.replace("{" + key + "}", values[key])
    return text


def recent_orders(task: FollowUpTask, limit: int = 5):
    from kefu.orders.models import Order

    return list(
        Order.objects.filter(customer=task.customer)
        .select_related("shop")
        .order_by("-placed_at", "-pk")[:limit]
    )


# ---------------------------------------------------------------- measures


def _rate(done: int, total: int) -> float | None:
    return round(100.0 * done / total, 1) if total else None


def period_bounds(period: str, day: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
    """A calendar week (Monday first) or month holding ``day``, as aware datetimes."""
    if period == "week":
        first = day - dt.timedelta(days=day.weekday())
        last = first + dt.timedelta(days=7)
    else:
        first = day.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last, dt.time.min, tzinfo=tz),
    )


def measures(start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None) -> dict:
    """Calls due in [start, end) (by the end of their window), cancelled ones left out.

    Completion rate = done ÷ due; per agent, per reason and for members (target 100%, 003).
    Satisfaction counts the answers of the calls done.
    """
    now = now or timezone.now()
    tasks = list(
        FollowUpTask.objects.filter(due_end__gte=start, due_end__lt=end)
        .exclude(status=S.CANCELLED)
        .select_related("owner", "customer")
    )
    by_agent: dict[str, Counter] = defaultdict(Counter)
    by_reason: dict[str, Counter] = defaultdict(Counter)
    satisfaction: Counter = Counter()
    for t in tasks:
        agent = str(t.owner) if t.owner_id else _("Nobody")
        for bucket in (by_agent[agent], by_reason[t.reason]):
            bucket["due"] += 1
            bucket["done"] += t.status == S.DONE
            bucket["failed"] += t.status == S.FAILED
            bucket["overdue"] += t.status in ACTIVE and t.due_end < now
            if t.status == S.DONE and t.satisfaction:
                bucket[t.satisfaction] += 1
        if t.status == S.DONE and t.satisfaction:
            satisfaction[t.satisfaction] += 1
    reasons = dict(Reason.choices)

    def rows(groups: dict[str, Counter], label=lambda k: k) -> list[dict]:
        return [
            {
                "key": key,
                "label": str(label(key)),
                "due": c["due"],
                "done": c["done"],
                "failed": c["failed"],
                "overdue": c["overdue"],
                "rate": _rate(c["done"], c["due"]),
                **{s: c[s] for s in Satisfaction.values},
            }
            for key, c in sorted(groups.items())
        ]

    members = by_reason.get(Reason.MEMBER, Counter())
    total_due = len(tasks)
    total_done = sum(1 for t in tasks if t.status == S.DONE)
    return {
        "start": start,
        "end": end,
        "due": total_due,
        "done": total_done,
        "rate": _rate(total_done, total_due),
        "member_rate": _rate(members["done"], members["due"]),
        "by_agent": rows(by_agent),
        "by_reason": rows(by_reason, lambda k: reasons.get(k, k)),
        "satisfaction": {s: satisfaction[s] for s in Satisfaction.values},
        "overdue_now": FollowUpTask.objects.filter(status__in=ACTIVE, due_end__lt=now).count(),
    }


REPORT_HEADER = (
    "agent",
    "due",
    "done",
    "failed",
    "overdue",
    "completion_rate",
    "satisfied",
    "neutral",
    "unsatisfied",
)


def report_rows(data: dict) -> Iterable[list]:
    """The follow-up summary report: one row per agent, then the total."""
    yield list(REPORT_HEADER)
    for r in data["by_agent"]:
        yield [
            r["label"],
            r["due"],
            r["done"],
            r["failed"],
            r["overdue"],
            r["rate"] if r["rate"] is not None else "",
            r["satisfied"],
            r["neutral"],
            r["unsatisfied"],
        ]
    sat = data["satisfaction"]
    yield [
        "TOTAL",
        data["due"],
        data["done"],
        sum(r["failed"] for r in data["by_agent"]),
        sum(r["overdue"] for r in data["by_agent"]),
        data["rate"] if data["rate"] is not None else "",
        sat["satisfied"],
        sat["neutral"],
        sat["unsatisfied"],
    ]


# ---------------------------------------------------------------- dashboards, Today, timeline


def overdue_q(now: dt.datetime) -> Q:
    return Q(status__in=ACTIVE, due_end__lt=now)


def dashboard_my_overdue_calls(user) -> int:
    """The agent's card: their calls past the end of the due window."""
    return FollowUpTask.objects.filter(overdue_q(timezone.now()), owner=user).count()


def dashboard_team_overdue_calls(user) -> int:
    """The lead's card: every call past the end of its due window."""
    if not can(user, "followups.manage"):
        return 0
    return FollowUpTask.objects.filter(overdue_q(timezone.now())).count()


def overdue_items(user, now: dt.datetime):
    """The Today page: calls overdue or due by the end of today."""
    from kefu.web.overdue import OverdueItem

    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    qs = visible_tasks(user).filter(status__in=ACTIVE, due_end__lte=end_of_day)
    reasons = dict(Reason.choices)
    for t in qs.order_by("due_end", "pk")[:LIST_LIMIT]:
        yield OverdueItem(
            title=f"{reasons.get(t.reason, t.reason)} · {t.customer.name}",
            url=reverse("followups:task", args=[t.pk]),
            due=t.due_end,
            owner=str(t.owner) if t.owner_id else "",
            detail=t.shop.name,
        )


def timeline_items(customer, limit: int):
    from kefu.customers.timeline import TimelineItem

    statuses = dict(S.choices)
    reasons = dict(Reason.choices)
    sat = dict(Satisfaction.choices)
    tasks = FollowUpTask.objects.filter(customer=customer).order_by("-created_at", "-pk")[:limit]
    return [
        TimelineItem(
            at=t.created_at,
            kind="followup",
            title=_("Follow-up call: %(reason)s") % {"reason": reasons.get(t.reason, t.reason)},
            status=str(statuses.get(t.status, t.status)),
            detail=str(sat.get(t.satisfaction, "")),
            url=reverse("followups:task", args=[t.pk]),
            extra={"state": t.status},
        )
        for t in tasks
    ]
