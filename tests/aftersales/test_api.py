"""/api/v1/aftersales: list, get, create with Idempotency-Key, actions, quote, errors."""

from __future__ import annotations

import pytest

from kefu.aftersales.models import AftersalesCase
from tests.conftest import assert_error

pytestmark = pytest.mark.django_db


def _body(order, **kw):
    return {
        "order_id": order.pk,
        "kind": "return_refund",
        "reason": "quality",
        "items": [{"order_item_id": i.pk, "quantity": i.quantity} for i in order.items.all()],
        "chat_excerpt": "买家：围巾起球了",
        **kw,
    }


def test_create_is_idempotent(api_as, agent, delivered_order):
    order = delivered_order()
    api = api_as(agent)
    first = api.post("/aftersales", _body(order), idempotency_key="k-1")
    assert first.status_code == 201, first.content
    again = api.post("/aftersales", _body(order), idempotency_key="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert AftersalesCase.objects.count() == 1
    data = first.json()
    assert data["status"] == "awaiting_seller" and data["refund_due"] == "300.00"
    assert "agree" in data["actions"] and data["quote_explanation"]
    assert len(data["items"]) == 2


def test_the_whole_return_over_the_api(api_as, agent, warehouse, finance, delivered_order):
    order = delivered_order()
    case_id = api_as(agent).post("/aftersales", _body(order)).json()["id"]
    assert api_as(agent).post(f"/aftersales/{case_id}/actions/agree").status_code == 200
    r = api_as(agent).post(f"/aftersales/{case_id}/actions/ship_return", {"waybill": "SF88"})
    assert r.json()["status"] == "return_shipped"
    assert_error(api_as(agent).post(f"/aftersales/{case_id}/actions/receive"), 403, "forbidden")
    r = api_as(warehouse).post(f"/aftersales/{case_id}/actions/receive")
    assert r.json()["status"] == "received" and r.json()["handover_date"]
    r = api_as(warehouse).post(
        f"/aftersales/{case_id}/actions/inspect",
        {"condition": "resellable", "accessories_complete": True},
    )
    assert r.json()["status"] == "awaiting_finance"
    assert_error(
        api_as(agent).post(
            f"/aftersales/{case_id}/actions/confirm_refund", {"amount": "1", "reference": "x"}
        ),
        403,
    )
    assert_error(
        api_as(finance).post(
            f"/aftersales/{case_id}/actions/confirm_refund",
            {"amount": "999.00", "reference": "PAY-1"},
        ),
        400,
        "refund_too_large",
    )
    r = api_as(finance).post(
        f"/aftersales/{case_id}/actions/confirm_refund", {"amount": "300.00", "reference": "PAY-1"}
    )
    assert r.json()["status"] == "refunded"
    assert_error(
        api_as(finance).post(
            f"/aftersales/{case_id}/actions/confirm_refund",
            {"amount": "300.00", "reference": "PAY-2"},
        ),
        409,
    )


def test_bad_input_gets_clear_errors(api_as, agent, delivered_order):
    api = api_as(agent)
    order = delivered_order()
    assert_error(api.post("/aftersales", _body(order, kind="swap")), 422, "validation_error")
    assert_error(api.post("/aftersales", _body(order, order_id=999999)), 400, "unknown_order")
    assert_error(api.post("/aftersales", _body(order, items=[])), 422)
    other = delivered_order().items.first()
    err = assert_error(
        api.post("/aftersales", _body(order, items=[{"order_item_id": other.pk, "quantity": 1}])),
        400,
    )
    assert "items" in err["fields"]
    case_id = api.post("/aftersales", _body(order)).json()["id"]
    assert_error(api.post(f"/aftersales/{case_id}/actions/fly"), 422)
    assert_error(api.post(f"/aftersales/{case_id}/actions/reship"), 409, "invalid_transition")
    assert_error(api.post(f"/aftersales/{case_id}/actions/reject"), 400)  # reason needed
    assert_error(api.get("/aftersales/999999"), 404)
    assert_error(api.get("/aftersales", {"cursor": "bad"}), 400, "invalid_cursor")


def test_warehouse_and_finance_cannot_open_cases(api_as, warehouse, finance, delivered_order):
    order = delivered_order()
    for user in (warehouse, finance):
        assert_error(api_as(user).post("/aftersales", _body(order)), 403)
    assert_error(api_as(None).get("/aftersales"), 401)


def test_list_filters_and_pages(api_as, agent, make_case):
    for kind in ("return_refund", "exchange", "refund_only"):
        make_case(kind, "quality")
    api = api_as(agent)
    page = api.get("/aftersales", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = api.get("/aftersales", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    only = api.get("/aftersales", {"kind": "exchange"}).json()["items"]
    assert [c["kind"] for c in only] == ["exchange"]
    assert api.get("/aftersales", {"status": "refunded"}).json()["items"] == []
    assert_error(api.get("/aftersales", {"status": "nope"}), 422)


def test_quote_creates_nothing(api_as, agent):
    r = api_as(agent).post(
        "/aftersales/quote",
        {
            "store_type": "mall",
            "kind": "refund",
            "reason": "no_reason",
            "items_value": "200.00",
            "after_success": True,
            "invoice_issued": True,
        },
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["refund_amount"] == "155.00" and data["situation"] == "after_success"
    assert "5.5" in data["explanation"]
    assert AftersalesCase.objects.count() == 0
    assert_error(
        api_as(agent).post("/aftersales/quote", {"store_type": "mars", "kind": "refund"}), 422
    )


def test_postage_waiver_is_for_leads(api_as, agent, lead, make_case):
    case = make_case("exchange", "wrong_size")
    assert_error(
        api_as(agent).post(f"/aftersales/{case.pk}/actions/waive_postage", {"reason": "VIP"}), 403
    )
    r = api_as(lead).post(f"/aftersales/{case.pk}/actions/waive_postage", {"reason": "VIP"})
    assert r.json()["postage_settlement"] == "waived"


def test_registration_fields_are_patched_and_audited(api_as, agent, lead, warehouse, make_case):
    case = make_case()
    r = api_as(agent).patch(
        f"/aftersales/{case.pk}",
        {"customer_rating": 4, "issue_type": "起球", "result": "已退款", "handler_id": lead.pk},
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["customer_rating"] == 4 and data["handler_id"] == lead.pk
    assert_error(api_as(agent).patch(f"/aftersales/{case.pk}", {"customer_rating": 9}), 422)
    assert_error(api_as(agent).patch(f"/aftersales/{case.pk}", {"handler_id": warehouse.pk}), 400)
    assert_error(api_as(warehouse).patch(f"/aftersales/{case.pk}", {"result": "x"}), 403)
