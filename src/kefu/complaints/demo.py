"""Demo complaints: every step of the loop in Chinese, Korean and English, some overdue,
spread over the last year so the classification table has quarters to compare.

The complaints hang on demo customers (and their orders), so a demo reset removes them.
Each one walks the real workflow (services.act), so its history reads like real work.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from kefu.complaints import services
from kefu.complaints.models import Complaint, Status
from kefu.customers.models import Customer
from kefu.orders.models import Order

# (category, severity, channel, content, cause, solutions, accountable, measure)
TEXTS = {
    "zh-hans": [
        (
            "quality",
            "high",
            "chat",
            "收到的羊绒围巾有两处起球，洗了一次就变形了，要求换新。",
            "该批次面料捻度不足，质检抽检漏检。",
            ["换新并补偿20元优惠券", "全额退款，无需退回"],
            "质检部 王工",
            "质检抽检比例由5%提高到10%，王工本月绩效扣减",
        ),
        (
            "service",
            "medium",
            "phone",
            "客服三次说今天发货，结果一周都没发，态度还很敷衍。",
            "客服未核实库存就承诺发货时间。",
            ["向顾客致歉并补发顺丰", "赠送VIP会员一年"],
            "客服组 小李",
            "重新培训“不轻易承诺”的服务规范",
        ),
        (
            "emergency",
            "critical",
            "phone",
            "孩子穿了新买的外套后皮肤红肿，要求说明面料成分。",
            "外套内衬染料批次异常，已送检。",
            ["立即全额退款并承担就医费用", "下架同批次商品"],
            "采购部 张经理",
            "暂停该供应商，全部同批次商品下架送检",
        ),
        (
            "general",
            "low",
            "marketplace",
            "页面写包邮，结算时却收了运费。",
            "活动结束后页面文案未及时更新。",
            ["退还运费"],
            "运营部",
            "活动下线检查清单增加页面文案一项",
        ),
        (
            "quality",
            "medium",
            "chat",
            "衬衫纽扣掉了两颗，包装里也没有备用扣。",
            "缝纫工序线头未锁紧。",
            ["寄送同款纽扣并补偿10元", "换新"],
            "生产车间",
            "缝纫工序增加拉力抽检",
        ),
    ],
    "ko": [
        (
            "quality",
            "high",
            "chat",
            "니트 소매에 구멍이 나 있어요. 새 상품으로 교환해 주세요.",
            "포장 전 검수에서 놓친 불량입니다.",
            ["새 상품 교환 및 쿠폰 지급", "전액 환불"],
            "물류센터 검수팀",
            "출고 전 검수 체크리스트에 소매·밑단 확인 추가",
        ),
        (
            "service",
            "medium",
            "phone",
            "상담원이 반품 접수를 해 준다고 했는데 연락이 없어요.",
            "상담 기록 없이 구두로만 약속했습니다.",
            ["즉시 반품 접수 후 회수 기사 배정"],
            "상담팀 김 매니저",
            "모든 약속은 티켓에 기록하도록 재교육",
        ),
        (
            "general",
            "low",
            "web",
            "배송 조회 번호가 맞지 않아요.",
            "송장 번호 입력 오류.",
            ["정확한 송장 번호 안내 및 사과"],
            "출고 담당",
            "송장 입력 이중 확인",
        ),
        (
            "emergency",
            "critical",
            "phone",
            "택배 상자가 젖어 있고 옷에서 곰팡이 냄새가 나요.",
            "창고 누수로 일부 재고가 습기에 노출되었습니다.",
            ["전액 환불 및 사과 선물", "새 상품 긴급 발송"],
            "창고 관리팀",
            "누수 구역 재고 전수 점검, 방수 조치",
        ),
    ],
    "en": [
        (
            "quality",
            "high",
            "email",
            "The zip on my jacket broke on the second day. I want a replacement.",
            "A faulty batch of zips from one supplier.",
            ["Replace the jacket and refund shipping", "Full refund, keep the item"],
            "Sourcing team",
            "Supplier warned; incoming zips now sampled",
        ),
        (
            "service",
            "medium",
            "chat",
            "Your agent closed my chat while I was still typing.",
            "The chat was closed by the idle timer too early.",
            ["Apologise and offer free shipping next time"],
            "Support team lead",
            "Idle timer raised and agents retrained",
        ),
        (
            "general",
            "low",
            "web",
            "I was charged in the wrong currency.",
            "The checkout showed the store currency by default.",
            ["Refund the conversion fee"],
            "E-commerce team",
            "Checkout now shows the buyer's currency",
        ),
        (
            "quality",
            "medium",
            "email",
            "The colour of the scarf is much darker than on the photos.",
            "Product photos were over-exposed.",
            ["Exchange for another colour", "Partial refund of 20%"],
            "Content team",
            "Photos re-shot under a colour-checked light",
        ),
    ],
}

SHOPS = {"zh-hans": ["demo-tmall", "demo-taobao"], "ko": ["demo-coupang"], "en": ["demo-shopify"]}
# Where each demo complaint stops, in turn: every state several times.
TARGETS = [
    Status.REGISTERED,
    Status.INVESTIGATING,
    Status.CAUSE_FOUND,
    Status.SOLUTIONS_PROPOSED,
    Status.IMPLEMENTING,
    Status.AWAITING_CONFIRMATION,
    Status.FOLLOWING_UP,
    Status.FOLLOWED_UP,
    Status.CLOSED,
    "dismissed",
    Status.CLOSED,
    Status.SOLUTIONS_PROPOSED,
    Status.REGISTERED,
]
ORDER = [
    Status.REGISTERED,
    Status.INVESTIGATING,
    Status.CAUSE_FOUND,
    Status.SOLUTIONS_PROPOSED,
    Status.IMPLEMENTING,
    Status.AWAITING_CONFIRMATION,
    Status.FOLLOWING_UP,
    Status.FOLLOWED_UP,
    Status.CLOSED,
]
REPLY = {
    "zh-hans": "您好，非常理解您的心情，我们已详细核实，给您说明一下情况……",
    "ko": "고객님, 불편을 드려 죄송합니다. 확인한 내용을 자세히 안내해 드리겠습니다.",
    "en": "We understand how this feels; here is what we found when we checked.",
}
ACCEPTANCE = {
    "zh-hans": "顾客在旺旺上确认接受方案",
    "ko": "고객이 채팅으로 해결 방안 수락을 확인함",
    "en": "Customer confirmed by email that they accept the solution",
}
FOLLOWUP = {
    "zh-hans": "回访：顾客表示满意，感谢及时处理",
    "ko": "해피콜: 고객 만족, 빠른 처리에 감사",
    "en": "Follow-up call: the customer is satisfied",
}
DEPARTMENT = {"zh-hans": "质检部", "ko": "품질관리팀", "en": "Quality team"}


def _customers(lang: str, slugs: list[str]) -> list[tuple[Customer, Order | None]]:
    orders = (
        Order.objects.filter(customer__is_demo=True, customer__language=lang, shop__slug__in=slugs)
        .select_related("customer", "shop")
        .order_by("-placed_at")[:60]
    )
    seen, out = set(), []
    for order in orders:
        if order.customer_id not in seen:
            seen.add(order.customer_id)
            out.append((order.customer, order))
    return out


def _walk(c: Complaint, target: str, text, lang: str, people: dict) -> Complaint:
    agent, lead = people["agent"], people["lead"]
    _cat, _sev, _ch, _content, cause, solutions, accountable, measure = text
    if target == "dismissed":
        return services.act(
            actor=lead,
            complaint=c,
            action="dismiss",
            reason="unfounded after checking the order and the photos",
            reply=REPLY[lang],
        )
    goal = ORDER.index(target)
    steps = [
        ("judge_founded", agent, {"department": DEPARTMENT[lang], "reply": REPLY[lang]}),
        ("record_cause", people["agent2"], {"cause": cause, "owner": people["agent2"].pk}),
        ("propose", agent, {"description": solutions[0]}),
        ("choose_solution", lead, {"instruction": solutions[0]}),
        (
            "implement",
            people["agent2"],
            {
                "implementation_note": solutions[0],
                "accountable": accountable,
                "accountability_measure": measure,
            },
        ),
        ("confirm", agent, {"acceptance": ACCEPTANCE[lang]}),
        ("record_followup", people["agent3"], {"followup_note": FOLLOWUP[lang]}),
        ("close", agent, {}),
    ]
    for i, (action, actor, fields) in enumerate(steps[:goal]):
        if action == "choose_solution":
            fields = {**fields, "solution": c.solutions.order_by("id").first().pk}
        c = services.act(actor=actor, complaint=c, action=action, **fields)
        if action == "propose" and len(solutions) > 1 and i < goal:
            c = services.act(actor=lead, complaint=c, action="propose", description=solutions[1])
    return c


def load(builder) -> dict[str, int]:
    rng, now, users = builder.rng, builder.now, builder.users
    people = {name: users[name] for name in ("agent", "agent2", "agent3", "lead")}
    made = 0
    overdue = 0
    for lang, texts in TEXTS.items():
        slugs = [s for s in SHOPS[lang] if s in builder.shops]
        pairs = _customers(lang, slugs)
        if not pairs:
            continue
        for n, target in enumerate(TARGETS):
            text = texts[n % len(texts)]
            customer, order = pairs[n % len(pairs)]
            category, severity, channel, content = text[:4]
            days_ago = rng.randint(0, 330) if target in (Status.CLOSED, "dismissed") else 0
            occurred = now - dt.timedelta(days=days_ago, hours=rng.randint(2, 40))
            c = services.register_complaint(
                actor=people["agent"],
                customer=customer,
                order=order,
                content=content,
                channel=channel,
                category=category,
                severity=severity,
                complainant_name=customer.name,
                occurred_at=occurred,
            )
            c = _walk(c, target, text, lang, people)
            # Date the file back so the lists look lived in; every third open one is late.
            late = c.status != Status.CLOSED and n % 3 == 0
            update = {"registered_at": occurred + dt.timedelta(minutes=rng.randint(5, 90))}
            if late:
                update["due_at"] = now - dt.timedelta(hours=rng.randint(2, 60))
                overdue += 1
            Complaint.objects.filter(pk=c.pk).update(**update)
            made += 1
    services.flag_overdue(now)
    # More closed history for the classification table: the same texts, earlier quarters.
    for lang, texts in TEXTS.items():
        pairs = _customers(lang, [s for s in SHOPS[lang] if s in builder.shops])
        for n in range(len(pairs) and 10):
            customer, order = pairs[(n + 3) % len(pairs)]
            category, severity, channel, content = texts[(n * 7) % len(texts)][:4]
            occurred = now - dt.timedelta(days=rng.randint(95, 360))
            c = services.register_complaint(
                actor=people["agent"],
                customer=customer,
                order=order,
                content=content,
                channel=channel,
                category=category,
                severity=severity,
                occurred_at=occurred,
            )
            _walk(c, Status.CLOSED, texts[(n * 7) % len(texts)], lang, people)
            Complaint.objects.filter(pk=c.pk).update(registered_at=occurred)
            made += 1
    by_status = dict(
        Complaint.objects.filter(customer__is_demo=True)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    builder.out(
        f"complaints: {made} ({overdue} overdue; "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items()))
        + ")"
    )
    return {"complaints": made, "complaints_overdue": overdue}
