"""After-sales deadlines (002 篇4 §4): the marketplace's auto-confirm of receipt, the
15-day after-sales window, 72 hours to ship, and the 5 or 7 working days a platform gives
the shop to answer a dispute; and the sweep that flags cases near them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import audit
from kefu.orders.models import Order

from . import rules
from .models import OPEN_EXCLUDED, AftersalesCase, Kind


def calendar_for(shop):
    """The shop's business calendar: its SLA policy's, else the first one there is."""
    from kefu.tickets import sla
    from kefu.tickets.models import BusinessCalendar

    found = sla.match_policy(shop_id=getattr(shop, "pk", None), channel="chat", priority=2)
    if found is not None:
        return found.calendar
    return BusinessCalendar.objects.order_by("pk").first()


def working_days_after(start: dt.datetime, days: int, calendar=None) -> dt.datetime:
    """``days`` working days after ``start`` on a business calendar (holidays and make-up
    days included; no calendar: Monday to Friday): the end of the last of those days."""
    from kefu.tickets.calendar import CalendarError, schedule_of

    if calendar is None:
        day, left = start, days
        while left:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day
    schedule = schedule_of(calendar, since=start.date() - dt.timedelta(days=1))
    day = schedule.local_date(start)
    left, guard = days, 0
    while left and guard < 366:
        day += dt.timedelta(days=1)
        guard += 1
        if schedule.hours_on(day):
            left -= 1
    try:
        intervals = schedule.intervals(day)
        return intervals[-1][1] if intervals else start + dt.timedelta(days=days)
    except CalendarError:  # pragma: no cover - a calendar without hours
        return start + dt.timedelta(days=days)


def deadlines_for(
    order: Order, shop, now: dt.datetime, *, dispute: bool = False
) -> dict[str, dt.datetime | None]:
    """The case's deadlines; ``dispute``: the request came through the marketplace, whose
    platform gives the shop 5 or 7 working days to answer."""
    auto_confirm = order.auto_confirm_at
    if auto_confirm is None and order.shipped_at and not order.completed_at:
        auto_confirm = order.shipped_at + dt.timedelta(days=rules.AUTO_CONFIRM_DAYS.get(shop))
    claim_ends = (
        order.completed_at + dt.timedelta(days=rules.CLAIM_WINDOW_DAYS.get(shop))
        if order.completed_at
        else None
    )
    ship_due = None
    if order.paid_at and not order.shipped_at:
        ship_due = order.paid_at + dt.timedelta(hours=rules.SHIP_HOURS.get(shop))
    return {
        "auto_confirm_at": auto_confirm,
        "claim_window_ends": claim_ends,
        "ship_due": ship_due,
        "platform_reply_due": working_days_after(
            now, rules.REPLY_WORKING_DAYS.get(shop), calendar_for(shop)
        )
        if dispute
        else None,
    }


# ---------------------------------------------------------------- the deadline sweep


def set_flags(case: AftersalesCase, now: dt.datetime) -> None:
    """Set the two flags from the deadlines (no save, no audit)."""
    if not case.is_open:
        case.needs_extension = case.near_deadline = False
        return
    warn = dt.timedelta(hours=rules.WARN_HOURS.get(case.shop))
    near = dt.timedelta(hours=rules.NEAR_HOURS.get(case.shop))
    case.needs_extension = bool(
        case.auto_confirm_at
        and case.kind != Kind.OUT_OF_STOCK
        and case.auto_confirm_at - warn <= now
    )
    dispute = [case.claim_window_ends, case.platform_reply_due]
    if case.kind == Kind.OUT_OF_STOCK:
        dispute.append(case.ship_due)
    case.near_deadline = case.needs_extension or any(d and d - near <= now for d in dispute)


def flag_deadlines(now: dt.datetime) -> dict[str, int]:
    """The sweep: flag open cases near auto-confirm ("extend the transaction") or near a
    dispute window; each newly raised warning is audited once, for the handler to see."""
    warned = changed = 0
    qs = AftersalesCase.objects.exclude(status__in=OPEN_EXCLUDED).select_related("shop")
    for case in qs.iterator(chunk_size=500):
        before = (case.needs_extension, case.near_deadline)
        set_flags(case, now)
        if (case.needs_extension, case.near_deadline) == before:
            continue
        with transaction.atomic():
            raised = case.needs_extension and not before[0]
            fields = ["needs_extension", "near_deadline"]
            if raised:
                case.warned_at = now
                fields.append("warned_at")
            AftersalesCase.objects.filter(pk=case.pk).update(
                **{f: getattr(case, f) for f in fields}
            )
            if raised:
                warned += 1
                audit.record(
                    actor=None,
                    obj=case,
                    action="aftersales.warn_auto_confirm",
                    reason=_("Extend the transaction before the marketplace auto-confirms."),
                    changes={"auto_confirm_at": case.auto_confirm_at.isoformat()},
                )
        changed += 1
    return {"changed": changed, "warned": warned}
