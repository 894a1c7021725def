"""The after-sales transition tables, one per kind of case (kefu.core.workflow).

Who acts: ``AGENTS`` (agent, lead, admin) speak for the shop and record what the buyer did
on the marketplace (amended the request, entered the return waybill); ``WAREHOUSE``
receives and inspects parcels; ``FINANCE`` pays refunds; ``LEADS`` decide exceptions and
close cases. The marketplace refund states follow 002 篇4: awaiting seller confirmation →
(agree) awaiting the buyer's return shipment → (waybill) buyer shipped, awaiting receipt →
(warehouse receives and inspects) awaiting finance → refunded; or (reject, with a reason)
awaiting the buyer to amend → back to awaiting seller confirmation.

A 7-day no-reason return cannot be rejected at the first step: confirm it first, reject
only once it waits for the return shipment (the ``_not_seven_day`` guard).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import DomainError
from kefu.core.money import fmt
from kefu.core.roles import Role
from kefu.core.workflow import SYSTEM, Workflow, rows

from .models import Condition, Kind, Status

A, L, G, F, W = Role.ADMIN, Role.LEAD, Role.AGENT, Role.FINANCE, Role.WAREHOUSE
AGENTS = (A, L, G)
LEADS = (A, L)
WAREHOUSE = (A, W)
FINANCE = (A, F)
BUYER_SIDE = (A, L, G, SYSTEM)  # the buyer's own moves, recorded by an agent or a sync

S = Status


def _not_seven_day(case, context) -> None:
    if case.seven_day_no_reason:
        raise DomainError(
            _(
                "A 7-day no-reason return cannot be rejected now: agree first, and reject "
                "once it waits for the return shipment if the buyer must amend it."
            ),
            code="seven_day_no_reject",
        )


def _needs_waybill(field: str):
    def guard(case, context) -> None:
        if not (context.get("waybill") or "").strip():
            raise DomainError(
                _("Enter the waybill number."),
                fields={"waybill": [_("Required.")]},
                code="validation_error",
            )

    guard.__name__ = f"needs_{field}"
    return guard


def _resellable(case, context) -> None:
    if context.get("condition") != Condition.RESELLABLE:
        raise DomainError(
            _("Only a resellable item goes on to the refund; record what is wrong with it."),
            code="not_resellable",
        )


def _not_resellable(case, context) -> None:
    if context.get("condition") not in (Condition.WORN, Condition.DAMAGED):
        raise DomainError(_("Say whether the item is worn or damaged."), code="validation_error")


def _postage_settled(case, context) -> None:
    if case.postage_settlement == "owed" and case.postage_owed > 0:
        raise DomainError(
            _(
                "The customer still owes %(amount)s postage: record the payment, or ask a "
                "lead to waive it, before the replacement ships."
            )
            % {"amount": fmt(case.postage_owed, case.currency)},
            code="postage_owed",
        )


_waybill = _needs_waybill("waybill")

# (source, action, target, roles[, options]) — the refund after a return.
_RETURN = [
    (S.AWAITING_SELLER, "agree", S.AWAITING_RETURN, AGENTS),
    (
        S.AWAITING_SELLER,
        "reject",
        S.AWAITING_AMEND,
        AGENTS,
        {"guard": _not_seven_day, "needs_reason": True},
    ),
    (S.AWAITING_AMEND, "amend", S.AWAITING_SELLER, BUYER_SIDE),
    (S.AWAITING_RETURN, "reject", S.AWAITING_AMEND, AGENTS, {"needs_reason": True}),
    (S.AWAITING_RETURN, "ship_return", S.RETURN_SHIPPED, BUYER_SIDE, {"guard": _waybill}),
    # The parcel may arrive before the buyer typed the waybill in: the desk finds it anyway.
    (S.AWAITING_RETURN, "receive", S.RECEIVED, WAREHOUSE, {"guard": _waybill}),
    (S.RETURN_SHIPPED, "receive", S.RECEIVED, WAREHOUSE),
]
_INSPECT_REFUND = [
    (S.RECEIVED, "inspect", S.AWAITING_FINANCE, WAREHOUSE, {"guard": _resellable}),
    (S.RECEIVED, "inspect_issue", S.INSPECTION_ISSUE, WAREHOUSE, {"guard": _not_resellable}),
    (S.INSPECTION_ISSUE, "approve_refund", S.AWAITING_FINANCE, LEADS, {"needs_reason": True}),
    (S.INSPECTION_ISSUE, "offer_alternative", S.CLOSED, AGENTS, {"needs_reason": True}),
    (S.AWAITING_FINANCE, "confirm_refund", S.REFUNDED, FINANCE),
]


def _endings(states, *, cancellable) -> list:
    out = []
    for state in states:
        if state in cancellable:
            out.append((state, "cancel", S.CANCELLED, AGENTS, {"needs_reason": True}))
        out.append((state, "close", S.CLOSED, LEADS, {"needs_reason": True}))
    return out


_BEFORE_PARCEL = (S.AWAITING_SELLER, S.AWAITING_AMEND, S.AWAITING_RETURN)

RETURN_REFUND = Workflow(
    name="aftersales.return_refund",
    states=(
        S.AWAITING_SELLER,
        S.AWAITING_AMEND,
        S.AWAITING_RETURN,
        S.RETURN_SHIPPED,
        S.RECEIVED,
        S.INSPECTION_ISSUE,
        S.AWAITING_FINANCE,
        S.REFUNDED,
        S.CLOSED,
        S.CANCELLED,
    ),
    transitions=rows(
        _RETURN
        + _INSPECT_REFUND
        + _endings(
            (
                *_BEFORE_PARCEL,
                S.RETURN_SHIPPED,
                S.RECEIVED,
                S.INSPECTION_ISSUE,
                S.AWAITING_FINANCE,
            ),
            cancellable=_BEFORE_PARCEL,
        )
    ),
    final_states=frozenset({S.REFUNDED, S.CLOSED, S.CANCELLED}),
)

REFUND_ONLY = Workflow(
    name="aftersales.refund_only",
    states=(
        S.AWAITING_SELLER,
        S.AWAITING_AMEND,
        S.AWAITING_FINANCE,
        S.REFUNDED,
        S.CLOSED,
        S.CANCELLED,
    ),
    transitions=rows(
        [
            (S.AWAITING_SELLER, "agree", S.AWAITING_FINANCE, AGENTS),
            (
                S.AWAITING_SELLER,
                "reject",
                S.AWAITING_AMEND,
                AGENTS,
                {"guard": _not_seven_day, "needs_reason": True},
            ),
            (S.AWAITING_AMEND, "amend", S.AWAITING_SELLER, BUYER_SIDE),
            (S.AWAITING_FINANCE, "confirm_refund", S.REFUNDED, FINANCE),
            *_endings(
                (S.AWAITING_SELLER, S.AWAITING_AMEND, S.AWAITING_FINANCE),
                cancellable=(S.AWAITING_SELLER, S.AWAITING_AMEND),
            ),
        ]
    ),
    final_states=frozenset({S.REFUNDED, S.CLOSED, S.CANCELLED}),
)

EXCHANGE = Workflow(
    name="aftersales.exchange",
    states=(
        S.AWAITING_SELLER,
        S.AWAITING_AMEND,
        S.AWAITING_RETURN,
        S.RETURN_SHIPPED,
        S.RECEIVED,
        S.INSPECTION_ISSUE,
        S.AWAITING_RESHIP,
        S.CLOSED,
        S.CANCELLED,
    ),
    transitions=rows(
        [
            *_RETURN,
            (S.RECEIVED, "inspect", S.AWAITING_RESHIP, WAREHOUSE, {"guard": _resellable}),
            (
                S.RECEIVED,
                "inspect_issue",
                S.INSPECTION_ISSUE,
                WAREHOUSE,
                {"guard": _not_resellable},
            ),
            (
                S.INSPECTION_ISSUE,
                "approve_exchange",
                S.AWAITING_RESHIP,
                LEADS,
                {"needs_reason": True},
            ),
            (S.INSPECTION_ISSUE, "offer_alternative", S.CLOSED, AGENTS, {"needs_reason": True}),
            # 002 篇4: ship the replacement once the postage is paid (or a lead waived it).
            (
                S.AWAITING_RESHIP,
                "reship",
                S.CLOSED,
                (A, L, G, W),
                {"guard": lambda case, ctx: (_postage_settled(case, ctx), _waybill(case, ctx))},
            ),
            *_endings(
                (
                    *_BEFORE_PARCEL,
                    S.RETURN_SHIPPED,
                    S.RECEIVED,
                    S.INSPECTION_ISSUE,
                    S.AWAITING_RESHIP,
                ),
                cancellable=_BEFORE_PARCEL,
            ),
        ]
    ),
    final_states=frozenset({S.CLOSED, S.CANCELLED}),
)

RESEND_PART = Workflow(
    name="aftersales.resend_part",
    states=(S.AWAITING_RESEND, S.RESENT, S.CLOSED, S.CANCELLED),
    transitions=rows(
        [
            (S.AWAITING_RESEND, "resend", S.RESENT, (A, L, G, W), {"guard": _waybill}),
            (S.RESENT, "confirm_received", S.CLOSED, BUYER_SIDE),
            *_endings((S.AWAITING_RESEND, S.RESENT), cancellable=(S.AWAITING_RESEND,)),
        ]
    ),
    final_states=frozenset({S.CLOSED, S.CANCELLED}),
)

# 002 篇4: never just say "out of stock" — offer another style, a wait, or the refund.
OUT_OF_STOCK = Workflow(
    name="aftersales.out_of_stock",
    states=(
        S.AWAITING_CHOICE,
        S.WAITING_RESTOCK,
        S.AWAITING_FINANCE,
        S.REFUNDED,
        S.CLOSED,
        S.CANCELLED,
    ),
    transitions=rows(
        [
            (S.AWAITING_CHOICE, "switch_style", S.CLOSED, AGENTS),
            (S.AWAITING_CHOICE, "wait_restock", S.WAITING_RESTOCK, AGENTS),
            (S.AWAITING_CHOICE, "choose_refund", S.AWAITING_FINANCE, AGENTS),
            (S.WAITING_RESTOCK, "restocked", S.CLOSED, (A, L, G, W), {"guard": _waybill}),
            (S.WAITING_RESTOCK, "choose_refund", S.AWAITING_FINANCE, AGENTS),
            (S.AWAITING_FINANCE, "confirm_refund", S.REFUNDED, FINANCE),
            *_endings(
                (S.AWAITING_CHOICE, S.WAITING_RESTOCK, S.AWAITING_FINANCE),
                cancellable=(S.AWAITING_CHOICE,),
            ),
        ]
    ),
    final_states=frozenset({S.REFUNDED, S.CLOSED, S.CANCELLED}),
)

WORKFLOWS: dict[str, Workflow] = {
    Kind.RETURN_REFUND: RETURN_REFUND,
    Kind.REFUND_ONLY: REFUND_ONLY,
    Kind.EXCHANGE: EXCHANGE,
    Kind.RESEND_PART: RESEND_PART,
    Kind.OUT_OF_STOCK: OUT_OF_STOCK,
}

INITIAL: dict[str, str] = {
    Kind.RETURN_REFUND: S.AWAITING_SELLER,
    Kind.REFUND_ONLY: S.AWAITING_SELLER,
    Kind.EXCHANGE: S.AWAITING_SELLER,
    Kind.RESEND_PART: S.AWAITING_RESEND,
    Kind.OUT_OF_STOCK: S.AWAITING_CHOICE,
}

ALL_ACTIONS = sorted({a for wf in WORKFLOWS.values() for a in wf.actions})

ACTION_LABELS = {
    "agree": gettext_lazy("Agree"),
    "reject": gettext_lazy("Reject, ask the buyer to amend"),
    "amend": gettext_lazy("Buyer amended the request"),
    "ship_return": gettext_lazy("Buyer entered the return waybill"),
    "receive": gettext_lazy("Receive the parcel"),
    "inspect": gettext_lazy("Inspected: resellable"),
    "inspect_issue": gettext_lazy("Inspected: not resellable"),
    "approve_refund": gettext_lazy("Refund anyway"),
    "approve_exchange": gettext_lazy("Exchange anyway"),
    "offer_alternative": gettext_lazy("Offer VIP, a gift or free shipping instead"),
    "confirm_refund": gettext_lazy("Confirm the refund"),
    "reship": gettext_lazy("Ship the replacement"),
    "resend": gettext_lazy("Resend the missing part"),
    "confirm_received": gettext_lazy("Customer received it"),
    "switch_style": gettext_lazy("Customer switched style"),
    "wait_restock": gettext_lazy("Customer waits for restock"),
    "choose_refund": gettext_lazy("Customer wants a refund"),
    "restocked": gettext_lazy("Restocked and shipped"),
    "cancel": gettext_lazy("Cancel (buyer withdrew)"),
    "close": gettext_lazy("Close"),
}

# What each action asks for on the form / in the API body.
ACTION_FIELDS = {
    "ship_return": ("waybill", "carrier"),
    "receive": ("waybill",),
    "inspect": ("condition", "accessories_complete", "note"),
    "inspect_issue": ("condition", "accessories_complete", "note"),
    "confirm_refund": ("amount", "reference"),
    "reship": ("waybill",),
    "resend": ("waybill",),
    "restocked": ("waybill",),
}


def workflow_for(case) -> Workflow:
    return WORKFLOWS[case.kind]
