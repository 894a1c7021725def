"""Demo follow-up calls and surveys: rules, call scripts in 中文 / 한국어 / English, an event
per shop with invited customers, calls in every state (overdue ones too) and survey
answers. Calls, invitations and surveys hang on demo customers and tickets, and events
carry ``is_demo``, so a demo reset removes them; the scripts and rules stay as settings.
"""

from __future__ import annotations

import datetime as dt

from kefu.customers.models import Customer
from kefu.followups import services, surveys
from kefu.followups.models import (
    CallScript,
    Event,
    FollowUpRule,
    FollowUpTask,
    Invitation,
    Reason,
    Satisfaction,
)
from kefu.orders.models import Order

# 003: greet and identify → thank for the service on DATE → satisfied? → suggestions or
# what to improve, apologise → thank and close.
SCRIPTS = {
    Reason.DELIVERY: (
        "您好，请问是{name}吗？我是云裳的客服。感谢您{date}收到的订单{order}，"
        "请问商品和服务您还满意吗？有什么需要我们改进的地方吗？感谢您的支持，祝您生活愉快！",
        "안녕하세요, {name} 고객님 맞으신가요? 윤샹 고객센터입니다. {date}에 받으신 주문 {order} "
        "관련해서 연락드렸습니다. 상품과 서비스는 만족스러우셨나요? "
        "개선할 점이 있으면 말씀해 주세요. "
        "감사합니다!",
        "Hello, is this {name}? This is Yunshang customer care. Thank you for your order "
        "{order}, delivered on {date}. Were you happy with the item and our service? Is "
        "there anything we could do better? Thank you, and have a nice day!",
    ),
    Reason.SECOND: (
        "您好{name}，我是云裳客服。上次回访时您提到的问题，我们已经跟进。"
        "最近衣服穿着还合适吗？需要洗涤保养方面的建议吗？",
        "안녕하세요 {name} 고객님, 윤샹입니다. 지난번 말씀하신 부분은 확인했습니다. "
        "요즘 착용해 보시니 어떠세요? 세탁이나 관리 방법 안내가 필요하신가요?",
        "Hello {name}, Yunshang here again. We followed up on what you told us last time. "
        "How is the item wearing? Would care or washing tips help?",
    ),
    Reason.COMPLAINT: (
        "您好{name}，我是云裳客服主管。关于您{date}的投诉，我们已经处理完毕，"
        "想确认一下您对处理结果是否满意？再次向您致歉，感谢您的理解。",
        "안녕하세요 {name} 고객님, 윤샹 상담팀장입니다. "
        "{date}에 접수하신 불편 사항은 처리되었습니다. "
        "처리 결과에 만족하시는지 확인차 연락드렸습니다. 다시 한 번 사과드립니다.",
        "Hello {name}, this is the Yunshang service lead. Your complaint of {date} has been "
        "handled; we'd like to check you are satisfied with the outcome. We apologise again.",
    ),
    Reason.EVENT: (
        "您好{name}，云裳将于{date}举办会员日活动，届时有专属折扣和新品预览，"
        "诚挚邀请您参加。我们会在两天内发送详细通知。",
        "안녕하세요 {name} 고객님, 윤샹이 {date}에 회원의 날 행사를 엽니다. 전용 할인과 신상품 "
        "미리보기가 준비되어 있습니다. 자세한 안내는 이틀 안에 보내 드리겠습니다.",
        "Hello {name}, Yunshang holds a members' day on {date} with exclusive discounts and "
        "a preview of new arrivals. We'll send the details within two days.",
    ),
    Reason.MEMBER: (
        "您好{name}，我是您的专属客服。想了解一下您最近的穿着需求，"
        "新品到货时需要第一时间通知您吗？",
        "안녕하세요 {name} 고객님, 전담 상담원입니다. 요즘 찾으시는 스타일이 있으신가요? "
        "신상품 입고 시 먼저 알려 드릴까요?",
        "Hello {name}, this is your personal advisor at Yunshang. Is there anything you are "
        "looking for lately? Shall we tell you first when new arrivals come in?",
    ),
}

IMPROVE = {
    "zh-hans": ["快递太慢了，等了五天", "尺码偏小，建议详情页写清楚", "包装有点简陋"],
    "ko": ["배송이 너무 늦었어요", "사이즈가 작게 나와요", "포장이 조금 아쉬워요"],
    "en": ["Delivery took too long", "The size runs small", "The packaging was flimsy"],
}
SUGGEST = {
    "zh-hans": ["希望多出几个颜色", "会员积分可以抵运费就好了"],
    "ko": ["색상이 더 많았으면 좋겠어요", "적립금으로 배송비를 낼 수 있으면 좋겠어요"],
    "en": ["More colours, please", "Let points pay for shipping"],
}
COMMENTS = {
    "zh-hans": ["客服很耐心，谢谢！", "回复有点慢", "问题解决了，很满意"],
    "ko": ["친절하게 답변해 주셔서 감사합니다", "답변이 조금 늦었어요", "빠르게 해결됐어요"],
    "en": ["Very helpful, thanks!", "Took a while to get an answer", "Solved quickly"],
}
EVENTS = {
    "zh-hans": "春季会员日",
    "ko": "봄맞이 회원의 날",
    "en": "Spring members' day",
}


def _scripts() -> int:
    """The default scripts where an admin has not written one; kept across resets."""
    for reason, (zh, ko, en) in SCRIPTS.items():
        CallScript.objects.get_or_create(
            shop=None, reason=reason, defaults={"text_zh": zh, "text_ko": ko, "text_en": en}
        )
    return CallScript.objects.count()


def _pick(rng, items):
    return rng.choice(items) if items else None


def _past_due_calls(builder) -> int:
    """Calls whose window ended without a call: the overdue rows."""
    rule = services.rule_for(None, Reason.DELIVERY)
    if rule is None:
        return 0
    now = builder.now
    orders = Order.objects.filter(
        customer__is_demo=True,
        customer__in=Customer.objects.callable(),
        delivered_at__gte=now - dt.timedelta(days=14),
        delivered_at__lt=now - dt.timedelta(days=8),
    ).select_related("shop", "customer")[:8]
    n = 0
    for order in orders:
        start, end = services.window(rule, order.delivered_at, order.customer, order.shop)
        task = services.plan_call(
            rule=rule,
            source_kind=FollowUpTask.Source.ORDER,
            source_id=order.pk,
            customer=order.customer,
            shop=order.shop,
            start=start,
            end=end,
            order=order,
            service_date=order.delivered_at.date(),
        )
        n += task is not None
    return n


def _events(builder) -> int:
    n = 0
    for shop in builder.shops.values():
        language = shop.language if shop.language in EVENTS else "en"
        event = Event.objects.create(
            shop=shop,
            title=EVENTS[language],
            starts_at=builder.now + dt.timedelta(days=builder.rng.choice((16, 20, 25))),
            is_demo=True,
        )
        buyers = list(Customer.objects.filter(is_demo=True, orders__shop=shop).distinct()[:5])
        for customer in buyers:
            Invitation.objects.get_or_create(event=event, customer=customer)
        n += 1
    return n


def _work(builder, tasks: list[FollowUpTask]) -> dict[str, int]:
    """Walk some calls through the real services so every state shows."""
    rng, users = builder.rng, builder.users
    lead = users.get("lead")
    counts = {"done": 0, "rescheduled": 0, "failed": 0, "cancelled": 0, "tickets": 0}
    for i, task in enumerate(tasks):
        actor = task.owner or lead
        if actor is None:
            continue
        lang = task.customer.language if task.customer.language in IMPROVE else "en"
        kind = i % 6
        if kind in (0, 1):
            satisfaction = [
                Satisfaction.SATISFIED,
                Satisfaction.SATISFIED,
                Satisfaction.NEUTRAL,
                Satisfaction.UNSATISFIED,
            ][i % 4]
            done = services.record_attempt(
                actor=actor,
                task=task,
                outcome="reached",
                satisfaction=satisfaction,
                to_improve=rng.choice(IMPROVE[lang]) if satisfaction != "satisfied" else "",
                suggestions=rng.choice(SUGGEST[lang]),
            )
            counts["done"] += 1
            if satisfaction == Satisfaction.UNSATISFIED:
                services.open_ticket(actor=actor, task=done)
                counts["tickets"] += 1
        elif kind == 2:
            services.record_attempt(actor=actor, task=task, outcome="no_answer")
            services.record_attempt(
                actor=actor,
                task=task,
                outcome="call_back",
                call_back_at=builder.now + dt.timedelta(hours=rng.choice((3, 26, 50))),
            )
            counts["rescheduled"] += 1
        elif kind == 3:
            services.record_attempt(actor=actor, task=task, outcome="wrong_number")
            counts["failed"] += 1
        elif kind == 4 and lead is not None and i % 12 == 4:
            services.change_status(
                actor=lead, task=task, action="cancel", reason="客户已到店处理 / visited the store"
            )
            counts["cancelled"] += 1
        # the rest stay open
    return counts


def _surveys(builder) -> int:
    surveys.create_for_solved(builder.now)
    rng = builder.rng
    answered = 0
    for i, survey in enumerate(
        surveys.Survey.objects.filter(customer__is_demo=True, answered_at__isnull=True)
        .select_related("ticket")
        .order_by("pk")
    ):
        if i % 3 == 2:
            continue  # some wait for an answer
        lang = survey.language if survey.language in COMMENTS else "en"
        surveys.answer(
            token=surveys.token_for(survey),
            rating=rng.choice((5, 5, 4, 4, 3, 2, 1)),
            comment=rng.choice(COMMENTS[lang]) if i % 2 else "",
        )
        answered += 1
    return answered


def load(builder) -> dict[str, int]:
    services.ensure_default_rules()
    scripts = _scripts()
    coupang = builder.shops.get("demo-coupang")
    if coupang is not None:  # a shop with its own numbers: calls a little sooner
        FollowUpRule.objects.get_or_create(
            shop=coupang, reason=Reason.DELIVERY, defaults={"offset_days": 2, "window_days": 4}
        )
    events = _events(builder)
    overdue = _past_due_calls(builder)
    planned = services.plan_all(builder.now)
    tasks = list(
        FollowUpTask.objects.filter(customer__is_demo=True, status=FollowUpTask.Status.OPEN)
        .select_related("customer", "shop", "owner")
        .order_by("pk")
    )
    # leave the overdue ones open; work a share of the others
    active = [t for t in tasks if t.due_end >= builder.now][:36]
    worked = _work(builder, active)
    answered = _surveys(builder)
    return {
        "follow-up calls": sum(planned.values()) + overdue,
        "call scripts": scripts,
        "events": events,
        "survey answers": answered,
        **{f"calls {k}": v for k, v in worked.items() if k != "tickets"},
    }


def delete() -> int:
    n, _ = Event.objects.filter(is_demo=True).delete()
    return n
