"""Demo after-sales cases: every state of every kind, across the demo shops and their
languages, each driven through the real services so its timeline and quote are real."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kefu.core import policies
from kefu.core.errors import DomainError
from kefu.orders.models import Order

from . import services
from .models import AftersalesCase

TEXT = {
    "zh-hans": {
        "quality": ("围巾有线头，还起球了，要退货退款。", "买家：收到就发现起球了，图片已发。"),
        "no_reason": ("颜色和图片不一样，不喜欢，七天无理由退货。", "买家：不太喜欢，可以退吗？"),
        "wrong_size": ("尺码偏小，想换大一号。", "买家：M码太紧了，能换L吗？"),
        "missing_part": ("少了一个配件（腰带）。", "买家：包裹里没有腰带。"),
        "other": ("付款后缺货，联系顾客换款。", "客服：这款暂时缺货，给您推荐相似款。"),
    },
    "ko": {
        "quality": (
            "목도리에 보풀이 있어요. 반품 환불 원합니다.",
            "구매자: 받자마자 보풀이 있었어요.",
        ),
        "no_reason": ("색상이 사진과 달라요. 단순 변심 반품.", "구매자: 마음에 안 들어요."),
        "wrong_size": (
            "사이즈가 작아요. 한 치수 큰 걸로 교환 원해요.",
            "구매자: L로 바꿀 수 있나요?",
        ),
        "missing_part": ("벨트가 빠져 있어요.", "구매자: 상자에 벨트가 없어요."),
        "other": ("결제 후 품절: 다른 스타일을 안내했습니다.", "상담원: 비슷한 상품을 추천드려요."),
    },
    "en": {
        "quality": (
            "The scarf is pilling; return and refund please.",
            "Buyer: pilling on arrival.",
        ),
        "no_reason": (
            "Colour differs from the photo; no-reason return.",
            "Buyer: I don't like it.",
        ),
        "wrong_size": ("Too small, exchange for one size up.", "Buyer: can I get an L?"),
        "missing_part": ("The belt is missing.", "Buyer: no belt in the box."),
        "other": ("Out of stock after payment: offered another style.", "Agent: a similar style?"),
    },
}

# (kind, reason, actions): each action is (name, who, data); reaching every state.
W = {"waybill": "SF{n}"}
RETURN = [("agree", "agent", {}), ("ship_return", "agent", W), ("receive", "warehouse", {})]
OK = ("inspect", "warehouse", {"condition": "resellable", "accessories_complete": True})
WORN = ("inspect", "warehouse", {"condition": "worn", "accessories_complete": False})
PAY = ("confirm_refund", "finance", {"amount": "due", "reference": "PAY-{n}"})
PATHS = [
    ("return_refund", "quality", []),
    ("return_refund", "no_reason", []),
    ("return_refund", "quality", [("agree", "agent", {}), ("reject", "agent", {})]),
    ("return_refund", "no_reason", [("agree", "agent", {})]),
    ("return_refund", "quality", RETURN[:2]),
    ("return_refund", "no_reason", RETURN),
    ("return_refund", "no_reason", [*RETURN, WORN]),
    ("return_refund", "quality", [*RETURN, OK]),
    ("return_refund", "quality", [*RETURN, OK, PAY]),
    ("return_refund", "no_reason", [*RETURN, WORN, ("offer_alternative", "agent", {})]),
    ("return_refund", "no_reason", [("cancel", "agent", {})]),
    ("exchange", "wrong_size", [("agree", "agent", {})]),
    ("exchange", "wrong_size", [*RETURN, OK]),
    ("exchange", "quality", [*RETURN, OK, ("reship", "warehouse", W)]),
    ("refund_only", "quality", []),
    ("refund_only", "quality", [("agree", "agent", {})]),
    ("refund_only", "quality", [("agree", "agent", {}), PAY]),
    ("resend_part", "missing_part", []),
    ("resend_part", "missing_part", [("resend", "warehouse", W)]),
    (
        "resend_part",
        "missing_part",
        [("resend", "warehouse", W), ("confirm_received", "agent", {})],
    ),
    ("out_of_stock", "other", []),
    ("out_of_stock", "other", [("wait_restock", "agent", {})]),
    ("out_of_stock", "other", [("switch_style", "agent", {})]),
    ("out_of_stock", "other", [("choose_refund", "agent", {})]),
]
REASONS = {
    "reject": "退款金额与商品不符，请修改申请",
    "cancel": "买家撤销申请",
    "offer_alternative": "已补偿VIP与下次包邮",
}


def load(builder) -> dict[str, int]:
    rng, users = builder.rng, builder.users
    orders = list(
        Order.objects.filter(is_demo=True, delivered_at__isnull=False)
        .select_related("shop", "customer")
        .prefetch_related("items")
        .order_by("pk")[:2000]
    )
    orders = [o for o in orders if o.items.all()]
    if not orders:
        return {"aftersales_cases": 0}
    rng.shuffle(orders)
    for shop in {o.shop for o in orders}:
        if shop.currency in ("KRW", "JPY"):  # one parcel's postage in that currency
            policies.set_value(
                actor=None, key="aftersales.standard_postage", value="3000", shop=shop
            )
    made = 0
    serial = 7_000_000
    for round_ in range(2):
        for kind, reason, path in PATHS:
            if not orders:
                break
            order = orders.pop()
            serial += 1
            lang = order.shop.language if order.shop.language in TEXT else "en"
            description, chat = TEXT[lang][reason if reason in TEXT[lang] else "other"]
            if round_ == 0 and made % 5 == 0 and order.auto_confirm_at is None:
                Order.objects.filter(pk=order.pk).update(
                    auto_confirm_at=builder.now + dt.timedelta(hours=rng.randint(6, 40))
                )
                order.refresh_from_db()
            try:
                case = services.create_case(
                    actor=users["agent" if made % 2 else "agent2"],
                    order=order,
                    kind=kind,
                    reason=reason,
                    items=[(i.pk, i.quantity) for i in order.items.all()[:2]],
                    description=description,
                    chat_excerpt=chat,
                    issue_source=rng.choice(["chat", "phone", "marketplace"]),
                    issue_type=kind,
                    handler=users[rng.choice(["agent", "agent2", "agent3", "lead"])],
                    invoice_issued=order.shop.store_type == "mall" and made % 3 == 0,
                )
                for action, who, data in path:
                    data = {
                        k: (v.format(n=serial) if isinstance(v, str) else v)
                        for k, v in data.items()
                    }
                    if data.get("amount") == "due":
                        data["amount"] = str(case.refund_due)
                    case = services.act(
                        actor=users[who],
                        case=case,
                        action=action,
                        reason=REASONS.get(action, ""),
                        data=data,
                    )
            except DomainError as exc:  # an odd demo order; skip it, keep the rest
                builder.out(f"demo after-sales: skipped order {order.pk}: {exc.message}")
                continue
            made += 1
    _spread_receipts(builder)
    services.flag_deadlines(timezone.now())
    return {"aftersales_cases": AftersalesCase.objects.filter(order__is_demo=True).count()}


def _spread_receipts(builder) -> None:
    """Parcels came in over the last two days, some after the cut-off: realistic batches."""
    received = AftersalesCase.objects.filter(order__is_demo=True, received_at__isnull=False)
    for case in received.select_related("shop"):
        at = builder.now - dt.timedelta(
            hours=builder.rng.randint(1, 44), minutes=builder.rng.randint(0, 59)
        )
        AftersalesCase.objects.filter(pk=case.pk).update(
            received_at=at,
            handover_date=services.handover_date(at, case.shop),
            inspected_at=at + dt.timedelta(minutes=20) if case.inspected_at else None,
        )


def delete() -> int:
    """Remove the demo cases (and their items, evidence and refunds) before the orders go."""
    cases = AftersalesCase.objects.filter(order__is_demo=True)
    n = cases.count()
    cases.delete()
    return n
