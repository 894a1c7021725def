"""/api/v1/followups and /api/v1/surveys as an integration uses them."""

from __future__ import annotations

import pytest

from kefu.core.roles import Role
from kefu.followups.models import FollowUpRule
from tests.conftest import assert_error
from tests.factories import make_customer, make_ticket

from .conftest import make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(clock, sh_shop, customer, agent):
    return make_task(sh_shop, customer, owner=agent)


def test_list_and_get_calls(task, agent, api_as):
    api = api_as(agent)
    page = api.get("/followups").json()
    assert [t["id"] for t in page["items"]] == [task.pk]
    one = api.get(f"/followups/{task.pk}").json()
    assert one["customer_name"] == "王芳" and one["call_attempts"] == []


def test_an_attempt_through_the_api(task, agent, api_as):
    api = api_as(agent)
    r = api.post(
        f"/followups/{task.pk}/actions/attempt",
        {"outcome": "reached", "satisfaction": "unsatisfied", "to_improve": "包装破损"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "done"
    r = api.post(f"/followups/{task.pk}/actions/ticket")
    assert r.json()["ticket_id"]
    assert_error(api.post(f"/followups/{task.pk}/actions/ticket"), 409, "ticket_exists")


def test_api_errors_are_clear(task, agent, api_as, make_user):
    api = api_as(agent)
    assert_error(api.post(f"/followups/{task.pk}/actions/attempt", {}), 400, "validation_error")
    assert_error(api.post(f"/followups/{task.pk}/actions/fly"), 422)
    assert_error(api.post(f"/followups/{task.pk}/actions/cancel", {"reason": "x"}), 403)
    assert_error(api_as(make_user(Role.AGENT, "other")).get(f"/followups/{task.pk}"), 404)
    assert_error(api_as(make_user(Role.FINANCE)).get("/followups"), 403)
    assert_error(api_as(None).get("/followups"), 401)


def test_rules_are_listed_and_only_an_admin_changes_them(agent, admin_user, api_as):
    rules = api_as(agent).get("/followups/rules").json()
    delivery = next(r for r in rules if r["reason"] == "delivery" and r["shop_id"] is None)
    assert (delivery["offset_days"], delivery["window_days"]) == (3, 4)
    assert_error(api_as(agent).patch(f"/followups/rules/{delivery['id']}", {"window_days": 2}), 403)
    r = api_as(admin_user).patch(f"/followups/rules/{delivery['id']}", {"window_days": 2})
    assert r.json()["window_days"] == 2
    assert FollowUpRule.objects.get(pk=delivery["id"]).window_days == 2


def test_survey_for_a_ticket_with_an_idempotency_key(clock, sh_shop, agent, api_as):
    ticket = make_ticket(shop=sh_shop, customer=make_customer(), status="solved")
    api = api_as(agent)
    first = api.post("/surveys", {"ticket_id": ticket.pk}, idempotency_key="k1")
    assert first.status_code == 201
    again = api.post("/surveys", {"ticket_id": ticket.pk}, idempotency_key="k1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert api.post("/surveys", {"ticket_id": ticket.pk}).status_code == 200
    got = api.get(f"/surveys/tickets/{ticket.pk}").json()
    assert got["id"] == first.json()["id"] and "/survey/" in got["link"]
    unsolved = make_ticket(shop=sh_shop, customer=make_customer())
    assert_error(api.post("/surveys", {"ticket_id": unsolved.pk}), 409, "ticket_not_solved")
    assert_error(api.get(f"/surveys/tickets/{unsolved.pk}"), 404)


def test_survey_answers_listed(clock, sh_shop, agent, lead, api_as):
    from kefu.followups import surveys

    ticket = make_ticket(shop=sh_shop, customer=make_customer(), status="solved")
    s = surveys.create_survey(actor=None, ticket=ticket)[0]
    surveys.answer(token=surveys.token_for(s), rating=5, comment="很好")
    items = api_as(agent).get("/surveys").json()["items"]
    assert [(i["rating"], i["comment"]) for i in items] == [(5, "很好")]
    stats = api_as(lead).get("/surveys/stats").json()
    assert stats["average"] == 5.0
