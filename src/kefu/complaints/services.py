"""Writes of the complaint workflow: register a complaint, then move it step by step.

:func:`register_complaint` opens the file (step 1); :func:`act` takes every later step
through the transition table (:mod:`kefu.complaints.workflow`) with the fields that step
records. Each write is one transaction with its audit entry; the current step's due
time is stored on the complaint at every move (policies below); a close sends
:data:`kefu.complaints.signals.complaint_closed` once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.complaints.models import Category, Complaint, Severity, Solution, Status
from kefu.complaints.signals import complaint_closed
from kefu.complaints.workflow import COMPLAINT
from kefu.core import audit, clock, policies, workflow
from kefu.core.errors import DomainError, NotAllowed
from kefu.core.models import Shop
from kefu.core.roles import can
from kefu.tickets.models import Channel

MAX_TEXT = 5000
SOURCE = '003 §"효율적인 불만 처리" (complaints handled at once, then a return visit); kefu default'

JUDGE_HOURS = policies.declare(
    "complaints.judge_hours",
    24,
    int,
    gettext_lazy("Hours to judge a newly registered complaint (founded or not)"),
    source=SOURCE,
    minimum=1,
    maximum=24 * 14,
)
INVESTIGATION_HOURS = policies.declare(
    "complaints.investigation_hours",
    72,
    int,
    gettext_lazy("Investigation time promised to the customer when the judge gives none, in hours"),
    source="003 §2 (the customer is told how long the investigation takes); kefu default",
    minimum=1,
    maximum=24 * 60,
)
PROPOSE_HOURS = policies.declare(
    "complaints.propose_hours",
    24,
    int,
    gettext_lazy("Hours to propose solutions once the cause is found"),
    source=SOURCE,
    minimum=1,
    maximum=24 * 30,
)
DECIDE_HOURS = policies.declare(
    "complaints.decide_hours",
    24,
    int,
    gettext_lazy("Hours the lead has to pick a solution and instruct"),
    source="003 §4 (the lead picks the best solution and instructs in time); kefu default",
    minimum=1,
    maximum=24 * 30,
)
IMPLEMENT_HOURS = policies.declare(
    "complaints.implement_hours",
    48,
    int,
    gettext_lazy("Hours to carry out the chosen solution"),
    source=SOURCE,
    minimum=1,
    maximum=24 * 60,
)
CONFIRM_HOURS = policies.declare(
    "complaints.confirm_hours",
    72,
    int,
    gettext_lazy("Hours to get the customer's acceptance once the solution is carried out"),
    source="003 §5 (the customer signs as soon as possible); kefu default",
    minimum=1,
    maximum=24 * 60,
)
FOLLOWUP_HOURS = policies.declare(
    "complaints.followup_hours",
    72,
    int,
    gettext_lazy("Hours to call the customer back after they accepted the solution"),
    source="003 §6 (return visit after handling); kefu default",
    minimum=1,
    maximum=24 * 60,
)
CLOSE_HOURS = policies.declare(
    "complaints.close_hours",
    24,
    int,
    gettext_lazy("Hours to complete and close the complaint file after the follow-up"),
    source=SOURCE,
    minimum=1,
    maximum=24 * 30,
)

STEP_HOURS = {
    Status.REGISTERED: JUDGE_HOURS,
    Status.INVESTIGATING: INVESTIGATION_HOURS,
    Status.CAUSE_FOUND: PROPOSE_HOURS,
    Status.SOLUTIONS_PROPOSED: DECIDE_HOURS,
    Status.IMPLEMENTING: IMPLEMENT_HOURS,
    Status.AWAITING_CONFIRMATION: CONFIRM_HOURS,
    Status.FOLLOWING_UP: FOLLOWUP_HOURS,
    Status.FOLLOWED_UP: CLOSE_HOURS,
}


def step_due(status: str, shop: Shop, since: dt.datetime) -> dt.datetime | None:
    """When a complaint entering ``status`` at ``since`` must have left it (None: closed)."""
    rule = STEP_HOURS.get(status)
    if rule is None:
        return None
    return since + dt.timedelta(hours=rule.get(shop=shop))


# ---------------------------------------------------------------- input checks


def _invalid(message: str, field: str, detail: str | None = None) -> DomainError:
    return DomainError(message, fields={field: [detail or message]}, code="validation_error")


def _text(value: Any, field: str, empty: str | None, *, limit: int = MAX_TEXT) -> str:
    value = "" if value is None else str(value).strip()
    if not value and empty is not None:
        raise _invalid(empty, field, _("Required."))
    if len(value) > limit:
        raise _invalid(_("Keep it under %(n)s characters.") % {"n": limit}, field, _("Too long."))
    return value


def _choice(value: str, choices, field: str, what: str) -> str:
    if value not in choices.values:
        raise _invalid(
            _("Choose a %(what)s from the list (%(allowed)s).")
            % {"what": what, "allowed": ", ".join(choices.values)},
            field,
            _("Not a valid choice."),
        )
    return value


def _shop_for(*, shop, order, ticket, customer) -> Shop:
    if shop is not None:
        return shop
    if order is not None:
        return order.shop
    if ticket is not None:
        return ticket.shop
    latest = customer.orders.order_by("-placed_at", "-id").select_related("shop").first()
    if latest is not None:
        return latest.shop
    identity = customer.identities.select_related("shop").first()
    if identity is not None:
        return identity.shop
    shops = list(Shop.objects.all()[:2])
    if len(shops) == 1:
        return shops[0]
    raise _invalid(_("Choose the shop the complaint is about."), "shop", _("Required."))


def register_complaint(
    *,
    actor,
    customer,
    content: str,
    channel: str,
    category: str,
    severity: str,
    order=None,
    ticket=None,
    complainant_name: str = "",
    occurred_at: dt.datetime | None = None,
    shop=None,
) -> Complaint:
    """Register a complaint (step 1: complainant, time, content, order, channel).

    The shop defaults from the order, then the ticket, then the customer's latest order.
    The complaint must be judged within ``complaints.judge_hours``.
    """
    if not can(actor, "complaints.work"):
        raise NotAllowed(_("Your role cannot register complaints."))
    content = _text(content, "content", _("Write what the customer complains about."))
    complainant_name = _text(complainant_name, "complainant_name", None, limit=120)
    channel = _choice(channel, Channel, "channel", _("channel"))
    category = _choice(category, Category, "category", _("category"))
    severity = _choice(severity, Severity, "severity", _("severity"))
    if customer is None:
        raise _invalid(_("Choose the customer who complains."), "customer", _("Required."))
    if order is not None and order.customer_id != customer.pk:
        raise _invalid(_("This order belongs to another customer."), "order")
    if ticket is not None and ticket.customer_id != customer.pk:
        raise _invalid(_("This ticket belongs to another customer."), "ticket")
    now = timezone.now()
    if occurred_at is None:
        occurred_at = now
    elif timezone.is_naive(occurred_at):
        raise _invalid(_("Give the complaint time with its time zone."), "occurred_at")
    elif clock.in_future(occurred_at, now):
        raise _invalid(_("The complaint time cannot be in the future."), "occurred_at")
    shop = _shop_for(shop=shop, order=order, ticket=ticket, customer=customer)
    if order is not None and order.shop_id != shop.pk:
        raise _invalid(_("This order was placed in another shop."), "order")
    with transaction.atomic():
        complaint = Complaint.objects.create(
            shop=shop,
            customer=customer,
            order=order,
            ticket=ticket,
            complainant_name=complainant_name or customer.name,
            occurred_at=occurred_at,
            content=content,
            channel=channel,
            category=category,
            severity=severity,
            status=Status.REGISTERED,
            registered_by=actor,
            registered_at=now,
            due_at=step_due(Status.REGISTERED, shop, now),
        )
        audit.record(
            actor=actor,
            obj=complaint,
            action="complaint.register",
            to_state=Status.REGISTERED,
            changes={
                "category": category,
                "severity": severity,
                "channel": channel,
                "order": order.pk if order else None,
                "ticket": ticket.pk if ticket else None,
                "due_at": audit._jsonable(complaint.due_at),
            },
        )
    return complaint


# ---------------------------------------------------------------- the steps


def _staff(value, field: str):
    User = get_user_model()
    if isinstance(value, User):
        user = value
    else:
        try:
            user = User.objects.get(pk=int(value))
        except (TypeError, ValueError, User.DoesNotExist):
            raise _invalid(
                _("Choose the owner from the team."), field, _("Unknown user.")
            ) from None
    if not can(user, "complaints.work"):
        raise _invalid(
            _("%(name)s cannot work complaints; choose someone from the service team.")
            % {"name": user.get_username()},
            field,
        )
    return user


def _when(value, field: str) -> dt.datetime:
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(value.strip())
        if parsed is None:
            raise _invalid(_("Give a date and time such as 2026-05-01T18:00+08:00."), field)
        value = parsed
    if not isinstance(value, dt.datetime):
        raise _invalid(_("Give a date and time."), field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _judge_founded(c: Complaint, f: dict, actor, now) -> dict:
    c.department = _text(
        f.get("department"), "department", _("Name the responsible department."), limit=80
    )
    promised = f.get("investigation_due")
    if promised in (None, ""):
        promised = step_due(Status.INVESTIGATING, c.shop, now)
    else:
        promised = _when(promised, "investigation_due")
        if promised <= now:
            raise _invalid(
                _("The promised investigation time must be in the future."), "investigation_due"
            )
    c.investigation_due = promised
    c.reply = _text(f.get("reply"), "reply", None)
    c.founded, c.judged_by, c.judged_at = True, actor, now
    return {"department": c.department, "investigation_due": audit._jsonable(promised)}


def _dismiss(c: Complaint, f: dict, actor, now) -> dict:
    c.reply = _text(
        f.get("reply"), "reply", _("Write the tactful answer the customer gets (003 §2).")
    )
    c.founded, c.judged_by, c.judged_at = False, actor, now
    return {"founded": False}


def _record_cause(c: Complaint, f: dict, actor, now) -> dict:
    c.cause = _text(f.get("cause"), "cause", _("Describe the cause you found."))
    if f.get("owner") in (None, ""):
        raise _invalid(_("Name the owner of the complaint."), "owner", _("Required."))
    c.owner = _staff(f.get("owner"), "owner")
    c.investigated_at = now
    return {"owner": c.owner.pk}


def _propose(c: Complaint, f: dict, actor, now) -> dict:
    description = _text(f.get("description"), "description", _("Describe the solution."))
    solution = Solution.objects.create(
        complaint=c, description=description, proposed_by=actor, proposed_at=now
    )
    return {"solution": solution.pk}


def _choose(c: Complaint, f: dict, actor, now) -> dict:
    raw = f.get("solution")
    try:
        solution = c.solutions.get(pk=int(getattr(raw, "pk", raw)))
    except (TypeError, ValueError, Solution.DoesNotExist):
        raise _invalid(
            _("Choose one of this complaint's proposed solutions."),
            "solution",
            _("Unknown solution."),
        ) from None
    c.instruction = _text(f.get("instruction"), "instruction", _("Write your instruction."))
    c.chosen_solution, c.decided_by, c.decided_at = solution, actor, now
    return {"solution": solution.pk}


def _send_back(c: Complaint, f: dict, actor, now) -> dict:
    c.investigation_due = step_due(Status.INVESTIGATING, c.shop, now)
    return {}


def _implement(c: Complaint, f: dict, actor, now) -> dict:
    c.implementation_note = _text(
        f.get("implementation_note"), "implementation_note", _("Say what was done.")
    )
    c.accountable = _text(
        f.get("accountable"),
        "accountable",
        _("Name who is accountable (person or department)."),
        limit=120,
    )
    c.accountability_measure = _text(
        f.get("accountability_measure"),
        "accountability_measure",
        _("Record the accountability measure taken."),
    )
    c.implemented_by, c.implemented_at = actor, now
    return {"accountable": c.accountable}


def _confirm(c: Complaint, f: dict, actor, now) -> dict:
    c.acceptance = _text(
        f.get("acceptance"), "acceptance", _("Record how the customer accepted the solution.")
    )
    c.customer_feedback = _text(f.get("customer_feedback"), "customer_feedback", None)
    c.confirmed_at = now
    return {}


def _declines(c: Complaint, f: dict, actor, now) -> dict:
    was = c.chosen_solution_id
    c.chosen_solution = None
    c.instruction, c.decided_by, c.decided_at = "", None, None
    c.implementation_note, c.implemented_by, c.implemented_at = "", None, None
    c.accountable, c.accountability_measure = "", ""
    return {"chosen_solution": [was, None]}


def _followup(c: Complaint, f: dict, actor, now) -> dict:
    c.followup_note = _text(
        f.get("followup_note"),
        "followup_note",
        _("Note what the customer said on the follow-up call."),
    )
    c.followed_up_at = now
    return {}


def _close(c: Complaint, f: dict, actor, now) -> dict:
    return {}


def _reopen(c: Complaint, f: dict, actor, now) -> dict:
    was = {"chosen_solution": c.chosen_solution_id, "founded": c.founded}
    _declines(c, f, actor, now)
    c.acceptance, c.customer_feedback, c.confirmed_at = "", "", None
    c.followup_note, c.followed_up_at = "", None
    c.closed_at, c.closed_by = None, None
    c.founded = True  # a complaint worth reopening is founded
    c.reopen_count += 1
    c.investigation_due = step_due(Status.INVESTIGATING, c.shop, now)
    return {"reopened_from": was}


STEPS = {
    "judge_founded": _judge_founded,
    "dismiss": _dismiss,
    "record_cause": _record_cause,
    "propose": _propose,
    "choose_solution": _choose,
    "send_back": _send_back,
    "implement": _implement,
    "confirm": _confirm,
    "customer_declines": _declines,
    "record_followup": _followup,
    "close": _close,
    "reopen": _reopen,
}
assert set(STEPS) == COMPLAINT.actions


def _closed_guard(c: Complaint) -> None:
    # The loop's promise: a founded complaint closes only with a chosen solution carried
    # out and accepted by the customer, and after the follow-up call.
    if c.founded and not (
        c.chosen_solution_id and c.implemented_at and c.confirmed_at and c.followed_up_at
    ):
        raise DomainError(
            _(
                "A founded complaint closes only after the chosen solution was carried out, "
                "the customer accepted it and was called back."
            ),
            code="incomplete",
        )


def act(*, actor, complaint: Complaint, action: str, reason: str = "", **fields: Any) -> Complaint:
    """Take one step of the loop as ``actor``: the table decides whether the state and role
    allow it; the step's fields are checked and recorded; the next step's due time is set."""
    reason = _text(reason, "reason", None)
    if action not in STEPS:
        raise DomainError(
            _("Unknown action “%(action)s”.") % {"action": action}, code="unknown_action"
        )

    def on_transition(locked: Complaint, t, context) -> dict:
        now = timezone.now()
        changes = STEPS[action](locked, fields, actor, now) or {}
        if t.target == Status.CLOSED:
            locked.closed_at, locked.closed_by = now, actor
            _closed_guard(locked)
        if t.target == Status.INVESTIGATING:
            locked.due_at = locked.investigation_due
        elif t.source != t.target or locked.due_at is None:
            locked.due_at = step_due(t.target, locked.shop, now)
        if t.source != t.target:
            locked.overdue_flagged_at = None
        changes["due_at"] = audit._jsonable(locked.due_at)
        return changes

    with transaction.atomic():
        moved = workflow.apply(
            COMPLAINT, complaint, action, actor=actor, reason=reason, on_transition=on_transition
        )
        if moved.status == Status.CLOSED:
            transaction.on_commit(
                lambda: complaint_closed.send(sender=Complaint, complaint=moved, actor=actor)
            )
    return moved


# ---------------------------------------------------------------- the overdue sweep


def flag_overdue(now: dt.datetime | None = None) -> int:
    """Flag open complaints whose current step is past due (once per step; audited)."""
    now = now or timezone.now()
    flagged = 0
    ids = list(
        Complaint.objects.filter(due_at__lt=now, overdue_flagged_at__isnull=True)
        .exclude(status=Status.CLOSED)
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        with transaction.atomic():
            c = Complaint.objects.select_for_update().filter(pk=pk).first()
            if c is None or c.overdue_flagged_at or c.status == Status.CLOSED or c.due_at >= now:
                continue
            c.overdue_flagged_at = now
            c.save(update_fields=["overdue_flagged_at"])
            audit.record(
                actor=None,
                obj=c,
                action="complaint.overdue",
                from_state=c.status,
                to_state=c.status,
                changes={"due_at": audit._jsonable(c.due_at)},
            )
            flagged += 1
    return flagged
