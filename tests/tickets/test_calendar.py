"""Business-hours arithmetic (tickets.calendar): weekends, holidays, make-up working days
(调休), lunch breaks, time zones with and without summer time, long spans."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.core.audit import history
from kefu.tickets.calendar import (
    CalendarError,
    Schedule,
    add_business_minutes,
    business_minutes_between,
    format_hours,
    parse_hours,
    parse_week,
    schedule_of,
)
from kefu.tickets.models import BusinessCalendar, CalendarDay

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")

OFFICE = [["09:00", "18:00"]]
MON_FRI = {str(d): OFFICE for d in range(5)}
MON_SAT = {str(d): OFFICE for d in range(6)}
WITH_LUNCH = {str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)}
ALL_DAY = {str(d): [["00:00", "24:00"]] for d in range(7)}

# China's 2025 National Day: 1–8 October off, Sunday 28 September and Saturday
# 11 October worked instead (调休).
NATIONAL_DAY = [(dt.date(2025, 10, d), []) for d in range(1, 9)]
MAKE_UP_DAYS = [(dt.date(2025, 9, 28), OFFICE), (dt.date(2025, 10, 11), OFFICE)]


def at(zone, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


@pytest.fixture
def china_calendar(db):
    calendar = BusinessCalendar.objects.create(
        name="上海客服", time_zone="Asia/Shanghai", weekly_hours=MON_FRI
    )
    for day, hours in NATIONAL_DAY + MAKE_UP_DAYS:
        CalendarDay.objects.create(calendar=calendar, date=day, hours=hours, name="国庆")
    return calendar


# ---------------------------------------------------------------- the rules, one by one


def test_a_target_started_friday_afternoon_falls_due_monday_across_the_weekend(china_calendar):
    friday = at(SHANGHAI, 2025, 9, 19, 17, 0)
    due = add_business_minutes(china_calendar, friday, 120)
    assert due == at(SHANGHAI, 2025, 9, 22, 10, 0)
    assert business_minutes_between(china_calendar, friday, due) == 120


def test_a_six_day_week_skips_only_sunday():
    schedule = Schedule(time_zone="Asia/Shanghai", weekly_hours=MON_SAT)
    saturday = at(SHANGHAI, 2025, 9, 20, 17, 0)
    assert schedule.add(saturday, 120) == at(SHANGHAI, 2025, 9, 22, 10, 0)


def test_a_holiday_week_stops_the_clock(china_calendar):
    before_holiday = at(SHANGHAI, 2025, 9, 30, 17, 0)  # Tuesday, the last day worked
    due = add_business_minutes(china_calendar, before_holiday, 120)
    assert due == at(SHANGHAI, 2025, 10, 9, 10, 0)  # Thursday after the eight days off
    assert business_minutes_between(china_calendar, before_holiday, due) == 120
    whole_holiday = (at(SHANGHAI, 2025, 10, 1, 0, 0), at(SHANGHAI, 2025, 10, 9, 0, 0))
    assert business_minutes_between(china_calendar, *whole_holiday) == 0


def test_a_make_up_saturday_is_a_working_day(china_calendar):
    friday = at(SHANGHAI, 2025, 10, 10, 17, 0)
    assert add_business_minutes(china_calendar, friday, 120) == at(SHANGHAI, 2025, 10, 11, 10, 0)
    make_up_sunday = at(SHANGHAI, 2025, 9, 28, 8, 0)
    assert add_business_minutes(china_calendar, make_up_sunday, 60) == at(
        SHANGHAI, 2025, 9, 28, 10, 0
    )
    ordinary_saturday = (at(SHANGHAI, 2025, 9, 20, 0, 0), at(SHANGHAI, 2025, 9, 21, 0, 0))
    assert business_minutes_between(china_calendar, *ordinary_saturday) == 0


def test_the_lunch_break_does_not_count():
    schedule = Schedule(time_zone="Asia/Shanghai", weekly_hours=WITH_LUNCH)
    morning = at(SHANGHAI, 2025, 9, 22, 11, 30)
    assert schedule.add(morning, 60) == at(SHANGHAI, 2025, 9, 22, 13, 30)
    assert schedule.between(morning, at(SHANGHAI, 2025, 9, 22, 13, 30)) == dt.timedelta(hours=1)
    during_lunch = at(SHANGHAI, 2025, 9, 22, 12, 15)
    assert schedule.add(during_lunch, 30) == at(SHANGHAI, 2025, 9, 22, 13, 30)
    assert schedule.between(at(SHANGHAI, 2025, 9, 22), at(SHANGHAI, 2025, 9, 23)) == dt.timedelta(
        hours=8
    )


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ((2025, 9, 22, 7, 0), (2025, 9, 22, 9, 30)),  # before opening
        ((2025, 9, 22, 20, 0), (2025, 9, 23, 9, 30)),  # after closing
        ((2025, 9, 21, 15, 0), (2025, 9, 22, 9, 30)),  # on Sunday
        ((2025, 9, 22, 18, 0), (2025, 9, 23, 9, 30)),  # at the closing minute
    ],
)
def test_a_clock_started_outside_hours_starts_at_the_next_opening(start, due):
    schedule = Schedule(time_zone="Asia/Shanghai", weekly_hours=MON_FRI)
    assert schedule.add(at(SHANGHAI, *start), 30) == at(SHANGHAI, *due)
    assert schedule.between(at(SHANGHAI, *start), at(SHANGHAI, *due)) == dt.timedelta(minutes=30)


def test_a_target_that_uses_up_the_day_falls_due_at_closing_not_next_morning():
    schedule = Schedule(time_zone="Asia/Shanghai", weekly_hours=MON_FRI)
    assert schedule.add(at(SHANGHAI, 2025, 9, 22, 17, 0), 60) == at(SHANGHAI, 2025, 9, 22, 18, 0)
    assert schedule.add(at(SHANGHAI, 2025, 9, 22, 9, 0), 9 * 60) == at(SHANGHAI, 2025, 9, 22, 18, 0)


def test_zero_minutes_is_the_start_itself_even_outside_hours():
    schedule = Schedule(time_zone="Asia/Shanghai", weekly_hours=MON_FRI)
    sunday_night = at(SHANGHAI, 2025, 9, 21, 23, 59)
    assert schedule.add(sunday_night, 0) == sunday_night
    assert schedule.between(sunday_night, sunday_night) == dt.timedelta()


def test_between_counts_backwards_as_negative(china_calendar):
    a, b = at(SHANGHAI, 2025, 9, 22, 10, 0), at(SHANGHAI, 2025, 9, 22, 11, 30)
    assert business_minutes_between(china_calendar, a, b) == 90
    assert business_minutes_between(china_calendar, b, a) == -90


def test_part_minutes_are_not_counted_as_a_whole_minute():
    schedule = Schedule(time_zone="Asia/Shanghai", weekly_hours=MON_FRI)
    a = at(SHANGHAI, 2025, 9, 22, 10, 0, 0)
    assert schedule.between(a, a + dt.timedelta(seconds=119)) == dt.timedelta(seconds=119)
    assert business_minutes_between(schedule, a, a + dt.timedelta(seconds=119)) == 1


# ---------------------------------------------------------------- time zones


def test_seoul_has_no_summer_time_and_new_york_does():
    seoul = Schedule(time_zone="Asia/Seoul", weekly_hours=MON_FRI)
    new_york = Schedule(time_zone="America/New_York", weekly_hours=MON_FRI)
    # New York springs forward on Sunday 10 March 2024; Seoul does not move.
    seoul_due = seoul.add(at(SEOUL, 2024, 3, 8, 17, 0), 120)
    ny_due = new_york.add(at(NEW_YORK, 2024, 3, 8, 17, 0), 120)
    assert seoul_due == at(SEOUL, 2024, 3, 11, 10, 0)
    assert ny_due == at(NEW_YORK, 2024, 3, 11, 10, 0)
    assert ny_due.astimezone(dt.UTC) == dt.datetime(2024, 3, 11, 14, 0, tzinfo=dt.UTC)
    # A week spanning the change is still five nine-hour days in New York.
    week = (at(NEW_YORK, 2024, 3, 4), at(NEW_YORK, 2024, 3, 18))
    assert new_york.between(*week) == dt.timedelta(hours=90)


def test_the_same_instant_is_counted_on_each_calendars_own_wall_clock():
    seoul = Schedule(time_zone="Asia/Seoul", weekly_hours=MON_FRI)
    new_york = Schedule(time_zone="America/New_York", weekly_hours=MON_FRI)
    instant = dt.datetime(2024, 11, 4, 1, 0, tzinfo=dt.UTC)  # Mon 10:00 Seoul, Sun 20:00 NY
    assert seoul.add(instant, 60) == at(SEOUL, 2024, 11, 4, 11, 0)
    assert new_york.add(instant, 60) == at(NEW_YORK, 2024, 11, 4, 10, 0)


def test_a_round_the_clock_desk_counts_the_hours_that_really_passed():
    desk = Schedule(time_zone="America/New_York", weekly_hours=ALL_DAY)
    assert desk.between(at(NEW_YORK, 2024, 3, 10), at(NEW_YORK, 2024, 3, 11)) == dt.timedelta(
        hours=23
    )
    assert desk.between(at(NEW_YORK, 2024, 11, 3), at(NEW_YORK, 2024, 11, 4)) == dt.timedelta(
        hours=25
    )
    start = at(NEW_YORK, 2024, 3, 9, 12, 0)
    assert desk.add(start, 24 * 60) == at(NEW_YORK, 2024, 3, 10, 13, 0)


def test_night_hours_across_the_clock_change():
    night = Schedule(time_zone="America/New_York", weekly_hours={"6": [["01:00", "03:00"]]})
    # Spring forward: 02:00–03:00 never happens, one hour of work remains.
    assert night.between(at(NEW_YORK, 2024, 3, 10), at(NEW_YORK, 2024, 3, 11)) == dt.timedelta(
        hours=1
    )
    # Fall back: 01:00–02:00 happens twice, three hours of work.
    assert night.between(at(NEW_YORK, 2024, 11, 3), at(NEW_YORK, 2024, 11, 4)) == dt.timedelta(
        hours=3
    )
    gap = Schedule(time_zone="America/New_York", weekly_hours={"6": [["02:30", "03:30"]]})
    assert gap.between(at(NEW_YORK, 2024, 3, 10), at(NEW_YORK, 2024, 3, 11)) == dt.timedelta(
        minutes=30
    )


def test_naive_datetimes_are_refused():
    schedule = Schedule(time_zone="Asia/Shanghai", weekly_hours=MON_FRI)
    with pytest.raises(ValueError, match="aware"):
        schedule.add(dt.datetime(2025, 9, 22, 10, 0), 10)


# ---------------------------------------------------------------- long spans, queries


def test_long_spans_skip_whole_weeks(china_calendar, django_assert_num_queries):
    start = at(SHANGHAI, 2025, 1, 1, 10, 0)
    ten_years = 10 * 52 * 5 * 9 * 60
    began = time.perf_counter()
    with django_assert_num_queries(1):
        due = add_business_minutes(china_calendar, start, ten_years)
    with django_assert_num_queries(1):
        back = business_minutes_between(china_calendar, start, due)
    assert time.perf_counter() - began < 1.0
    assert back == ten_years
    # Ten years of five-day weeks, less the eight holidays, plus the two make-up days.
    assert dt.date(2034, 12, 1) < due.date() < dt.date(2035, 1, 31)


def test_a_calendar_fetched_with_its_days_needs_no_query(china_calendar, django_assert_num_queries):
    calendar = BusinessCalendar.objects.prefetch_related("days").get(pk=china_calendar.pk)
    with django_assert_num_queries(0):
        due = add_business_minutes(calendar, at(SHANGHAI, 2025, 9, 30, 17, 0), 120)
    assert due == at(SHANGHAI, 2025, 10, 9, 10, 0)


def test_a_schedule_is_reused_across_calls(china_calendar, django_assert_num_queries):
    schedule = schedule_of(china_calendar)
    with django_assert_num_queries(0):
        for day in range(1, 28):
            add_business_minutes(schedule, at(SHANGHAI, 2025, 9, day, 12, 0), 600)


def test_a_calendar_that_never_opens_is_an_error():
    closed = Schedule(time_zone="Asia/Shanghai", weekly_hours={})
    with pytest.raises(CalendarError):
        closed.add(at(SHANGHAI, 2025, 9, 22, 10, 0), 1)
    one_day = Schedule(
        time_zone="Asia/Shanghai",
        weekly_hours={},
        special_days=[(dt.date(2025, 12, 1), OFFICE)],
    )
    assert one_day.add(at(SHANGHAI, 2025, 9, 22), 60) == at(SHANGHAI, 2025, 12, 1, 10, 0)
    with pytest.raises(CalendarError):
        one_day.add(at(SHANGHAI, 2025, 9, 22), 10 * 60)


def test_end_of_business_day():
    schedule = Schedule(time_zone="Asia/Shanghai", weekly_hours=WITH_LUNCH)
    assert schedule.end_of_business_day(at(SHANGHAI, 2025, 9, 22, 10, 0)) == at(
        SHANGHAI, 2025, 9, 22, 18, 0
    )
    assert schedule.end_of_business_day(at(SHANGHAI, 2025, 9, 22, 18, 0)) == at(
        SHANGHAI, 2025, 9, 23, 18, 0
    )
    assert schedule.end_of_business_day(at(SHANGHAI, 2025, 9, 19, 19, 0)) == at(
        SHANGHAI, 2025, 9, 22, 18, 0
    )


# ---------------------------------------------------------------- reading hours


def test_hours_are_read_and_checked():
    assert parse_hours([["13:00", "18:00"], ["09:00", "12:00"]]) == ((540, 720), (780, 1080))
    assert parse_hours([["00:00", "24:00"]]) == ((0, 1440),)
    assert parse_hours([]) == ()
    assert format_hours(((540, 720), (780, 1080))) == "09:00–12:00, 13:00–18:00"
    for bad in (
        [["18:00", "09:00"]],
        [["09:00", "12:00"], ["11:00", "13:00"]],
        [["9am", "5pm"]],
        [["09:00"]],
        [["09:00", "24:30"]],
        "09:00-18:00",
    ):
        with pytest.raises(CalendarError):
            parse_hours(bad)
    assert parse_week({"0": OFFICE})[0] == ((540, 1080),)
    assert parse_week({"0": OFFICE})[6] == ()
    with pytest.raises(CalendarError):
        parse_week({"7": OFFICE})
    with pytest.raises(CalendarError):
        Schedule(time_zone="Mars/Olympus", weekly_hours=MON_FRI)


# ---------------------------------------------------------------- properties

CALENDARS = {
    "china": Schedule(
        time_zone="Asia/Shanghai",
        weekly_hours=MON_SAT,
        special_days=NATIONAL_DAY + MAKE_UP_DAYS,
    ),
    "seoul_lunch": Schedule(time_zone="Asia/Seoul", weekly_hours=WITH_LUNCH),
    "new_york": Schedule(time_zone="America/New_York", weekly_hours=MON_FRI),
    "new_york_nights": Schedule(
        time_zone="America/New_York",
        weekly_hours={str(d): [["00:30", "03:30"], ["20:00", "24:00"]] for d in range(7)},
    ),
}

instants = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 12, 31)).map(
    lambda d: d.replace(tzinfo=dt.UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(CALENDARS)),
    start=instants,
    minutes=st.integers(min_value=0, max_value=60_000),
)
def test_counting_back_what_was_added_gives_the_same_minutes(name, start, minutes):
    schedule = CALENDARS[name]
    due = schedule.add(start, minutes)
    assert due >= start
    assert business_minutes_between(schedule, start, due) == minutes
    assert schedule.between(start, due) == dt.timedelta(minutes=minutes)


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(sorted(CALENDARS)),
    start=instants,
    first=st.integers(min_value=1, max_value=5000),
    more=st.integers(min_value=1, max_value=5000),
)
def test_adding_in_two_steps_is_adding_once(name, start, first, more):
    schedule = CALENDARS[name]
    once = schedule.add(start, first + more)
    assert schedule.add(schedule.add(start, first), more) == once
    assert schedule.add(start, first) < once


def _open_by_wall_clock(schedule: Schedule, moment: dt.datetime) -> bool:
    """An independent reading: the wall clock at that instant, against the day's hours."""
    local = moment.astimezone(schedule.zone)
    minute = local.hour * 60 + local.minute
    return any(s <= minute < e for s, e in schedule.hours_on(local.date()))


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(["china", "seoul_lunch", "new_york"]),
    start=instants.map(lambda d: d.replace(second=0, microsecond=0)),
    minutes=st.integers(min_value=1, max_value=1500),
)
def test_add_agrees_with_walking_the_wall_clock_minute_by_minute(name, start, minutes):
    schedule = CALENDARS[name]
    moment, left = start, minutes
    while left:
        if _open_by_wall_clock(schedule, moment):
            left -= 1
        moment += dt.timedelta(minutes=1)
    assert schedule.add(start, minutes) == moment


# ---------------------------------------------------------------- the admin's screens


@pytest.mark.parametrize(
    "model", ["businesscalendar", "slapolicy", "team", "quickreply", "category"]
)
def test_the_admin_edits_calendars_policies_teams_replies_and_categories(model, admin_user, login):
    client = login(admin_user)
    assert client.get(f"/admin/tickets/{model}/").status_code == 200
    assert client.get(f"/admin/tickets/{model}/add/").status_code == 200


def _calendar_form(weekly_hours: str, day_hours: str = "[]") -> dict:
    return {
        "name": "首尔客服",
        "time_zone": "Asia/Seoul",
        "weekly_hours": weekly_hours,
        "days-TOTAL_FORMS": "1",
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        "days-0-date": "2025-10-03",
        "days-0-name": "개천절",
        "days-0-hours": day_hours,
    }


def test_the_admin_is_told_when_hours_cannot_be_read(admin_user, login):
    client = login(admin_user)
    url = "/admin/tickets/businesscalendar/add/"
    bad_week = client.post(url, _calendar_form('{"0": [["18:00", "09:00"]]}'))
    assert bad_week.status_code == 200
    assert "ends before it starts" in bad_week.content.decode()
    bad_day = client.post(url, _calendar_form('{"0": [["09:00", "18:00"]]}', '[["9"]]'))
    assert bad_day.status_code == 200
    assert not BusinessCalendar.objects.filter(name="首尔客服").exists()

    good = client.post(url, _calendar_form('{"0": [["09:00", "18:00"]]}'))
    assert good.status_code == 302
    calendar = BusinessCalendar.objects.get(name="首尔客服")
    assert calendar.days.get().hours == []
    assert history(calendar).get(action="calendar.create").actor == admin_user


def test_other_roles_get_no_admin(lead, login):
    assert login(lead).get("/admin/tickets/slapolicy/").status_code == 403
