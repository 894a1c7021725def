"""Entry point of a probe worker process (see worker_probe)."""

import datetime as dt
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

from django.conf import settings

settings.DATABASES["default"]["NAME"] = sys.argv[1]

import django  # noqa: E402

django.setup()

from kefu.core import jobs  # noqa: E402
from tests.core import worker_probe  # noqa: E402, F401

if sys.argv[2] == "sweep":
    print(jobs.run_due_sweeps(dt.datetime.fromisoformat(sys.argv[3]), only={"probe.sweep"}))
elif sys.argv[2] == "job":
    print(jobs.run(int(sys.argv[3])))
else:  # a real Huey consumer on the configured queue (SQLite file or Redis)
    from django.core.management import call_command

    call_command("run_huey", workers=1, periodic=False)
