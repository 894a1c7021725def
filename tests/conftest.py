"""Shared fixtures. Tests run against a real database: SQLite by default, PostgreSQL when
KEFU_DATABASE_URL is set (CI runs both)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kefu.core.models import Shop, User
from kefu.core.roles import Role

pytest_plugins = ["tests.browser_support"]

PASSWORD = "correct-horse-42"


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.fixture(autouse=True)
def _fresh_locale():
    """A request leaves its user's language and time zone active in the thread (Django
    activates per request and never resets): each test starts from the site defaults."""
    yield
    from django.conf import settings
    from django.utils import timezone, translation

    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _audit_guards(request):
    """Keep the append-only triggers on in every test, yet let a transactional test's
    teardown flush the database (a flush is the one thing allowed to empty the log)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not DB_FIXTURES & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so torn down after us
    from django.db import connection

    from kefu.core import refcache

    refcache.clear()  # copies of a flushed database's rows are not this test's
    from kefu.core.dbtriggers import install_audit_guards, remove_audit_guards

    install_audit_guards(connection)
    yield
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        remove_audit_guards(connection)


@pytest.fixture
def make_user(db):
    def make(role: str = Role.AGENT, username: str | None = None, **extra) -> User:
        username = username or f"{role}{User.objects.count() + 1}"
        return User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)

    return make


@pytest.fixture
def agent(make_user):
    return make_user(Role.AGENT, "agent")


@pytest.fixture
def lead(make_user):
    return make_user(Role.LEAD, "lead")


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, "admin")


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, "finance")


@pytest.fixture
def warehouse(make_user):
    return make_user(Role.WAREHOUSE, "warehouse")


@pytest.fixture
def shop(db):
    return Shop.objects.create(
        slug="tmall-flagship", name="天猫旗舰店", platform="tmall", currency="CNY"
    )


@pytest.fixture
def login():
    """login(user) → a Django test client signed in as that user."""

    def as_user(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return as_user


class ApiClient:
    """Calls /api/v1/ with a bearer token, the way an integration would."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.token = token

    def _headers(self, headers):
        out = {}
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        out.update(headers or {})
        return out

    def get(self, path: str, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def post(self, path: str, body=None, headers=None, idempotency_key: str | None = None):
        headers = self._headers(headers)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=headers,
        )

    def patch(self, path: str, body=None, headers=None):
        return self.client.patch(
            f"/api/v1{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path: str, headers=None):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(headers))


@pytest.fixture
def api_as(db):
    """api_as(user) → ApiClient authenticated with a fresh token of that user."""
    from kefu.core.tokens import create_token

    def make(user: User | None) -> ApiClient:
        return ApiClient(create_token(actor=None, user=user) if user else None)

    return make


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the API's error shape with this status (and code)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    assert body["error"]["message"], body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
