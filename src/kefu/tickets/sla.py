"""Service-level targets: which SLA policy a ticket falls under, when its first response
and its resolution are due in business time, the pause while the ticket waits on the
customer, and the breach flags the minute sweep sets.

- A new ticket gets its policy and due times from :func:`due_times`, which
  ``tickets.services.create_ticket`` asks before it writes. Policies match on shop,
  channel and priority; an empty field matches anything. The first active match by
  ``position`` wins; among equal positions the more specific one (shop, then channel,
  then priority) wins.
- The clock stops while the ticket waits on the customer (``pending_customer``) and while
  it is solved; when it runs again, the due times move later by the business minutes it
  stood still (:func:`on_status_change`, called by the ticket workflow).
- :func:`flag_breaches` (the ``tickets.sla_breaches`` sweep) stamps
  ``first_response_breached_at`` / ``resolution_breached_at`` with the moment the target
  passed, once per ticket and flag, each with one audit entry. Flags are facts: they are
  never cleared, even when a later change moves the due time.
- :func:`overdue_q`, :func:`due_soon_q`, :func:`breached_q` and :func:`breach_counts` are
  what the inbox, the ticket page and the reports read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core import audit, policies, refcache
from kefu.tickets.calendar import Schedule, schedule_of
from kefu.tickets.models import SLAPolicy, Ticket

S = Ticket.Status
RUNNING = (S.NEW, S.OPEN, S.PENDING_INTERNAL)
"""Statuses in which the SLA clock runs."""
UNSOLVED = (*RUNNING, S.PENDING_CUSTOMER)
DONE = (S.SOLVED, S.CLOSED)

DUE_SOON_MINUTES = policies.declare(
    "tickets.sla_due_soon_minutes",
    30,
    int,
    _("Minutes before an SLA target when the inbox marks a ticket as due soon"),
    source="000-(3) (answer as fast as possible); kefu default",
    minimum=1,
    maximum=24 * 60,
)

BATCH = 500


# ---------------------------------------------------------------- matching


def _specificity(policy: SLAPolicy) -> int:
    shop, channel = policy.shop_id is not None, bool(policy.channel)
    return 4 * shop + 2 * channel + (policy.priority is not None)


def _active_policies() -> list[SLAPolicy]:
    """Every active policy with its calendar and the calendar's special days (a few
    rows: kept per process, see kefu.core.refcache)."""
    return list(
        SLAPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("calendar__days")
    )


def match_policy(*, shop_id: int | None, channel: str, priority: int | None) -> SLAPolicy | None:
    """The SLA policy for tickets of this shop, channel and priority (None: no target)."""
    active = refcache.cached("sla_policies", _active_policies)
    if active is not None:
        candidates = [
            p
            for p in active
            if p.shop_id in (None, shop_id)
            and p.channel in ("", channel)
            and p.priority in (None, priority)
        ]
    else:
        candidates = (
            SLAPolicy.objects.filter(is_active=True)
            .filter(Q(shop__isnull=True) | Q(shop_id=shop_id))
            .filter(Q(channel="") | Q(channel=channel))
            .filter(Q(priority__isnull=True) | Q(priority=priority))
            .select_related("calendar")
        )
    return min(candidates, key=lambda p: (p.position, -_specificity(p), p.pk), default=None)


def policy_for(ticket: Ticket) -> SLAPolicy | None:
    return match_policy(shop_id=ticket.shop_id, channel=ticket.channel, priority=ticket.priority)


def _schedule(policy: SLAPolicy, since: dt.datetime) -> Schedule:
    return schedule_of(policy.calendar, since=since.date() - dt.timedelta(days=1))


# ---------------------------------------------------------------- setting due times


def due_times(
    *, shop_id: int | None, channel: str, priority: int | None, start: dt.datetime
) -> tuple[SLAPolicy | None, dt.datetime | None, dt.datetime | None]:
    """The policy a new ticket falls under and its first-response and resolution due
    times, counted in business hours from ``start``. Reads only: ``create_ticket`` asks
    before its transaction, so the write lock is held for the writes alone."""
    policy = match_policy(shop_id=shop_id, channel=channel, priority=priority)
    if policy is None:
        return None, None, None
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    schedule = _schedule(policy, start)
    return (
        policy,
        schedule.add(start, policy.first_response_minutes),
        schedule.add(start, policy.resolution_minutes),
    )


def reapply_policy(ticket: Ticket) -> dict[str, list]:
    """Match the policy again after the ticket's shop, channel or priority changed.

    Due times are counted again from the ticket's creation, plus the business minutes the
    clock already stood still; a first response already given keeps its target. Call it
    inside the service's transaction; it saves the ticket's SLA fields and returns the
    changes for that service's audit entry.
    """
    before = {
        "sla_policy": ticket.sla_policy_id,
        "first_response_due": ticket.first_response_due,
        "resolution_due": ticket.resolution_due,
    }
    policy = policy_for(ticket)
    if policy is None:
        ticket.sla_policy = None
        ticket.first_response_due = ticket.resolution_due = None
    else:
        schedule = _schedule(policy, ticket.created_at)
        stood = ticket.sla_paused_minutes
        ticket.sla_policy = policy
        if ticket.first_response_at is None:
            ticket.first_response_due = schedule.add(
                ticket.created_at, policy.first_response_minutes + stood
            )
        elif ticket.first_response_due is None:
            ticket.first_response_due = schedule.add(
                ticket.created_at, policy.first_response_minutes
            )
        ticket.resolution_due = schedule.add(ticket.created_at, policy.resolution_minutes + stood)
    after = {
        "sla_policy": ticket.sla_policy_id,
        "first_response_due": ticket.first_response_due,
        "resolution_due": ticket.resolution_due,
    }
    Ticket.objects.filter(pk=ticket.pk).update(**after)
    return audit.diff(before, after)


def on_status_change(ticket: Ticket, source: str, target: str, now: dt.datetime) -> dict[str, list]:
    """Stop the clock when the ticket starts waiting on the customer; restart it when it
    stops waiting or is reopened after being solved, moving the due times later by the
    business minutes it stood still. Called by the ticket workflow on the locked ticket
    before it is saved; returns changes for the status change's audit entry."""
    changes: dict[str, list] = {}
    waiting = S.PENDING_CUSTOMER
    if target == waiting and source != waiting:
        changes.update(audit.diff({"sla_paused_at": ticket.sla_paused_at}, {"sla_paused_at": now}))
        ticket.sla_paused_at = now
    elif source == waiting and target != waiting:
        since = ticket.sla_paused_at
        ticket.sla_paused_at = None
        changes.update(audit.diff({"sla_paused_at": since}, {"sla_paused_at": None}))
        changes.update(_restart(ticket, since, now))
    if source == S.SOLVED and target not in DONE:
        # Reopened: the time it sat solved was not ours to count.
        changes.update(_restart(ticket, ticket.solved_at, now))
    return changes


def _restart(ticket: Ticket, since: dt.datetime | None, now: dt.datetime) -> dict[str, list]:
    if since is None or ticket.sla_policy_id is None or now <= since:
        return {}
    schedule = _schedule(ticket.sla_policy, since)
    stood = int(schedule.between(since, now) // dt.timedelta(minutes=1))
    if stood <= 0:
        return {}
    before = {
        "sla_paused_minutes": ticket.sla_paused_minutes,
        "first_response_due": ticket.first_response_due,
        "resolution_due": ticket.resolution_due,
    }
    ticket.sla_paused_minutes += stood
    if ticket.first_response_at is None and ticket.first_response_due is not None:
        ticket.first_response_due = schedule.add(ticket.first_response_due, stood)
    if ticket.resolution_due is not None:
        ticket.resolution_due = schedule.add(ticket.resolution_due, stood)
    return audit.diff(
        before,
        {
            "sla_paused_minutes": ticket.sla_paused_minutes,
            "first_response_due": ticket.first_response_due,
            "resolution_due": ticket.resolution_due,
        },
    )


# ---------------------------------------------------------------- breaches


# A ticket answered or solved after its due time is flagged even if no sweep ran in
# between; the sweep looks this far back for such late answers (the clock-still-running
# case has no limit). Only a sweep stopped for longer than this misses one.
LATE_LOOKBACK = dt.timedelta(days=7)


def first_response_breach_qs(now: dt.datetime) -> list[Q]:
    """Tickets whose first-response target passed unflagged. One Q per path, each
    answered by an index on (status, first_response_due): OR-ing them would scan."""
    base = Q(first_response_breached_at__isnull=True, first_response_due__lt=now)
    recent = base & Q(first_response_due__gte=now - LATE_LOOKBACK)
    unanswered = Q(first_response_at__isnull=True)
    return [
        base & unanswered & Q(status__in=RUNNING, sla_paused_at__isnull=True),
        recent & Q(status__in=S.values, first_response_at__gt=F("first_response_due")),
        base & unanswered & Q(status=S.PENDING_CUSTOMER, sla_paused_at__gt=F("first_response_due")),
        recent & unanswered & Q(status__in=DONE, solved_at__gt=F("first_response_due")),
    ]


def resolution_breach_qs(now: dt.datetime) -> list[Q]:
    """Tickets whose resolution target passed unflagged (one Q per path, as above)."""
    base = Q(resolution_breached_at__isnull=True, resolution_due__lt=now)
    recent = base & Q(resolution_due__gte=now - LATE_LOOKBACK)
    return [
        base & Q(status__in=RUNNING, sla_paused_at__isnull=True),
        base & Q(status=S.PENDING_CUSTOMER, sla_paused_at__gt=F("resolution_due")),
        recent & Q(status__in=DONE, solved_at__gt=F("resolution_due")),
    ]


_BREACHES = (
    (
        "first_response",
        first_response_breach_qs,
        "first_response_breached_at",
        "first_response_due",
    ),
    ("resolution", resolution_breach_qs, "resolution_breached_at", "resolution_due"),
)


def flag_breaches(now: dt.datetime | None = None, *, limit: int = 20 * BATCH) -> dict[str, int]:
    """Flag every ticket whose target passed (the flag holds the moment it passed), in
    batches of one transaction each, with one audit entry per flag. A second run flags
    nothing new; at most ``limit`` flags of each kind per run (the next run goes on)."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for kind, paths, flag, due in _BREACHES:
        done = 0
        for path in paths(now):
            while done < limit:
                flagged = _flag_batch(path, kind, flag, due, min(BATCH, limit - done))
                if not flagged:
                    break
                done += flagged
        counts[kind] = done
    return counts


def _flag_batch(path: Q, kind: str, flag: str, due: str, size: int) -> int:
    with transaction.atomic():
        tickets = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(path)
            .only("id", "subject", due)
            .order_by(due, "id")[:size]
        )
        if not tickets:
            return 0
        Ticket.objects.filter(pk__in=[t.pk for t in tickets], **{flag: None}).update(
            **{flag: F(due)}
        )
        for t in tickets:
            audit.record(
                actor=None,
                obj=t,
                action=f"ticket.sla.{kind}_breached",
                changes=audit.diff({flag: None}, {flag: getattr(t, due)}),
            )
    return len(tickets)


# ---------------------------------------------------------------- reading


def breached_q() -> Q:
    """Tickets that missed a target (flagged by the sweep), whatever their status now."""
    return Q(first_response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Unsolved tickets in breach or past a due time (even before the sweep flags them):
    no first response past its target, or not resolved past its target."""
    now = now or timezone.now()
    unanswered = Q(first_response_at__isnull=True)
    clock_runs = Q(status__in=RUNNING, sla_paused_at__isnull=True)
    return Q(status__in=UNSOLVED) & (
        Q(resolution_breached_at__isnull=False)
        | (unanswered & Q(first_response_breached_at__isnull=False))
        | (clock_runs & unanswered & Q(first_response_due__lt=now))
        | (clock_runs & Q(resolution_due__lt=now))
    )


def due_soon_q(minutes: int | None = None, now: dt.datetime | None = None) -> Q:
    """Tickets whose clock runs and whose next target falls within ``minutes`` (default:
    the ``tickets.sla_due_soon_minutes`` policy) and is not overdue yet."""
    now = now or timezone.now()
    if minutes is None:
        minutes = DUE_SOON_MINUTES.get()
    horizon = now + dt.timedelta(minutes=minutes)
    answered = Q(first_response_at__isnull=False)
    first_ok = answered | (
        Q(first_response_breached_at__isnull=True)
        & (Q(first_response_due__isnull=True) | Q(first_response_due__gte=now))
    )
    resolution_ok = Q(resolution_breached_at__isnull=True) & (
        Q(resolution_due__isnull=True) | Q(resolution_due__gte=now)
    )
    soon = (~answered & Q(first_response_due__lt=horizon)) | Q(resolution_due__lt=horizon)
    return Q(status__in=RUNNING, sla_paused_at__isnull=True) & first_ok & resolution_ok & soon


def breach_counts(tickets: QuerySet[Ticket]) -> dict[str, int]:
    """For reports: of these tickets, how many had targets and how many missed each."""
    return tickets.aggregate(
        with_target=Count("id", filter=Q(sla_policy__isnull=False)),
        first_response_breached=Count("id", filter=Q(first_response_breached_at__isnull=False)),
        resolution_breached=Count("id", filter=Q(resolution_breached_at__isnull=False)),
        breached=Count("id", filter=breached_q()),
    )


@dataclass(frozen=True)
class SlaStatus:
    """What the inbox and the ticket page show about one ticket's SLA."""

    state: str  # none | paused | overdue | due_soon | on_track | met
    target: str  # "first_response" | "resolution" | ""
    due: dt.datetime | None
    label: str


_OVERDUE = {"first_response": _("First response overdue"), "resolution": _("Resolution overdue")}
_SOON = {"first_response": _("First response due soon"), "resolution": _("Resolution due soon")}
_DUE = {"first_response": _("First response due"), "resolution": _("Resolution due")}


def sla_status(
    ticket: Ticket, now: dt.datetime | None = None, *, soon_minutes: int | None = None
) -> SlaStatus:
    """One ticket's SLA in a word, for a badge. Reads only the ticket's own fields; pass
    ``soon_minutes`` (``DUE_SOON_MINUTES.get()``, read once) when showing many tickets."""
    now = now or timezone.now()
    if ticket.first_response_due is None and ticket.resolution_due is None:
        return SlaStatus("none", "", None, str(_("No SLA")))
    if ticket.status in DONE:
        if ticket.first_response_breached_at or ticket.resolution_breached_at:
            return SlaStatus("overdue", "", None, str(_("SLA missed")))
        return SlaStatus("met", "", None, str(_("SLA met")))
    if ticket.first_response_at is None and ticket.first_response_due is not None:
        target, due = "first_response", ticket.first_response_due
    else:
        target, due = "resolution", ticket.resolution_due
    flagged = ticket.resolution_breached_at or (
        target == "first_response" and ticket.first_response_breached_at
    )
    if flagged:
        return SlaStatus("overdue", target, due, str(_OVERDUE[target]))
    if ticket.sla_paused_at is not None or ticket.status == S.PENDING_CUSTOMER:
        return SlaStatus("paused", target, due, str(_("SLA paused")))
    if due is None:
        return SlaStatus("none", "", None, str(_("No SLA")))
    if due < now:
        return SlaStatus("overdue", target, due, str(_OVERDUE[target]))
    if soon_minutes is None:
        soon_minutes = DUE_SOON_MINUTES.get()
    if due < now + dt.timedelta(minutes=soon_minutes):
        return SlaStatus("due_soon", target, due, str(_SOON[target]))
    return SlaStatus("on_track", target, due, str(_DUE[target]))
