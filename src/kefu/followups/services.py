"""Writes on follow-up calls: planning them from the rules, recording every attempt, and
turning an unsatisfied answer into a ticket or a complaint. Every change is audited.

Planning is idempotent: each planned call is unique per (rule, source, sequence), so the
sweep may run any number of times. Customers marked "no calls" (or without a phone) are
never planned (:meth:`CustomerQuerySet.callable`).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.core import audit, workflow
from kefu.core.errors import Conflict, DomainError, NotAllowed
from kefu.core.models import User
from kefu.core.roles import Role, can, roles_for
from kefu.customers.models import Customer
from kefu.followups import quiet
from kefu.followups.models import (
    CallAttempt,
    FollowUpRule,
    FollowUpTask,
    Invitation,
    Reason,
    Satisfaction,
)
from kefu.followups.workflow import OUTCOME_ACTIONS, TASK_WORKFLOW
from kefu.orders.models import Order

S = FollowUpTask.Status
ACTIVE = (S.OPEN, S.RESCHEDULED)
MAX_TEXT = 5000
DELIVERY_LOOKBACK_DAYS = 60

DEFAULT_RULES = {
    # reason: (days, window days, segment) — 002 篇2 §4-6, 003
    Reason.DELIVERY: (3, 4, ""),
    Reason.SECOND: (7, 3, ""),
    Reason.COMPLAINT: (0, 3, ""),
    Reason.EVENT: (14, 2, ""),
    Reason.MEMBER: (90, 7, "vip"),
}


# ---------------------------------------------------------------- rules and windows


def rule_for(shop, reason: str) -> FollowUpRule | None:
    """The shop's own rule for ``reason``, else the default one; None when inactive."""
    rules = {
        r.shop_id: r
        for r in FollowUpRule.objects.filter(reason=reason).filter(
            Q(shop=shop) | Q(shop__isnull=True)
        )
    }
    rule = rules.get(shop.pk if shop else None) or rules.get(None)
    return rule if rule is not None and rule.is_active else None


def window(
    rule: FollowUpRule,
    base: dt.datetime,
    customer,
    shop,
    *,
    before: bool = False,
    hours: quiet.QuietHours | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """The due window: from the start of the calling day ``offset_days`` after (or before)
    ``base`` to the end of the calling day ``window_days`` later, in the customer's time
    zone (else the shop's), so a call is never due in the middle of their night."""
    tz = quiet.zone(customer, shop)
    hours = hours or quiet.QuietHours(shop)
    day = base.astimezone(tz).date()
    first = (
        day - dt.timedelta(days=rule.offset_days)
        if before
        else day + dt.timedelta(days=rule.offset_days)
    )
    start = hours.day_start(first, tz)
    end = hours.day_end(first + dt.timedelta(days=rule.window_days), tz)
    return start, end


def _team_pool(shop) -> list[User]:
    from kefu.tickets.models import Team

    roles = roles_for("followups.work")
    for team in Team.objects.prefetch_related("shops").order_by("position", "id"):
        shop_ids = {s.pk for s in team.shops.all()}
        if shop_ids and shop.pk not in shop_ids:
            continue
        members = list(
            team.members.filter(is_active=True, role__in=roles, capacity__gt=0).order_by("pk")
        )
        if members:
            return members
    return list(User.objects.filter(is_active=True, role=Role.AGENT, capacity__gt=0).order_by("pk"))


def open_task_loads(user_ids: list[int]) -> dict[int, int]:
    rows = (
        FollowUpTask.objects.filter(owner_id__in=user_ids, status__in=ACTIVE)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    loads = dict.fromkeys(user_ids, 0)
    loads.update(dict(rows))
    return loads


def pick_owner(customer: Customer, shop) -> User | None:
    """The customer's owner (003 ch.2); else the team member with the fewest open calls
    for their capacity, those online or away first (as tickets are routed)."""
    owner = customer.owner if customer.owner_id else None
    if owner is not None and owner.is_active and can(owner, "followups.work"):
        return owner
    pool = _team_pool(shop)
    if not pool:
        return None
    present = [m for m in pool if m.presence != User.Presence.OFFLINE]
    pool = present or pool
    loads = open_task_loads([m.pk for m in pool])
    return min(pool, key=lambda m: (Fraction(loads[m.pk] + 1, m.capacity), loads[m.pk], m.pk))


def plan_call(
    *,
    rule: FollowUpRule,
    source_kind: str,
    source_id: int,
    customer: Customer,
    shop,
    start: dt.datetime,
    end: dt.datetime,
    sequence: int = 1,
    order: Order | None = None,
    event=None,
    previous: FollowUpTask | None = None,
    service_date: dt.date | None = None,
) -> FollowUpTask | None:
    """Plan one call; None when the customer may not be called or it is planned already."""
    if not Customer.objects.callable().filter(pk=customer.pk).exists():
        return None
    key = dict(rule=rule, source_kind=source_kind, source_id=source_id, sequence=sequence)
    if FollowUpTask.objects.filter(**key).exists():
        return None
    try:
        with transaction.atomic():
            task = FollowUpTask.objects.create(
                **key,
                reason=rule.reason,
                customer=customer,
                shop=shop,
                order=order,
                event=event,
                previous=previous,
                service_date=service_date,
                owner=pick_owner(customer, shop),
                due_start=start,
                due_end=max(start, end),
            )
            audit.record(
                actor=None,
                obj=task,
                action="followup.plan",
                to_state=task.status,
                changes={
                    "reason": task.reason,
                    "owner": [None, task.owner_id],
                    "due": [audit._jsonable(task.due_start), audit._jsonable(task.due_end)],
                },
            )
    except IntegrityError:  # the same call planned at the same moment elsewhere
        return None
    return task


def _planned(source_kind: str, reason: str):
    """Ids of the sources that already have a call for this reason (the sweep skips them)."""
    return FollowUpTask.objects.filter(source_kind=source_kind, reason=reason).values("source_id")


def _local_date(moment: dt.datetime | None, customer, shop) -> dt.date | None:
    return moment.astimezone(quiet.zone(customer, shop)).date() if moment else None


def plan_after_delivery(now: dt.datetime) -> int:
    """First calls 3 days to a week after delivery (002 篇2 §4)."""
    planned = 0
    orders = (
        Order.objects.filter(
            delivered_at__isnull=False,
            delivered_at__gte=now - dt.timedelta(days=DELIVERY_LOOKBACK_DAYS),
            delivered_at__lte=now,
            status__in=(Order.Status.DELIVERED, Order.Status.COMPLETED),
            customer__in=Customer.objects.callable(),
        )
        .exclude(pk__in=_planned(FollowUpTask.Source.ORDER, Reason.DELIVERY))
        .select_related("shop", "customer")
        .prefetch_related("customer__phones")
        .order_by("delivered_at", "pk")
    )
    rules: dict[int, FollowUpRule | None] = {}
    hours: dict[int, quiet.QuietHours] = {}
    for order in orders.iterator(chunk_size=500):
        if order.shop_id not in rules:
            rules[order.shop_id] = rule_for(order.shop, Reason.DELIVERY)
            hours[order.shop_id] = quiet.QuietHours(order.shop)
        rule = rules[order.shop_id]
        if rule is None:
            continue
        start, end = window(
            rule, order.delivered_at, order.customer, order.shop, hours=hours[order.shop_id]
        )
        if end < now:
            continue
        task = plan_call(
            rule=rule,
            source_kind=FollowUpTask.Source.ORDER,
            source_id=order.pk,
            customer=order.customer,
            shop=order.shop,
            start=start,
            end=end,
            order=order,
            service_date=_local_date(order.delivered_at, order.customer, order.shop),
        )
        planned += task is not None
    return planned


def plan_second_call(first: FollowUpTask) -> FollowUpTask | None:
    """A second call about a week after a first call that reached the customer (002 篇2 §5)."""
    if first.reason != Reason.DELIVERY or first.status != S.DONE or first.closed_at is None:
        return None
    rule = rule_for(first.shop, Reason.SECOND)
    if rule is None:
        return None
    start, end = window(rule, first.closed_at, first.customer, first.shop)
    return plan_call(
        rule=rule,
        source_kind=FollowUpTask.Source.TASK,
        source_id=first.pk,
        customer=first.customer,
        shop=first.shop,
        start=start,
        end=end,
        order=first.order,
        previous=first,
        service_date=first.service_date,
    )


def plan_second_calls(now: dt.datetime) -> int:
    firsts = FollowUpTask.objects.filter(
        reason=Reason.DELIVERY,
        status=S.DONE,
        closed_at__gte=now - dt.timedelta(days=DELIVERY_LOOKBACK_DAYS),
        next_calls__isnull=True,
    ).select_related("shop", "customer", "order")
    return sum(plan_second_call(t) is not None for t in firsts)


def plan_after_complaint(complaint, now: dt.datetime | None = None) -> FollowUpTask | None:
    """Call the customer back within 3 days of closing their complaint (003)."""
    now = now or timezone.now()
    shop = getattr(complaint, "shop", None)
    customer = getattr(complaint, "customer", None)
    if shop is None or customer is None:
        return None
    rule = rule_for(shop, Reason.COMPLAINT)
    if rule is None:
        return None
    base = getattr(complaint, "closed_at", None) or now
    start, end = window(rule, base, customer, shop)
    start = max(start, quiet.QuietHours(shop).next_allowed(base, quiet.zone(customer, shop)))
    return plan_call(
        rule=rule,
        source_kind=FollowUpTask.Source.COMPLAINT,
        source_id=complaint.pk,
        customer=customer,
        shop=shop,
        start=start,
        end=end,
        order=getattr(complaint, "order", None),
        service_date=_local_date(base, customer, shop),
    )


def plan_event_calls(now: dt.datetime) -> int:
    """Tell invited customers about an event two weeks ahead by phone (002 篇2 §6)."""
    planned = 0
    invitations = (
        Invitation.objects.filter(event__starts_at__gt=now)
        .exclude(pk__in=_planned(FollowUpTask.Source.INVITATION, Reason.EVENT))
        .select_related("event", "event__shop", "customer")
    )
    rules: dict[int, FollowUpRule | None] = {}
    for inv in invitations.iterator(chunk_size=500):
        event, customer = inv.event, inv.customer
        if event.shop_id not in rules:
            rules[event.shop_id] = rule_for(event.shop, Reason.EVENT)
        rule = rules[event.shop_id]
        if rule is None:
            continue
        start, end = window(rule, event.starts_at, customer, event.shop, before=True)
        if end > event.starts_at:
            end = event.starts_at
        if start < now:  # invited late: call from now on
            start = now
        if end <= start:
            continue
        task = plan_call(
            rule=rule,
            source_kind=FollowUpTask.Source.INVITATION,
            source_id=inv.pk,
            customer=customer,
            shop=event.shop,
            start=start,
            end=end,
            event=event,
            service_date=_local_date(event.starts_at, customer, event.shop),
        )
        planned += task is not None
    return planned


def member_period(day: dt.date, every_days: int) -> int:
    return day.toordinal() // max(1, every_days)


def plan_member_calls(now: dt.datetime) -> int:
    """Members are called every N days (003: 100% follow-up of members)."""
    planned = 0
    for rule in FollowUpRule.objects.filter(reason=Reason.MEMBER, is_active=True).select_related(
        "shop"
    ):
        customers = Customer.objects.callable()
        if rule.segment:
            customers = customers.filter(segment=rule.segment)
        orders = Order.objects.filter(customer__in=customers).exclude(
            status__in=(Order.Status.CANCELLED, Order.Status.UNPAID)
        )
        if rule.shop_id is not None:
            orders = orders.filter(shop_id=rule.shop_id)
        else:  # the default rule: customers of shops without a member rule of their own
            own = FollowUpRule.objects.filter(reason=Reason.MEMBER, shop__isnull=False)
            orders = orders.exclude(shop_id__in=own.values("shop_id"))
        latest: dict[int, Order] = {}
        orders = orders.select_related("shop", "customer").prefetch_related("customer__phones")
        for order in orders.order_by("placed_at", "pk"):
            latest[order.customer_id] = order
        shop_hours: dict[int, quiet.QuietHours] = {}
        for order in latest.values():
            customer, shop = order.customer, order.shop
            if shop.pk not in shop_hours:
                shop_hours[shop.pk] = quiet.QuietHours(shop)
            hours, tz = shop_hours[shop.pk], quiet.zone(customer, shop)
            today = now.astimezone(tz).date()
            task = plan_call(
                rule=rule,
                source_kind=FollowUpTask.Source.CUSTOMER,
                source_id=customer.pk,
                sequence=member_period(today, rule.offset_days),
                customer=customer,
                shop=shop,
                start=hours.day_start(today, tz),
                end=hours.day_end(today + dt.timedelta(days=rule.window_days), tz),
                order=order,
                service_date=_local_date(order.placed_at, customer, shop),
            )
            planned += task is not None
    return planned


def cancel_for_no_calls(now: dt.datetime) -> int:
    """A customer who asked not to be called loses their open calls."""
    tasks = FollowUpTask.objects.filter(status__in=ACTIVE).exclude(
        customer__in=Customer.objects.callable()
    )
    n = 0
    for task in tasks:
        workflow.apply(
            TASK_WORKFLOW, task, "cancel", actor=None, reason="the customer may not be called"
        )
        n += 1
    return n


def plan_all(now: dt.datetime | None = None) -> dict[str, int]:
    """Everything the rules say is due: the follow-up sweep."""
    now = now or timezone.now()
    return {
        "cancelled": cancel_for_no_calls(now),
        "delivery": plan_after_delivery(now),
        "second": plan_second_calls(now),
        "event": plan_event_calls(now),
        "member": plan_member_calls(now),
    }


# ---------------------------------------------------------------- calls


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise DomainError(
            _("Keep it under %(n)s characters.") % {"n": MAX_TEXT},
            fields={field: [_("Too long.")]},
            code="validation_error",
        )
    return value


def _may_work(actor, task: FollowUpTask) -> None:
    if not can(actor, "followups.work"):
        raise NotAllowed(_("Your role cannot make follow-up calls."))
    if actor.role == Role.AGENT and task.owner_id not in (None, actor.pk):
        raise NotAllowed(_("This call belongs to another agent."))


def record_attempt(
    *,
    actor,
    task: FollowUpTask,
    outcome: str,
    note: str = "",
    call_back_at: dt.datetime | None = None,
    satisfaction: str = "",
    to_improve: str = "",
    suggestions: str = "",
    now: dt.datetime | None = None,
) -> FollowUpTask:
    """Record one dial: reached (with the customer's answer), no answer, busy, call back
    at a new time, or wrong number. Unanswered calls fail after the policy's attempts."""
    _may_work(actor, task)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if outcome not in OUTCOME_ACTIONS:
        errors["outcome"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(OUTCOME_ACTIONS)}]
    if outcome == "reached" and satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("Ask whether the customer was satisfied.")]
    if outcome == "call_back":
        if call_back_at is None:
            errors["call_back_at"] = [_("Agree a time to call back.")]
        elif call_back_at <= now:
            errors["call_back_at"] = [_("The time to call back must be in the future.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors, code="validation_error")
    note = _text(note, "note")
    to_improve = _text(to_improve, "to_improve")
    suggestions = _text(suggestions, "suggestions")

    def fill(locked: FollowUpTask, transition, context) -> dict:
        locked.attempts += 1
        changes: dict = {"attempts": locked.attempts, "outcome": outcome}
        if outcome == "reached":
            locked.satisfaction = satisfaction
            locked.to_improve, locked.suggestions = to_improve, suggestions
            locked.call_back_at = None
            locked.closed_at = now
            changes["satisfaction"] = satisfaction
        elif outcome == "call_back":
            locked.call_back_at = call_back_at
            tz = quiet.zone(locked.customer, locked.shop)
            day_end = quiet.QuietHours(locked.shop).day_end(call_back_at.astimezone(tz).date(), tz)
            locked.due_end = max(locked.due_end, day_end, call_back_at)
            changes["call_back_at"] = audit._jsonable(call_back_at)
        elif outcome == "wrong_number":
            locked.closed_at = now
        return changes

    with transaction.atomic():
        task = workflow.apply(
            TASK_WORKFLOW, task, outcome, actor=actor, reason=note, on_transition=fill
        )
        CallAttempt.objects.create(
            task=task,
            agent=actor,
            outcome=outcome,
            call_back_at=call_back_at if outcome == "call_back" else None,
            note=note,
            at=now,
        )
        if outcome in ("no_answer", "busy") and task.attempts >= quiet.MAX_ATTEMPTS.get(
            shop=task.shop
        ):

            def closed(locked, transition, context):
                locked.closed_at = now
                return {"attempts": locked.attempts}

            task = workflow.apply(
                TASK_WORKFLOW,
                task,
                "fail",
                actor=None,
                reason="no answer after the last attempt",
                on_transition=closed,
            )
        if outcome in ("reached", "call_back"):
            from kefu.customers.services import record_contact

            record_contact(actor=actor, customer=task.customer, at=now, channel="phone")
        if outcome == "reached":
            plan_second_call(task)
    return task


def change_status(*, actor, task: FollowUpTask, action: str, reason: str = "") -> FollowUpTask:
    """A lead cancels a call, or reopens one that was not reached (with a reason)."""
    if action in OUTCOME_ACTIONS:
        raise DomainError(
            _("Record a call attempt for “%(action)s”.") % {"action": action},
            code="use_attempt",
        )
    if action == "fail":
        raise NotAllowed(_("Only kefu marks a call not reached after the last attempt."))
    reason = _text(reason, "reason")

    def stamp(locked, transition, context):
        if transition.target == S.OPEN:
            locked.closed_at = None
            locked.attempts = 0
        else:
            locked.closed_at = timezone.now()
        return {}

    return workflow.apply(
        TASK_WORKFLOW, task, action, actor=actor, reason=reason, on_transition=stamp
    )


def reassign(*, actor, task: FollowUpTask, owner: User) -> FollowUpTask:
    if not can(actor, "followups.manage"):
        raise NotAllowed(_("Only a lead gives calls to agents."))
    if not (owner.is_active and can(owner, "followups.work")):
        raise DomainError(
            _("This person cannot make follow-up calls."), fields={"owner": [_("Not allowed.")]}
        )
    with transaction.atomic():
        locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        before = locked.owner_id
        locked.owner = owner
        locked.save(update_fields=["owner", "updated_at"])
        audit.record(
            actor=actor,
            obj=locked,
            action="followup.reassign",
            changes={"owner": [before, owner.pk]},
        )
    return locked


def _unsatisfied(task: FollowUpTask) -> None:
    if task.satisfaction != Satisfaction.UNSATISFIED:
        raise Conflict(
            _("Only an unsatisfied answer opens a ticket or a complaint."), code="not_unsatisfied"
        )


def _summary(task: FollowUpTask) -> str:
    parts = [
        _("Follow-up call (%(reason)s): the customer is unsatisfied.")
        % {"reason": task.get_reason_display()}
    ]
    if task.to_improve:
        parts.append(_("To improve: %(text)s") % {"text": task.to_improve})
    if task.suggestions:
        parts.append(_("Suggestions: %(text)s") % {"text": task.suggestions})
    return "\n".join(parts)


def open_ticket(*, actor, task: FollowUpTask):
    """One click: the unsatisfied answer becomes a ticket, linked to the call."""
    from kefu.tickets.models import Channel, Ticket
    from kefu.tickets.services import create_ticket

    _may_work(actor, task)
    if not can(actor, "tickets.work"):
        raise NotAllowed(_("Your role cannot open tickets."))
    with transaction.atomic():
        locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        _unsatisfied(locked)
        if locked.ticket_id:
            raise Conflict(_("A ticket is open for this call already."), code="ticket_exists")
        # Written in the customer's language, like the rest of their ticket, whoever
        # made the call.
        with translation.override(locked.customer.language or None):
            subject, body = _("Unsatisfied on a follow-up call"), _summary(locked)
        ticket = create_ticket(
            actor=actor,
            customer=locked.customer,
            shop=locked.shop,
            subject=subject,
            body=body,
            channel=Channel.PHONE,
            kind=Ticket.Kind.AFTER_SALES if locked.order_id else Ticket.Kind.OTHER,
            order=locked.order,
        )
        locked.ticket = ticket
        locked.save(update_fields=["ticket", "updated_at"])
        audit.record(
            actor=actor, obj=locked, action="followup.ticket", changes={"ticket": ticket.pk}
        )
    return ticket


def open_complaint(*, actor, task: FollowUpTask, severity: str = "medium", category: str = ""):
    """One click: the unsatisfied answer becomes a complaint, linked to the call."""
    from kefu.complaints.services import register_complaint

    _may_work(actor, task)
    with transaction.atomic():
        locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        _unsatisfied(locked)
        if locked.complaint_id:
            raise Conflict(_("A complaint is open for this call already."), code="complaint_exists")
        complaint = register_complaint(
            actor=actor,
            customer=locked.customer,
            content=_summary(locked),
            channel="phone",
            category=category or "service",
            severity=severity,
            order=locked.order,
            ticket=locked.ticket,
            complainant_name=locked.customer.name,
            shop=locked.shop,
        )
        locked.complaint_id = complaint.pk
        locked.save(update_fields=["complaint_id", "updated_at"])
        audit.record(
            actor=actor,
            obj=locked,
            action="followup.complaint",
            changes={"complaint": complaint.pk},
        )
    return complaint


def ensure_default_rules() -> int:
    """The default rule rows (no shop) with the seeds' numbers, where missing."""
    n = 0
    for reason, (days, window_days, segment) in DEFAULT_RULES.items():
        _, created = FollowUpRule.objects.get_or_create(
            shop=None,
            reason=reason,
            defaults={"offset_days": days, "window_days": window_days, "segment": segment},
        )
        n += created
    return n
