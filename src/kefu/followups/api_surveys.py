"""/api/v1/surveys: satisfaction survey answers; a survey (and its link) for a solved
ticket. ``POST /surveys`` takes an ``Idempotency-Key``; asking twice for the same
ticket returns the same survey."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.followups import surveys
from kefu.followups.models import Survey

router = Router(tags=["surveys"])
MAX_ID = 2**63 - 1


class SurveyOut(Schema):
    id: int
    ticket_id: int
    customer_id: int
    language: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    rating: int | None
    comment: str
    answered_at: dt.datetime | None
    link: str

    @staticmethod
    def resolve_link(obj, context) -> str:
        return context["request"].build_absolute_uri(surveys.path_for(obj))


class SurveyPage(PageMeta):
    items: list[SurveyOut]


class SurveyIn(Schema):
    ticket_id: int = Field(..., ge=1, le=MAX_ID)


class StatsOut(Schema):
    answered: int
    average: float | None
    distribution: dict[int, int]
    sent: int


@router.get("", response={200: SurveyPage, **ERRORS}, summary="Survey answers, newest first")
def list_surveys(
    request,
    answered: bool = True,
    limit: int | None = None,
    cursor: str | None = None,
):
    require(request, "tickets.view")
    qs = Survey.objects.filter(answered_at__isnull=not answered)
    order = ("-answered_at", "-pk") if answered else ("-created_at", "-pk")
    return paginate(qs.order_by(*order), limit=limit, cursor=cursor)


@router.get("/stats", response={200: StatsOut, **ERRORS}, summary="Average and distribution")
def survey_stats(request, since: dt.datetime | None = None, until: dt.datetime | None = None):
    require(request, "reports.view")
    return surveys.stats(since, until)


@router.post(
    "", response={201: SurveyOut, 200: SurveyOut, **ERRORS}, summary="Survey for a solved ticket"
)
def create(request, payload: SurveyIn):
    from kefu.tickets.models import Ticket

    require(request, "tickets.work")
    ticket = get_object_or_404(Ticket.objects.select_related("customer"), pk=payload.ticket_id)
    survey, created = surveys.create_survey(actor=request.user, ticket=ticket)
    return Status(201 if created else 200, survey)


@router.get(
    "/tickets/{ticket_id}", response={200: SurveyOut, **ERRORS}, summary="A ticket's survey"
)
def by_ticket(request, ticket_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "tickets.view")
    return get_object_or_404(Survey, ticket_id=ticket_id)
