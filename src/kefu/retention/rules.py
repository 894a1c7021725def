"""The numbers of keeping customers, as admin-editable policies, and when kefu may message."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from kefu.core import policies

UNPAID_HOLD_DAYS = policies.declare(
    "retention.unpaid_hold_days",
    3,
    int,
    gettext_lazy("Days an unpaid order is held; reminders go out within them"),
    source="002 篇5 §2 (系统会为亲把订单保留3天)",
    minimum=1,
    maximum=30,
)
UNPAID_REMIND_AFTER_MINUTES = policies.declare(
    "retention.unpaid_remind_after_minutes",
    30,
    int,
    gettext_lazy("Minutes after an order is placed before its payment reminder is prepared"),
    source="kefu default (give the buyer time to pay by themselves)",
    minimum=0,
    maximum=24 * 60,
)
MARKETING_MAX_MESSAGES = policies.declare(
    "retention.marketing_max_messages",
    1,
    int,
    gettext_lazy("Marketing messages a customer gets at most per window, all campaigns together"),
    source="002 篇4 §5 (切忌不要太频繁, else they count as spam); kefu default",
    minimum=0,
    maximum=50,
)
MARKETING_WINDOW_DAYS = policies.declare(
    "retention.marketing_window_days",
    7,
    int,
    gettext_lazy("Days of the marketing frequency window"),
    source="002 篇4 §5; kefu default",
    minimum=1,
    maximum=365,
)


def may_message(customer, shop, now: dt.datetime) -> bool:
    """Whether kefu may contact ``customer`` now: the follow-up calls' quiet hours, in the
    customer's time zone (one set of hours for every contact a shop makes)."""
    from kefu.followups import quiet

    return quiet.QuietHours(shop).allows(now.astimezone(quiet.zone(customer, shop)))
