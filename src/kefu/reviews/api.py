"""/api/v1/reviews: neutral and negative reviews and their recovery.

``POST /reviews`` records one review (send an ``Idempotency-Key``; the same platform
review ID in the same shop returns the review already recorded with 200). ``POST
/reviews/import`` takes a CSV or XLSX file: every row is checked first and nothing is
written when one is wrong (422 ``invalid_rows``, ``fields`` maps "line N" to the reason). ``POST
/reviews/{id}/actions/{action}`` moves a review through the recovery table.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja import Path as PathParam

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.reviews import selectors, services
from kefu.reviews.models import Attitude, Cause, ContactChannel, Resolution, Review
from kefu.reviews.workflow import REVIEW_WORKFLOW

router = Router(tags=["reviews"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = PathParam(..., ge=1, le=MAX_ID)
ActionPath = PathParam(...)
UploadFile = File(..., description="a .csv or .xlsx file")
MAX_UPLOAD = 10 * 1024 * 1024

StatusName = Literal[tuple(Review.Status.values)]  # type: ignore[valid-type]
CauseName = Literal[tuple(Cause.values)]  # type: ignore[valid-type]
AttitudeName = Literal[tuple(Attitude.values)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(ContactChannel.values)]  # type: ignore[valid-type]
ResolutionName = Literal[tuple(Resolution.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(sorted(REVIEW_WORKFLOW.actions))]  # type: ignore[valid-type]


class ReviewOut(Schema):
    id: int
    shop_id: int
    order_id: int
    order_number: str
    customer_id: int
    customer_name: str
    platform_review_id: str
    rating: int
    text: str
    reviewed_at: dt.datetime
    status: str
    cause: str
    attitude: str
    need: str
    contact_channel: str
    contacted_at: dt.datetime | None
    resolution: str
    resolution_note: str
    revision_requested_at: dt.datetime | None
    closed_at: dt.datetime | None
    handler: str | None
    flagged_at: dt.datetime
    actions: list[str] = Field(description="the moves the caller's role may take now")

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.external_id

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_handler(obj) -> str | None:
        return obj.handler.username if obj.handler_id else None

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        role = getattr(context["request"].user, "role", "")
        return [t.action for t in REVIEW_WORKFLOW.available(obj.status, role)]


class ReviewPage(PageMeta):
    items: list[ReviewOut]


class ReviewIn(Schema):
    shop_id: Id
    order_number: str = Field(..., min_length=1, max_length=64)
    rating: int = Field(..., ge=1, le=5)
    text: str = Field("", max_length=services.MAX_TEXT)
    reviewed_at: dt.datetime
    platform_review_id: str = Field(..., min_length=1, max_length=120)


class ActionIn(Schema):
    cause: CauseName | None = None
    attitude: AttitudeName | None = None
    need: str = Field("", max_length=services.MAX_TEXT)
    contact_channel: ChannelName | None = None
    contacted_at: dt.datetime | None = None
    resolution: ResolutionName | None = None
    resolution_note: str = Field("", max_length=services.MAX_TEXT)
    reason: str = Field("", max_length=services.MAX_TEXT)


class RowsRefused(DomainError):
    code = "invalid_rows"
    status = 422


class ImportOut(Schema):
    created: int
    existing: int
    rows: int


class Filters(Schema):
    status: StatusName | None = None
    rating: int | None = Field(None, ge=1, le=5)
    cause: CauseName | None = None
    shop_id: Id | None = None
    customer_id: Id | None = None


def _shop(shop_id: int) -> Shop:
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        raise DomainError(
            f"Unknown shop {shop_id}.", fields={"shop_id": ["No such shop."]}, code="unknown_shop"
        )
    return shop


def _one(request, review_id: int) -> Review:
    return get_object_or_404(selectors.review_list(request.user), pk=review_id)


@router.get("", response={200: ReviewPage, **ERRORS}, summary="List and filter reviews")
def list_reviews(
    request, filters: Query[Filters], limit: int | None = None, cursor: str | None = None
):
    require(request, "reviews.work")
    f = selectors.ReviewFilters(
        status=filters.status or "",
        rating=filters.rating,
        cause=filters.cause or "",
        shop=filters.shop_id,
        customer=filters.customer_id,
    )
    return paginate(selectors.review_list(request.user, f), limit=limit, cursor=cursor)


@router.post(
    "",
    response={201: ReviewOut, 200: ReviewOut, **ERRORS},
    summary="Record a review (send an Idempotency-Key; a known review ID returns 200)",
)
def create_review(request, payload: ReviewIn):
    require(request, "reviews.work")
    shop = _shop(payload.shop_id)
    review, created = services.record_review(
        actor=request.user,
        shop=shop,
        row=services.ReviewInput(
            order_number=payload.order_number,
            rating=payload.rating,
            text=payload.text,
            reviewed_at=payload.reviewed_at,
            platform_review_id=payload.platform_review_id,
        ),
    )
    return Status(201 if created else 200, _one(request, review.pk))


@router.post(
    "/import",
    response={200: ImportOut, **ERRORS},
    summary="Import a CSV or XLSX file of reviews: all rows or none",
)
def import_reviews(request, shop_id: Form[int], file: UploadedFile = UploadFile):
    require(request, "reviews.work")
    shop = _shop(shop_id)
    if file.size and file.size > MAX_UPLOAD:
        raise DomainError("The file is larger than 10 MB.", fields={"file": ["Too large."]})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as fh:
            for chunk in file.chunks():
                fh.write(chunk)
        report = services.import_reviews(
            actor=request.user, shop=shop, path=path, filename=file.name or ""
        )
    if not report.ok:
        raise RowsRefused(
            f"{len(report.errors)} row(s) to fix; nothing was imported.",
            fields={f"line {e['line']}": [e["reason"]] for e in report.errors},
        )
    return {
        "created": report.created,
        "existing": report.existing,
        "rows": report.rows,
    }


@router.get("/{review_id}", response={200: ReviewOut, **ERRORS}, summary="One review")
def get_review(request, review_id: int = PathId):
    require(request, "reviews.work")
    return _one(request, review_id)


@router.post(
    "/{review_id}/actions/{action}",
    response={200: ReviewOut, **ERRORS},
    summary="Move a review: analyse, contact, resolve, request_revision, revise, decline",
)
def review_action(
    request, payload: ActionIn, review_id: int = PathId, action: ActionName = ActionPath
):
    require(request, "reviews.work")
    review = _one(request, review_id)
    services.act(
        actor=request.user,
        review=review,
        action=action,
        data=payload.dict(exclude_none=True),
    )
    return _one(request, review_id)
