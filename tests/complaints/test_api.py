import pytest

from kefu.complaints.models import Complaint, Status
from tests.complaints.helpers import register, walk_to
from tests.conftest import assert_error
from tests.factories import make_customer, make_order

pytestmark = pytest.mark.django_db


def _body(customer, order=None, **kw):
    body = {
        "customer_id": customer.pk,
        "content": "快递员态度很差",
        "channel": "phone",
        "category": "service",
        "severity": "medium",
    }
    if order is not None:
        body["order_id"] = order.pk
    return {**body, **kw}


def test_create_is_idempotent(api_as, agent, shop):
    customer = make_customer()
    order = make_order(shop=shop, customer=customer)
    api = api_as(agent)
    first = api.post("/complaints", _body(customer, order), idempotency_key="c-1")
    assert first.status_code == 201, first.content
    again = api.post("/complaints", _body(customer, order), idempotency_key="c-1")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Complaint.objects.count() == 1
    data = first.json()
    assert data["status"] == "registered" and data["shop_id"] == shop.pk
    assert data["allowed_actions"] == ["judge_founded"]  # an agent may not dismiss
    clash = api.post("/complaints", _body(customer, order, content="x"), idempotency_key="c-1")
    assert_error(clash, 409, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"category": "cosmic"}, 422, "category"),
        ({"channel": "pigeon"}, 422, "channel"),
        ({"content": ""}, 422, "content"),
        ({"customer_id": 999999}, 400, "customer_id"),
        ({"order_id": 999999}, 400, "order_id"),
    ],
)
def test_bad_input_is_a_clear_error(api_as, agent, shop, change, status, field):
    customer = make_customer()
    order = make_order(shop=shop, customer=customer)
    response = api_as(agent).post("/complaints", _body(customer, order, **change))
    error = assert_error(response, status)
    assert field in error["fields"], error


def test_back_office_roles_cannot_read_or_write(api_as, finance, warehouse, shop, agent):
    c = register(agent, shop)
    for user in (finance, warehouse):
        api = api_as(user)
        assert_error(api.get("/complaints"), 403, "forbidden")
        assert_error(api.get(f"/complaints/{c.pk}"), 403, "forbidden")
        assert_error(api.post("/complaints", _body(c.customer)), 403, "forbidden")
    assert_error(api_as(None).get("/complaints"), 401)


def test_the_loop_through_the_api(api_as, agent, lead, shop):
    c = register(agent, shop)
    a, boss = api_as(agent), api_as(lead)
    ok = a.post(f"/complaints/{c.pk}/actions/judge_founded", {"department": "质检部"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "investigating"
    missing = a.post(f"/complaints/{c.pk}/actions/record_cause", {"cause": "面料"})
    assert "owner" in assert_error(missing, 400, "validation_error")["fields"]
    a.post(f"/complaints/{c.pk}/actions/record_cause", {"cause": "面料", "owner_id": agent.pk})
    r = a.post(f"/complaints/{c.pk}/actions/propose", {"description": "换新"})
    solution = r.json()["solutions"][0]["id"]
    refused = a.post(
        f"/complaints/{c.pk}/actions/choose_solution",
        {"solution_id": solution, "instruction": "go"},
    )
    assert_error(refused, 403, "forbidden")
    chosen = boss.post(
        f"/complaints/{c.pk}/actions/choose_solution",
        {"solution_id": solution, "instruction": "go"},
    )
    assert chosen.json()["status"] == "implementing"
    wrong = a.post(f"/complaints/{c.pk}/actions/close", {})
    assert_error(wrong, 409, "invalid_transition")
    unknown = a.post(f"/complaints/{c.pk}/actions/teleport", {})
    assert_error(unknown, 422)


def test_list_filters_and_pages(api_as, agent, lead, shop):
    for _ in range(3):
        register(agent, shop, category="quality")
    service = register(agent, shop, category="service")
    walk_to(service, Status.INVESTIGATING, agent=agent, lead=lead)
    api = api_as(agent)
    page = api.get("/complaints", {"limit": 2})
    assert len(page.json()["items"]) == 2 and page.json()["next_cursor"]
    rest = api.get("/complaints", {"limit": 2, "cursor": page.json()["next_cursor"]})
    assert len(rest.json()["items"]) == 2 and rest.json()["next_cursor"] is None
    only = api.get("/complaints", {"category": "service"}).json()["items"]
    assert [i["id"] for i in only] == [service.pk]
    assert [
        i["id"] for i in api.get("/complaints", {"status": "investigating"}).json()["items"]
    ] == [service.pk]
    assert_error(api.get("/complaints", {"status": "sleeping"}), 422)


def test_get_unknown_is_404(api_as, agent):
    assert_error(api_as(agent).get("/complaints/424242"), 404, "not_found")


def test_classification_json(api_as, agent, shop):
    register(agent, shop, category="quality")
    data = api_as(agent).get("/complaints/classification", {"period": "month"}).json()
    assert data["period"] == "month" and len(data["periods"]) == 12
    quality = next(line for line in data["lines"] if line["key"] == "quality")
    assert quality["total"] == 1 and data["total"] == 1
    assert_error(api_as(agent).get("/complaints/classification", {"period": "week"}), 422)
