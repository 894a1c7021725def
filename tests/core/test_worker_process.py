"""A real `run_huey` consumer on the configured queue (SQLite file, or Redis with
KEFU_REDIS_URL): jobs reach it, and a job whose worker is killed is not lost."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from kefu.core import jobs
from kefu.core.models import AuditEntry, JobRecord, Shop
from tests.core import worker_probe  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_queue():
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "KEFU_JOBS_IMMEDIATE": "0"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.core.run_worker_probe",
            connection.settings_dict["NAME"],
            "worker",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def status_of(record: JobRecord) -> str:
    return JobRecord.objects.values_list("status", flat=True).get(pk=record.pk)


def test_job_enqueued_by_a_service_is_run_by_a_worker_process(real_queue):
    shop = Shop.objects.create(slug="probe", name="probe", platform="own")
    worker = start_worker()
    try:
        from django.db import transaction

        with transaction.atomic():
            record = jobs.enqueue("probe.note", {"shop_id": shop.pk})
        assert wait_for(lambda: status_of(record) == "done"), (
            worker.stderr.read1() if worker.stderr else ""
        )
    finally:
        stop(worker)
    assert AuditEntry.objects.filter(action="probe.job_ran").count() == 1


def test_job_of_a_killed_worker_is_finished_by_another(real_queue):
    shop = Shop.objects.create(slug="probe", name="probe", platform="own")
    first = start_worker()
    try:
        from django.db import transaction

        with transaction.atomic():
            record = jobs.enqueue("probe.note", {"shop_id": shop.pk, "sleep": 30})
        assert wait_for(lambda: status_of(record) == "running")
        first.kill()  # the worker dies mid-job; Huey's copy of the task dies with it
        first.wait(timeout=10)
    finally:
        stop(first)
    assert status_of(record) == "running"
    # An hour passes: the dead worker's lease runs out (the payload is shortened so the
    # test need not wait out the sleep again).
    JobRecord.objects.filter(pk=record.pk).update(
        payload={"shop_id": shop.pk, "sleep": 0}, claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    second = start_worker()
    try:
        # The tick hands the job back to the queue; the new worker runs it.
        assert jobs.redispatch_stale() == 1
        assert wait_for(lambda: status_of(record) == "done")
    finally:
        stop(second)
    assert AuditEntry.objects.filter(action="probe.job_ran").count() == 1
