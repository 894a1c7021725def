"""The carrier screens: claims, a claim and its actions, a new claim, the damage register
with its exports, the tracking log, and the order page's panel."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from kefu.orders import carrier_selectors, carrier_services
from kefu.orders.models import DamageClaim, TrackingQuery
from tests.factories import make_customer, make_order
from tests.orders import test_carrier_support as support

shipped = support.shipped
make_claim = support.make_claim


def test_claims_list_and_filters(login, agent, shipped, make_claim):
    lost = make_claim(shipped, parcel_state="lost")
    make_claim(shipped, parcel_state="wet")
    client = login(agent)
    page = client.get(reverse("carrier:claims"))
    assert page.status_code == 200
    assert page.content.decode().count("888090781867") == 2
    page = client.get(reverse("carrier:claims"), {"parcel_state": "lost"})
    assert page.context["rows"] == [lost]
    page = client.get(reverse("carrier:claims"), {"reported_from": "not-a-date"})
    assert "Some filters are not valid" in page.content.decode()


def test_new_claim_from_an_order(login, agent, shipped):
    client = login(agent)
    form = client.get(reverse("carrier:claim_new"), {"order": shipped.pk})
    assert form.status_code == 200
    html = form.content.decode()
    assert "888090781867" in html and "真丝衬衫" in html
    shirt = shipped.items.get(style_no="109")
    response = client.post(
        reverse("carrier:claim_new"),
        {
            "order": shipped.pk,
            "report_date": "2026-06-28",
            "waybill": "888090781867",
            "carrier": "中通快递",
            "carrier_agent_id": "843",
            "parcel_state": "box_damaged",
            "origin": "杭州",
            "destination": "北京",
            f"item_{shirt.pk}": "1",
            f"qty_{shirt.pk}": "1",
            "photos": [support.png()],
        },
    )
    claim = DamageClaim.objects.get()
    assert response.status_code == 302 and response.url == reverse("carrier:claim", args=[claim.pk])
    assert claim.declared_value == Decimal("120.00") and claim.photos.count() == 1
    assert str(claim.report_date) == "2026-06-28"


def test_new_claim_shows_field_errors(login, agent, shipped):
    client = login(agent)
    base = {
        "order": shipped.pk,
        "report_date": "2026-06-28",
        "waybill": "888090781867",
        "carrier": "中通快递",
        "parcel_state": "lost",
    }
    page = client.post(reverse("carrier:claim_new"), {**base, "declared_value": "-5"})
    assert page.status_code == 200
    assert "An amount cannot be negative." in page.content.decode()
    page = client.post(
        reverse("carrier:claim_new"),
        {**base, "photos": [support.png("huge.png", size=9 * 1024 * 1024)]},
    )
    assert page.status_code == 200
    assert "huge.png is 9.0 MB" in page.content.decode()
    assert not DamageClaim.objects.exists()
    assert client.get(reverse("carrier:claim_new")).status_code == 302  # no order chosen


def test_finance_cannot_open_or_move_claims(login, finance, shipped, make_claim):
    claim = make_claim(shipped)
    client = login(finance)
    assert client.get(reverse("carrier:claims")).status_code == 200
    assert client.get(reverse("carrier:claim", args=[claim.pk])).status_code == 200
    assert client.get(reverse("carrier:claim_new"), {"order": shipped.pk}).status_code == 403
    url = reverse("carrier:claim_action", args=[claim.pk, "file"])
    assert client.post(url).status_code == 403
    claim.refresh_from_db()
    assert claim.status == "draft"


def test_claim_page_actions(login, agent, lead, shipped, make_claim):
    claim = make_claim(shipped)
    client = login(agent)
    page = client.get(reverse("carrier:claim", args=[claim.pk]))
    assert [a["name"] for a in page.context["actions"]] == ["file", "withdraw"]
    client.post(
        reverse("carrier:claim_action", args=[claim.pk, "file"]), {"carrier_reference": "R1"}
    )
    client.post(reverse("carrier:claim_action", args=[claim.pk, "settle"]), {"amount_paid": "50"})
    claim.refresh_from_db()
    assert claim.status == "settled" and claim.amount_paid == Decimal("50.00")
    page = client.post(reverse("carrier:claim_action", args=[claim.pk, "close"]), follow=True)
    assert "writes the shortfall off" in page.content.decode()
    page = client.get(reverse("carrier:claim", args=[claim.pk]))
    assert [a["name"] for a in page.context["actions"]] == ["close"]  # no write-off for agents
    lead_page = login(lead).get(reverse("carrier:claim", args=[claim.pk]))
    assert [a["name"] for a in lead_page.context["actions"]] == ["close", "write_off"]


def test_claim_report_download(login, finance, shipped, make_claim):
    claim = make_claim(shipped)
    response = login(finance).get(reverse("carrier:claim_report", args=[claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "天猫旗舰店" in support.pdf_text(response.content)


def test_photo_upload_and_download(login, agent, shipped, make_claim):
    claim = make_claim(shipped)
    client = login(agent)
    client.post(reverse("carrier:claim_photos", args=[claim.pk]), {"photos": [support.png()]})
    photo = claim.photos.get()
    response = client.get(reverse("carrier:claim_photo", args=[claim.pk, photo.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(
        b"\x89PNG"
    )
    page = client.post(
        reverse("carrier:claim_photos", args=[claim.pk]),
        {"photos": [support.png("big.png", size=9 * 1024 * 1024)]},
        follow=True,
    )
    assert "big.png is 9.0 MB" in page.content.decode()


@pytest.fixture
def register_data(shop, make_claim, shipped, warehouse):
    other = make_order(
        shop=shop, customer=make_customer(), carrier="顺丰速运", waybill="SF100200300"
    )
    make_claim(shipped, parcel_state="box_damaged", carrier_agent_id="843", report_date=None)
    make_claim(other, parcel_state="lost", actor=warehouse, carrier_agent_id="=1+1")
    return shipped, other


def test_damage_register_screen_and_filters(login, lead, register_data):
    client = login(lead)
    page = client.get(reverse("carrier:register"))
    assert len(page.context["lines"]) == 2
    page = client.get(reverse("carrier:register"), {"carrier": "顺丰速运"})
    assert [c.waybill for c, _line in page.context["lines"]] == ["SF100200300"]
    page = client.get(reverse("carrier:register"), {"parcel_state": "box_damaged"})
    assert [c.waybill for c, _line in page.context["lines"]] == ["888090781867"]
    page = client.get(reverse("carrier:register"), {"reported_to": "2000-01-01"})
    assert page.context["lines"] == []


def test_damage_register_csv(login, lead, register_data):
    response = login(lead).get(
        reverse("carrier:register_export", args=["csv"]), {"parcel_state": "box_damaged"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Report date", "Waybill", "Carrier", "Parcel state", "Carrier agent ID"]
    assert rows[1][1:6] == ["888090781867", "中通快递", "Outer box damaged", "843", "328.00"]
    assert rows[1][7] == "SC-001, 109×2" and rows[1][8] == "agent"
    assert len(rows) == 2


def test_damage_register_xlsx(login, lead, register_data):
    response = login(lead).get(reverse("carrier:register_export", args=["xlsx"]))
    assert response.status_code == 200
    rows = support.xlsx_rows(response.content)
    assert rows[0][1] == "Waybill"
    by_waybill = {r[1]: r for r in rows[1:]}
    assert set(by_waybill) == {"888090781867", "SF100200300"}
    assert by_waybill["SF100200300"][3] == "Lost" and by_waybill["SF100200300"][8] == "warehouse"
    assert by_waybill["SF100200300"][4] == "'=1+1"  # kept as text, never run as a formula
    assert login(lead).get(reverse("carrier:register_export", args=["pdf"])).status_code == 404


def test_tracking_log_screen(login, agent, shipped):
    client = login(agent)
    response = client.post(
        reverse("carrier:tracking_new"),
        {"waybill": "888090781867", "carrier_agent_id": "851", "outcome": "in_transit"},
    )
    assert response.status_code == 302
    assert TrackingQuery.objects.get().order == shipped
    page = client.post(
        reverse("carrier:tracking_new"), {"waybill": "NOPE", "outcome": "in_transit"}, follow=True
    )
    assert "No order was shipped under waybill NOPE" in page.content.decode()
    page = client.get(reverse("carrier:tracking"))
    assert "851" in page.content.decode()
    assert client.get(reverse("carrier:tracking"), {"outcome": "lost"}).context["rows"] == []


def test_order_panel_partial(agent, shipped, make_claim):
    carrier_services.log_tracking_query(
        actor=agent, order=shipped, outcome="address_changed", carrier_agent_id="851"
    )
    claim = make_claim(shipped)
    request = RequestFactory().get(f"/orders/{shipped.pk}/")
    request.user = agent
    html = render_to_string(
        "carrier/partials/order_panel.html",
        {"panel": carrier_selectors.order_panel(shipped, agent)},
        request=request,
    )
    assert "851" in html and reverse("carrier:claim", args=[claim.pk]) in html
    assert f"?order={shipped.pk}" in html and 'name="next"' in html
