"""/api/v1/complaints: the complaint file and its closed loop.

``GET /complaints`` lists with filters, cursor pages; ``POST /complaints`` registers one
(send an ``Idempotency-Key``); ``POST /complaints/{id}/actions/{action}`` takes a step of
the loop with that step's fields in the JSON body (the same table as the screens: a move
the state does not allow is 409 ``invalid_transition``, one the role may not take 403);
``GET /complaints/classification`` is the classification table.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from kefu.complaints import selectors, services
from kefu.complaints.models import Category, Complaint, Severity
from kefu.complaints.models import Status as ComplaintStatus
from kefu.complaints.workflow import COMPLAINT
from kefu.core.api import ERRORS, PageMeta, found, paginate, require
from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.customers.models import Customer
from kefu.orders.models import Order
from kefu.tickets.models import Channel, Ticket

router = Router(tags=["complaints"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Path(..., ge=1, le=MAX_ID)
ActionPath = Path(...)

StatusName = Literal[("open", *ComplaintStatus.values)]  # type: ignore[valid-type]
CategoryName = Literal[tuple(Category.values)]  # type: ignore[valid-type]
SeverityName = Literal[tuple(Severity.values)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(sorted(COMPLAINT.actions))]  # type: ignore[valid-type]


class SolutionOut(Schema):
    id: int
    description: str
    proposed_by: str | None
    proposed_at: dt.datetime

    @staticmethod
    def resolve_proposed_by(obj) -> str | None:
        return obj.proposed_by.get_username() if obj.proposed_by_id else None


class ComplaintOut(Schema):
    id: int
    status: str
    shop_id: int
    customer_id: int
    customer_name: str
    order_id: int | None
    ticket_id: int | None
    complainant_name: str
    occurred_at: dt.datetime
    registered_at: dt.datetime
    content: str
    channel: str
    category: str
    severity: str
    owner_id: int | None
    due_at: dt.datetime | None
    overdue: bool
    overdue_flagged_at: dt.datetime | None
    url: str

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        from django.utils import timezone

        return selectors.is_overdue(obj, timezone.now())

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ComplaintDetailOut(ComplaintOut):
    founded: bool | None
    department: str
    investigation_due: dt.datetime | None
    reply: str
    cause: str
    chosen_solution_id: int | None
    instruction: str
    implementation_note: str
    accountable: str
    accountability_measure: str
    acceptance: str
    customer_feedback: str
    followup_note: str
    closed_at: dt.datetime | None
    reopen_count: int
    solutions: list[SolutionOut]
    allowed_actions: list[str]

    @staticmethod
    def resolve_solutions(obj) -> list:
        return list(obj.solutions.select_related("proposed_by"))


class ComplaintPage(PageMeta):
    items: list[ComplaintOut]


class ComplaintIn(Schema):
    customer_id: Id
    content: str = Field(..., min_length=1, max_length=5000)
    channel: ChannelName
    category: CategoryName
    severity: SeverityName
    order_id: Id | None = None
    ticket_id: Id | None = None
    shop_id: Id | None = None
    complainant_name: str = Field("", max_length=120)
    occurred_at: dt.datetime | None = None


class ActionIn(Schema):
    reason: str = Field("", max_length=5000)
    department: str | None = Field(None, max_length=80)
    investigation_due: dt.datetime | None = None
    reply: str | None = Field(None, max_length=5000)
    cause: str | None = Field(None, max_length=5000)
    owner_id: Id | None = None
    description: str | None = Field(None, max_length=5000)
    solution_id: Id | None = None
    instruction: str | None = Field(None, max_length=5000)
    implementation_note: str | None = Field(None, max_length=5000)
    accountable: str | None = Field(None, max_length=120)
    accountability_measure: str | None = Field(None, max_length=5000)
    acceptance: str | None = Field(None, max_length=5000)
    customer_feedback: str | None = Field(None, max_length=5000)
    followup_note: str | None = Field(None, max_length=5000)


class ComplaintFilters(Schema):
    status: StatusName | None = None
    category: CategoryName | None = None
    severity: SeverityName | None = None
    shop_id: Id | None = None
    owner: str | None = Field(
        None, pattern=r"^(me|none|[1-9][0-9]{0,18})$", description="a user id, me or none"
    )
    overdue: bool = False
    customer_id: Id | None = None
    q: str | None = Field(None, max_length=200)


class ChangeOut(Schema):
    delta: int
    percent: float | None


class LineOut(Schema):
    key: str
    label: str
    counts: list[int]
    changes: list[ChangeOut]
    total: int
    share: float


class TableOut(Schema):
    period: str
    by: str
    periods: list[str]
    lines: list[LineOut]
    totals: list[int]
    total_changes: list[ChangeOut]
    total: int


def _detail(pk: int, user) -> Complaint:
    from kefu.core.workflow import role_of

    c = get_object_or_404(selectors.base(), pk=pk)
    c.allowed_actions = [t.action for t in COMPLAINT.available(c.status, role_of(user))]
    return c


@router.get("", response={200: ComplaintPage, **ERRORS}, summary="List and filter complaints")
def list_complaints(
    request, filters: Query[ComplaintFilters], limit: int | None = None, cursor: str | None = None
):
    require(request, "complaints.view")
    f = selectors.Filters(
        status=filters.status or "",
        category=filters.category or "",
        severity=filters.severity or "",
        shop=filters.shop_id,
        owner=filters.owner or "",
        overdue=filters.overdue,
        q=(filters.q or "").strip(),
    )
    qs = selectors.complaints(request.user, f)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    return paginate(qs, limit=limit, cursor=cursor)


@router.get(
    "/classification",
    response={200: TableOut, **ERRORS},
    summary="The classification table: complaints per category or shop and period",
)
def classification_table(
    request,
    period: Literal["month", "quarter"] = "quarter",
    by: Literal["category", "shop"] = "category",
    start: dt.date | None = None,
    end: dt.date | None = None,
    shop_id: int | None = Query(None, ge=1, le=MAX_ID),
):
    require(request, "complaints.view")
    from django.utils import timezone

    default_start, default_end = selectors.default_range(period, timezone.localdate())
    table = selectors.classification(
        period=period,
        by=by,
        start=start or default_start,
        end=end or default_end,
        shop=found(Shop, shop_id, "shop_id", "shop"),
    )

    def change(ch):
        return {"delta": ch.delta, "percent": float(ch.percent) if ch.percent is not None else None}

    return {
        "period": table.period,
        "by": table.by,
        "periods": [p.key for p in table.periods],
        "lines": [
            {
                "key": line.key,
                "label": line.label,
                "counts": line.counts,
                "changes": [change(c) for c in line.changes],
                "total": line.total,
                "share": float(line.share),
            }
            for line in table.lines
        ],
        "totals": table.totals,
        "total_changes": [change(c) for c in table.total_changes],
        "total": table.total,
    }


@router.post(
    "",
    response={201: ComplaintDetailOut, **ERRORS},
    summary="Register a complaint (send an Idempotency-Key)",
)
def create_complaint(request, payload: ComplaintIn):
    require(request, "complaints.work")
    customer = Customer.objects.filter(pk=payload.customer_id, merged_into__isnull=True).first()
    if customer is None:
        message = f"Unknown customer {payload.customer_id}."
        raise DomainError(message, fields={"customer_id": [message]}, code="unknown_customer")
    complaint = services.register_complaint(
        actor=request.user,
        customer=customer,
        content=payload.content,
        channel=payload.channel,
        category=payload.category,
        severity=payload.severity,
        order=found(Order, payload.order_id, "order_id", "order"),
        ticket=found(Ticket, payload.ticket_id, "ticket_id", "ticket"),
        shop=found(Shop, payload.shop_id, "shop_id", "shop"),
        complainant_name=payload.complainant_name,
        occurred_at=payload.occurred_at,
    )
    return Status(201, _detail(complaint.pk, request.user))


@router.get("/{complaint_id}", response={200: ComplaintDetailOut, **ERRORS}, summary="One")
def get_complaint(request, complaint_id: int = PathId):
    require(request, "complaints.view")
    return _detail(complaint_id, request.user)


@router.post(
    "/{complaint_id}/actions/{action}",
    response={200: ComplaintDetailOut, **ERRORS},
    summary="Take a step of the loop (judge_founded, dismiss, record_cause, propose, …)",
)
def complaint_action(
    request, payload: ActionIn, complaint_id: int = PathId, action: ActionName = ActionPath
):
    require(request, "complaints.work")
    complaint = get_object_or_404(Complaint, pk=complaint_id)
    sent = payload.dict(exclude_none=True)
    reason = sent.pop("reason", "")
    if "owner_id" in sent:
        sent["owner"] = sent.pop("owner_id")
    if "solution_id" in sent:
        sent["solution"] = sent.pop("solution_id")
    services.act(actor=request.user, complaint=complaint, action=action, reason=reason, **sent)
    return _detail(complaint_id, request.user)
