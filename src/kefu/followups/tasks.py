"""The follow-ups' periodic work: planning calls from the rules, surveys for solved tickets."""

from __future__ import annotations

import datetime as dt

from kefu.core import jobs
from kefu.followups import services, surveys


@jobs.sweep("followups.plan_calls", every_minutes=15)
def plan_calls(now: dt.datetime) -> dict[str, int]:
    """Every 15 minutes: the calls the rules say are due (idempotent)."""
    return services.plan_all(now)


@jobs.sweep("followups.surveys", every_minutes=5)
def create_surveys(now: dt.datetime) -> dict[str, int]:
    """Every 5 minutes: a satisfaction survey for every ticket solved lately."""
    return {"created": surveys.create_for_solved(now)}
