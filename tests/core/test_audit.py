"""The audit log records who, when, from, to and why, and cannot be rewritten."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from kefu.core import audit
from kefu.core.models import AuditEntry, AuditLogIsAppendOnly
from kefu.customers.services import create_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(agent):
    create_customer(actor=agent, name="박지민", phones=["010-1234-5678"], country_code="82")
    return AuditEntry.objects.get(action="customer.create")


def test_a_change_is_recorded_with_actor_time_object_and_state(entry, agent):
    assert entry.actor == agent and entry.actor_label == "agent"
    assert entry.at is not None
    assert entry.object_type == "customers.customer" and entry.object_repr == "박지민"
    assert entry.to_state == "potential"


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(agent):
    with pytest.raises(RuntimeError, match="transaction"):
        audit.record(actor=agent, obj=agent, action="x")


def test_saving_an_existing_entry_is_refused(entry):
    entry.reason = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()


def test_bulk_update_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    entry.refresh_from_db()
    assert entry.reason == ""


def test_raw_sql_delete_is_refused_by_the_database(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM core_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_change_and_its_entry_commit_or_roll_back_together(agent):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        create_customer(actor=agent, name="Ann")
        1 / 0  # noqa: B018
    assert not AuditEntry.objects.filter(action="customer.create").exists()


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": "x"}, {"a": 2, "b": "x"}) == {"a": [1, 2]}
