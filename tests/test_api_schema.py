"""Every /api/v1/ operation, fuzzed from the OpenAPI document the app serves.

Schemathesis reads the schema from the running WSGI app (so a new router is covered the
moment it is mounted), makes requests in-process and fails on any 5xx or any response
that the schema does not describe (status code, content type, body). Each operation runs
once with an admin's token and once with an agent's, so both the allowed and the refused
(403) paths are exercised.

Tuning: the fuzzing phase makes at most MAX_EXAMPLES requests per operation and role; the
coverage phase adds the schema's boundary values (a few dozen per operation). Together
they take well under a second per operation here. If the suite grows slow, lower
MAX_EXAMPLES (or set KEFU_API_FUZZ_EXAMPLES=5 for a quick run); raise it to hunt bugs.
Runs are derandomized, so a failure reproduces with the same command.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kefu.core.roles import Role
from kefu.core.tokens import create_token
from kefu.wsgi import application

MAX_EXAMPLES = int(os.environ.get("KEFU_API_FUZZ_EXAMPLES", "25"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

config = schemathesis.Config.from_dict(
    {
        "seed": 20260101,
        # The pytest-django `db` fixture wraps each operation in one transaction that all
        # of its examples share; that is intended.
        "suppress-health-check": ["too_slow", "filter_too_much"],
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",  # no .hypothesis/ directory in the tree
        },
        "phases": {"stateful": {"enabled": False}},
    }
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=config)


@pytest.fixture
def keep_connection():
    """Requests run inside the test's transaction; Django must not close the connection
    after each one (its own test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth(role, make_user, shop, keep_connection):
    """Headers of a user with ``role``; made once per operation, shared by its examples."""
    user = make_user(role, f"fuzz-{role}")
    return {"Authorization": f"Bearer {create_token(actor=None, user=user, name='schema test')}"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT])
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_conforms_to_its_schema(case, auth):
    case.call_and_validate(headers=auth, checks=CHECKS)
