"""The after-sales periodic work: deadline flags ("extend the transaction")."""

from __future__ import annotations

import datetime as dt

from kefu.core import jobs

from . import deadlines as case_deadlines


@jobs.sweep("aftersales.deadlines", every_minutes=15)
def deadlines(now: dt.datetime) -> dict[str, int]:
    """Every 15 minutes: flag open cases near the auto-confirm deadline or a dispute window,
    so the handler sees them on the case list and the Today page."""
    return case_deadlines.flag_deadlines(now)
