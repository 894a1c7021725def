"""The after-sales numbers of the trade, declared once (admin-editable, per shop)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from kefu.core import policies

NO_REASON_DAYS = policies.declare(
    "aftersales.no_reason_days",
    7,
    int,
    _("Days after receipt a buyer may return without a reason"),
    source="002 篇4 (7-day no-reason return)",
    minimum=0,
    maximum=90,
)
CLAIM_WINDOW_DAYS = policies.declare(
    "aftersales.claim_window_days",
    15,
    int,
    _("Days after transaction success a buyer may still open an after-sales claim"),
    source="002 篇4 §4 (disputes: 15 days)",
    minimum=1,
    maximum=365,
)
AUTO_CONFIRM_DAYS = policies.declare(
    "aftersales.auto_confirm_days",
    10,
    int,
    _(
        "Days after shipping the marketplace confirms receipt by itself (when the order has no "
        "deadline of its own)"
    ),
    source="marketplace default; kefu default",
    minimum=1,
    maximum=60,
)
WARN_HOURS = policies.declare(
    "aftersales.extend_warning_hours",
    48,
    int,
    _("Hours before the auto-confirm deadline the handler is told to extend the transaction"),
    source="002 篇4 (extend the transaction while a return is open)",
    minimum=1,
    maximum=24 * 14,
)
NEAR_HOURS = policies.declare(
    "aftersales.near_deadline_hours",
    24,
    int,
    _("Hours before a dispute deadline a case is flagged as near it"),
    source="kefu default",
    minimum=1,
    maximum=24 * 14,
)
SHIP_HOURS = policies.declare(
    "aftersales.ship_within_hours",
    72,
    int,
    _("Hours after payment within which an order must ship"),
    source="002 篇4 §4 (72 hours)",
    minimum=1,
    maximum=24 * 30,
)
REPLY_WORKING_DAYS = policies.declare(
    "aftersales.platform_reply_working_days",
    5,
    int,
    _("Working days the shop has to answer a marketplace dispute (5 or 7 by platform)"),
    source="002 篇4 §4 (5 or 7 working days)",
    minimum=1,
    maximum=30,
)
CUT_OFF = policies.declare(
    "aftersales.warehouse_cut_off",
    "16:00",
    str,
    _("Parcels received after this time join the next day's hand-over batch"),
    source="002 篇4 (after 16:00: next morning's batch)",
)
HAND_OVER = policies.declare(
    "aftersales.warehouse_hand_over",
    "15:00",
    str,
    _("Time the warehouse hands the day's batch of return sheets to after-sales"),
    source="002 篇4 (about 15:00 the next day)",
)
STANDARD_POSTAGE = policies.declare(
    "aftersales.standard_postage",
    Decimal("10"),
    Decimal,
    _("Postage of one parcel, when the order does not say (outbound, return or reship)"),
    source="kefu default",
    minimum=Decimal(0),
)
