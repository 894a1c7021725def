"""The one rule about times people type or systems send: not from the future.

A few minutes of difference between the clocks of a phone, a marketplace and kefu are
allowed, so a record made "just now" elsewhere is not refused.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

CLOCK_SKEW = dt.timedelta(minutes=5)


def in_future(moment: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Whether ``moment`` lies ahead of ``now`` by more than the allowed clock difference."""
    return moment > (now or timezone.now()) + CLOCK_SKEW
