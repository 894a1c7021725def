"""/api/v1/reviews: list, get, create (Idempotency-Key), import, actions, role checks."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.reviews.models import Review
from tests.conftest import assert_error

BODY = {
    "order_number": "TB1001",
    "rating": 1,
    "text": "质量太差",
    "reviewed_at": "2026-05-01T10:00:00+08:00",
    "platform_review_id": "API-1",
}


def test_create_with_an_idempotency_key_creates_once(api_as, agent, shop, order):
    api = api_as(agent)
    body = {**BODY, "shop_id": shop.pk}
    first = api.post("/reviews", body, idempotency_key="k1")
    assert first.status_code == 201, first.content
    again = api.post("/reviews", body, idempotency_key="k1")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    known = api.post("/reviews", body)  # same review ID without a key: the one recorded
    assert known.status_code == 200 and known.json()["id"] == first.json()["id"]
    assert Review.objects.count() == 1
    data = first.json()
    assert data["customer_id"] == order.customer_id and data["status"] == "flagged"
    assert data["actions"] == ["analyse"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_number": "NOPE"}, "order_number"),
        ({"rating": 4}, "rating"),
        ({"rating": 0}, "rating"),
        ({"platform_review_id": ""}, "platform_review_id"),
        ({"reviewed_at": "yesterday"}, "reviewed_at"),
    ],
)
def test_bad_input_is_refused_with_the_field(api_as, agent, shop, order, change, field):
    response = api_as(agent).post("/reviews", {**BODY, "shop_id": shop.pk, **change})
    error = assert_error(response, response.status_code)
    assert response.status_code in (400, 422)
    assert field in error["fields"]


def test_unknown_shop_is_refused(api_as, agent, order):
    assert_error(api_as(agent).post("/reviews", {**BODY, "shop_id": 999}), 400, "unknown_shop")


def test_actions_move_the_review_and_refuse_a_wrong_step(api_as, agent, make_review):
    review = make_review()
    api = api_as(agent)
    assert_error(api.post(f"/reviews/{review.pk}/actions/contact", {}), 409, "invalid_transition")
    bad = api.post(f"/reviews/{review.pk}/actions/analyse", {"cause": "weather"})
    assert_error(bad, 422)
    moved = api.post(f"/reviews/{review.pk}/actions/analyse", {"cause": "size", "attitude": "calm"})
    assert moved.status_code == 200 and moved.json()["status"] == "analysed"
    assert_error(api.post(f"/reviews/{review.pk}/actions/fly", {}), 422)


@pytest.mark.parametrize("role", ["finance", "warehouse"])
def test_back_office_roles_cannot_see_or_work_reviews(api_as, make_user, make_review, role):
    review = make_review()
    api = api_as(make_user(role))
    assert_error(api.get("/reviews"), 403, "forbidden")
    assert_error(api.get(f"/reviews/{review.pk}"), 403)
    assert_error(api.post(f"/reviews/{review.pk}/actions/analyse", {}), 403)


def test_list_filters(api_as, lead, make_review):
    make_review(rating=1)
    make_review(rating=3)
    api = api_as(lead)
    assert len(api.get("/reviews").json()["items"]) == 2
    assert [r["rating"] for r in api.get("/reviews", {"rating": 3}).json()["items"]] == [3]
    assert api.get("/reviews", {"status": "revised"}).json()["items"] == []
    assert_error(api.get("/reviews", {"status": "nonsense"}), 422)
    assert_error(api.get("/reviews/999999"), 404)


def test_import_endpoint_reports_bad_rows_with_422(api_as, agent, shop, order):
    api = api_as(agent)
    good = "订单号,评价ID,评分,评价内容,评价时间\nTB1001,F-1,2,偏小,2026-05-01\n"
    bad = good + "TB1001,F-2,5,好,2026-05-01\n"
    headers = {"Authorization": f"Bearer {api.token}"}
    refused = api.client.post(
        "/api/v1/reviews/import",
        {"shop_id": shop.pk, "file": SimpleUploadedFile("r.csv", bad.encode())},
        headers=headers,
    )
    error = assert_error(refused, 422, "invalid_rows")
    assert list(error["fields"]) == ["line 3"] and "1 to 3" in error["fields"]["line 3"][0]
    assert not Review.objects.exists()
    done = api.client.post(
        "/api/v1/reviews/import",
        {"shop_id": shop.pk, "file": SimpleUploadedFile("r.csv", good.encode())},
        headers=headers,
    )
    assert done.status_code == 200 and done.json()["created"] == 1
