"""Durable background jobs and periodic sweeps.

Jobs. A service that wants work done later calls :func:`enqueue` inside its
transaction. That writes a :class:`JobRecord` row (so the wish commits or rolls back
with the change) and, on commit, hands the row id to Huey. A worker *claims* the row
(status pending → running, with a lease), runs the handler, and marks it done. If the
worker dies mid-job, the row stays ``running`` past its lease and the tick dispatches it
again: nothing is lost. Handlers must therefore be safe to run twice.

Sweeps. Periodic checks (due follow-ups, SLA breaches, deadlines) register with
:func:`sweep`. The minute tick calls :func:`run_due_sweeps`; each sweep runs at most once
per time slot, however many ticks or workers race for it, because the slot is a unique
row (:class:`SweepRun`). A worker that dies mid-sweep leaves the slot's lease to expire
and the next tick takes it over. Sweeps must also be idempotent in what they change.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from kefu.core.models import JobRecord, SweepRun

log = logging.getLogger("kefu.jobs")

JobHandler = Callable[[dict[str, Any]], Any]
_handlers: dict[str, JobHandler] = {}


def job(name: str) -> Callable[[JobHandler], JobHandler]:
    """Register a durable job handler under ``name`` (use ``app.verb_noun``)."""

    def decorate(fn: JobHandler) -> JobHandler:
        if name in _handlers and _handlers[name] is not fn:
            raise ValueError(f"job {name!r} registered twice")
        _handlers[name] = fn
        return fn

    return decorate


def enqueue(
    name: str, payload: dict[str, Any] | None = None, *, run_after: dt.datetime | None = None
) -> JobRecord:
    if name not in _handlers:
        raise KeyError(f"no job handler named {name!r}")
    record = JobRecord.objects.create(name=name, payload=payload or {}, run_after=run_after)
    transaction.on_commit(lambda: _dispatch(record.pk, run_after))
    return record


def _dispatch(job_id: int, eta: dt.datetime | None = None) -> None:
    from kefu.core.tasks import run_job

    try:
        if eta is not None and eta > timezone.now():
            run_job.schedule(args=(job_id,), eta=eta)
        else:
            run_job(job_id)
    except Exception:  # the queue is down: the tick will find the row and retry
        log.warning(
            "could not hand job %s to the queue; the tick will retry", job_id, exc_info=True
        )


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.KEFU["JOB_LEASE_SECONDS"])


def claim(job_id: int, now: dt.datetime | None = None) -> JobRecord | None:
    """Take the job for this worker, or None if it is done, running elsewhere or not due."""
    now = now or timezone.now()
    claimable = Q(status=JobRecord.Status.PENDING) | Q(
        status=JobRecord.Status.RUNNING, claimed_at__lt=now - _lease()
    )
    due = Q(run_after__isnull=True) | Q(run_after__lte=now)
    with transaction.atomic():
        taken = JobRecord.objects.filter(claimable & due, pk=job_id).update(
            status=JobRecord.Status.RUNNING, claimed_at=now, attempts=F("attempts") + 1
        )
    return JobRecord.objects.get(pk=job_id) if taken else None


def run(job_id: int) -> bool:
    """Claim and run one job; True when this call ran it to completion."""
    record = claim(job_id)
    if record is None:
        return False
    handler = _handlers.get(record.name)
    try:
        if handler is None:
            raise LookupError(f"no job handler named {record.name!r}")
        handler(record.payload)
    except Exception:
        error = traceback.format_exc(limit=5)
        retry = record.attempts < settings.KEFU["JOB_MAX_ATTEMPTS"]
        JobRecord.objects.filter(pk=job_id).update(
            status=JobRecord.Status.PENDING if retry else JobRecord.Status.FAILED,
            last_error=error[-4000:],
            claimed_at=None,
            run_after=timezone.now() + dt.timedelta(seconds=30 * 2**record.attempts)
            if retry
            else None,
            finished_at=None if retry else timezone.now(),
        )
        log.warning("job %s (%s) failed, attempt %s", job_id, record.name, record.attempts)
        return False
    JobRecord.objects.filter(pk=job_id).update(
        status=JobRecord.Status.DONE, finished_at=timezone.now()
    )
    return True


def redispatch_stale(now: dt.datetime | None = None) -> int:
    """Hand to the queue again every job that is due and pending, or running past its lease."""
    now = now or timezone.now()
    ids = list(
        JobRecord.objects.filter(
            (
                Q(status=JobRecord.Status.PENDING)
                & (Q(run_after__isnull=True) | Q(run_after__lte=now))
            )
            | Q(status=JobRecord.Status.RUNNING, claimed_at__lt=now - _lease())
        ).values_list("pk", flat=True)[:1000]
    )
    for job_id in ids:
        _dispatch(job_id)
    return len(ids)


# ---------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class Sweep:
    name: str
    every_minutes: int
    fn: Callable[[dt.datetime], Any]


_sweeps: dict[str, Sweep] = {}


def sweep(name: str, *, every_minutes: int = 1) -> Callable:
    """Register ``fn(now)`` to run once per ``every_minutes`` slot."""

    def decorate(fn: Callable[[dt.datetime], Any]):
        _sweeps[name] = Sweep(name, every_minutes, fn)
        return fn

    return decorate


def registered_sweeps() -> dict[str, Sweep]:
    return dict(_sweeps)


def slot_of(now: dt.datetime, every_minutes: int) -> dt.datetime:
    epoch_minutes = int(now.timestamp() // 60)
    start = epoch_minutes - epoch_minutes % every_minutes
    return dt.datetime.fromtimestamp(start * 60, tz=dt.UTC)


def _take_slot(s: Sweep, slot: dt.datetime, now: dt.datetime) -> SweepRun | None:
    lease_until = now + dt.timedelta(minutes=max(5, s.every_minutes))
    try:
        with transaction.atomic():
            return SweepRun.objects.create(sweep=s.name, slot=slot, lease_until=lease_until)
    except IntegrityError:
        pass
    # Someone holds the slot. Take it over only if they died (lease gone, not finished).
    taken = SweepRun.objects.filter(
        sweep=s.name, slot=slot, finished_at__isnull=True, lease_until__lt=now
    ).update(lease_until=lease_until)
    return SweepRun.objects.get(sweep=s.name, slot=slot) if taken else None


def run_due_sweeps(now: dt.datetime | None = None, only: set[str] | None = None) -> dict[str, Any]:
    """Run every registered sweep whose current slot nobody has run yet."""
    now = now or timezone.now()
    results: dict[str, Any] = {}
    for s in list(_sweeps.values()):
        if only is not None and s.name not in only:
            continue
        slot = slot_of(now, s.every_minutes)
        run_row = _take_slot(s, slot, now)
        if run_row is None:
            continue
        try:
            outcome = s.fn(now)
        except Exception:
            log.exception("sweep %s failed for slot %s", s.name, slot)
            # Leave the slot unfinished with an expired lease so the next tick retries it.
            SweepRun.objects.filter(pk=run_row.pk).update(lease_until=now)
            results[s.name] = "failed"
            continue
        SweepRun.objects.filter(pk=run_row.pk).update(
            finished_at=timezone.now(),
            outcome=outcome if isinstance(outcome, dict) else {"result": outcome},
        )
        results[s.name] = outcome
    return results
