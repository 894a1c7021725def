"""A sweep and a job with a visible effect, for tests that race real worker processes.

``python -m tests.core.run_worker_probe DB_NAME sweep|job ARG`` runs them in a process of
its own against the test database, as a worker would.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction

from kefu.core import audit, jobs


def _note(action: str, shop_id: int) -> None:
    from kefu.core.models import Shop

    with transaction.atomic():
        audit.record(actor=None, obj=Shop.objects.get(pk=shop_id), action=action)


@jobs.sweep("probe.sweep", every_minutes=5)
def probe_sweep(now: dt.datetime) -> dict:
    from kefu.core.models import Shop

    shop = Shop.objects.get(slug="probe")
    time.sleep(0.3)  # long enough for the other worker to arrive while this one runs
    _note("probe.swept", shop.pk)
    return {"ok": True}


@jobs.job("probe.note")
def probe_note(payload: dict) -> None:
    time.sleep(payload.get("sleep", 0))
    _note("probe.job_ran", payload["shop_id"])
