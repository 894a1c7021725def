"""/api/v1/campaigns: care campaigns to a segment and what each run did per customer.

Creating and running needs ``campaigns.manage`` (leads, admins); viewing needs
``retention.work``. ``POST /campaigns/{id}/actions/run`` runs a campaign now; running it
again touches nobody twice. ``GET /campaigns/{id}/deliveries`` lists one row per customer:
``sent`` with the text in their language, or skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.customers.models import Segment
from kefu.retention import selectors, services
from kefu.retention.models import Campaign, CampaignDelivery

router = Router(tags=["campaigns"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Path(..., ge=1, le=MAX_ID)
RunPath = Path(..., description="run")
SegmentName = Literal[tuple(Segment.values)]  # type: ignore[valid-type]
OutcomeName = Literal[tuple(CampaignDelivery.Outcome.values)]  # type: ignore[valid-type]
LanguageCode = Literal[tuple(code for code, _ in settings.LANGUAGES)]  # type: ignore[valid-type]


class CampaignOut(Schema):
    id: int
    name: str
    segment: str
    shop_id: int | None
    messages: dict[str, str]
    scheduled_for: dt.datetime
    status: str
    last_run_at: dt.datetime | None
    sent: int = 0
    skipped: int = 0


class CampaignPage(PageMeta):
    items: list[CampaignOut]


class CampaignIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    segment: SegmentName
    shop_id: Id | None = None
    messages: dict[LanguageCode, str] = Field(  # type: ignore[valid-type]
        ..., description='text per language, e.g. {"zh-hans": "…", "ko": "…", "en": "…"}'
    )
    scheduled_for: dt.datetime


class RunOut(Schema):
    campaign: CampaignOut
    outcomes: dict[str, int]


class DeliveryOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    outcome: str
    language: str
    message: str
    created_at: dt.datetime

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class DeliveryPage(PageMeta):
    items: list[DeliveryOut]


def _campaign(request, campaign_id: int) -> Campaign:
    return get_object_or_404(selectors.campaigns(request.user), pk=campaign_id)


@router.get("", response={200: CampaignPage, **ERRORS}, summary="List campaigns")
def list_campaigns(request, limit: int | None = None, cursor: str | None = None):
    require(request, "retention.work")
    return paginate(selectors.campaigns(request.user), limit=limit, cursor=cursor)


@router.post(
    "", response={201: CampaignOut, **ERRORS}, summary="Plan a campaign (send an Idempotency-Key)"
)
def create_campaign(request, payload: CampaignIn):
    require(request, "campaigns.manage")
    shop = None
    if payload.shop_id is not None:
        shop = Shop.objects.filter(pk=payload.shop_id).first()
        if shop is None:
            raise DomainError(
                f"Unknown shop {payload.shop_id}.",
                fields={"shop_id": ["No such shop."]},
                code="unknown_shop",
            )
    campaign = services.create_campaign(
        actor=request.user,
        name=payload.name,
        segment=payload.segment,
        messages_by_language=dict(payload.messages),
        scheduled_for=payload.scheduled_for,
        shop=shop,
    )
    return Status(201, _campaign(request, campaign.pk))


@router.get("/{campaign_id}", response={200: CampaignOut, **ERRORS}, summary="One campaign")
def get_campaign(request, campaign_id: int = PathId):
    require(request, "retention.work")
    return _campaign(request, campaign_id)


@router.post(
    "/{campaign_id}/actions/{action}",
    response={200: RunOut, **ERRORS},
    summary="Run the campaign now (action: run); idempotent",
)
def campaign_action(request, campaign_id: int = PathId, action: Literal["run"] = RunPath):
    require(request, "campaigns.manage")
    campaign = _campaign(request, campaign_id)
    outcomes = services.run_campaign(actor=request.user, campaign=campaign)
    return {"campaign": _campaign(request, campaign_id), "outcomes": outcomes}


@router.get(
    "/{campaign_id}/deliveries",
    response={200: DeliveryPage, **ERRORS},
    summary="What the campaign did per customer",
)
def list_deliveries(
    request,
    campaign_id: int = PathId,
    outcome: OutcomeName | None = None,  # type: ignore[valid-type]
    limit: int | None = None,
    cursor: str | None = None,
):
    require(request, "retention.work")
    campaign = _campaign(request, campaign_id)
    qs = selectors.deliveries(request.user, campaign, outcome=outcome or "")
    return paginate(qs, limit=limit, cursor=cursor)
