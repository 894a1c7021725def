"""The customer archive's periodic work."""

from __future__ import annotations

import datetime as dt

from kefu.core import jobs
from kefu.customers import rules, selectors, services  # noqa: F401  (rules declare policies)

DAY = 24 * 60


@jobs.sweep("customers.daily", every_minutes=DAY)
def daily(now: dt.datetime) -> dict:
    """Once a day: put every customer in the segment the rule says (hand-set segments stay,
    a second run changes nothing), and count the first contacts that are overdue (they
    show on the owners' and the leads' lists by themselves)."""
    outcome = services.refresh_segments(None, now=now)
    return {
        "segments_changed": outcome.get("changed", 0),
        "segment_rule_skipped": bool(outcome.get("skipped")),
        "overdue_first_contacts": selectors.overdue_first_contacts(now=now).count(),
    }
