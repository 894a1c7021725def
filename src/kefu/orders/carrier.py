"""Parcels and the carrier (002-篇4 §1 快件跟踪): the claim workflow and the policies.

A damage or loss claim moves through one table::

    draft ──file──▶ filed ──settle──▶ settled ──close──▶ closed
      │               │  ╲──reject──▶ rejected ──refile──▶ filed
      │               │                  ╲──write_off──▶ closed (lead, admin)
      │               ╰──write_off──▶ closed (lead, admin)
      ╰──withdraw──▶ closed           (filed ──withdraw──▶ closed too: the parcel turned up)

Everyone who works claims (``claims.work``: agent, lead, warehouse, admin) may file,
settle, reject, refile, close and withdraw; only a lead or an admin writes a loss off
(the shop bears what the carrier did not pay). A settled claim paid less than claimed
cannot simply be closed: the shortfall is written off by a lead.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import policies
from kefu.core.errors import DomainError
from kefu.core.roles import Role
from kefu.core.workflow import Workflow, rows
from kefu.orders.models import DamageClaim

S = DamageClaim.Status
WORKERS = (Role.AGENT, Role.LEAD, Role.WAREHOUSE, Role.ADMIN)
DECIDERS = (Role.LEAD, Role.ADMIN)

CARRIER_ANSWER_DAYS = policies.declare(
    "claims.carrier_answer_days",
    7,
    int,
    gettext_lazy(
        "Days the carrier gets to answer a filed damage or loss claim before it shows as "
        "overdue on the Today page"
    ),
    source="kefu default",
    minimum=1,
    maximum=90,
)
DRAFT_DAYS = policies.declare(
    "claims.draft_days",
    1,
    int,
    gettext_lazy("Days a claim may stay a draft before it shows as overdue (file it promptly)"),
    source="002-篇4 §1: report to the carrier once it confirms the damage or loss",
    minimum=0,
    maximum=30,
)
PHOTO_MAX_MB = policies.declare(
    "claims.photo_max_mb",
    8,
    int,
    gettext_lazy("Largest photo or scan (MB) kept with a damage or loss claim"),
    source="kefu default",
    minimum=1,
    maximum=100,
)
PHOTO_TYPES = policies.declare(
    "claims.photo_types",
    "jpg jpeg png webp heic pdf",
    str,
    gettext_lazy("File types kept with a claim (extensions, separated by spaces)"),
    source="kefu default: photos of the damage, scans of the waybill and the sender's ID",
)


def _paid_in_full(claim: DamageClaim, context: dict) -> None:
    paid = claim.amount_paid or Decimal(0)
    if paid < claim.amount_claimed:
        raise DomainError(
            _(
                "The carrier paid less than was claimed; a lead writes the shortfall off "
                "instead of closing."
            ),
            code="shortfall",
        )


def _needs_payment(claim: DamageClaim, context: dict) -> None:
    amount = context.get("amount_paid")
    if amount is None:
        raise DomainError(
            _("Record the amount the carrier paid."),
            fields={"amount_paid": [_("Required.")]},
            code="validation_error",
        )


CLAIM_WORKFLOW = Workflow(
    name="claim",
    states=tuple(S.values),
    final_states=frozenset({S.CLOSED}),
    transitions=rows(
        [
            (S.DRAFT, "file", S.FILED, WORKERS),
            (S.DRAFT, "withdraw", S.CLOSED, WORKERS, {"needs_reason": True}),
            (S.FILED, "settle", S.SETTLED, WORKERS, {"guard": _needs_payment}),
            (S.FILED, "reject", S.REJECTED, WORKERS, {"needs_reason": True}),
            (S.FILED, "withdraw", S.CLOSED, WORKERS, {"needs_reason": True}),
            (S.FILED, "write_off", S.CLOSED, DECIDERS, {"needs_reason": True}),
            (S.SETTLED, "close", S.CLOSED, WORKERS, {"guard": _paid_in_full}),
            (S.SETTLED, "write_off", S.CLOSED, DECIDERS, {"needs_reason": True}),
            (S.REJECTED, "refile", S.FILED, WORKERS, {"needs_reason": True}),
            (S.REJECTED, "write_off", S.CLOSED, DECIDERS, {"needs_reason": True}),
        ]
    ),
)

ACTION_LABELS = {
    "file": gettext_lazy("Mark as filed with the carrier"),
    "settle": gettext_lazy("Record the payment"),
    "reject": gettext_lazy("Carrier refused"),
    "refile": gettext_lazy("File again"),
    "withdraw": gettext_lazy("Withdraw"),
    "close": gettext_lazy("Close"),
    "write_off": gettext_lazy("Write off"),
}

STATUS_TONE = {
    S.DRAFT: "badge-muted",
    S.FILED: "badge-info",
    S.SETTLED: "badge-success",
    S.REJECTED: "badge-danger",
    S.CLOSED: "",
}


def connect() -> None:
    """Register the claims on the customer's timeline and the Today page (idempotent)."""
    from kefu.customers import timeline
    from kefu.orders import carrier_selectors
    from kefu.web import overdue

    timeline.register("claim", carrier_selectors.timeline_items)
    overdue.register("claim", gettext_lazy("Carrier claims"), carrier_selectors.overdue_items)
