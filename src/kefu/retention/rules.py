"""The numbers of keeping customers, as admin-editable policies, and when kefu may message."""

from __future__ import annotations

import datetime as dt
import zoneinfo

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
# Used only when the follow-up app's calling hours are not installed.
MESSAGE_FROM = policies.declare(
    "retention.message_from",
    "09:00",
    str,
    gettext_lazy("Reminders: not before (HH:MM, customer's time), without follow-up hours"),
    source="002 篇4 (no messages in the middle of the night: 恶意骚扰); kefu default",
)
MESSAGE_UNTIL = policies.declare(
    "retention.message_until",
    "21:00",
    str,
    gettext_lazy("Reminders: not after (HH:MM, customer's time), without follow-up hours"),
    source="002 篇4 (no messages in the middle of the night: 恶意骚扰); kefu default",
)


def _clock(value: str) -> dt.time:
    hours, minutes = str(value).strip().split(":")
    return dt.time(int(hours), int(minutes))


def _zone(customer, shop) -> zoneinfo.ZoneInfo:
    for name in (getattr(customer, "time_zone", ""), getattr(shop, "time_zone", "")):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("Asia/Shanghai")


def may_message(customer, shop, now: dt.datetime) -> bool:
    """Whether kefu may contact ``customer`` now: the follow-up app's quiet hours when it
    has them, else this app's own message hours, in the customer's time zone."""
    try:
        from kefu.followups import quiet
    except ImportError:
        quiet = None
    if quiet is not None and hasattr(quiet, "QuietHours") and hasattr(quiet, "zone"):
        return quiet.QuietHours(shop).allows(now.astimezone(quiet.zone(customer, shop)))
    local = now.astimezone(_zone(customer, shop)).timetz().replace(tzinfo=None)
    try:
        start, end = _clock(MESSAGE_FROM.get(shop=shop)), _clock(MESSAGE_UNTIL.get(shop=shop))
    except (ValueError, TypeError):
        start, end = _clock(MESSAGE_FROM.default), _clock(MESSAGE_UNTIL.default)
    return start <= local < end
