"""Settings for the test suite: kefu's own, with a throw-away data dir and inline jobs.

Set before kefu.settings reads the environment; subprocesses started by tests inherit it.
"""

import os
import tempfile

os.environ.setdefault("KEFU_DATA_DIR", tempfile.mkdtemp(prefix="kefu-test-"))
# Jobs handed to Huey run inline; the durable JobRecord path is still exercised.
os.environ.setdefault("KEFU_JOBS_IMMEDIATE", "1")

from kefu.settings import *  # noqa: F403

# The production hasher is slow on purpose; tests make hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (kefu init collects here)
