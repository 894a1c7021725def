"""When a customer may be called: quiet hours in the customer's own time zone.

Never call too early, too late or at lunch (000-(4), 003). The hours are policies, per
shop; they apply in the customer's time zone: their own, else the one their phone number's
country code points to, else the shop's.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils.translation import gettext_lazy

from kefu.core import policies
from kefu.customers import normalize

SOURCE = "000-(4), 003 (never too early, too late or at lunch); kefu default"

CALL_FROM = policies.declare(
    "followups.call_from",
    "09:00",
    str,
    gettext_lazy("Follow-up calls: not before (HH:MM)"),
    source=SOURCE,
)
CALL_UNTIL = policies.declare(
    "followups.call_until",
    "20:00",
    str,
    gettext_lazy("Follow-up calls: not after (HH:MM)"),
    source=SOURCE,
)
LUNCH_FROM = policies.declare(
    "followups.lunch_from",
    "12:00",
    str,
    gettext_lazy("Follow-up calls: lunch break from (HH:MM)"),
    source=SOURCE,
)
LUNCH_UNTIL = policies.declare(
    "followups.lunch_until",
    "13:30",
    str,
    gettext_lazy("Follow-up calls: lunch break until (HH:MM)"),
    source=SOURCE,
)
MAX_ATTEMPTS = policies.declare(
    "followups.max_attempts",
    3,
    int,
    gettext_lazy("Follow-up calls: unanswered attempts before the call counts as not reached"),
    source="003 (every member is followed up); kefu default",
    minimum=1,
    maximum=20,
)
SURVEY_LOOKBACK_DAYS = policies.declare(
    "followups.survey_lookback_days",
    14,
    int,
    gettext_lazy("Satisfaction survey: tickets solved within this many days get one"),
    source="kefu default",
    minimum=1,
    maximum=365,
)
SURVEY_VALID_DAYS = policies.declare(
    "followups.survey_valid_days",
    30,
    int,
    gettext_lazy("Satisfaction survey: days the customer's link works"),
    source="kefu default",
    minimum=1,
    maximum=365,
)


def _clock(value: str, fallback: str) -> dt.time:
    try:
        hours, minutes = str(value).strip().split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, TypeError):
        hours, minutes = fallback.split(":")
        return dt.time(int(hours), int(minutes))


def _phone_zone(customer) -> str:
    """The zone the customer's first phone number's country code points to ('' if none).

    Remembered on the customer object so a list of calls asks the database once per
    customer (nothing at all when the phones were prefetched)."""
    if getattr(customer, "pk", None) is None or not hasattr(customer, "phones"):
        return ""
    cached = getattr(customer, "_followups_phone_zone", None)
    if cached is None:
        phones = sorted(customer.phones.all(), key=lambda p: p.pk)
        cached = next(
            (z for z in (normalize.time_zone_for_phone(p.normalized) for p in phones) if z), ""
        )
        customer._followups_phone_zone = cached
    return cached


def zone(customer, shop) -> zoneinfo.ZoneInfo:
    """The customer's time zone; else the one their phone's country code points to (+82 →
    Seoul, +81 → Tokyo, …; +1 says nothing); else the shop's; else Shanghai."""
    names = [getattr(customer, "time_zone", "")]
    if not names[0]:
        names.append(_phone_zone(customer))
    names.append(getattr(shop, "time_zone", ""))
    for name in names:
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("Asia/Shanghai")


class QuietHours:
    """The shop's calling hours: a day from ``start`` to ``end`` less the lunch break."""

    def __init__(self, shop=None):
        self.start = _clock(CALL_FROM.get(shop=shop), CALL_FROM.default)
        self.end = _clock(CALL_UNTIL.get(shop=shop), CALL_UNTIL.default)
        self.lunch_start = _clock(LUNCH_FROM.get(shop=shop), LUNCH_FROM.default)
        self.lunch_end = _clock(LUNCH_UNTIL.get(shop=shop), LUNCH_UNTIL.default)

    @classmethod
    def of(cls, start: str, end: str, lunch_start: str, lunch_end: str) -> QuietHours:
        """Hours given as HH:MM, without asking the policies (previews, tests)."""
        hours = cls.__new__(cls)
        hours.start, hours.end = _clock(start, start), _clock(end, end)
        hours.lunch_start, hours.lunch_end = (
            _clock(lunch_start, lunch_start),
            _clock(lunch_end, lunch_end),
        )
        return hours

    def allows(self, local: dt.datetime) -> bool:
        t = local.timetz().replace(tzinfo=None)
        if not self.start <= t < self.end:
            return False
        return not self.lunch_start <= t < self.lunch_end

    def next_allowed(self, moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
        """The first moment at or after ``moment`` a call is allowed (aware, in ``tz``)."""
        local = moment.astimezone(tz)
        for _ in range(3):
            if self.allows(local):
                return local
            t = local.timetz().replace(tzinfo=None)
            if t < self.start:
                local = dt.datetime.combine(local.date(), self.start, tzinfo=tz)
            elif self.lunch_start <= t < self.lunch_end:
                local = dt.datetime.combine(local.date(), self.lunch_end, tzinfo=tz)
            else:
                local = dt.datetime.combine(
                    local.date() + dt.timedelta(days=1), self.start, tzinfo=tz
                )
        return local

    def day_start(self, day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
        return dt.datetime.combine(day, self.start, tzinfo=tz)

    def day_end(self, day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
        return dt.datetime.combine(day, self.end, tzinfo=tz)
