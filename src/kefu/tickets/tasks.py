"""The tickets' periodic work: SLA breach flags and the team queues."""

from __future__ import annotations

import datetime as dt

from kefu.core import jobs
from kefu.tickets import escalation, routing, sla  # noqa: F401  (they declare policies)


@jobs.sweep("tickets.sla_breaches", every_minutes=1)
def sla_breaches(now: dt.datetime) -> dict[str, int]:
    """Every minute: flag the tickets whose first-response or resolution target passed
    (once each, audited); the inbox and the reports read the flags."""
    return sla.flag_breaches(now)


@jobs.sweep("tickets.route_queue", every_minutes=1)
def route_queue(now: dt.datetime) -> dict[str, int]:
    """Every minute: hand tickets waiting unassigned in a team's queue to its members who
    are online now."""
    return {"routed": routing.route_queue()}
