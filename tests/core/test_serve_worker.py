"""`kefu serve` keeps its job worker alive: a worker that dies is started again."""

from __future__ import annotations

import sys
import time

import pytest

from kefu.core.server import JobWorkerChild

pytestmark = pytest.mark.slow


def test_a_dead_job_worker_is_started_again_and_stopped_on_exit():
    child = JobWorkerChild([sys.executable, "-c", "import time; time.sleep(60)"], check_every=0.1)
    child.start()
    try:
        first = child.process
        first.kill()
        deadline = time.monotonic() + 10
        while child.restarts == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.restarts == 1
        assert child.process is not first and child.process.poll() is None
    finally:
        child.stop(timeout=5)
    assert child.process.poll() is not None
