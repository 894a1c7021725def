"""The after-sales services on the real database: the day from request to refund."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.aftersales import services
from kefu.aftersales.models import AftersalesCase, PostagePolicyRow, Refund
from kefu.aftersales.workflow import ALL_ACTIONS
from kefu.core import policies
from kefu.core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from kefu.core.models import AuditEntry
from kefu.customers.timeline import timeline

pytestmark = pytest.mark.django_db
D = Decimal


def _to_finance(case, agent, warehouse, waybill="SF1001"):
    case = services.act(actor=agent, case=case, action="agree")
    case = services.act(actor=agent, case=case, action="ship_return", data={"waybill": waybill})
    return services.receive_and_inspect(
        actor=warehouse,
        case=case,
        waybill=waybill,
        condition="resellable",
        accessories_complete=True,
    )


def test_the_seed_table_is_seeded_for_every_shop():
    assert PostagePolicyRow.objects.filter(shop=None).count() == 16


def test_a_return_runs_from_request_to_refund(make_case, agent, warehouse, finance):
    case = make_case("return_refund", "quality")
    assert case.status == "awaiting_seller" and case.refund_due == D("300.00")
    case = _to_finance(case, agent, warehouse)
    assert case.status == "awaiting_finance" and case.received_at and case.handover_date
    case = services.act(
        actor=finance,
        case=case,
        action="confirm_refund",
        data={"amount": "300.00", "reference": "ALIPAY-1"},
    )
    assert case.status == "refunded" and case.closed_at
    assert Refund.objects.get(case=case).amount == D("300.00")
    actions = list(
        AuditEntry.objects.filter(object_id=str(case.pk), object_type="aftersales.aftersalescase")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "aftersales.create",
        "aftersales.return_refund.agree",
        "aftersales.return_refund.ship_return",
        "aftersales.return_refund.receive",
        "aftersales.return_refund.inspect",
        "aftersales.return_refund.confirm_refund",
    ]


def test_seven_day_no_reason_return_cannot_be_rejected_before_it_is_agreed(make_case, agent):
    case = make_case("return_refund", "no_reason")
    assert case.seven_day_no_reason
    with pytest.raises(DomainError) as err:
        services.act(actor=agent, case=case, action="reject", reason="金额不对")
    assert err.value.code == "seven_day_no_reject"
    case = services.act(actor=agent, case=case, action="agree")
    case = services.act(actor=agent, case=case, action="reject", reason="请修改退款金额")
    assert case.status == "awaiting_amend"


def test_reject_needs_a_reason(make_case, agent):
    case = make_case("return_refund", "quality")
    with pytest.raises(DomainError):
        services.act(actor=agent, case=case, action="reject", reason="  ")


def test_no_refund_beyond_what_was_paid_less_prior_refunds(
    make_case, agent, finance, warehouse, delivered_order
):
    order = delivered_order()
    scarf = order.items.get(style_no="SC-001")
    first = make_case("refund_only", "quality", order=order, items=[(scarf.pk, 1)])
    first = services.act(actor=agent, case=first, action="agree")
    with pytest.raises(DomainError) as err:
        services.confirm_refund(actor=finance, case=first, amount="100.01", reference="R-1")
    assert err.value.code == "refund_too_large"
    services.confirm_refund(actor=finance, case=first, amount="100.00", reference="R-1")
    second = make_case("refund_only", "quality", order=order, items=[(scarf.pk, 2)])
    second = services.act(actor=agent, case=second, action="agree")
    with pytest.raises(DomainError):  # 200 paid for the line, 100 refunded already
        services.confirm_refund(actor=finance, case=second, amount="150.00", reference="R-2")
    services.confirm_refund(actor=finance, case=second, amount="100.00", reference="R-2")


def test_a_case_is_refunded_once_and_a_reference_is_used_once(make_case, agent, finance):
    case = services.act(actor=agent, case=make_case("refund_only", "quality"), action="agree")
    services.confirm_refund(actor=finance, case=case, amount="10.00", reference="R-9")
    with pytest.raises(Conflict):
        services.confirm_refund(actor=finance, case=case, amount="10.00", reference="R-10")
    other = services.act(actor=agent, case=make_case("refund_only", "quality"), action="agree")
    with pytest.raises(Conflict):
        services.confirm_refund(actor=finance, case=other, amount="10.00", reference="R-9")
    assert AftersalesCase.objects.get(pk=other.pk).status == "awaiting_finance"


@pytest.mark.parametrize("amount", ["", "abc", "0", "-5", "1.234", "NaN"])
def test_bad_refund_amounts_are_refused_clearly(make_case, agent, finance, amount):
    case = services.act(actor=agent, case=make_case("refund_only", "quality"), action="agree")
    with pytest.raises(DomainError) as err:
        services.confirm_refund(actor=finance, case=case, amount=amount, reference="R")
    assert "amount" in err.value.fields


def test_roles_cannot_step_outside_their_part(make_case, agent, warehouse, finance):
    case = make_case("return_refund", "quality")
    with pytest.raises(NotAllowed):
        services.act(actor=warehouse, case=case, action="agree")
    case = _to_finance(case, agent, warehouse)
    with pytest.raises(NotAllowed):
        services.confirm_refund(actor=agent, case=case, amount="1", reference="X")
    with pytest.raises(NotAllowed):
        services.confirm_refund(actor=warehouse, case=case, amount="1", reference="X")
    with pytest.raises(NotAllowed):
        services.act(actor=finance, case=case, action="close", reason="x")


def test_worn_items_wait_for_a_decision_and_get_alternatives(make_case, agent, warehouse, lead):
    case = make_case("return_refund", "no_reason")
    case = services.act(actor=agent, case=case, action="agree")
    case = services.receive_and_inspect(
        actor=warehouse, case=case, waybill="YT77", condition="worn", accessories_complete=False
    )
    assert case.status == "inspection_issue" and case.refund_due == 0
    assert "VIP" in case.quote_explanation
    with pytest.raises(NotAllowed):
        services.act(actor=warehouse, case=case, action="approve_refund", reason="ok")
    closed = services.act(actor=agent, case=case, action="offer_alternative", reason="送VIP")
    assert closed.status == "closed" and closed.outcome == "alternative"


def test_exchange_reship_waits_for_postage_owed(make_case, agent, warehouse, lead):
    case = make_case("exchange", "wrong_size")
    assert case.postage_settlement == "owed" and case.postage_owed == D("10")
    case = services.act(actor=agent, case=case, action="agree")
    case = services.receive_and_inspect(
        actor=warehouse,
        case=case,
        waybill="ZTO9",
        condition="resellable",
        accessories_complete=True,
    )
    assert case.status == "awaiting_reship"
    with pytest.raises(DomainError) as err:
        services.act(actor=agent, case=case, action="reship", data={"waybill": "SF2"})
    assert err.value.code == "postage_owed"
    with pytest.raises(NotAllowed):
        services.act(actor=agent, case=case, action="waive_postage", reason="老客户")
    services.act(actor=lead, case=case, action="waive_postage", reason="老客户")
    case = services.act(actor=agent, case=case, action="reship", data={"waybill": "SF2"})
    assert case.status == "closed" and case.reship_waybill == "SF2"


def test_quality_exchanges_are_free(make_case):
    case = make_case("exchange", "quality")
    assert case.postage_settlement == "" and case.postage_owed == 0


def test_out_of_stock_records_the_outcome(make_case, agent, finance):
    switched = services.act(
        actor=agent, case=make_case("out_of_stock", "other"), action="switch_style"
    )
    assert switched.outcome == "switched_style"
    waited = services.act(
        actor=agent, case=make_case("out_of_stock", "other"), action="wait_restock"
    )
    waited = services.act(actor=agent, case=waited, action="restocked", data={"waybill": "JD1"})
    assert waited.outcome == "waited"
    refunded = services.act(
        actor=agent, case=make_case("out_of_stock", "other"), action="choose_refund"
    )
    refunded = services.confirm_refund(
        actor=finance, case=refunded, amount="300.00", reference="OOS-1"
    )
    assert refunded.outcome == "refunded" and refunded.status == "refunded"


def test_resend_missing_part(make_case, agent):
    case = make_case("resend_part", "missing_part")
    assert case.status == "awaiting_resend"
    with pytest.raises(DomainError):
        services.act(actor=agent, case=case, action="resend")
    case = services.act(actor=agent, case=case, action="resend", data={"waybill": "YD5"})
    case = services.act(actor=agent, case=case, action="confirm_received")
    assert case.status == "closed"


def test_bad_items_are_refused(make_case, delivered_order, agent):
    order = delivered_order()
    other = delivered_order()
    with pytest.raises(DomainError):
        make_case(order=order, items=[(other.items.first().pk, 1)])
    with pytest.raises(DomainError):
        make_case(order=order, items=[(order.items.get(style_no="SC-001").pk, 3)])
    with pytest.raises(DomainError):
        make_case(order=order, items=[])
    with pytest.raises(DomainError):
        make_case("nonsense", order=order)


def test_only_after_sales_roles_open_cases(make_case, warehouse, finance):
    for actor in (warehouse, finance):
        with pytest.raises(NotAllowed):
            make_case(actor=actor)


def test_parcels_after_the_cut_off_join_the_next_days_batch(shop):
    tz = dt.timezone(dt.timedelta(hours=8))
    before = dt.datetime(2026, 3, 2, 15, 59, tzinfo=tz)
    after = dt.datetime(2026, 3, 2, 16, 0, tzinfo=tz)
    assert services.handover_date(before, shop) == dt.date(2026, 3, 2)
    assert services.handover_date(after, shop) == dt.date(2026, 3, 3)
    policies.set_value(actor=None, key="aftersales.warehouse_cut_off", value="17:30", shop=shop)
    assert services.handover_date(after, shop) == dt.date(2026, 3, 2)


def test_the_sweep_warns_the_handler_before_auto_confirm(make_case, agent, delivered_order):
    order = delivered_order()
    order.auto_confirm_at = timezone.now() + dt.timedelta(days=5)
    order.save()
    case = make_case(order=order)
    assert not case.needs_extension
    later = timezone.now() + dt.timedelta(days=3, hours=1)
    assert services.flag_deadlines(later)["warned"] == 1
    assert services.flag_deadlines(later)["warned"] == 0  # once
    case.refresh_from_db()
    assert case.needs_extension and case.near_deadline
    assert AuditEntry.objects.filter(action="aftersales.warn_auto_confirm").count() == 1
    from kefu.aftersales import selectors

    items = selectors.overdue_items(agent, later)
    assert [i.url for i in items] == [f"/aftersales/{case.pk}/"]
    services.act(actor=agent, case=case, action="extend", data={"days": 3})
    case.refresh_from_db()
    assert not case.needs_extension and case.auto_confirm_at > order.auto_confirm_at


def test_closed_cases_are_never_warned(make_case, agent, delivered_order):
    order = delivered_order()
    order.auto_confirm_at = timezone.now() + dt.timedelta(hours=1)
    order.save()
    case = make_case(order=order)
    services.act(actor=agent, case=case, action="cancel", reason="买家撤销")
    assert services.flag_deadlines(timezone.now())["warned"] == 0


def test_platform_reply_due_counts_working_days(make_case):
    case = make_case(issue_source="marketplace")
    assert case.platform_reply_due - case.created_at >= dt.timedelta(days=5)
    assert make_case(issue_source="chat").platform_reply_due is None


def test_working_days_follow_the_business_calendar(db):
    from kefu.tickets.models import BusinessCalendar, CalendarDay

    week = {str(d): [["09:00", "18:00"]] if d < 5 else [] for d in range(7)}
    cal = BusinessCalendar.objects.create(name="CN", time_zone="Asia/Shanghai", weekly_hours=week)
    CalendarDay.objects.create(calendar=cal, date=dt.date(2026, 10, 5), hours=[])  # holiday
    friday = dt.datetime(2026, 10, 2, 10, 0, tzinfo=dt.UTC)
    due = services.working_days_after(friday, 5, cal)
    # Mon 5 Oct is a holiday: Tue 6 … Mon 12 are the five working days.
    assert due.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2026, 10, 12)
    plain = services.working_days_after(friday, 5, None)
    assert plain.date() == dt.date(2026, 10, 9)


def test_cases_are_on_the_customer_timeline(make_case):
    case = make_case()
    items = timeline(case.customer, kinds={"return"})
    assert items and items[0].url == f"/aftersales/{case.pk}/"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(ALL_ACTIONS), st.sampled_from(["agent", "lead", "warehouse", "finance"])
        ),
        max_size=10,
    )
)
def test_every_transition_is_audited(steps, make_case, agent, lead, warehouse, finance):
    users = {"agent": agent, "lead": lead, "warehouse": warehouse, "finance": finance}
    case = make_case("return_refund", "quality")
    moved = 0
    for action, role in steps:
        before = AftersalesCase.objects.get(pk=case.pk).status
        try:
            services.act(
                actor=users[role],
                case=case,
                action=action,
                reason="因为",
                data={
                    "waybill": "SF9",
                    "condition": "resellable",
                    "amount": "1.00",
                    "reference": f"R-{case.pk}-{moved}",
                },
            )
        except (DomainError, InvalidTransition):
            assert AftersalesCase.objects.get(pk=case.pk).status == before
            continue
        moved += 1
    audited = AuditEntry.objects.filter(
        object_type="aftersales.aftersalescase", object_id=str(case.pk)
    ).exclude(action="aftersales.create")
    assert audited.exclude(from_state="").count() == moved
    refunds = Refund.objects.filter(case=case)
    assert refunds.count() <= 1
