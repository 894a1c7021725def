"""/api/v1/escalations: an agent asks the lead about a ticket, the lead answers.

Mounted in kefu/urls.py: ``("kefu.tickets.api_escalation", "/escalations")``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.tickets import escalation
from kefu.tickets.models import Escalation, Ticket

router = Router(tags=["escalations"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class EscalateIn(Schema):
    ticket_id: Id
    reason: str = Field(..., min_length=1, max_length=escalation.MAX_TEXT)


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=escalation.MAX_TEXT)
    send_to_customer: bool = Field(
        True, description="Send the answer to the customer now as a reply from the lead."
    )


class EscalationOut(Schema):
    id: int
    ticket_id: int
    ticket_subject: str
    raised_by_id: int
    raised_by: str
    reason: str
    raised_at: dt.datetime
    answer_due: dt.datetime | None = Field(
        None, description="End of the business day the answer must reach the customer by."
    )
    age_minutes: int = Field(..., description="Minutes since it was raised.")
    overdue: bool = Field(..., description="Past answer_due and the customer not told yet.")
    answered_by_id: int | None = None
    answer: str
    answered_at: dt.datetime | None = None
    customer_told_at: dt.datetime | None = None

    @staticmethod
    def resolve_ticket_subject(obj: Escalation) -> str:
        return obj.ticket.subject

    @staticmethod
    def resolve_raised_by(obj: Escalation) -> str:
        return obj.raised_by.username

    @staticmethod
    def resolve_age_minutes(obj: Escalation) -> int:
        return max(0, int((timezone.now() - obj.raised_at).total_seconds() // 60))

    @staticmethod
    def resolve_overdue(obj: Escalation) -> bool:
        return bool(
            obj.customer_told_at is None
            and obj.answer_due is not None
            and obj.answer_due < timezone.now()
        )


class EscalationPage(PageMeta):
    items: list[EscalationOut]


def _one(escalation_id: int) -> Escalation:
    return get_object_or_404(
        Escalation.objects.select_related("ticket", "raised_by"), pk=escalation_id
    )


@router.post("", response={201: EscalationOut, **ERRORS}, summary="Escalate a ticket to the lead")
def create_escalation(request, payload: EscalateIn):
    require(request, "tickets.work")
    ticket = get_object_or_404(Ticket, pk=payload.ticket_id)
    item = escalation.escalate(actor=request.user, ticket=ticket, reason=payload.reason)
    return Status(201, _one(item.pk))


@router.get(
    "",
    response={200: EscalationPage, **ERRORS},
    summary="Escalations (open ones oldest first, else newest first)",
)
def list_escalations(
    request,
    is_open: bool | None = Query(
        None, alias="open", description="true: waiting for the lead; false: answered."
    ),
    ticket_id: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int | None = None,
    cursor: str | None = None,
):
    require(request, "tickets.view")
    ticket = get_object_or_404(Ticket, pk=ticket_id) if ticket_id is not None else None
    return paginate(
        escalation.escalations(is_open=is_open, ticket=ticket), limit=limit, cursor=cursor
    )


@router.get("/{escalation_id}", response={200: EscalationOut, **ERRORS}, summary="One escalation")
def get_escalation(request, escalation_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "tickets.view")
    return _one(escalation_id)


@router.post(
    "/{escalation_id}/answer",
    response={200: EscalationOut, **ERRORS},
    summary="Answer an escalation (lead)",
)
def answer_escalation(request, payload: AnswerIn, escalation_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "tickets.escalation.answer")
    item = escalation.answer_escalation(
        actor=request.user,
        escalation=_one(escalation_id),
        answer=payload.answer,
        send_to_customer=payload.send_to_customer,
    )
    return _one(item.pk)


@router.post(
    "/{escalation_id}/told",
    response={200: EscalationOut, **ERRORS},
    summary="Mark the lead's answer as told to the customer",
)
def mark_told(request, escalation_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "tickets.work")
    item = escalation.mark_customer_told(actor=request.user, escalation=_one(escalation_id))
    return _one(item.pk)
