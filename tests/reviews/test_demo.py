"""The demo shows reviews in every state, in all three languages, and a reset removes them."""

from __future__ import annotations

import pytest

from kefu.core import demo
from kefu.reviews.models import Review
from kefu.reviews.workflow import REVIEW_WORKFLOW


@pytest.fixture
def loaded(db, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_STEPS", ["kefu.reviews.demo"])
    return demo.load_demo(customers=300, seed=11, password="demo-pw-123", out=lambda _: None)


def test_every_state_and_language_is_in_the_demo(loaded, login):
    assert loaded["reviews"] > 0
    assert set(Review.objects.values_list("status", flat=True)) == set(REVIEW_WORKFLOW.states)
    assert set(Review.objects.values_list("customer__language", flat=True)) == {
        "zh-hans",
        "ko",
        "en",
    }
    lead = demo.User.objects.get(username="lead")
    client = login(lead)
    assert client.get("/reviews/").status_code == 200
    assert client.get("/reviews/measures/").status_code == 200


def test_a_reset_removes_the_demo_reviews(loaded):
    demo.load_demo(customers=20, seed=3, reset=True, password="demo-pw-123", out=lambda _: None)
    assert (
        not Review.objects.filter(platform_review_id__startswith="DEMO-RV-")
        .exclude(customer__is_demo=True)
        .exists()
    )
