"""Escalation: what an agent cannot solve goes up to the lead, and the lead's answer
reaches the customer as fast as possible (000-(3) §2) — the same day it is found
(002 篇2 §4).

- :func:`escalate`: an agent asks the lead, with the question. The ticket gets an internal
  note, ``escalated_at``, and moves to "waiting on us" if it was new or open.
- :func:`answer_escalation`: a lead answers. By default the answer goes to the customer at
  once as a public reply from the lead (``customer_told_at`` is stamped); otherwise it
  becomes an internal note for the agent, who tells the customer and marks it with
  :func:`mark_customer_told`.
- Each escalation is due by the end of the business day it was raised on (the ticket's
  SLA calendar); one raised with less than ``tickets.escalation_grace_minutes`` of that
  day left is due by the end of the next business day.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import audit, policies
from kefu.core.errors import Conflict, DomainError, NotAllowed
from kefu.core.roles import can
from kefu.tickets import services, sla
from kefu.tickets.calendar import CalendarError, schedule_of
from kefu.tickets.models import BusinessCalendar, Escalation, Message, Ticket

MAX_TEXT = 5000

ESCALATION_GRACE_MINUTES = policies.declare(
    "tickets.escalation_grace_minutes",
    60,
    int,
    gettext_lazy(
        "Business minutes a lead gets at least to answer an escalation the same day; one "
        "raised later is due by the end of the next business day"
    ),
    source="002 篇2 §4 (the customer is told the same day the answer is found); kefu default",
    minimum=0,
    maximum=8 * 60,
)


def _text(value: str, field: str, empty: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(empty, fields={field: [_("Required.")]}, code="validation_error")
    if len(value) > MAX_TEXT:
        raise DomainError(
            _("Keep it under %(n)s characters.") % {"n": MAX_TEXT},
            fields={field: [_("Too long.")]},
            code="validation_error",
        )
    return value


def calendar_for(ticket: Ticket) -> BusinessCalendar | None:
    """The ticket's SLA calendar; else the first calendar there is."""
    policy = ticket.sla_policy if ticket.sla_policy_id else sla.policy_for(ticket)
    if policy is not None:
        return policy.calendar
    return BusinessCalendar.objects.order_by("pk").first()


def answer_due(ticket: Ticket, raised_at: dt.datetime) -> dt.datetime | None:
    """When the lead's answer must have reached the customer (see the module docstring)."""
    calendar = calendar_for(ticket)
    if calendar is None:
        return None
    schedule = schedule_of(calendar, since=raised_at.date() - dt.timedelta(days=1))
    grace = dt.timedelta(minutes=ESCALATION_GRACE_MINUTES.get(shop=ticket.shop))
    try:
        end = schedule.end_of_business_day(raised_at)
        if schedule.between(raised_at, end) < grace:
            end = schedule.end_of_business_day(end)
    except CalendarError:
        return None
    return end


# ---------------------------------------------------------------- services


def escalate(*, actor, ticket: Ticket, reason: str) -> Escalation:
    """An agent asks the lead about a ticket they cannot settle; audited on the ticket."""
    if not can(actor, "tickets.work"):
        raise NotAllowed(_("Your role cannot escalate tickets."))
    reason = _text(reason, "reason", _("Write the question for the lead."))
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status in sla.DONE:
            raise Conflict(
                _("This ticket is solved or closed; reopen it before escalating."),
                code="ticket_done",
            )
        if Escalation.objects.filter(ticket=locked, answered_at__isnull=True).exists():
            raise Conflict(
                _("This ticket already waits for the lead's answer."),
                code="already_escalated",
            )
        escalation = Escalation.objects.create(ticket=locked, raised_by=actor, reason=reason)
        escalation.answer_due = answer_due(locked, escalation.raised_at)
        Escalation.objects.filter(pk=escalation.pk).update(answer_due=escalation.answer_due)
        Ticket.objects.filter(pk=locked.pk).update(escalated_at=escalation.raised_at)
        services.add_message(
            actor=actor,
            ticket=locked,
            kind=Message.Kind.NOTE,
            body=_("Escalated to the lead: %(reason)s") % {"reason": reason},
        )
        if locked.status in (Ticket.Status.NEW, Ticket.Status.OPEN):
            services.change_ticket_status(
                actor=actor, ticket=locked, action="wait_internal", reason="escalated to the lead"
            )
        audit.record(
            actor=actor,
            obj=locked,
            action="ticket.escalate",
            reason=reason,
            changes={
                "escalation": escalation.pk,
                "answer_due": audit._jsonable(escalation.answer_due),
            },
        )
    return escalation


def answer_escalation(
    *, actor, escalation: Escalation, answer: str, send_to_customer: bool = True
) -> Escalation:
    """A lead answers an escalation; by default the answer goes to the customer at once
    as a public reply from the lead. Audited on the ticket."""
    if not can(actor, "tickets.escalation.answer"):
        raise NotAllowed(_("Only a lead answers escalations."))
    answer = _text(answer, "answer", _("Write the answer first."))
    with transaction.atomic():
        locked = (
            Escalation.objects.select_for_update().select_related("ticket").get(pk=escalation.pk)
        )
        if locked.answered_at is not None:
            raise Conflict(_("This escalation was answered already."), code="already_answered")
        ticket = locked.ticket
        if ticket.status == Ticket.Status.CLOSED and send_to_customer:
            raise Conflict(
                _("The ticket is closed; send the answer in a new ticket."),
                code="ticket_closed",
            )
        now = timezone.now()
        if send_to_customer:
            services.add_message(
                actor=actor,
                ticket=ticket,
                kind=Message.Kind.REPLY,
                body=answer,
                channel=ticket.channel,
                created_at=now,
            )
        elif ticket.status != Ticket.Status.CLOSED:  # closed: the answer stays here only
            services.add_message(
                actor=actor,
                ticket=ticket,
                kind=Message.Kind.NOTE,
                body=_("The lead's answer: %(answer)s") % {"answer": answer},
                created_at=now,
            )
        locked.answer, locked.answered_by, locked.answered_at = answer, actor, now
        locked.customer_told_at = now if send_to_customer else None
        locked.save(update_fields=["answer", "answered_by", "answered_at", "customer_told_at"])
        if not Escalation.objects.filter(ticket=ticket, answered_at__isnull=True).exists():
            Ticket.objects.filter(pk=ticket.pk).update(escalated_at=None)
        ticket.refresh_from_db(fields=["status"])
        if ticket.status == Ticket.Status.PENDING_INTERNAL:
            services.change_ticket_status(
                actor=actor, ticket=ticket, action="open", reason="the lead answered"
            )
        audit.record(
            actor=actor,
            obj=ticket,
            action="ticket.escalation.answer",
            reason=answer,
            changes={
                "escalation": locked.pk,
                "customer_told_at": [None, audit._jsonable(locked.customer_told_at)],
            },
        )
    return locked


def mark_customer_told(*, actor, escalation: Escalation) -> Escalation:
    """The agent told the customer the lead's answer (when the lead did not send it)."""
    if not can(actor, "tickets.work"):
        raise NotAllowed(_("Your role cannot work tickets."))
    with transaction.atomic():
        locked = (
            Escalation.objects.select_for_update().select_related("ticket").get(pk=escalation.pk)
        )
        if locked.answered_at is None:
            raise Conflict(_("The lead has not answered yet."), code="not_answered")
        if locked.customer_told_at is not None:
            raise Conflict(_("The customer was told already."), code="already_told")
        locked.customer_told_at = timezone.now()
        locked.save(update_fields=["customer_told_at"])
        audit.record(
            actor=actor,
            obj=locked.ticket,
            action="ticket.escalation.told",
            changes={
                "escalation": locked.pk,
                "customer_told_at": [None, audit._jsonable(locked.customer_told_at)],
            },
        )
    return locked


# ---------------------------------------------------------------- selectors


def _with_age(qs: QuerySet[Escalation], now: dt.datetime) -> QuerySet[Escalation]:
    return qs.annotate(
        age=ExpressionWrapper(Value(now) - F("raised_at"), output_field=DurationField()),
        is_overdue=Case(
            When(answer_due__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def _listed(qs: QuerySet[Escalation]) -> QuerySet[Escalation]:
    return qs.select_related(
        "ticket", "ticket__customer", "ticket__shop", "raised_by", "answered_by"
    )


def open_escalations(now: dt.datetime | None = None) -> QuerySet[Escalation]:
    """Escalations waiting for the lead, oldest first, each with ``age`` (a timedelta) and
    ``is_overdue`` (past the end of the business day it was due)."""
    now = now or timezone.now()
    return _with_age(_listed(Escalation.objects.filter(answered_at__isnull=True)), now).order_by(
        "raised_at", "id"
    )


def untold_escalations(now: dt.datetime | None = None) -> QuerySet[Escalation]:
    """Answered escalations whose answer has not reached the customer yet, oldest first."""
    now = now or timezone.now()
    return _with_age(
        _listed(
            Escalation.objects.filter(answered_at__isnull=False, customer_told_at__isnull=True)
        ),
        now,
    ).order_by("raised_at", "id")


def escalations(
    *, is_open: bool | None = None, ticket: Ticket | None = None, now: dt.datetime | None = None
) -> QuerySet[Escalation]:
    """For the API: all escalations (or the open / answered ones), oldest first when open,
    newest first otherwise."""
    now = now or timezone.now()
    qs = Escalation.objects.all()
    if ticket is not None:
        qs = qs.filter(ticket=ticket)
    if is_open is True:
        qs = qs.filter(answered_at__isnull=True).order_by("raised_at", "id")
    else:
        if is_open is False:
            qs = qs.filter(answered_at__isnull=False)
        qs = qs.order_by("-raised_at", "-id")
    return _with_age(_listed(qs), now)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Escalations whose answer has not reached the customer by their due time."""
    now = now or timezone.now()
    return Q(customer_told_at__isnull=True, answer_due__lt=now)


def for_ticket(ticket: Ticket) -> list[Escalation]:
    """A ticket's escalations, newest first (the panel on the ticket page)."""
    return list(
        Escalation.objects.filter(ticket=ticket)
        .select_related("raised_by", "answered_by")
        .order_by("-raised_at", "-id")
    )


def dashboard_open_escalations(user) -> int:
    """The lead's dashboard card: escalations waiting for an answer."""
    return open_escalations().count()
