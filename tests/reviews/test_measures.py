"""Measures against a fixture computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kefu.reviews import selectors
from kefu.reviews.models import Review
from tests.factories import make_customer, make_order, make_shop

# (shop, cause, status, hours from flag to contact or None)
FIXTURE = [
    ("A", "size", "revised", 2),
    ("A", "size", "revised", 4),
    ("A", "size", "declined", 10),
    ("A", "logistics", "revised", 1),
    ("B", "logistics", "declined", 30),
    ("B", "service", "contacted", 6),
    ("B", "", "flagged", None),
]


@pytest.fixture
def fixture_reviews(db):
    shops = {"A": make_shop(name="A店"), "B": make_shop(name="B店")}
    flagged = timezone.now() - dt.timedelta(days=5)
    for n, (shop, cause, status, hours) in enumerate(FIXTURE):
        order = make_order(shop=shops[shop], customer=make_customer())
        Review.objects.create(
            shop=shops[shop],
            order=order,
            customer=order.customer,
            platform_review_id=f"M{n}",
            rating=2,
            reviewed_at=flagged,
            flagged_at=flagged,
            status=status,
            cause=cause,
            contacted_at=flagged + dt.timedelta(hours=hours) if hours is not None else None,
        )
    return shops


def test_recovery_rate_and_time_to_contact_match_the_hand_count(fixture_reviews, lead):
    with translation.override("en"):
        m = selectors.measures(lead)
    # closed: 3 revised + 2 declined → 3/5
    assert (m.overall.total, m.overall.closed, m.overall.revised) == (7, 5, 3)
    assert m.overall.recovery_rate == pytest.approx(0.6)
    # contact hours 1, 2, 4, 6, 10, 30: median (4+6)/2 = 5; p90 nearest rank ceil(5.4)=6th → 30
    assert m.overall.median_hours == 5.0
    assert m.overall.p90_hours == 30.0
    by_cause = {row.label: row for row in m.by_cause}
    assert by_cause["Size"].recovery_rate == pytest.approx(2 / 3)
    assert by_cause["Size"].median_hours == 4.0
    assert by_cause["Logistics"].recovery_rate == pytest.approx(0.5)
    assert by_cause["Service"].recovery_rate is None  # nothing closed yet
    by_shop = {row.label: row for row in m.by_shop}
    assert by_shop["A店"].recovery_rate == pytest.approx(0.75)
    assert by_shop["B店"].recovery_rate == pytest.approx(0.0)
    assert by_shop["B店"].p90_hours == 30.0


def test_measures_by_one_shop_and_period(fixture_reviews, lead):
    m = selectors.measures(lead, shop=fixture_reviews["A"].pk)
    assert m.overall.total == 4
    none = selectors.measures(lead, since=timezone.now() - dt.timedelta(days=1))
    assert none.overall.total == 0 and none.overall.recovery_rate is None


def test_the_measures_screen_shows_the_rate(fixture_reviews, lead, login):
    page = login(lead).get("/reviews/measures/")
    assert page.status_code == 200
    assert "60.0 %" in page.content.decode()


def test_percentile_is_nearest_rank():
    assert selectors.percentile([], 90) is None
    assert selectors.percentile([5.0], 90) == 5.0
    assert selectors.percentile([float(n) for n in range(1, 11)], 90) == 9.0
