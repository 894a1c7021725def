"""Builders for complaint tests: a registered complaint, and the fields each step needs."""

from __future__ import annotations

from kefu.complaints import services
from kefu.complaints.models import Complaint, Status
from tests.factories import make_customer, make_order


def register(actor, shop, **kw) -> Complaint:
    customer = kw.pop("customer", None) or make_customer()
    order = kw.pop("order", None)
    if order is None and kw.pop("with_order", True):
        order = make_order(shop=shop, customer=customer)
    defaults = {
        "content": "围巾起球了，客服态度也不好",
        "channel": "chat",
        "category": "quality",
        "severity": "high",
    }
    return services.register_complaint(
        actor=actor, customer=customer, order=order, shop=shop, **{**defaults, **kw}
    )


def fields_for(action: str, complaint: Complaint, owner) -> dict:
    """Valid fields (and reason) for each action of the table."""
    if action == "judge_founded":
        return {"department": "质检部", "reply": "我们会在三天内调查清楚"}
    if action == "dismiss":
        return {"reply": "您好，这款围巾的洗涤说明……", "reason": "washed against the label"}
    if action == "record_cause":
        return {"cause": "批次面料问题", "owner": owner.pk}
    if action == "propose":
        return {"description": "换新并赠送优惠券"}
    if action == "choose_solution":
        solution = complaint.solutions.order_by("-id").first()
        return {"solution": solution.pk if solution else 0, "instruction": "今天内换新"}
    if action in ("send_back", "customer_declines", "reopen"):
        return {"reason": "need another look"}
    if action == "implement":
        return {
            "implementation_note": "已寄出新围巾",
            "accountable": "质检部 王工",
            "accountability_measure": "扣绩效一次",
        }
    if action == "confirm":
        return {"acceptance": "顾客在旺旺上确认接受", "customer_feedback": "满意"}
    if action == "record_followup":
        return {"followup_note": "回访：顾客很满意"}
    return {}


# The happy path from registered to closed, founded.
HAPPY_PATH = [
    ("judge_founded", Status.INVESTIGATING),
    ("record_cause", Status.CAUSE_FOUND),
    ("propose", Status.SOLUTIONS_PROPOSED),
    ("choose_solution", Status.IMPLEMENTING),
    ("implement", Status.AWAITING_CONFIRMATION),
    ("confirm", Status.FOLLOWING_UP),
    ("record_followup", Status.FOLLOWED_UP),
    ("close", Status.CLOSED),
]


def walk_to(complaint: Complaint, status: str, *, agent, lead) -> Complaint:
    """Move a registered complaint along the happy path until it reaches ``status``."""
    sources = [Status.REGISTERED, *(target for _a, target in HAPPY_PATH[:-1])]
    for source, (action, _target) in zip(sources, HAPPY_PATH, strict=True):
        if complaint.status == status:
            break
        if complaint.status != source:
            continue
        actor = lead if action == "choose_solution" else agent
        f = fields_for(action, complaint, agent)
        reason = f.pop("reason", "")
        complaint = services.act(
            actor=actor, complaint=complaint, action=action, reason=reason, **f
        )
    assert complaint.status == status
    return complaint
