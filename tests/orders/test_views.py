"""The order screens through Django's test client: list, one order, editing, the import page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kefu.core.models import AuditEntry, JobRecord
from kefu.customers import timeline
from kefu.orders import services
from kefu.orders.models import ImportBatch, Order
from tests.factories import make_customer, make_order
from tests.orders.conftest import csv_bytes, kefu_rows

pytestmark = pytest.mark.django_db


def upload(client, shop, data: bytes, name="orders.csv", layout="auto"):
    return client.post(
        reverse("orders:import"),
        {"shop": shop.pk, "layout": layout, "file": SimpleUploadedFile(name, data, "text/csv")},
    )


def test_every_staff_role_sees_orders_and_the_nav_entry(login, agent, finance, warehouse, tmall):
    order = make_order(shop=tmall, customer=make_customer(name="王小芳"), external_id="TB-1")
    for user in (agent, finance, warehouse):
        client = login(user)
        page = client.get(reverse("orders:list"))
        assert page.status_code == 200
        html = page.content.decode()
        assert 'href="/orders/"' in html and "TB-1" in html
        assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, tmall):
    for name, args in (("orders:list", []), ("orders:import", []), ("orders:detail", [1])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_list_filters_and_searches(login, agent, tmall, coupang):
    wang = make_customer(name="王小芳")
    kim = make_customer(name="김민지")
    from kefu.customers.search import reindex

    reindex([wang.pk, kim.pk])
    make_order(shop=tmall, customer=wang, external_id="TB-1", waybill="SF777")
    make_order(shop=coupang, customer=kim, external_id="CP-1", amount="59000", status="shipped")
    client = login(agent)

    def numbers(**params):
        html = client.get(reverse("orders:list"), params).content.decode()
        return [n for n in ("TB-1", "CP-1") if f">{n}</a>" in html]

    assert numbers() == ["TB-1", "CP-1"]
    assert numbers(shop=coupang.pk) == ["CP-1"]
    assert numbers(status="shipped") == ["CP-1"]
    assert numbers(q="SF777") == ["TB-1"]
    assert numbers(q="王小芳") == ["TB-1"]
    assert numbers(placed_from="2000-01-01", placed_to="2000-01-02") == []
    # htmx asks for the results only
    part = client.get(reverse("orders:list"), {"q": "CP-1"}, headers={"HX-Request": "true"})
    assert "<html" not in part.content.decode() and ">CP-1</a>" in part.content.decode()
    assert "₩59,000" in part.content.decode()


def test_the_order_page_shows_items_amounts_dates_and_the_customer(login, agent, tmall, run_import):
    run_import(tmall, "orders.csv", csv_bytes(kefu_rows()))
    order = Order.objects.get(external_id="1001")
    html = login(agent).get(reverse("orders:detail", args=[order.pk])).content.decode()
    for text in (
        "羊绒围巾",
        "轻薄羽绒服",
        "¥918.00",
        "¥458.00",
        "SF1234567890",
        "顺丰",
        "王小芳",
        "Auto-confirm deadline",
        f'href="/customers/{order.customer_id}/"',
    ):
        assert text in html, text


def test_agents_edit_finance_may_not(login, agent, finance, tmall):
    order = make_order(shop=tmall, customer=make_customer())
    form = {
        "status": "shipped",
        "carrier": "中通",
        "waybill": "ZT123",
        "seller_note": "",
        "reason": "补单号",
    }
    denied = login(finance).post(reverse("orders:edit", args=[order.pk]), form)
    assert denied.status_code == 403
    done = login(agent).post(reverse("orders:edit", args=[order.pk]), form)
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.waybill) == ("shipped", "ZT123")
    assert AuditEntry.objects.get(action="order.update").reason == "补单号"
    assert (
        'name="waybill"'
        not in login(finance).get(reverse("orders:detail", args=[order.pk])).content.decode()
    )


def test_leads_import_warehouse_and_agents_may_not(login, lead, agent, warehouse, tmall):
    for user in (agent, warehouse):
        client = login(user)
        assert client.get(reverse("orders:import")).status_code == 403
        assert upload(client, tmall, csv_bytes(kefu_rows())).status_code == 403
    assert not Order.objects.exists()
    assert "Import orders" not in login(agent).get(reverse("orders:list")).content.decode()

    client = login(lead)
    assert client.get(reverse("orders:import")).status_code == 200
    rows = kefu_rows()
    rows.append(
        [
            "BAD",
            "not a date",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "x",
            "",
            "",
            "",
            "",
            "1",
            "1",
        ]
    )
    response = upload(client, tmall, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:import_result", args=[batch.pk])
    assert (batch.status, batch.source, batch.started_by) == ("done", "upload", lead)
    assert (batch.orders_created, batch.rows_failed) == (3, 1)
    assert not batch.upload  # the stored file is gone once imported

    page = client.get(response["Location"]).content.decode()
    assert 'data-count="created">3<' in page
    assert 'data-count="refused">1<' in page
    assert "not a date" in page
    download = client.get(reverse("orders:import_refused", args=[batch.pk]))
    assert download["Content-Type"].startswith("text/csv")
    text = download.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "row,reason"
    assert text.splitlines()[1].startswith("6,placed_at: 'not a date'")


def test_a_big_upload_is_imported_by_a_background_job(
    login, lead, tmall, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_IMPORT_MAX_BYTES", 10)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(login(lead), tmall, csv_bytes(kefu_rows()))
    batch = ImportBatch.objects.get()
    assert JobRecord.objects.filter(name="orders.import_file", payload={"batch": batch.pk}).exists()
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.orders_created) == ("done", 3)
    # the page polls while running, and stops once done
    running = ImportBatch.objects.create(shop=tmall, filename="big.csv", layout="auto")
    html = login(lead).get(reverse("orders:import_result", args=[running.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html
    done = login(lead).get(reverse("orders:import_result", args=[batch.pk])).content.decode()
    assert "hx-trigger" not in done


def test_a_file_of_the_wrong_kind_is_refused_on_the_form(login, lead, tmall):
    response = upload(login(lead), tmall, b"%PDF-1.4", name="orders.pdf")
    assert response.status_code == 200
    assert "Choose a .csv or .xlsx file." in response.content.decode()
    unreadable = upload(login(lead), tmall, b"just,some\ntext,here\n")
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert "match no layout" in login(lead).get(unreadable["Location"]).content.decode()


def test_orders_are_on_the_customer_timeline(tmall):
    customer = make_customer(name="王小芳")
    order = make_order(shop=tmall, customer=customer, external_id="TB-9", amount="88.00")
    items = timeline.timeline(customer, kinds={"order"})
    assert len(items) == 1
    item = items[0]
    assert (item.kind, item.at, item.detail) == ("order", order.placed_at, "¥88.00")
    assert "TB-9" in item.title and item.url == f"/orders/{order.pk}/"


def test_the_order_page_lists_the_work_about_it_and_offers_the_next_steps(
    login, agent, finance, tmall
):
    from kefu.complaints.services import register_complaint
    from tests.factories import make_ticket

    customer = make_customer(name="周敏")
    order = make_order(shop=tmall, customer=customer)
    other = make_order(shop=tmall, customer=customer)
    ticket = make_ticket(shop=tmall, customer=customer, order=order, subject="包裹破损")
    make_ticket(shop=tmall, customer=customer, order=other, subject="别的订单")
    complaint = register_complaint(
        actor=agent,
        customer=customer,
        content="快递员态度差",
        channel="phone",
        category="service",
        severity="medium",
        order=order,
    )
    html = login(agent).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f'href="/tickets/{ticket.pk}/"' in html and "包裹破损" in html
    assert "别的订单" not in html
    assert f'href="/complaints/{complaint.pk}/"' in html
    assert f"/aftersales/new/?order={order.pk}" in html
    assert f"/complaints/new/?order={order.pk}" in html
    assert "Parcel: tracking and claims" in html
    # finance sees the order but may start none of it
    html = login(finance).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "/complaints/new/" not in html and "/aftersales/new/" not in html


def test_a_complaint_started_from_an_order_is_prefilled(login, agent, tmall):
    customer = make_customer(name="金敏俊")
    order = make_order(shop=tmall, customer=customer)
    html = login(agent).get(f"/complaints/new/?order={order.pk}").content.decode()
    assert order.external_id in html and "金敏俊" in html
