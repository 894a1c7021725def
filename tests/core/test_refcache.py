"""Policies, SLA policies and teams are kept per process (kefu.core.refcache); what an
admin changes is in force at once in the process that changed it, within the check
interval in every other, and a change that rolled back is never seen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kefu.core import policies, refcache
from kefu.core.models import Policy, RefStamp
from kefu.tickets import sla
from kefu.tickets.models import BusinessCalendar, SLAPolicy

pytestmark = pytest.mark.django_db(transaction=True)

MAX_MB = "tickets.attachment_max_mb"
ALL_WEEK = {str(d): [["00:00", "24:00"]] for d in range(7)}


def _rule():
    return policies._declared[MAX_MB]


def test_a_change_in_this_process_is_in_force_at_once(admin_user):
    before = _rule().get()
    assert refcache.cached("policies", policies._all_values) is not None  # now kept
    policies.set_value(actor=admin_user, key=MAX_MB, value=before + 5)
    assert _rule().get() == before + 5


def test_a_change_made_elsewhere_is_seen_after_the_check_interval(admin_user, settings):
    settings.KEFU = {**settings.KEFU, "REFCACHE_CHECK_SECONDS": 3600}
    policies.set_value(actor=admin_user, key=MAX_MB, value=7)
    assert _rule().get() == 7
    # Another process's change: the same rows written without this process's signals.
    Policy.objects.filter(key=MAX_MB).update(value=9)
    RefStamp.objects.filter(pk=1).update(version=F("version") + 1)
    assert _rule().get() == 7, "a copy is used until the next check"
    settings.KEFU = {**settings.KEFU, "REFCACHE_CHECK_SECONDS": 0}
    assert _rule().get() == 9


def test_a_change_that_rolled_back_is_never_kept(admin_user):
    policies.set_value(actor=admin_user, key=MAX_MB, value=7)
    with pytest.raises(RuntimeError), transaction.atomic():
        policies.set_value(actor=admin_user, key=MAX_MB, value=11)
        assert _rule().get() == 11  # read inside the transaction, not cached
        raise RuntimeError("the admin's request failed")
    assert _rule().get() == 7


def test_a_new_sla_target_applies_to_the_next_ticket():
    SLAPolicy.objects.all().delete()
    calendar = BusinessCalendar.objects.create(
        name="all week", time_zone="Asia/Shanghai", weekly_hours=ALL_WEEK
    )
    policy = SLAPolicy.objects.create(
        name="chat", calendar=calendar, first_response_minutes=30, resolution_minutes=600
    )
    start = timezone.now().replace(microsecond=0)

    def first_due() -> dt.timedelta:
        _policy, due, _resolution = sla.due_times(
            shop_id=None, channel="chat", priority=2, start=start
        )
        return due - start

    assert first_due() == dt.timedelta(minutes=30)
    assert refcache.cached("sla_policies", sla._active_policies) is not None
    policy.first_response_minutes = 10
    policy.save()
    assert first_due() == dt.timedelta(minutes=10)
