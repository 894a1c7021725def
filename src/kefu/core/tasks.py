"""Huey tasks of the core: run a durable job, and the minute tick that drives every sweep."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.core import jobs
from kefu.core.models import IdempotencyRecord, JobRecord, SweepRun


@db_task()
def run_job(job_id: int) -> bool:
    return jobs.run(job_id)


@db_periodic_task(crontab(minute="*"))
def tick() -> dict:
    """Every minute: run each registered sweep whose slot is due (once, across workers)."""
    return jobs.run_due_sweeps()


@jobs.sweep("core.redispatch_jobs", every_minutes=1)
def redispatch_jobs(now: dt.datetime) -> dict[str, int]:
    return {"dispatched": jobs.redispatch_stale(now)}


@jobs.sweep("core.forget_old_records", every_minutes=60)
def forget_old_records(now: dt.datetime) -> dict[str, int]:
    ttl = dt.timedelta(hours=settings.KEFU["IDEMPOTENCY_TTL_HOURS"])
    keys, _ = IdempotencyRecord.objects.filter(created_at__lt=now - ttl).delete()
    runs, _ = SweepRun.objects.filter(slot__lt=now - dt.timedelta(days=7)).delete()
    done, _ = JobRecord.objects.filter(
        status=JobRecord.Status.DONE, finished_at__lt=now - dt.timedelta(days=7)
    ).delete()
    return {"idempotency_keys": keys, "sweep_runs": runs, "jobs": done}


@jobs.sweep("core.remove_orphan_files", every_minutes=24 * 60)
def remove_orphan_files(now: dt.datetime) -> dict[str, int]:
    from kefu.core import files

    return files.remove_orphans(now)


@jobs.sweep("core.refresh_statistics", every_minutes=24 * 60)
def refresh_statistics(now: dt.datetime) -> dict[str, int]:
    """SQLite's planner statistics follow the tables' growth (sampled: milliseconds)."""
    from kefu.core import bulk

    return {"empty_tables": bulk.refresh_statistics()}
