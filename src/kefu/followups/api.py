"""/api/v1/followups: follow-up calls, their attempts, the rules and the call scripts.

``POST /followups/{id}/actions/{action}`` moves a call: ``attempt`` records a dial with
its ``outcome`` (reached / no_answer / busy / call_back / wrong_number); ``cancel`` and
``reopen`` are a lead's, with a reason; ``ticket`` and ``complaint`` open one from an
unsatisfied answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from kefu.core import audit
from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.core.errors import DomainError
from kefu.followups import selectors, services
from kefu.followups.models import (
    CallAttempt,
    CallScript,
    FollowUpRule,
    FollowUpTask,
    Reason,
    Satisfaction,
)

router = Router(tags=["followups"])
MAX_ID = 2**63 - 1
PathId = Path(..., ge=1, le=MAX_ID)
ActionPath = Path(...)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
StatusName = Literal[tuple(FollowUpTask.Status.values)]  # type: ignore[valid-type]
ReasonName = Literal[tuple(Reason.values)]  # type: ignore[valid-type]
OutcomeName = Literal[tuple(CallAttempt.Outcome.values)]  # type: ignore[valid-type]
SatisfactionName = Literal[tuple(Satisfaction.values)]  # type: ignore[valid-type]
ActionName = Literal["attempt", "cancel", "reopen", "ticket", "complaint"]


class AttemptOut(Schema):
    id: int
    agent_id: int
    outcome: str
    call_back_at: dt.datetime | None
    note: str
    at: dt.datetime


class TaskOut(Schema):
    id: int
    reason: str
    status: str
    shop_id: int
    customer_id: int
    customer_name: str
    order_id: int | None
    event_id: int | None
    owner_id: int | None
    due_start: dt.datetime
    due_end: dt.datetime
    call_back_at: dt.datetime | None
    attempts: int
    satisfaction: str
    to_improve: str
    suggestions: str
    ticket_id: int | None
    complaint_id: int | None
    service_date: dt.date | None
    closed_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class TaskDetailOut(TaskOut):
    script: str
    call_attempts: list[AttemptOut]

    @staticmethod
    def resolve_script(obj) -> str:
        return selectors.script_text(obj, obj.customer.language)

    @staticmethod
    def resolve_call_attempts(obj) -> list:
        return list(obj.call_attempts.all())


class TaskPage(PageMeta):
    items: list[TaskOut]


class ActionIn(Schema):
    outcome: OutcomeName | None = None
    note: str = Field("", max_length=5000)
    call_back_at: dt.datetime | None = None
    satisfaction: SatisfactionName | None = None
    to_improve: str = Field("", max_length=5000)
    suggestions: str = Field("", max_length=5000)
    reason: str = Field("", max_length=2000)


class RuleOut(Schema):
    id: int
    shop_id: int | None
    reason: str
    is_active: bool
    offset_days: int
    window_days: int
    segment: str


class RulePatch(Schema):
    is_active: bool | None = None
    offset_days: int | None = Field(None, ge=0, le=365)
    window_days: int | None = Field(None, ge=0, le=365)
    segment: str | None = Field(None, max_length=10)


class ScriptOut(Schema):
    id: int
    shop_id: int | None
    reason: str
    text_zh: str
    text_ko: str
    text_en: str


class ScriptPatch(Schema):
    text_zh: str | None = Field(None, max_length=10000)
    text_ko: str | None = Field(None, max_length=10000)
    text_en: str | None = Field(None, max_length=10000)


def _task(request, task_id: int) -> FollowUpTask:
    return get_object_or_404(selectors.visible_tasks(request.user), pk=task_id)


@router.get("", response={200: TaskPage, **ERRORS}, summary="List follow-up calls")
def list_tasks(
    request,
    status: StatusName | None = None,
    reason: ReasonName | None = None,
    owner_id: int | None = Query(None, ge=1, le=MAX_ID),
    customer_id: int | None = Query(None, ge=1, le=MAX_ID),
    overdue: bool | None = None,
    limit: int | None = None,
    cursor: str | None = None,
):
    require(request, "followups.work")
    qs = selectors.visible_tasks(request.user)
    if status:
        qs = qs.filter(status=status)
    if reason:
        qs = qs.filter(reason=reason)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if overdue is not None:
        from django.utils import timezone

        q = selectors.overdue_q(timezone.now())
        qs = qs.filter(q) if overdue else qs.exclude(q)
    return paginate(qs.order_by("due_end", "pk"), limit=limit, cursor=cursor)


@router.get("/rules", response={200: list[RuleOut], **ERRORS}, summary="Follow-up rules")
def list_rules(request):
    require(request, "followups.work")
    return list(FollowUpRule.objects.order_by("reason", "shop_id"))


@router.patch("/rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="Change a rule")
def update_rule(request, payload: RulePatch, rule_id: int = PathId):
    require(request, "policies.edit")
    rule = get_object_or_404(FollowUpRule, pk=rule_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    before = {k: getattr(rule, k) for k in changes}
    for k, v in changes.items():
        setattr(rule, k, v)
    rule.save()
    audit.record(
        actor=request.user,
        obj=rule,
        action="followup_rule.update",
        changes={k: [before[k], v] for k, v in changes.items()},
    )
    return rule


@router.get("/scripts", response={200: list[ScriptOut], **ERRORS}, summary="Call scripts")
def list_scripts(request):
    require(request, "followups.work")
    return list(CallScript.objects.order_by("reason", "shop_id"))


@router.patch(
    "/scripts/{script_id}", response={200: ScriptOut, **ERRORS}, summary="Change a script"
)
def update_script(request, payload: ScriptPatch, script_id: int = PathId):
    require(request, "policies.edit")
    script = get_object_or_404(CallScript, pk=script_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    for k, v in changes.items():
        setattr(script, k, v)
    script.save()
    audit.record(actor=request.user, obj=script, action="call_script.update", changes=list(changes))
    return script


@router.get("/{task_id}", response={200: TaskDetailOut, **ERRORS}, summary="One call")
def get_task(request, task_id: int = PathId):
    require(request, "followups.work")
    return _task(request, task_id)


@router.post(
    "/{task_id}/actions/{action}",
    response={200: TaskDetailOut, **ERRORS},
    summary="Record an attempt, cancel, reopen, or open a ticket / complaint",
)
def act(request, payload: ActionIn, task_id: int = PathId, action: ActionName = ActionPath):
    require(request, "followups.work")
    task = _task(request, task_id)
    if action == "attempt":
        if payload.outcome is None:
            raise DomainError(
                "Give the call's outcome.",
                fields={"outcome": ["Required."]},
                code="validation_error",
            )
        services.record_attempt(
            actor=request.user,
            task=task,
            outcome=payload.outcome,
            note=payload.note,
            call_back_at=payload.call_back_at,
            satisfaction=payload.satisfaction or "",
            to_improve=payload.to_improve,
            suggestions=payload.suggestions,
        )
    elif action in ("cancel", "reopen"):
        services.change_status(actor=request.user, task=task, action=action, reason=payload.reason)
    elif action == "ticket":
        services.open_ticket(actor=request.user, task=task)
    else:
        services.open_complaint(actor=request.user, task=task)
    return _task(request, task_id)
