"""Durable jobs and periodic sweeps: nothing lost when a worker dies, nothing done twice."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from kefu.core import jobs
from kefu.core.models import AuditEntry, JobRecord, Shop, SweepRun
from tests.core import worker_probe  # noqa: F401  (registers probe.sweep and probe.note)

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 25, 10, 2, tzinfo=dt.UTC)


def ran(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


@pytest.fixture
def probe_shop(db):
    return Shop.objects.create(slug="probe", name="probe", platform="own")


def test_enqueued_job_runs_once_even_when_dispatched_twice(
    probe_shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        record = jobs.enqueue("probe.note", {"shop_id": probe_shop.pk})
    assert jobs.run(record.pk) is True
    assert jobs.run(record.pk) is False  # a second delivery finds it done
    record.refresh_from_db()
    assert record.status == JobRecord.Status.DONE
    assert ran("probe.job_ran") == 1


def test_job_of_a_crashed_worker_is_run_again_after_its_lease(probe_shop):
    record = JobRecord.objects.create(name="probe.note", payload={"shop_id": probe_shop.pk})
    # A worker claimed it and died: the row is "running" and nobody will finish it.
    claimed = jobs.claim(record.pk, now=timezone.now() - dt.timedelta(hours=1))
    assert claimed is not None and claimed.status == JobRecord.Status.RUNNING
    # The tick finds it past its lease and hands it to a live worker (inline in tests).
    assert jobs.redispatch_stale() == 1
    record.refresh_from_db()
    assert record.status == JobRecord.Status.DONE
    assert ran("probe.job_ran") == 1


def test_job_claimed_recently_is_left_to_its_worker(probe_shop):
    record = JobRecord.objects.create(name="probe.note", payload={"shop_id": probe_shop.pk})
    assert jobs.claim(record.pk) is not None
    assert jobs.run(record.pk) is False
    assert ran("probe.job_ran") == 0


def test_failing_job_is_retried_later_then_marked_failed(db, settings):
    settings.KEFU = {**settings.KEFU, "JOB_MAX_ATTEMPTS": 2}
    record = JobRecord.objects.create(name="probe.note", payload={"shop_id": 999999})
    assert jobs.run(record.pk) is False
    record.refresh_from_db()
    assert record.status == JobRecord.Status.PENDING and record.run_after > timezone.now()
    assert "DoesNotExist" in record.last_error
    JobRecord.objects.filter(pk=record.pk).update(run_after=None)
    jobs.run(record.pk)
    record.refresh_from_db()
    assert record.status == JobRecord.Status.FAILED and record.attempts == 2


def test_enqueue_refuses_an_unknown_job(db):
    with pytest.raises(KeyError):
        jobs.enqueue("no.such.job")


def test_sweep_runs_once_per_slot_however_often_the_tick_fires(probe_shop):
    jobs.run_due_sweeps(NOW, only={"probe.sweep"})
    jobs.run_due_sweeps(NOW + dt.timedelta(minutes=1), only={"probe.sweep"})  # same 5-min slot
    assert ran("probe.swept") == 1
    jobs.run_due_sweeps(NOW + dt.timedelta(minutes=5), only={"probe.sweep"})  # next slot
    assert ran("probe.swept") == 2


def test_slot_of_a_worker_that_died_is_taken_over_after_its_lease(probe_shop):
    slot = jobs.slot_of(NOW, 5)
    SweepRun.objects.create(
        sweep="probe.sweep", slot=slot, lease_until=NOW - dt.timedelta(seconds=1)
    )
    jobs.run_due_sweeps(NOW, only={"probe.sweep"})
    assert ran("probe.swept") == 1
    assert SweepRun.objects.get(sweep="probe.sweep", slot=slot).finished_at is not None


def _test_db_name() -> str:
    return connection.settings_dict["NAME"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_the_same_sweep_run_it_once():
    Shop.objects.create(slug="probe", name="probe", platform="own")
    cmd = [
        sys.executable,
        "-m",
        "tests.core.run_worker_probe",
        _test_db_name(),
        "sweep",
        NOW.isoformat(),
    ]
    workers = [
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=60) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    assert ran("probe.swept") == 1
    assert SweepRun.objects.filter(sweep="probe.sweep").count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_job_run_it_once():
    shop = Shop.objects.create(slug="probe", name="probe", platform="own")
    record = JobRecord.objects.create(name="probe.note", payload={"shop_id": shop.pk, "sleep": 0.3})
    cmd = [
        sys.executable,
        "-m",
        "tests.core.run_worker_probe",
        _test_db_name(),
        "job",
        str(record.pk),
    ]
    workers = [
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=60) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    assert sorted(o[0].decode().strip() for o in outputs) == ["False", "True"]
    assert ran("probe.job_ran") == 1
