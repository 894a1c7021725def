"""/api/v1/carrier: tracking queries and damage or loss claims to carriers.

``POST /tracking-queries`` logs a call to the carrier about an order's parcel;
``POST /claims`` opens a claim (a draft). Both accept an ``Idempotency-Key`` header so a
retry creates nothing twice. A claim moves with ``POST /claims/{id}/actions/{action}``
(file, settle, reject, refile, withdraw, close, write_off) and its report to the carrier
is ``GET /claims/{id}/report.pdf``; photos go to ``POST /claims/{id}/photos`` (multipart).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.core.errors import DomainError
from kefu.orders import carrier, carrier_selectors, carrier_services, pdf
from kefu.orders.models import DamageClaim, Order, TrackingQuery

router = Router(tags=["carrier"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Path(..., ge=1, le=MAX_ID)
ActionPath = Path(...)
Files = File(..., description="one or more photos or scans")

OutcomeName = Literal[tuple(TrackingQuery.Outcome.values)]  # type: ignore[valid-type]
StateName = Literal[tuple(DamageClaim.ParcelState.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(DamageClaim.Status.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(sorted(carrier.CLAIM_WORKFLOW.actions))]  # type: ignore[valid-type]
Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]

carrier.connect()  # the customer timeline and the Today page (also done at start-up)


# ---------------------------------------------------------------- schemas


class TrackingQueryOut(Schema):
    id: int
    order_id: int
    order_number: str
    queried_at: dt.datetime
    carrier: str
    carrier_agent_id: str
    waybill: str
    outcome: str
    result: str
    customer_told: bool
    handler_id: int
    handler: str
    note: str

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.external_id

    @staticmethod
    def resolve_handler(obj) -> str:
        return obj.handler.get_username()


class TrackingQueryPage(PageMeta):
    items: list[TrackingQueryOut]


class TrackingQueryIn(Schema):
    order_id: Id | None = Field(None, description="the order; or give only the waybill")
    waybill: str | None = Field(None, max_length=64, description="default: the order's")
    carrier: str | None = Field(None, max_length=40, description="default: the order's")
    carrier_agent_id: str = Field("", max_length=40, description="the carrier agent's ID (工号)")
    outcome: OutcomeName
    result: str = Field("", max_length=500)
    note: str = Field("", max_length=5000)
    customer_told: bool = False
    queried_at: dt.datetime | None = None


class ClaimItemOut(Schema):
    id: int
    order_item_id: int | None
    style_no: str
    title: str
    quantity: int
    value: str

    @staticmethod
    def resolve_value(obj) -> str:
        return str(obj.value)


class PhotoOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    uploaded_at: dt.datetime


class ClaimOut(Schema):
    id: int
    status: str
    order_id: int
    order_number: str
    shop_id: int
    report_date: dt.date
    waybill: str
    carrier: str
    carrier_agent_id: str
    carrier_reference: str
    parcel_state: str
    ship_date: dt.date | None
    origin: str
    destination: str
    delivery_result: str
    description: str
    currency: str
    declared_value: str
    amount_claimed: str
    amount_paid: str | None
    rejection_reason: str
    outcome: str
    handler_id: int
    handler: str
    filed_at: dt.datetime | None
    settled_at: dt.datetime | None
    rejected_at: dt.datetime | None
    closed_at: dt.datetime | None
    created_at: dt.datetime
    items: list[ClaimItemOut]

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.external_id

    @staticmethod
    def resolve_shop_id(obj) -> int:
        return obj.order.shop_id

    @staticmethod
    def resolve_handler(obj) -> str:
        return obj.handler.get_username()

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())

    @staticmethod
    def resolve_declared_value(obj) -> str:
        return str(obj.declared_value)

    @staticmethod
    def resolve_amount_claimed(obj) -> str:
        return str(obj.amount_claimed)

    @staticmethod
    def resolve_amount_paid(obj) -> str | None:
        return None if obj.amount_paid is None else str(obj.amount_paid)


class ClaimDetailOut(ClaimOut):
    photos: list[PhotoOut]
    actions: list[str] = Field(description="what the caller may do next")

    @staticmethod
    def resolve_photos(obj) -> list:
        return list(obj.photos.all())


class ClaimPage(PageMeta):
    items: list[ClaimOut]


class ClaimItemIn(Schema):
    order_item_id: Id | None = None
    style_no: str = Field("", max_length=64)
    title: str = Field("", max_length=255)
    quantity: int = Field(1, ge=1, le=100000)
    value: Amount | None = Field(None, description="default: unit price × quantity")


class ClaimIn(Schema):
    order_id: Id | None = Field(None, description="the order; or give only the waybill")
    waybill: str | None = Field(None, max_length=64)
    parcel_state: StateName
    report_date: dt.date | None = None
    carrier: str | None = Field(None, max_length=40)
    carrier_agent_id: str = Field("", max_length=40)
    ship_date: dt.date | None = None
    origin: str = Field("", max_length=120)
    destination: str = Field("", max_length=120)
    delivery_result: str = Field("", max_length=200)
    description: str = Field("", max_length=5000)
    declared_value: Amount | None = Field(None, description="default: the items' value")
    amount_claimed: Amount | None = Field(None, description="default: the declared value")
    items: list[ClaimItemIn] | None = Field(None, description="default: every item of the order")


class ClaimActionIn(Schema):
    reason: str = Field("", max_length=5000)
    amount_paid: Amount | None = Field(None, description="needed to settle")
    carrier_reference: str | None = Field(None, max_length=64)


class ClaimFilterIn(Schema):
    status: StatusName | None = None
    parcel_state: StateName | None = None
    carrier: str | None = Field(None, max_length=40)
    order_id: Id | None = None
    waybill: str | None = Field(None, max_length=64)
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None


# ---------------------------------------------------------------- helpers


def _order(order_id: int | None, waybill: str | None) -> Order:
    if order_id is not None:
        order = Order.objects.select_related("shop").filter(pk=order_id).first()
        if order is None:
            raise DomainError(
                f"Unknown order {order_id}.",
                fields={"order_id": ["No such order."]},
                code="unknown_order",
            )
        return order
    if not (waybill or "").strip():
        message = "Give order_id or waybill."
        raise DomainError(
            message, fields={"order_id": [message], "waybill": [message]}, code="validation_error"
        )
    return carrier_services.order_for_waybill(waybill)


def _claim(claim_id: int) -> DamageClaim:
    return get_object_or_404(carrier_selectors.claim_detail(), pk=claim_id)


def _detail(request, claim_id: int) -> DamageClaim:
    claim = _claim(claim_id)
    role = getattr(request.user, "role", "")
    claim.actions = [t.action for t in carrier.CLAIM_WORKFLOW.available(claim.status, role)]
    return claim


# ---------------------------------------------------------------- tracking queries


@router.get(
    "/tracking-queries",
    response={200: TrackingQueryPage, **ERRORS},
    summary="Tracking queries, newest first (filter by order or waybill)",
)
def list_tracking_queries(
    request,
    order_id: int | None = Query(None, ge=1, le=MAX_ID),
    waybill: str | None = Query(None, max_length=64),
    outcome: OutcomeName | None = None,
    limit: int | None = None,
    cursor: str | None = None,
):
    require(request, "orders.view")
    rows = carrier_selectors.tracking_list(
        order=order_id, waybill=waybill or "", outcome=outcome or ""
    )
    return paginate(rows, limit=limit, cursor=cursor)


@router.post(
    "/tracking-queries",
    response={201: TrackingQueryOut, **ERRORS},
    summary="Log a tracking query with the carrier (send an Idempotency-Key)",
)
def create_tracking_query(request, payload: TrackingQueryIn):
    require(request, "claims.work")
    order = _order(payload.order_id, payload.waybill)
    query = carrier_services.log_tracking_query(
        actor=request.user,
        order=order,
        outcome=payload.outcome,
        carrier_agent_id=payload.carrier_agent_id,
        carrier_name=payload.carrier,
        waybill=payload.waybill,
        result=payload.result,
        note=payload.note,
        customer_told=payload.customer_told,
        queried_at=payload.queried_at,
    )
    return Status(201, TrackingQuery.objects.select_related("order", "handler").get(pk=query.pk))


# ---------------------------------------------------------------- claims


@router.get("/claims", response={200: ClaimPage, **ERRORS}, summary="Damage and loss claims")
def list_claims(
    request, filters: Query[ClaimFilterIn], limit: int | None = None, cursor: str | None = None
):
    require(request, "orders.view")
    f = carrier_selectors.ClaimFilters(
        status=filters.status or "",
        parcel_state=filters.parcel_state or "",
        carrier=filters.carrier or "",
        order=filters.order_id,
        waybill=filters.waybill or "",
        reported_from=filters.reported_from,
        reported_to=filters.reported_to,
    )
    return paginate(carrier_selectors.claim_list(f), limit=limit, cursor=cursor)


@router.post(
    "/claims",
    response={201: ClaimDetailOut, **ERRORS},
    summary="Open a damage or loss claim (a draft; send an Idempotency-Key)",
)
def create_claim(request, payload: ClaimIn):
    require(request, "claims.work")
    order = _order(payload.order_id, payload.waybill)
    items = None
    if payload.items is not None:
        items = [carrier_services.ItemIn(**i.dict()) for i in payload.items]
    claim = carrier_services.create_claim(
        actor=request.user,
        order=order,
        parcel_state=payload.parcel_state,
        declared_value=payload.declared_value,
        amount_claimed=payload.amount_claimed,
        items=items,
        report_date=payload.report_date,
        carrier_name=payload.carrier,
        carrier_agent_id=payload.carrier_agent_id,
        waybill=payload.waybill,
        ship_date=payload.ship_date,
        origin=payload.origin,
        destination=payload.destination,
        delivery_result=payload.delivery_result,
        description=payload.description,
    )
    return Status(201, _detail(request, claim.pk))


@router.get("/claims/{claim_id}", response={200: ClaimDetailOut, **ERRORS}, summary="One claim")
def get_claim(request, claim_id: int = PathId):
    require(request, "orders.view")
    return _detail(request, claim_id)


@router.post(
    "/claims/{claim_id}/actions/{action}",
    response={200: ClaimDetailOut, **ERRORS},
    summary="Move a claim: file, settle, reject, refile, withdraw, close, write_off",
)
def claim_action(
    request, payload: ClaimActionIn, claim_id: int = PathId, action: ActionName = ActionPath
):
    require(request, "claims.work")
    claim = _claim(claim_id)
    carrier_services.claim_action(
        actor=request.user,
        claim=claim,
        action=action,
        reason=payload.reason,
        amount_paid=payload.amount_paid,
        carrier_reference=payload.carrier_reference,
    )
    return _detail(request, claim_id)


@router.post(
    "/claims/{claim_id}/photos",
    response={201: list[PhotoOut], **ERRORS},
    summary="Keep photos or scans with a claim (multipart)",
)
def add_claim_photos(
    request,
    claim_id: int = PathId,
    files: list[UploadedFile] = Files,
):
    require(request, "claims.work")
    claim = _claim(claim_id)
    stored = carrier_services.add_photos(actor=request.user, claim=claim, files=files)
    return Status(201, stored)


@router.get(
    "/claims/{claim_id}/report.pdf",
    response={200: None, **ERRORS},
    summary="The claim's report to the carrier, as a PDF",
)
def claim_report(request, claim_id: int = PathId):
    require(request, "orders.view")
    claim = _claim(claim_id)
    response = HttpResponse(pdf.claim_report(claim), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.report_filename(claim)}"'
    return response
