"""Business-hours arithmetic: when a target of N business minutes falls due, and how many
business minutes lie between two moments, on a shop's calendar.

A calendar (``tickets.BusinessCalendar``) has weekly hours in its own time zone,
``{"0": [["09:00", "18:00"]], …, "6": []}`` with Monday as 0 and any number of intervals
per day (a lunch break is two intervals), plus ``CalendarDay`` rows that replace one date's
hours: a holiday has none, a make-up working day (调休, e.g. a Saturday before Golden Week)
has its own.

Business time is real elapsed time inside the intervals. Each interval is turned into two
UTC instants, so a day that changes to or from summer time counts the hours that really
passed (00:00–24:00 on New York's spring-forward day is 23 hours). A wall time that does
not exist (inside a spring-forward gap) means the moment the clocks jumped; a wall time
that happens twice (fall-back) means its first occurrence.

Long spans are cheap: a whole week without special days and without a change of UTC
offset counts as the week's nominal minutes in one step, and a day with no special row
and no offset change counts as its nominal minutes without converting any wall time.

Both functions take a ``BusinessCalendar`` (its special days are read once per call) or a
:class:`Schedule` built with :func:`schedule_of` (reuse it to price many tickets with one
read, e.g. in a sweep).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

UTC = dt.UTC
DAY_MINUTES = 24 * 60
ONE_MINUTE = dt.timedelta(minutes=1)
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")

Hours = tuple[tuple[int, int], ...]
"""One day's working intervals as (start, end) minutes after local midnight, sorted."""


class CalendarError(ValueError):
    """A calendar's hours cannot be read, or it never opens."""


# ---------------------------------------------------------------- reading hours


def _minute_of(text: object) -> int:
    match = _TIME.match(str(text).strip()) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(_("“%(value)s” is not a time like 09:00.") % {"value": text})
    minute = int(match.group(1)) * 60 + int(match.group(2))
    if minute > DAY_MINUTES:
        raise CalendarError(_("“%(value)s” is after 24:00.") % {"value": text})
    return minute


def parse_hours(value: object) -> Hours:
    """``[["09:00", "12:00"], ["13:00", "18:00"]]`` → ((540, 720), (780, 1080)).

    Intervals must each start before they end and must not overlap; an empty list is a
    closed day.
    """
    if value in (None, ""):
        return ()
    if not isinstance(value, list | tuple):
        raise CalendarError(_("Hours must be a list of [start, end] pairs."))
    out = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise CalendarError(_("“%(value)s” is not a [start, end] pair.") % {"value": pair})
        start, end = _minute_of(pair[0]), _minute_of(pair[1])
        if start >= end:
            raise CalendarError(
                _("%(start)s–%(end)s ends before it starts.") % {"start": pair[0], "end": pair[1]}
            )
        out.append((start, end))
    out.sort()
    for (_start, end), (start, _end) in itertools.pairwise(out):
        if start < end:
            raise CalendarError(_("Two intervals of the same day overlap."))
    return tuple(out)


def parse_week(value: object) -> tuple[Hours, ...]:
    """Weekly hours (keys "0" Monday … "6" Sunday; a missing day is closed) → 7 days."""
    if value in (None, ""):
        value = {}
    if not isinstance(value, Mapping):
        raise CalendarError(_('Weekly hours must be an object like {"0": [["09:00", "18:00"]]}.'))
    week: list[Hours] = [()] * 7
    for key, hours in value.items():
        if str(key) not in {"0", "1", "2", "3", "4", "5", "6"}:
            raise CalendarError(
                _("“%(value)s” is not a weekday (0 Monday … 6 Sunday).") % {"value": key}
            )
        week[int(key)] = parse_hours(hours)
    return tuple(week)


def format_hours(hours: Hours) -> str:
    """((540, 1080),) → "09:00–18:00"; () → "" (closed)."""
    return ", ".join(f"{_hhmm(s)}–{_hhmm(e)}" for s, e in hours)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(
            _("“%(value)s” is not a known time zone (e.g. Asia/Shanghai).") % {"value": name}
        ) from None


# ---------------------------------------------------------------- the schedule


class Schedule:
    """A calendar made ready for arithmetic; caches each day it converts."""

    def __init__(
        self,
        *,
        time_zone: str,
        weekly_hours: object,
        special_days: Iterable[tuple[dt.date, object]] = (),
    ):
        self.zone = zone_of(time_zone)
        self.week = parse_week(weekly_hours)
        self.special: dict[dt.date, Hours] = {d: parse_hours(h) for d, h in special_days}
        self._special_dates = sorted(self.special)
        self._nominal = [dt.timedelta(minutes=sum(e - s for s, e in hours)) for hours in self.week]
        self.week_total = sum(self._nominal, dt.timedelta())
        self._days: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = {}
        self._offsets: dict[dt.date, dt.timedelta | None] = {}

    # -- wall time → UTC

    def _offset(self, day: dt.date) -> dt.timedelta | None:
        if day not in self._offsets:
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=self.zone)
            self._offsets[day] = midnight.utcoffset()
        return self._offsets[day]

    def _utc(self, day: dt.date, minute: int) -> dt.datetime:
        if minute >= DAY_MINUTES:
            day, minute = day + dt.timedelta(days=1), minute - DAY_MINUTES
        wall = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        early = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        late = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        if early <= late:  # an ordinary wall time, or one that happens twice: the first
            return early
        # The wall time falls in a spring-forward gap: take the instant the clocks jumped,
        # which lies between the two readings (search to the second).
        low, high = late, early
        before = low.astimezone(self.zone).utcoffset()
        while high - low > dt.timedelta(seconds=1):
            mid = low + (high - low) / 2
            mid = mid.replace(microsecond=0)
            if mid.astimezone(self.zone).utcoffset() == before:
                low = mid
            else:
                high = mid
        return high

    def hours_on(self, day: dt.date) -> Hours:
        """The wall-clock intervals of one date (its special row, else its weekday)."""
        if day in self.special:
            return self.special[day]
        return self.week[day.weekday()]

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """One date's working intervals as UTC instants (empty ones dropped)."""
        found = self._days.get(day)
        if found is None:
            found = []
            for start, end in self.hours_on(day):
                a, b = self._utc(day, start), self._utc(day, end)
                if a < b:
                    found.append((a, b))
            self._days[day] = found
        return found

    def day_total(self, day: dt.date) -> dt.timedelta:
        """Business time on one whole date."""
        if day not in self.special and self._offset(day) == self._offset(
            day + dt.timedelta(days=1)
        ):
            return self._nominal[day.weekday()]
        return sum((b - a for a, b in self.intervals(day)), dt.timedelta())

    def _plain_week(self, day: dt.date) -> bool:
        """True when the 7 days from ``day`` have no special row and one UTC offset."""
        i = bisect.bisect_left(self._special_dates, day)
        if i < len(self._special_dates) and self._special_dates[i] < day + dt.timedelta(days=7):
            return False
        return self._offset(day) == self._offset(day + dt.timedelta(days=7))

    def _never_opens_after(self, day: dt.date) -> bool:
        if self.week_total:
            return False
        return not any(d >= day and self.special[d] for d in self._special_dates)

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    # -- arithmetic

    def add(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The moment ``minutes`` business minutes after ``start`` (see add_business_minutes)."""
        if minutes < 0:
            raise CalendarError(_("Business minutes to add must not be negative."))
        _require_aware(start)
        if minutes == 0:
            return start
        left = dt.timedelta(minutes=minutes)
        cursor = start.astimezone(UTC)
        day = self.local_date(cursor)
        first = True
        while True:
            if not first:
                if self._never_opens_after(day):
                    raise CalendarError(_("This calendar has no working hours from here on."))
                while left > self.week_total and self._plain_week(day):
                    left -= self.week_total
                    day += dt.timedelta(days=7)
            for a, b in self.intervals(day):
                if first and b <= cursor:
                    continue
                begin = max(a, cursor) if first else a
                room = b - begin
                if left <= room:
                    return (begin + left).astimezone(self.zone)
                left -= room
            first = False
            day += dt.timedelta(days=1)

    def between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Business time from ``a`` to ``b`` (negative when ``b`` is earlier)."""
        _require_aware(a)
        _require_aware(b)
        if b < a:
            return -self.between(b, a)
        a, b = a.astimezone(UTC), b.astimezone(UTC)
        first, last = self.local_date(a), self.local_date(b)
        if first == last:
            return self._overlap(first, a, b)
        total = self._overlap(first, a, None)
        day = first + dt.timedelta(days=1)
        while day < last:
            if day + dt.timedelta(days=7) <= last and self._plain_week(day):
                total += self.week_total
                day += dt.timedelta(days=7)
                continue
            total += self.day_total(day)
            day += dt.timedelta(days=1)
        return total + self._overlap(last, None, b)

    def _overlap(
        self, day: dt.date, since: dt.datetime | None, until: dt.datetime | None
    ) -> dt.timedelta:
        total = dt.timedelta()
        for a, b in self.intervals(day):
            lo = a if since is None else max(a, since)
            hi = b if until is None else min(b, until)
            if hi > lo:
                total += hi - lo
        return total

    def is_open(self, moment: dt.datetime) -> bool:
        _require_aware(moment)
        moment = moment.astimezone(UTC)
        return any(a <= moment < b for a, b in self.intervals(self.local_date(moment)))

    def end_of_business_day(self, moment: dt.datetime) -> dt.datetime:
        """When the working day that ``moment`` belongs to closes: the last interval end
        of its date if any work remains that day, else of the next working date."""
        _require_aware(moment)
        cursor = moment.astimezone(UTC)
        day = self.local_date(cursor)
        for _day in range(3700):  # ten years of closed days is a broken calendar
            spans = self.intervals(day)
            if spans and spans[-1][1] > cursor:
                return spans[-1][1].astimezone(self.zone)
            day += dt.timedelta(days=1)
            if self._never_opens_after(day):
                break
        raise CalendarError(_("This calendar has no working hours from here on."))


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-hours arithmetic needs time-zone-aware datetimes")


def schedule_of(
    calendar, *, since: dt.date | None = None, until: dt.date | None = None
) -> Schedule:
    """A :class:`Schedule` for a ``BusinessCalendar`` (or the same Schedule back).

    Special days are read in one query (only ``since``…``until`` when given); a calendar
    fetched with ``prefetch_related("days")`` is read without one.
    """
    if isinstance(calendar, Schedule):
        return calendar
    cache = getattr(calendar, "_prefetched_objects_cache", {})
    if "days" in cache:
        rows = [
            (d.date, d.hours)
            for d in cache["days"]
            if (since is None or d.date >= since) and (until is None or d.date <= until)
        ]
    else:
        qs = calendar.days.all()
        if since is not None:
            qs = qs.filter(date__gte=since)
        if until is not None:
            qs = qs.filter(date__lte=until)
        rows = list(qs.values_list("date", "hours"))
    return Schedule(
        time_zone=calendar.time_zone, weekly_hours=calendar.weekly_hours, special_days=rows
    )


def _date_around(moment: dt.datetime, days: int) -> dt.date:
    # One day either side of the UTC date covers the moment's date in every zone.
    return moment.astimezone(UTC).date() + dt.timedelta(days=days)


def add_business_minutes(calendar, start: dt.datetime, minutes: int) -> dt.datetime:
    """The moment ``minutes`` business minutes after ``start``, in the calendar's zone.

    Starting outside working hours, the clock starts at the next opening; a target that
    uses up an interval exactly falls due at that interval's end (18:00, not the next
    morning). Zero minutes is ``start`` itself.
    """
    _require_aware(start)
    return schedule_of(calendar, since=_date_around(start, -1)).add(start, minutes)


def business_minutes_between(calendar, a: dt.datetime, b: dt.datetime) -> int:
    """Whole business minutes from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
    _require_aware(a)
    _require_aware(b)
    schedule = schedule_of(
        calendar, since=_date_around(min(a, b), -1), until=_date_around(max(a, b), 1)
    )
    span = schedule.between(a, b)
    if span < dt.timedelta():
        return -(-span // ONE_MINUTE)
    return span // ONE_MINUTE
