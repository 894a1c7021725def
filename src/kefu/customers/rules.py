"""The customer archive's numbers: each a policy with its default and where it comes from.

Admins change them in the policy settings (globally or per shop); code reads them here and
never spells the number itself.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from kefu.core import policies

OWNER_CONTACT_DAYS = policies.declare(
    "customers.owner_contact_days",
    7,
    int,
    _("Days an owner has to contact a newly assigned customer"),
    source="003 ch.2 §3",
    minimum=1,
    maximum=365,
)

VIP_WINDOW_DAYS = policies.declare(
    "customers.vip_window_days",
    365,
    int,
    _("Days of purchases that count towards VIP status"),
    source="002 篇2 (loyal/VIP customers); kefu default",
    minimum=1,
    maximum=3650,
)

VIP_MIN_SPEND = policies.declare(
    "customers.vip_min_spend",
    Decimal("5000"),
    Decimal,
    _("Paid in one shop within the VIP window that makes a customer VIP (the shop's currency)"),
    source="002 篇2 (loyal/VIP customers); kefu default, set per shop for KRW shops",
    minimum=Decimal("0"),
)

VIP_MIN_ORDERS = policies.declare(
    "customers.vip_min_orders",
    5,
    int,
    _("Paid orders within the VIP window that make a customer VIP"),
    source="002 篇2 (loyal/VIP customers); kefu default",
    minimum=1,
)
