"""/api/v1/aftersales: after-sales cases, their actions, and the policy quote.

``GET ""`` lists cases (filters, cursor pages); ``POST ""`` opens one (send an
``Idempotency-Key``); ``POST /{id}/actions/{action}`` moves it by its transition table
(body: reason, waybill, carrier, condition, accessories_complete, note, amount,
reference, days); ``POST /quote`` computes who pays what, and the refund, without
creating anything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from kefu.core.api import ERRORS, PageMeta, found, paginate, require
from kefu.core.models import Shop, User
from kefu.orders.models import Order
from kefu.tickets.models import Ticket

from . import policy, selectors, services
from .models import AftersalesCase, Condition, IssueSource, Kind, Reason
from .models import Status as CaseStatus
from .workflow import ALL_ACTIONS, workflow_for

router = Router(tags=["aftersales"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Path(..., ge=1, le=MAX_ID)
ActionPath = Path(...)
KindName = Literal[tuple(Kind.values)]  # type: ignore[valid-type]
ReasonName = Literal[tuple(Reason.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(CaseStatus.values)]  # type: ignore[valid-type]
SourceName = Literal[tuple(IssueSource.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(ALL_ACTIONS + list(services.EXTRA_ACTIONS))]  # type: ignore[valid-type]
ConditionName = Literal[tuple(Condition.values)]  # type: ignore[valid-type]


class ItemOut(Schema):
    order_item_id: int
    title: str
    quantity: int
    amount: Decimal


class CaseOut(Schema):
    id: int
    kind: str
    reason: str
    status: str
    shop_id: int
    order_id: int
    order_number: str
    customer_id: int
    ticket_id: int | None
    handler_id: int | None
    issue_source: str
    issue_type: str
    customer_rating: int | None
    result: str
    seven_day_no_reason: bool
    currency: str
    refund_due: Decimal | None
    postage_owed: Decimal
    postage_settlement: str
    return_waybill: str
    reship_waybill: str
    handover_date: dt.date | None
    condition: str
    outcome: str
    auto_confirm_at: dt.datetime | None
    claim_window_ends: dt.datetime | None
    platform_reply_due: dt.datetime | None
    needs_extension: bool
    near_deadline: bool
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.external_id


class CaseDetailOut(CaseOut):
    items: list[ItemOut]
    quote: dict
    quote_explanation: str
    actions: list[str] = Field(description="what the caller's role may do next")

    @staticmethod
    def resolve_items(obj) -> list[dict]:
        return [
            {
                "order_item_id": ci.order_item_id,
                "title": ci.order_item.title,
                "quantity": ci.quantity,
                "amount": ci.order_item.amount,
            }
            for ci in obj.items.all()
        ]


class CasePage(PageMeta):
    items: list[CaseOut]


class ItemIn(Schema):
    order_item_id: Id
    quantity: int = Field(..., ge=1, le=100_000)


class CaseIn(Schema):
    order_id: Id
    ticket_id: Id | None = None
    kind: KindName
    reason: ReasonName
    items: list[ItemIn] = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=5000)
    chat_excerpt: str = Field("", max_length=20000)
    issue_source: SourceName = "chat"
    issue_type: str = Field("", max_length=80)
    handler_id: Id | None = None
    invoice_issued: bool = False


class ActionIn(Schema):
    reason: str = Field("", max_length=2000)
    waybill: str = Field("", max_length=64)
    carrier: str = Field("", max_length=40)
    condition: ConditionName | None = None
    accessories_complete: bool | None = None
    note: str = Field("", max_length=5000)
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=2)
    reference: str = Field("", max_length=80)
    days: int | None = Field(None, ge=1, le=30)


class RegistrationPatch(Schema):
    """The after-sales sheet's fields; only those sent change."""

    issue_source: SourceName | None = None
    customer_rating: int | None = Field(None, ge=1, le=5)
    handler_id: Id | None = None
    issue_type: str | None = Field(None, max_length=80)
    result: str | None = Field(None, max_length=5000)


class QuoteIn(Schema):
    store_type: Literal["c_store", "mall"]
    kind: Literal["exchange", "refund"]
    reason: ReasonName
    items_value: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("CNY", min_length=3, max_length=3)
    shop_id: Id | None = Field(None, description="use this shop's own table")
    free_shipping_promo: bool = False
    within_7_days: bool = True
    after_success: bool = False
    inspection: Literal["", "resellable", "worn", "damaged"] = ""
    invoice_issued: bool = False
    invoice_returned: bool = False
    outbound_postage: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    return_postage: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)
    reship_postage: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)


class QuoteOut(Schema):
    situation: str
    kind: str
    payers: dict[str, str]
    deductions: list[dict]
    items_value: Decimal
    refund_amount: Decimal
    postage_owed: Decimal
    postage_reimbursed: Decimal
    alternatives: list[str]
    explanation: str


class Filters(Schema):
    status: StatusName | None = None
    kind: KindName | None = None
    shop_id: Id | None = None
    handler_id: Id | None = None
    order_id: Id | None = None
    customer_id: Id | None = None
    near_deadline: bool = False
    open: bool = False


def _detail(request, case_id: int) -> AftersalesCase:
    case = get_object_or_404(selectors.rows(), pk=case_id)
    case = selectors.detail(case.pk)
    role = getattr(request.user, "role", "")
    case.actions = [t.action for t in workflow_for(case).available(case.status, role)]
    return case


@router.get("", response={200: CasePage, **ERRORS}, summary="List cases (filters, cursor pages)")
def list_cases(
    request, filters: Query[Filters], limit: int | None = None, cursor: str | None = None
):
    require(request, "aftersales.view")
    qs = selectors.list_cases(
        selectors.CaseFilters(
            status=filters.status,
            kind=filters.kind,
            shop=filters.shop_id,
            handler=filters.handler_id,
            order=filters.order_id,
            customer=filters.customer_id,
            near_deadline=filters.near_deadline,
            open_only=filters.open,
        )
    )
    return paginate(qs, limit=limit, cursor=cursor)


@router.post(
    "/quote",
    response={200: QuoteOut, **ERRORS},
    summary="Who pays each leg, the deductions and the refund (creates nothing)",
)
def quote(request, payload: QuoteIn):
    require(request, "aftersales.view")
    data = payload.dict()
    shop = data.pop("shop_id")
    rows = services.policy_rows(found(Shop, shop, "shop_id", "shop")) if shop else None
    return policy.quote(policy.QuoteInput(**data), rows or policy.DEFAULT_ROWS).as_json()


@router.post(
    "", response={201: CaseDetailOut, **ERRORS}, summary="Open a case (send an Idempotency-Key)"
)
def create_case(request, payload: CaseIn):
    require(request, "aftersales.work")
    order = found(Order, payload.order_id, "order_id", "order")
    ticket = found(Ticket, payload.ticket_id, "ticket_id", "ticket")
    handler = found(User, payload.handler_id, "handler_id", "user")
    case = services.create_case(
        actor=request.user,
        order=order,
        ticket=ticket,
        kind=payload.kind,
        reason=payload.reason,
        items=[(i.order_item_id, i.quantity) for i in payload.items],
        description=payload.description,
        chat_excerpt=payload.chat_excerpt,
        issue_source=payload.issue_source,
        issue_type=payload.issue_type,
        handler=handler,
        invoice_issued=payload.invoice_issued,
    )
    return Status(201, _detail(request, case.pk))


@router.get("/{case_id}", response={200: CaseDetailOut, **ERRORS}, summary="One case")
def get_case(request, case_id: int = PathId):
    require(request, "aftersales.view")
    get_object_or_404(AftersalesCase, pk=case_id)
    return _detail(request, case_id)


@router.post(
    "/{case_id}/actions/{action}",
    response={200: CaseDetailOut, **ERRORS},
    summary="Take an action of the case's transition table (agree, reject, receive, "
    "inspect, confirm_refund, reship …) or postage_paid, waive_postage, extend",
)
def case_action(request, payload: ActionIn, case_id: int = PathId, action: ActionName = ActionPath):
    require(request, "aftersales.view")
    case = get_object_or_404(AftersalesCase, pk=case_id)
    data = payload.dict()
    reason = data.pop("reason")
    services.act(actor=request.user, case=case, action=action, reason=reason, data=data)
    return _detail(request, case_id)


@router.patch(
    "/{case_id}",
    response={200: CaseDetailOut, **ERRORS},
    summary="Change the registration: issue source, customer rating, handler, type, result",
)
def update_case(request, payload: RegistrationPatch, case_id: int = PathId):
    require(request, "aftersales.work")
    case = get_object_or_404(AftersalesCase, pk=case_id)
    sent = payload.dict(exclude_unset=True)
    if "handler_id" in sent:
        sent["handler"] = found(User, sent.pop("handler_id"), "handler_id", "user")
    if sent:
        services.update_registration(actor=request.user, case=case, **sent)
    return _detail(request, case_id)
