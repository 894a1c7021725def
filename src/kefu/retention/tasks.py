"""Periodic work of keeping customers: payment reminders and scheduled campaigns."""

from __future__ import annotations

import datetime as dt

from kefu.core import jobs
from kefu.retention import services


@jobs.sweep("retention.unpaid_reminders", every_minutes=10)
def unpaid_reminders(now: dt.datetime) -> dict[str, int]:
    """Every 10 minutes: one reminder task per unpaid order still inside its hold window."""
    return services.remind_unpaid(now)


@jobs.sweep("retention.campaigns", every_minutes=5)
def due_campaigns(now: dt.datetime) -> dict[str, int]:
    """Every 5 minutes: run the campaigns whose time has come."""
    return services.run_due_campaigns(now)
