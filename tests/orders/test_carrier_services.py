"""Tracking queries, claims, photos and the PDF report: what staff see, bad input refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.core import audit
from kefu.core.errors import DomainError, NotAllowed
from kefu.core.models import Shop
from kefu.orders import carrier_selectors, carrier_services, pdf
from kefu.orders.models import DamageClaim, TrackingQuery
from tests.factories import make_customer, make_order
from tests.orders import test_carrier_support as support

shipped = support.shipped
make_claim = support.make_claim


def test_a_tracking_query_is_logged_on_the_order(shipped, agent):
    query = carrier_services.log_tracking_query(
        actor=agent,
        order=shipped,
        outcome=TrackingQuery.Outcome.ADDRESS_CHANGED,
        carrier_agent_id="851",
        result="已更改地址",
        customer_told=True,
    )
    assert (query.waybill, query.carrier, query.handler) == ("888090781867", "中通快递", agent)
    panel = carrier_selectors.order_panel(shipped, agent)
    assert panel["tracking_queries"] == [query] and panel["can_work"]
    entry = audit.history(query).get()
    assert entry.action == "tracking_query.create" and entry.actor == agent


def test_tracking_query_bad_input(shipped, agent, finance, shop):
    with pytest.raises(DomainError) as exc:
        carrier_services.log_tracking_query(actor=agent, order=shipped, outcome="teleported")
    assert "outcome" in exc.value.fields
    with pytest.raises(NotAllowed):
        carrier_services.log_tracking_query(actor=finance, order=shipped, outcome="delivered")
    unshipped = make_order(shop=shop, customer=make_customer())
    with pytest.raises(DomainError) as exc:
        carrier_services.log_tracking_query(actor=agent, order=unshipped, outcome="delayed")
    assert {"carrier", "waybill"} <= set(exc.value.fields)


@pytest.mark.django_db
def test_unknown_waybill_is_named():
    with pytest.raises(DomainError) as exc:
        carrier_services.order_for_waybill("NOPE-1")
    assert exc.value.code == "unknown_waybill"
    assert "NOPE-1" in exc.value.message


@pytest.mark.django_db
def test_waybill_finds_its_order(shipped):
    assert carrier_services.order_for_waybill(" 888090781867 ") == shipped


def test_claim_defaults_to_the_whole_parcel(shipped, agent):
    claim = carrier_services.create_claim(
        actor=agent, order=shipped, parcel_state="crushed", carrier_agent_id="843"
    )
    items = list(claim.items.order_by("id"))
    assert [(i.style_no, i.quantity, i.value) for i in items] == [
        ("SC-001", 1, Decimal("88.00")),
        ("109", 2, Decimal("240.00")),
    ]
    assert claim.declared_value == claim.amount_claimed == Decimal("328.00")
    assert (claim.status, claim.handler, claim.currency) == ("draft", agent, "CNY")
    assert claim.ship_date == shipped.shipped_at.date()


def test_claim_of_chosen_items(shipped, agent):
    shirt = shipped.items.get(style_no="109")
    claim = carrier_services.create_claim(
        actor=agent,
        order=shipped,
        parcel_state="partly_missing",
        items=[carrier_services.ItemIn(order_item_id=shirt.pk, quantity=1)],
        amount_claimed="100",
    )
    assert [(i.title, i.quantity, i.value) for i in claim.items.all()] == [
        ("真丝衬衫", 1, Decimal("120.00"))
    ]
    assert claim.declared_value == Decimal("120.00")
    assert claim.amount_claimed == Decimal("100.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"declared_value": "-1"}, "declared_value"),
        ({"amount_claimed": "-0.01"}, "amount_claimed"),
        ({"amount_claimed": "abc"}, "amount_claimed"),
        ({"parcel_state": "exploded"}, "parcel_state"),
        ({"items": [carrier_services.ItemIn(title="围巾", value="-3")]}, "items.0.value"),
        (
            {"items": [carrier_services.ItemIn(title="围巾", quantity=0, value="3")]},
            "items.0.quantity",
        ),
        ({"items": [carrier_services.ItemIn(order_item_id=10**9)]}, "items.0.order_item_id"),
        ({"carrier_agent_id": "9" * 41}, "carrier_agent_id"),
    ],
)
def test_claim_bad_input_names_the_field(shipped, agent, kwargs, field):
    kwargs.setdefault("parcel_state", "wet")
    with pytest.raises(DomainError) as exc:
        carrier_services.create_claim(actor=agent, order=shipped, **kwargs)
    assert field in exc.value.fields, exc.value.fields
    assert not DamageClaim.objects.exists()


def test_too_many_pieces_of_an_item(shipped, agent):
    shirt = shipped.items.get(style_no="109")
    with pytest.raises(DomainError) as exc:
        carrier_services.create_claim(
            actor=agent,
            order=shipped,
            parcel_state="lost",
            items=[carrier_services.ItemIn(order_item_id=shirt.pk, quantity=3)],
        )
    assert "only 2" in exc.value.fields["items.0.quantity"][0]


def test_finance_cannot_file_claims(shipped, finance, agent):
    with pytest.raises(NotAllowed):
        carrier_services.create_claim(actor=finance, order=shipped, parcel_state="lost")
    claim = carrier_services.create_claim(actor=agent, order=shipped, parcel_state="lost")
    with pytest.raises(NotAllowed):
        carrier_services.claim_action(actor=finance, claim=claim, action="file")


def test_photos_are_kept_and_checked(shipped, agent, make_claim):
    claim = make_claim(shipped, photos=[support.png()])
    assert [p.name for p in claim.photos.all()] == ["破损照片.png"]
    stored = carrier_services.add_photos(
        actor=agent, claim=claim, files=[support.png("waybill.png")]
    )
    assert stored[0].file.read().startswith(b"\x89PNG")
    with pytest.raises(DomainError) as exc:  # oversized
        carrier_services.add_photos(
            actor=agent, claim=claim, files=[support.png("big.png", size=9 * 1024 * 1024)]
        )
    assert exc.value.code == "photo_too_large"
    assert "big.png" in exc.value.fields["photos"][0]
    fake = SimpleUploadedFile("evil.png", b"MZ\x90\x00 not a picture", content_type="image/png")
    with pytest.raises(DomainError) as exc:
        carrier_services.add_photos(actor=agent, claim=claim, files=[fake])
    assert exc.value.code == "photo_type_not_allowed"
    script = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(DomainError) as exc:
        carrier_services.add_photos(actor=agent, claim=claim, files=[script])
    assert "run.exe" in exc.value.message
    assert claim.photos.count() == 2


def test_the_photo_size_limit_is_a_policy(shipped, agent, admin_user, make_claim):
    from kefu.core import policies

    policies.set_value(actor=admin_user, key="claims.photo_max_mb", value=1)
    with pytest.raises(DomainError) as exc:
        make_claim(shipped, photos=[support.png(size=2 * 1024 * 1024)])
    assert exc.value.code == "photo_too_large"


def test_pdf_report_renders_chinese(shipped, lead, make_claim):
    claim = make_claim(
        shipped,
        origin="杭州",
        destination="北京",
        description="派件途中破损，外箱压扁",
        photos=[support.png()],
    )
    claim = carrier_services.claim_action(
        actor=lead, claim=claim, action="file", carrier_reference="ZT-843-0628"
    )
    data = pdf.claim_report(claim)
    text = support.pdf_text(data)
    for expected in (
        "888090781867",
        "天猫旗舰店",
        "真丝衬衫",
        "羊绒围巾",
        "843",
        "杭州",
        "北京",
        "派件途中破损",
        "破损照片.png",
        "ZT-843-0628",
        "109",
    ):
        assert expected in text, expected
    assert b"STSong-Light" in data


def test_pdf_report_renders_korean(lead, make_claim):
    shop = Shop.objects.create(
        slug="coupang-x", name="윤샹 공식스토어", platform="coupang", currency="KRW", language="ko"
    )
    order = make_order(
        shop=shop,
        customer=make_customer(name="김민지"),
        amount="59000",
        carrier="CJ대한통운",
        waybill="6001234567",
    )
    claim = make_claim(order, parcel_state="wet", description="상자가 젖었습니다")
    data = pdf.claim_report(claim)
    text = support.pdf_text(data)
    assert "윤샹 공식스토어" in text and "6001234567" in text and "상자가 젖었습니다" in text
    assert b"HYSMyeongJo-Medium" in data
    assert pdf.report_filename(claim) == f"claim-{claim.pk}-6001234567.pdf"


def test_register_rows(shipped, make_claim):
    make_claim(shipped, carrier_agent_id="843")
    claims = carrier_selectors.claim_list()
    (row,) = list(carrier_selectors.register_rows(claims))
    assert row[1:3] == ["888090781867", "中通快递"]
    assert row[4] == "843" and row[5] == Decimal("328.00") and row[7] == "SC-001, 109×2"


def test_claims_on_the_customer_timeline(shipped, make_claim):
    from kefu.customers.timeline import timeline
    from kefu.orders import carrier

    carrier.connect()
    claim = make_claim(shipped)
    items = timeline(shipped.customer, kinds={"claim"})
    assert [i.extra["claim_id"] for i in items] == [claim.pk]
    assert "888090781867" in items[0].title


def test_overdue_claims_on_the_today_page(shipped, make_claim, lead, finance):
    import datetime as dt

    from django.utils import timezone

    claim = make_claim(shipped)
    later = timezone.now() + dt.timedelta(days=3)
    (item,) = carrier_selectors.overdue_items(lead, later)
    assert item.url.endswith(f"/carrier/claims/{claim.pk}/")
    assert carrier_selectors.overdue_items(finance, later) == []
    filed = carrier_services.claim_action(actor=lead, claim=claim, action="file")
    assert carrier_selectors.overdue_items(lead, later) == []
    (item,) = carrier_selectors.overdue_items(lead, later + dt.timedelta(days=7))
    assert item.due == filed.filed_at + dt.timedelta(days=7)


def test_correcting_an_open_claim(shipped, agent, lead, make_claim):
    claim = make_claim(shipped)
    claim = carrier_services.update_claim(
        actor=agent, claim=claim, amount_claimed="300", carrier_reference="ZT-9"
    )
    assert claim.amount_claimed == Decimal("300.00") and claim.carrier_reference == "ZT-9"
    assert audit.history(claim).last().changes["amount_claimed"] == ["328.00", "300.00"]
    with pytest.raises(DomainError) as exc:
        carrier_services.update_claim(actor=agent, claim=claim, amount_claimed="-1", status="x")
    assert set(exc.value.fields) == {"amount_claimed", "status"}
    closed = carrier_services.claim_action(
        actor=lead, claim=claim, action="withdraw", reason="找到"
    )
    with pytest.raises(DomainError) as exc:
        carrier_services.update_claim(actor=agent, claim=closed, description="late")
    assert exc.value.code == "claim_closed"
