"""/api/v1/carrier: tracking queries and claims, idempotent creates, clear errors."""

from __future__ import annotations

import pytest

from kefu.orders.models import DamageClaim, TrackingQuery
from tests.conftest import assert_error
from tests.orders import test_carrier_support as support

shipped = support.shipped
make_claim = support.make_claim


def test_log_and_list_tracking_queries(api_as, agent, shipped):
    api = api_as(agent)
    body = {
        "order_id": shipped.pk,
        "carrier_agent_id": "851",
        "outcome": "address_changed",
        "result": "已更改",
        "customer_told": True,
    }
    first = api.post("/carrier/tracking-queries", body, idempotency_key="tq-1")
    assert first.status_code == 201, first.content
    again = api.post("/carrier/tracking-queries", body, idempotency_key="tq-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert TrackingQuery.objects.count() == 1
    assert_error(
        api.post("/carrier/tracking-queries", {**body, "note": "x"}, idempotency_key="tq-1"),
        409,
        "idempotency_key_reused",
    )
    data = first.json()
    assert (data["waybill"], data["carrier"], data["handler"]) == (
        "888090781867",
        "中通快递",
        "agent",
    )
    by_waybill = api.get("/carrier/tracking-queries", {"waybill": "888090781867"}).json()
    assert [q["id"] for q in by_waybill["items"]] == [data["id"]]
    assert api.get("/carrier/tracking-queries", {"waybill": "other"}).json()["items"] == []
    by_order = api.get("/carrier/tracking-queries", {"order_id": shipped.pk}).json()
    assert len(by_order["items"]) == 1


def test_tracking_query_by_waybill_alone(api_as, agent, shipped):
    api = api_as(agent)
    made = api.post("/carrier/tracking-queries", {"waybill": "888090781867", "outcome": "delayed"})
    assert made.status_code == 201 and made.json()["order_id"] == shipped.pk
    err = assert_error(
        api.post("/carrier/tracking-queries", {"waybill": "NOPE", "outcome": "delayed"}),
        400,
        "unknown_waybill",
    )
    assert "waybill" in err["fields"]
    assert_error(api.post("/carrier/tracking-queries", {"outcome": "delayed"}), 400)
    assert_error(
        api.post("/carrier/tracking-queries", {"order_id": shipped.pk, "outcome": "x"}), 422
    )


def test_finance_reads_but_cannot_write(api_as, finance, shipped):
    api = api_as(finance)
    assert api.get("/carrier/claims").status_code == 200
    assert_error(api.post("/carrier/claims", {"order_id": shipped.pk, "parcel_state": "lost"}), 403)
    assert_error(
        api.post("/carrier/tracking-queries", {"order_id": shipped.pk, "outcome": "lost"}), 403
    )
    assert_error(api_as(None).get("/carrier/claims"), 401)


def test_claim_create_is_idempotent(api_as, agent, shipped):
    api = api_as(agent)
    body = {
        "order_id": shipped.pk,
        "parcel_state": "box_damaged",
        "carrier_agent_id": "843",
        "declared_value": "88.00",
        "items": [{"title": "真丝衬衫", "style_no": "109", "quantity": 1, "value": "88.00"}],
    }
    first = api.post("/carrier/claims", body, idempotency_key="claim-1")
    assert first.status_code == 201, first.content
    again = api.post("/carrier/claims", body, idempotency_key="claim-1")
    assert again.json() == first.json() and DamageClaim.objects.count() == 1
    data = first.json()
    assert data["status"] == "draft" and data["declared_value"] == "88.00"
    assert data["amount_claimed"] == "88.00" and data["actions"] == ["file", "withdraw"]
    assert [i["style_no"] for i in data["items"]] == ["109"]
    got = api.get(f"/carrier/claims/{data['id']}").json()
    assert got["id"] == data["id"] and got["photos"] == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"parcel_state": "lost", "declared_value": "-1"}, 400, "declared_value"),
        ({"parcel_state": "lost", "amount_claimed": "1.234"}, 422, None),
        ({"parcel_state": "melted"}, 422, "parcel_state"),
        ({"parcel_state": "lost", "items": [{"title": "x", "quantity": 0}]}, 422, None),
    ],
)
def test_claim_bad_input(api_as, agent, shipped, body, status, field):
    err = assert_error(
        api_as(agent).post("/carrier/claims", {"order_id": shipped.pk, **body}), status
    )
    if field:
        assert field in err["fields"], err
    assert not DamageClaim.objects.exists()


def test_unknown_order_and_waybill(api_as, agent):
    api = api_as(agent)
    assert_error(
        api.post("/carrier/claims", {"order_id": 999, "parcel_state": "lost"}), 400, "unknown_order"
    )
    assert_error(
        api.post("/carrier/claims", {"waybill": "ZZ1", "parcel_state": "lost"}),
        400,
        "unknown_waybill",
    )
    assert_error(api.get("/carrier/claims/999"), 404)


def test_claim_actions(api_as, agent, lead, shipped, make_claim):
    claim = make_claim(shipped)
    api = api_as(agent)
    filed = api.post(f"/carrier/claims/{claim.pk}/actions/file", {"carrier_reference": "ZT-1"})
    assert filed.status_code == 200 and filed.json()["status"] == "filed"
    assert set(filed.json()["actions"]) == {"settle", "reject", "withdraw"}
    assert_error(api.post(f"/carrier/claims/{claim.pk}/actions/settle", {}), 400)
    assert_error(
        api.post(f"/carrier/claims/{claim.pk}/actions/close", {}), 409, "invalid_transition"
    )
    assert_error(api.post(f"/carrier/claims/{claim.pk}/actions/write_off", {"reason": "x"}), 403)
    assert_error(api.post(f"/carrier/claims/{claim.pk}/actions/explode", {}), 422)
    settled = api.post(f"/carrier/claims/{claim.pk}/actions/settle", {"amount_paid": "100"})
    assert settled.json()["status"] == "settled" and settled.json()["amount_paid"] == "100.00"
    written = api_as(lead).post(
        f"/carrier/claims/{claim.pk}/actions/write_off", {"reason": "差额由店铺承担"}
    )
    assert written.json()["status"] == "closed" and written.json()["outcome"] == "written_off"


def test_report_pdf(api_as, finance, shipped, make_claim):
    claim = make_claim(shipped)
    response = api_as(finance).get(f"/carrier/claims/{claim.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "888090781867" in support.pdf_text(response.content)


def test_list_filters(api_as, agent, shipped, make_claim):
    lost = make_claim(shipped, parcel_state="lost")
    make_claim(shipped, parcel_state="wet")
    api = api_as(agent)
    ids = [c["id"] for c in api.get("/carrier/claims", {"parcel_state": "lost"}).json()["items"]]
    assert ids == [lost.pk]
    assert len(api.get("/carrier/claims", {"status": "draft"}).json()["items"]) == 2
    assert api.get("/carrier/claims", {"status": "filed"}).json()["items"] == []


def test_photo_upload(api_as, agent, finance, shipped, make_claim):
    claim = make_claim(shipped)
    api = api_as(agent)
    url = f"/api/v1/carrier/claims/{claim.pk}/photos"
    headers = {"Authorization": f"Bearer {api.token}"}
    made = api.client.post(url, {"files": [support.png()]}, headers=headers)
    assert made.status_code == 201, made.content
    assert [p["name"] for p in made.json()] == ["破损照片.png"]
    big = api.client.post(
        url, {"files": [support.png("big.png", size=9 * 1024 * 1024)]}, headers=headers
    )
    assert_error(big, 400, "photo_too_large")
    denied = api_as(finance)
    response = denied.client.post(
        url, {"files": [support.png()]}, headers={"Authorization": f"Bearer {denied.token}"}
    )
    assert_error(response, 403)
    assert claim.photos.count() == 1
