"""An Idempotency-Key is claimed inside the request's own transaction: it commits with
what the request wrote, or not at all; requests racing with one key create one thing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.core.models import IdempotencyRecord
from kefu.core.tokens import create_token
from kefu.customers.models import Customer
from kefu.tickets import services as ticket_services
from kefu.tickets.models import Ticket
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db(transaction=True)


def _ticket_body(customer, shop, n: int = 1) -> dict:
    return {
        "customer_id": customer.pk,
        "shop_id": shop.pk,
        "subject": f"包裹破损 {n}",
        "body": "包裹破损了，请退款。",
        "channel": "web",
    }


@pytest.fixture
def buyer(shop):
    return Customer.objects.create(name="王小雨", language="zh-hans")


def test_racing_requests_with_one_key_create_one_ticket(agent, shop, buyer):
    token = create_token(actor=None, user=agent)
    body = _ticket_body(buyer, shop)
    barrier = threading.Barrier(4)
    answers: list[tuple[int, dict, str | None]] = []

    def send() -> None:
        try:
            client = ApiClient(token)
            barrier.wait()
            r = client.post("/tickets", body, idempotency_key="race-1")
            answers.append((r.status_code, r.json(), r.get("Idempotent-Replayed")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert Ticket.objects.filter(customer=buyer).count() == 1
    assert len(answers) == 4
    created = [a for a in answers if a[0] == 201]
    assert [a for a in created if a[2] is None], "one request made the ticket"
    assert {a[1]["id"] for a in created} == {Ticket.objects.get(customer=buyer).pk}
    for status, payload, _replayed in answers:
        assert status == 201 or (
            status == 409 and payload["error"]["code"] == "idempotency_key_in_use"
        ), (status, payload)
    again = ApiClient(token).post("/tickets", body, idempotency_key="race-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"


def test_a_request_that_fails_midway_leaves_neither_ticket_nor_key(agent, shop, buyer, monkeypatch):
    token = create_token(actor=None, user=agent)
    body = _ticket_body(buyer, shop)

    def broken(ticket):
        raise RuntimeError("routing fell over")

    monkeypatch.setattr(ticket_services, "NEW_TICKET_HOOKS", [broken])
    client = Client(raise_request_exception=False)
    failed = client.post(
        "/api/v1/tickets",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "midway"},
    )
    assert failed.status_code == 500
    assert not Ticket.objects.filter(customer=buyer).exists()
    assert not IdempotencyRecord.objects.filter(key="midway").exists()

    monkeypatch.setattr(ticket_services, "NEW_TICKET_HOOKS", [])
    retried = ApiClient(token).post("/tickets", body, idempotency_key="midway")
    assert retried.status_code == 201 and retried.get("Idempotent-Replayed") is None
    assert Ticket.objects.filter(customer=buyer).count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one write lock")
def test_a_create_takes_the_write_lock_twice_not_three_times(agent, shop, buyer):
    """The key's claim rides in the ticket's transaction; only the stored answer needs a
    second one (every transaction queues for SQLite's single write lock)."""
    client = ApiClient(create_token(actor=None, user=agent))
    client.get("/me")  # a token's first use is recorded (then at most once a minute)
    with CaptureQueriesContext(connection) as queries:
        r = client.post("/tickets", _ticket_body(buyer, shop), idempotency_key="one-tx")
    assert r.status_code == 201
    begins = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("BEGIN")]
    assert len(begins) == 2, begins
    record = IdempotencyRecord.objects.get(key="one-tx")
    assert record.status_code == 201
    assert bytes(record.response_body) == r.content
