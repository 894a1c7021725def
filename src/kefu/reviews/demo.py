"""Demo reviews: neutral and negative reviews on demo orders, in every state, in the
buyer's language (zh / ko / en). They hang on demo orders, so a demo reset removes them."""

from __future__ import annotations

from datetime import timedelta

from kefu.orders.models import Order
from kefu.reviews.models import Review

TEXTS = {
    "zh-hans": [
        ("size", "尺码偏小，平时穿M这次M穿不上", "换大一码"),
        ("logistics", "物流太慢了，等了一个星期才到", "希望以后发顺丰"),
        ("product", "颜色和图片差很多，有色差", "想退货"),
        ("service", "客服回复太慢，问了半天没人理", "希望有人道歉"),
        ("product", "线头很多，做工一般", "补偿一点"),
    ],
    "ko": [
        ("size", "사이즈가 너무 작아요. 평소 M인데 안 맞아요", "한 치수 큰 걸로 교환"),
        ("logistics", "배송이 너무 늦었어요", "다음엔 빨리 받고 싶어요"),
        ("product", "사진이랑 색상이 달라요", "반품 원해요"),
        ("service", "문의 답변이 너무 늦어요", "사과를 원해요"),
    ],
    "en": [
        ("size", "Runs small, had to give it away", "Exchange for a larger size"),
        ("logistics", "Took ten days to arrive and the box was crushed", "Faster shipping"),
        ("product", "Stitching came loose after one wash", "Refund or replacement"),
        ("service", "Nobody answered my chat for two days", "An apology"),
    ],
}
# every state, several times: the list and the measures have something in each
STATES = [
    "flagged",
    "flagged",
    "flagged",
    "analysed",
    "analysed",
    "contacted",
    "contacted",
    "resolved",
    "resolved",
    "revision_requested",
    "revision_requested",
    "revised",
    "revised",
    "revised",
    "revised",
    "declined",
    "declined",
]
RESOLUTION = {
    "size": "exchange",
    "product": "return",
    "logistics": "free_shipping",
    "service": "vip",
}


def load(builder) -> dict[str, int]:
    rng, now = builder.rng, builder.now
    agents = [
        builder.users[name] for name in ("agent", "agent2", "agent3") if name in builder.users
    ]
    orders = list(
        Order.objects.filter(
            is_demo=True, status__in=[Order.Status.DELIVERED, Order.Status.COMPLETED]
        )
        .select_related("customer")
        .order_by("pk")[:400]
    )
    by_language: dict[str, list[Order]] = {}
    for order in orders:
        by_language.setdefault(order.customer.language, []).append(order)
    rows = []
    n = 0
    for language, texts in TEXTS.items():
        pool = by_language.get(language, [])
        rng.shuffle(pool)
        for i, state in enumerate(STATES):
            if i >= len(pool):
                break
            order = pool[i]
            cause, text, need = texts[i % len(texts)]
            n += 1
            flagged = now - timedelta(hours=rng.randint(2, 24 * 40))
            review = Review(
                shop_id=order.shop_id,
                order=order,
                customer_id=order.customer_id,
                platform_review_id=f"DEMO-RV-{n:04d}",
                rating=rng.choice([1, 2, 2, 3]),
                text=text,
                reviewed_at=flagged - timedelta(hours=rng.randint(1, 12)),
                flagged_at=flagged,
                status=state,
                handler=rng.choice(agents) if agents else None,
            )
            if state != "flagged":
                review.cause = cause
                review.attitude = rng.choice(["calm", "upset", "upset", "hostile"])
                review.need = need
            if state not in ("flagged", "analysed"):
                review.contact_channel = rng.choice(["phone", "phone", "chat", "sms"])
                review.contacted_at = flagged + timedelta(hours=rng.randint(1, 30))
            if state in ("resolved", "revision_requested", "revised", "declined"):
                review.resolution = RESOLUTION[cause]
            if state in ("revision_requested", "revised", "declined"):
                review.revision_requested_at = review.contacted_at + timedelta(hours=2)
            if state in ("revised", "declined"):
                review.closed_at = review.contacted_at + timedelta(days=1)
            rows.append(review)
    Review.objects.bulk_create(rows)
    return {"reviews": len(rows)}
