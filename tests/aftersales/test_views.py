"""The after-sales screens: list, case page, opening a case, warehouse desk, finance."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kefu.aftersales import services
from kefu.aftersales.models import AftersalesCase, Evidence, Refund
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_case_list_filters(login, agent, make_case):
    a = make_case("exchange", "wrong_size")
    b = make_case("refund_only", "quality")
    page = login(agent).get(reverse("aftersales:list"), {"kind": "exchange"})
    assert page.status_code == 200
    assert f"AS-{a.pk}" in page.content.decode() and f"AS-{b.pk} " not in page.content.decode()
    assert (
        login(agent).get(reverse("aftersales:list"), {"near": "1", "shop": "x"}).status_code == 200
    )


def test_open_a_case_from_a_ticket(login, agent, delivered_order):
    order = delivered_order()
    ticket = make_ticket(shop=order.shop, customer=order.customer, order=order)
    client = login(agent)
    url = reverse("aftersales:create") + f"?order={order.pk}&ticket={ticket.pk}"
    page = client.get(url)
    assert page.status_code == 200 and "羊绒围巾" in page.content.decode()
    items = {f"qty_{i.pk}": i.quantity for i in order.items.all()}
    r = client.post(
        reverse("aftersales:create"),
        {
            "order": order.pk,
            "ticket": ticket.pk,
            "kind": "return_refund",
            "reason": "quality",
            "photos": SimpleUploadedFile("a.png", PNG, "image/png"),
            **items,
        },
    )
    case = AftersalesCase.objects.get()
    assert r.status_code == 302 and case.ticket == ticket
    assert Evidence.objects.filter(case=case, kind="photo").count() == 1
    detail = client.get(reverse("aftersales:detail", args=[case.pk])).content.decode()
    assert "Case opened" in detail and "Agree" in detail


def test_a_case_opened_from_a_ticket_starts_from_what_was_said(login, agent, delivered_order):
    order = delivered_order()
    ticket = make_ticket(
        shop=order.shop,
        customer=order.customer,
        order=order,
        body="围巾起球了，想退货退款。",
        channel="phone",
    )
    page = (
        login(agent)
        .get(reverse("aftersales:create") + f"?order={order.pk}&ticket={ticket.pk}")
        .content.decode()
    )
    description = page[page.index('id="description"') :]
    assert "围巾起球了，想退货退款。" in description[: description.index("</textarea>")]
    excerpt = page[page.index('id="chat_excerpt"') :]
    assert "围巾起球了" in excerpt[: excerpt.index("</textarea>")]
    assert '<option value="phone" selected>' in page


def test_a_refused_case_form_keeps_the_quantities_typed(login, agent, delivered_order):
    order = delivered_order()
    item = order.items.first()
    r = login(agent).post(
        reverse("aftersales:create"),
        {"order": order.pk, "kind": "return_refund", "reason": "", f"qty_{item.pk}": 1},
    )
    assert r.status_code == 400
    assert f'name="qty_{item.pk}" min="0" max="{item.quantity}" value="1"' in r.content.decode()


def test_a_bad_case_form_says_what_is_wrong(login, agent, delivered_order):
    order = delivered_order()
    r = login(agent).post(
        reverse("aftersales:create"), {"order": order.pk, "kind": "return_refund", "reason": "x"}
    )
    assert r.status_code == 400 and "reason" in r.content.decode().lower()
    r = login(agent).post(
        reverse("aftersales:create"),
        {
            "order": order.pk,
            "kind": "return_refund",
            "reason": "quality",
            "photos": SimpleUploadedFile("a.exe", b"MZ...", "application/octet-stream"),
            **{f"qty_{i.pk}": 1 for i in order.items.all()},
        },
    )
    assert r.status_code == 400 and "a.exe" in r.content.decode()
    assert not AftersalesCase.objects.exists()  # nothing half-made


def test_only_the_actions_of_the_users_role_are_offered(login, make_case, warehouse, agent):
    case = make_case()
    html = login(warehouse).get(reverse("aftersales:detail", args=[case.pk])).content.decode()
    assert 'value="agree"' not in html
    assert (
        'value="agree"'
        in login(agent).get(reverse("aftersales:detail", args=[case.pk])).content.decode()
    )


def test_the_warehouse_desk_scans_receives_and_inspects(login, make_case, agent, warehouse):
    case = make_case()
    case = services.act(actor=agent, case=case, action="agree")
    case = services.act(actor=agent, case=case, action="ship_return", data={"waybill": "SF555"})
    client = login(warehouse)
    desk = client.get(reverse("aftersales:warehouse"), {"waybill": "sf555"}).content.decode()
    assert "autofocus" in desk and f"AS-{case.pk}" in desk
    r = client.post(
        reverse("aftersales:warehouse_receive", args=[case.pk]),
        {
            "waybill": "SF555",
            "condition": "resellable",
            "accessories_complete": "1",
            "photos": SimpleUploadedFile("p.png", PNG, "image/png"),
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "awaiting_finance" and case.handover_date
    assert case.evidence.filter(stage="inspection").count() == 1
    page = client.get(reverse("aftersales:warehouse")).content.decode()
    if case.handover_date == timezone.localdate():
        assert f"AS-{case.pk}" in page
    unknown = client.get(reverse("aftersales:warehouse"), {"waybill": "NOPE"}).content.decode()
    assert "NOPE" in unknown


def test_warehouse_cannot_approve_and_agents_cannot_see_the_desk(login, agent, finance):
    assert login(agent).get(reverse("aftersales:warehouse")).status_code == 403
    assert login(finance).get(reverse("aftersales:warehouse")).status_code == 403


def test_finance_confirms_a_refund_once(login, make_case, agent, finance, lead):
    case = services.act(actor=agent, case=make_case("refund_only", "quality"), action="agree")
    page = login(finance).get(reverse("aftersales:finance")).content.decode()
    assert "300.00" in page and f"AS-{case.pk}" in page
    assert login(lead).get(reverse("aftersales:finance")).status_code == 200
    assert (
        login(lead)
        .post(
            reverse("aftersales:finance_confirm", args=[case.pk]), {"amount": "1", "reference": "x"}
        )
        .status_code
        == 403
    )
    client = login(finance)
    url = reverse("aftersales:finance_confirm", args=[case.pk])
    client.post(url, {"amount": "300.00", "reference": "WX-1"})
    client.post(url, {"amount": "300.00", "reference": "WX-2"})
    assert Refund.objects.filter(case=case).count() == 1
    assert login(agent).get(reverse("aftersales:finance")).status_code == 403


def test_a_refused_refund_keeps_what_was_typed_and_says_why_once(login, make_case, agent, finance):
    case = services.act(actor=agent, case=make_case("refund_only", "quality"), action="agree")
    url = reverse("aftersales:finance_confirm", args=[case.pk])
    r = login(finance).post(url, {"amount": "900.00", "reference": "WX-778"})
    assert r.status_code == 400
    page = r.content.decode()
    assert 'value="900.00"' in page and 'value="WX-778"' in page
    row = page[page.index(f'id="refund-errors-{case.pk}"') :]
    reasons = row[: row.index("</ul>")].count("<li>")
    assert reasons >= 1
    texts = [li.split("</li>")[0] for li in row[: row.index("</ul>")].split("<li>")[1:]]
    assert len(texts) == len(set(texts)), texts  # no reason said twice
    assert not Refund.objects.filter(case=case).exists()


def test_dashboard_counts(make_case, agent, warehouse, finance):
    from kefu.aftersales import selectors

    case = services.act(actor=agent, case=make_case("refund_only", "quality"), action="agree")
    assert selectors.dashboard_refunds_to_confirm(finance) == 1
    services.confirm_refund(actor=finance, case=case, amount="10", reference="D-1")
    assert selectors.dashboard_refunded_today(finance) == 1
    other = services.act(actor=agent, case=make_case(), action="agree")
    services.act(actor=warehouse, case=other, action="receive", data={"waybill": "Y1"})
    assert selectors.dashboard_parcels_to_inspect(warehouse) == 1
    services.act(actor=warehouse, case=other, action="inspect", data={"condition": "resellable"})
    assert selectors.dashboard_inspected_today(warehouse) == 1


def test_the_lead_sees_cases_near_auto_confirm_on_the_today_page(
    login, lead, make_case, delivered_order
):
    import datetime as dt

    order = delivered_order()
    order.auto_confirm_at = timezone.now() + dt.timedelta(hours=3)
    order.save()
    case = make_case(order=order)
    assert case.needs_extension
    page = login(lead).get(reverse("web:today")).content.decode()
    assert f"AS-{case.pk}" in page
    listed = login(lead).get(reverse("aftersales:list"), {"near": "1"}).content.decode()
    assert "Extend the transaction" in listed


def test_the_customer_page_lists_the_case(login, agent, make_case):
    case = make_case()
    page = login(agent).get(reverse("customers:detail", args=[case.customer_id]))
    assert page.status_code == 200


def test_the_amount_is_explained_in_the_readers_language(login, make_case, agent, make_user):
    from django.utils import translation

    with translation.override("en"):  # the case was opened by someone working in English
        case = services.act(actor=agent, case=make_case("refund_only", "quality"), action="agree")
    case.refresh_from_db()
    assert case.quote_explanation and not any(
        "\u4e00" <= ch <= "\u9fff" for ch in case.quote_explanation
    )
    reader = make_user("finance", "finance-zh", language="zh-hans")
    client = login(reader)
    for url in (reverse("aftersales:finance"), reverse("aftersales:detail", args=[case.pk])):
        html = client.get(url).content.decode()
        assert case.quote_explanation.splitlines()[0] not in html, url
    with translation.override("zh-hans"):
        shown = services.explained_quote(case).explanation
    assert shown.splitlines()[0] in client.get(reverse("aftersales:finance")).content.decode()
    case.refresh_from_db()
    assert case.quote_explanation.splitlines()[0] != shown.splitlines()[0]  # record unchanged
