"""The lead's measures against a fixture computed by hand, and the summary report."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kefu.core.roles import Role
from kefu.followups import selectors
from kefu.followups.models import FollowUpTask, Reason

from .conftest import SHANGHAI, at, callable_customer, rule

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def task(shop, owner, reason, status, due_end, satisfaction=""):
    start = due_end.replace(hour=9)
    return FollowUpTask.objects.create(
        rule=rule(reason),
        reason=reason,
        source_kind="order",
        source_id=next(_ids),
        shop=shop,
        customer=callable_customer(f"1380000{next(_ids):04d}"),
        owner=owner,
        status=status,
        satisfaction=satisfaction,
        due_start=start,
        due_end=due_end,
    )


@pytest.fixture
def fixture(clock, sh_shop, make_user):
    clock.set(2026, 3, 20, 10, 0)
    a = make_user(Role.AGENT, "amy")
    b = make_user(Role.AGENT, "bob")
    S = FollowUpTask.Status
    task(sh_shop, a, Reason.DELIVERY, S.DONE, at(2026, 3, 5, 20, 0), "satisfied")
    task(sh_shop, a, Reason.DELIVERY, S.DONE, at(2026, 3, 6, 20, 0), "unsatisfied")
    task(sh_shop, a, Reason.COMPLAINT, S.FAILED, at(2026, 3, 7, 20, 0))
    task(sh_shop, a, Reason.MEMBER, S.OPEN, at(2026, 3, 10, 20, 0))  # overdue
    task(sh_shop, b, Reason.MEMBER, S.DONE, at(2026, 3, 12, 20, 0), "neutral")
    task(sh_shop, b, Reason.DELIVERY, S.CANCELLED, at(2026, 3, 13, 20, 0))  # left out
    task(sh_shop, a, Reason.DELIVERY, S.OPEN, at(2026, 4, 2, 20, 0))  # next month
    return a, b


def march():
    return selectors.period_bounds("month", at(2026, 3, 15, 0, 0).date(), SHANGHAI)


def test_measures_match_the_hand_computed_fixture(fixture, clock):
    data = selectors.measures(*march(), now=clock.now)
    assert (data["due"], data["done"], data["rate"]) == (5, 3, 60.0)
    assert data["member_rate"] == 50.0
    agents = {r["label"]: r for r in data["by_agent"]}
    assert {
        k: (v["due"], v["done"], v["failed"], v["overdue"], v["rate"]) for k, v in agents.items()
    } == {
        "amy": (4, 2, 1, 1, 50.0),
        "bob": (1, 1, 0, 0, 100.0),
    }
    reasons = {r["key"]: (r["due"], r["done"], r["rate"]) for r in data["by_reason"]}
    assert reasons == {
        "complaint": (1, 0, 0.0),
        "delivery": (2, 2, 100.0),
        "member": (2, 1, 50.0),
    }
    assert data["satisfaction"] == {"satisfied": 1, "neutral": 1, "unsatisfied": 1}
    assert data["overdue_now"] == 1


def test_a_week_is_monday_to_monday():
    start, end = selectors.period_bounds("week", at(2026, 3, 19, 0, 0).date(), SHANGHAI)
    assert (start, end) == (at(2026, 3, 16, 0, 0), at(2026, 3, 23, 0, 0))


def test_the_lead_sees_the_measures_page(fixture, lead, login):
    page = login(lead).get(reverse("followups:measures"), {"period": "month", "date": "2026-03-15"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "60.0%" in body and "50.0%" in body and "amy" in body


def test_agents_do_not_see_the_measures(agent, login):
    assert login(agent).get(reverse("followups:measures")).status_code == 403


def test_the_summary_report_exports_as_csv_and_xlsx(fixture, lead, login):
    client = login(lead)
    params = {"period": "month", "date": "2026-03-15"}
    response = client.get(reverse("followups:measures"), {**params, "export": "csv"})
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["agent", "due", "done"]
    assert rows[1][:6] == ["amy", "4", "2", "1", "1", "50.0"]
    assert rows[-1][:3] == ["TOTAL", "5", "3"]
    response = client.get(reverse("followups:measures"), {**params, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[-1][:3] == ("TOTAL", 5, 3)
