"""Quiet hours as properties: whatever the moment and the zone, the next allowed moment is
allowed, not earlier, and no later than the next morning's first calling minute."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.followups import quiet
from kefu.followups.quiet import QuietHours, zone

ZONES = [ZoneInfo(z) for z in ("Asia/Shanghai", "Asia/Seoul", "America/Los_Angeles", "UTC")]


@pytest.fixture(scope="module")
def hours():
    """The declared defaults: 09:00–20:00 without 12:00–13:30."""
    return QuietHours.of(
        quiet.CALL_FROM.default,
        quiet.CALL_UNTIL.default,
        quiet.LUNCH_FROM.default,
        quiet.LUNCH_UNTIL.default,
    )


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2027, 12, 31),
        timezones=st.just(dt.UTC),
    ),
    tz=st.sampled_from(ZONES),
)
def test_next_allowed_is_allowed_and_soon(hours, moment, tz):
    nxt = hours.next_allowed(moment, tz)
    assert nxt >= moment
    assert hours.allows(nxt.astimezone(tz))
    local = moment.astimezone(tz)
    if hours.allows(local):
        assert nxt == moment
    assert nxt - moment <= dt.timedelta(hours=14)


def test_the_default_day_is_9_to_20_without_lunch(hours):
    tz = ZoneInfo("Asia/Shanghai")
    allowed = {
        t: hours.allows(dt.datetime(2026, 3, 2, *t, tzinfo=tz))
        for t in [(8, 59), (9, 0), (11, 59), (12, 0), (13, 29), (13, 30), (19, 59), (20, 0)]
    }
    assert allowed == {
        (8, 59): False,
        (9, 0): True,
        (11, 59): True,
        (12, 0): False,
        (13, 29): False,
        (13, 30): True,
        (19, 59): True,
        (20, 0): False,
    }


def test_the_customers_zone_wins_then_the_shops():
    class Obj:
        def __init__(self, time_zone):
            self.time_zone = time_zone

    assert zone(Obj("Asia/Seoul"), Obj("Asia/Shanghai")).key == "Asia/Seoul"
    assert zone(Obj(""), Obj("Asia/Shanghai")).key == "Asia/Shanghai"
    assert zone(Obj("Not/AZone"), Obj("America/Los_Angeles")).key == "America/Los_Angeles"
