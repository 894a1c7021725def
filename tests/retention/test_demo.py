"""The demo fills the waitlist, reminders and campaigns; a reset removes them."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from kefu.core import demo
from kefu.retention.models import Campaign, CampaignDelivery, UnpaidReminder, WaitlistEntry

# The demo is built around "now" (orders placed in the last days are still unpaid), so
# a small demo's unpaid orders depend on the hour it is loaded: load it at one moment.
MOMENT = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def loaded(db, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_STEPS", ["kefu.retention.demo"])
    with mock.patch("django.utils.timezone.now", return_value=MOMENT):
        return demo.load_demo(customers=200, seed=5, password="demo-pw-123", out=lambda _: None)


def test_the_demo_has_rows_in_every_state(loaded, login):
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) >= {"waiting", "notified"}
    assert UnpaidReminder.objects.filter(status="open").exists()
    assert set(Campaign.objects.values_list("status", flat=True)) == {"scheduled", "done"}
    outcomes = set(CampaignDelivery.objects.values_list("outcome", flat=True))
    assert {"sent", "skipped_frequency_cap"} <= outcomes
    languages = set(WaitlistEntry.objects.exclude(language="").values_list("language", flat=True))
    assert languages == {"zh-hans", "ko", "en"}
    client = login(demo.User.objects.get(username="lead"))
    for url in ("/retention/", "/retention/waitlists/", "/retention/reminders/"):
        assert client.get(url).status_code == 200
    done = Campaign.objects.filter(status="done").first()
    assert client.get(f"/retention/campaigns/{done.pk}/").status_code == 200


def test_a_reset_removes_the_demo_rows(loaded):
    demo.load_demo(customers=20, seed=3, reset=True, password="demo-pw-123", out=lambda _: None)
    assert Campaign.objects.filter(is_demo=True).count() == 3  # loaded again, the old ones gone
    assert not WaitlistEntry.objects.exclude(customer__is_demo=True).exists()
