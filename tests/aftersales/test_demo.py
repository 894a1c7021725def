"""The demo shows every after-sales state, in every shop's language, and resets cleanly."""

from __future__ import annotations

import pytest

from kefu.aftersales.models import AftersalesCase, Status
from kefu.core.demo import load_demo

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_every_state_and_reset_removes_them():
    counts = load_demo(customers=120, seed=7, password="demo-pass-123", out=lambda _l: None)
    assert counts["aftersales_cases"] >= 24
    states = set(AftersalesCase.objects.values_list("status", flat=True))
    assert states == set(Status.values)
    assert AftersalesCase.objects.values("shop").distinct().count() >= 3
    assert AftersalesCase.objects.filter(refund__isnull=False).exists()
    load_demo(customers=120, seed=7, reset=True, password="demo-pass-123", out=lambda _l: None)
    assert AftersalesCase.objects.count() == counts["aftersales_cases"]
