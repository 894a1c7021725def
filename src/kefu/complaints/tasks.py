"""The complaints' periodic work: flag complaints whose current step is past due."""

from __future__ import annotations

import datetime as dt

from kefu.complaints import services
from kefu.core import jobs


@jobs.sweep("complaints.flag_overdue", every_minutes=15)
def flag_overdue(now: dt.datetime) -> dict[str, int]:
    """Every quarter hour: flag open complaints past their step's due time (once per step,
    audited); the lead's list and the Today page show them."""
    return {"flagged": services.flag_overdue(now)}
