"""Staff roles and what each may do.

One table, capability → roles, so who-may-do-what is readable in one place and
every view and API call asks the same question: ``can(user, "capability")``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    LEAD = "lead", _("Lead")
    AGENT = "agent", _("Agent")
    FINANCE = "finance", _("Finance")
    WAREHOUSE = "warehouse", _("Warehouse")


A, L, G, F, W = Role.ADMIN, Role.LEAD, Role.AGENT, Role.FINANCE, Role.WAREHOUSE
ALL_STAFF = frozenset(Role)

CAPABILITIES: dict[str, frozenset[str]] = {
    # everyone on the team
    "dashboard.view": ALL_STAFF,
    "customers.view": frozenset({A, L, G, F, W}),
    "orders.view": ALL_STAFF,
    "tickets.view": frozenset({A, L, G, F, W}),
    # front line
    "customers.edit": frozenset({A, L, G}),
    "tickets.work": frozenset({A, L, G}),
    "orders.edit": frozenset({A, L, G}),
    "complaints.work": frozenset({A, L, G}),
    "followups.work": frozenset({A, L, G}),
    "reviews.work": frozenset({A, L, G}),
    "retention.work": frozenset({A, L, G}),
    "aftersales.view": frozenset({A, L, G, F, W}),
    "aftersales.work": frozenset({A, L, G}),
    "complaints.view": frozenset({A, L, G}),
    "claims.work": frozenset({A, L, G, W}),
    # leads
    "customers.assign": frozenset({A, L}),
    "customers.merge": frozenset({A, L}),
    "tickets.escalation.answer": frozenset({A, L}),
    "complaints.decide": frozenset({A, L}),
    "aftersales.decide": frozenset({A, L}),
    "overdue.view": frozenset({A, L}),
    "followups.manage": frozenset({A, L}),
    "campaigns.manage": frozenset({A, L}),
    "reports.view": frozenset({A, L}),
    "audit.view": frozenset({A, L}),
    # back office
    "aftersales.receive": frozenset({A, W}),
    "aftersales.refund": frozenset({A, F}),
    "finance.view": frozenset({A, L, F}),
    # administration
    "admin.site": frozenset({A}),
    "users.manage": frozenset({A}),
    "policies.edit": frozenset({A}),
    "orders.import": frozenset({A, L}),
    "shops.manage": frozenset({A}),
    "tickets.assign": frozenset({A, L}),
    "tickets.quick_replies.shared": frozenset({A, L}),
}


def roles_for(capability: str) -> frozenset[str]:
    try:
        return CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"unknown capability {capability!r}") from None


def can(user, capability: str) -> bool:
    """True when ``user`` is an active staff member whose role holds ``capability``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return getattr(user, "role", None) in roles_for(capability)
