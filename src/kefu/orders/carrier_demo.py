"""Demo rows for the carrier screens: tracking queries and claims in every state.

They hang on demo orders (cascade), so ``kefu demo --reset`` removes them with the orders.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Q

from kefu.core.money import quantize
from kefu.orders.models import (
    ClaimPhoto,
    DamageClaim,
    DamageClaimItem,
    Order,
    TrackingQuery,
)

ZH, KO, EN = "zh-hans", "ko", "en"
S = DamageClaim.Status
P = DamageClaim.ParcelState
O = TrackingQuery.Outcome  # noqa: E741

ORIGIN = {
    "tmall": "浙江 杭州",
    "taobao": "浙江 杭州",
    "coupang": "경기 이천",
    "shopify": "Ontario, CA",
}

DESTINATION = {
    ZH: ["北京 朝阳区", "上海 浦东新区", "广州 天河区", "成都 武侯区", "南京 鼓楼区"],
    KO: ["서울 강남구", "부산 해운대구", "대구 수성구", "인천 연수구"],
    EN: ["Brooklyn, NY", "Austin, TX", "Seattle, WA", "Denver, CO"],
}

TRACKING = {
    ZH: [
        (O.ADDRESS_CHANGED, "已按买家要求更改收货地址", "买家来电改地址，已回复买家"),
        (O.DELAYED, "快件滞留中转站，预计明日派送", "已旺旺告知买家"),
        (O.IN_TRANSIT, "已到达目的地网点，今日派送", ""),
        (O.DELIVERED, "显示已签收，放快递柜", "买家说没收到，请其查看快递柜"),
        (O.DAMAGED, "网点确认外箱破损", "准备打破损报告"),
        (O.LOST, "中转站未找到快件，确认遗失", "准备打遗失报告"),
        (O.RETURNING, "买家拒收，已退回", "待仓库收货"),
    ],
    KO: [
        (O.ADDRESS_CHANGED, "주소 변경 완료", "고객 요청으로 주소 변경, 고객에게 안내함"),
        (O.DELAYED, "허브에서 지연, 내일 배송 예정", "문자로 안내"),
        (O.IN_TRANSIT, "배송 출발", ""),
        (O.DELIVERED, "문 앞 배송 완료", "고객이 못 받았다고 함, 경비실 확인 요청"),
        (O.DAMAGED, "터미널에서 상자 파손 확인", "파손 신고 예정"),
        (O.LOST, "분실 확인", "분실 신고 예정"),
    ],
    EN: [
        (O.IN_TRANSIT, "Out for delivery today", ""),
        (O.DELAYED, "Held at the regional hub, next-day delivery", "Customer emailed"),
        (O.DELIVERED, "Delivered to the front porch", "Customer asked to check with neighbours"),
        (O.DAMAGED, "Carrier confirmed the box was crushed", "Claim to follow"),
        (O.LOST, "Trace opened; parcel declared lost", "Claim to follow"),
    ],
}

DESCRIPTION = {
    ZH: {
        P.BOX_DAMAGED: "派件途中外箱破损，内件衬衫污损",
        P.CRUSHED: "外箱被压扁，保温杯变形",
        P.WET: "雨天派送，包裹受潮，羽绒服湿透",
        P.PARTLY_MISSING: "外箱有二次封箱痕迹，少一件",
        P.LOST: "中转站确认快件遗失",
    },
    KO: {
        P.BOX_DAMAGED: "배송 중 상자 파손, 상품 오염",
        P.CRUSHED: "상자가 눌려 상품 변형",
        P.WET: "비 오는 날 배송으로 상자가 젖음",
        P.PARTLY_MISSING: "재포장 흔적, 상품 1개 누락",
        P.LOST: "터미널에서 분실 확인",
    },
    EN: {
        P.BOX_DAMAGED: "Outer box torn in transit; the jacket inside is soiled",
        P.CRUSHED: "Box crushed; the bottle is dented",
        P.WET: "Left out in the rain; the parcel arrived soaked",
        P.PARTLY_MISSING: "Box re-taped; one item missing",
        P.LOST: "Carrier trace ended: parcel lost",
    },
}
RESULT = {
    ZH: {"lost": "派件途中遗失", "other": "买家签收时开箱发现破损，已拍照"},
    KO: {"lost": "배송 중 분실", "other": "수령 시 파손 확인, 사진 첨부"},
    EN: {"lost": "Lost in transit", "other": "Damage found at delivery; photos taken"},
}
REJECTION = {
    ZH: "未保价，承运商仅按运费三倍赔付",
    KO: "보험 미가입으로 운임의 3배만 보상 가능",
    EN: "No declared value; the carrier offers three times the postage only",
}
WITHDRAWN = {ZH: "包裹已找到并派送", KO: "택배를 찾아 배송 완료", EN: "Parcel found and delivered"}
WRITE_OFF = {ZH: "差额由店铺承担", KO: "차액은 매장 부담", EN: "The shop bears the difference"}

# (state, how it ends when closed) — at least two of every state, three where it matters
PLAN = [
    (S.DRAFT, ""),
    (S.DRAFT, ""),
    (S.DRAFT, ""),
    (S.FILED, ""),
    (S.FILED, ""),
    (S.FILED, ""),
    (S.SETTLED, "full"),
    (S.SETTLED, "short"),
    (S.SETTLED, "full"),
    (S.REJECTED, ""),
    (S.REJECTED, ""),
    (S.CLOSED, DamageClaim.Outcome.PAID),
    (S.CLOSED, DamageClaim.Outcome.WRITTEN_OFF),
    (S.CLOSED, DamageClaim.Outcome.WITHDRAWN),
    (S.CLOSED, DamageClaim.Outcome.PAID),
]


def _language(order: Order) -> str:
    return {"coupang": KO, "shopify": EN}.get(order.shop.platform, ZH)


def _photo(rng) -> bytes | None:
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # pragma: no cover - Pillow comes with reportlab
        return None
    image = Image.new("RGB", (320, 240), (214, 190, 150))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 280, 200), outline=(120, 90, 50), width=6)
    x = rng.randint(90, 230)
    draw.line((x, 40, x + 40, 120, x - 10, 200), fill=(60, 40, 20), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def load(builder) -> dict[str, int]:
    rng, now, users = builder.rng, builder.now, builder.users
    shipped = list(
        Order.objects.filter(Q(is_demo=True) | Q(customer__is_demo=True))
        .exclude(waybill="")
        .exclude(shipped_at=None)
        .select_related("shop")
        .prefetch_related("items")
        .order_by("id")
    )
    if not shipped:
        return {"tracking queries": 0, "carrier claims": 0}
    handlers = [
        u for key in ("agent", "agent2", "agent3", "warehouse", "lead") if (u := users.get(key))
    ]
    by_language = {
        lang: [o for o in shipped if _language(o) == lang] or shipped for lang in (ZH, KO, EN)
    }

    queries = []
    for n in range(36):
        lang = (ZH, ZH, KO, EN)[n % 4]
        order = rng.choice(by_language[lang])
        outcome, result, note = rng.choice(TRACKING[lang])
        at = min(order.shipped_at + timedelta(hours=rng.uniform(20, 120)), now - timedelta(hours=1))
        queries.append(
            TrackingQuery(
                order=order,
                queried_at=at,
                carrier=order.carrier,
                carrier_agent_id=str(rng.randint(100, 9999)),
                waybill=order.waybill,
                outcome=outcome,
                result=result,
                customer_told=rng.random() < 0.8,
                handler=rng.choice(handlers),
                note=note,
            )
        )
    TrackingQuery.objects.bulk_create(queries)

    claims = 0
    photos = 0
    used: set[int] = set()
    for n, (state, ending) in enumerate(PLAN):
        lang = (ZH, ZH, KO, EN)[n % 4]
        candidates = [o for o in by_language[lang] if o.pk not in used] or by_language[lang]
        order = rng.choice(candidates)
        used.add(order.pk)
        parcel_state = rng.choice(list(DESCRIPTION[lang]))
        items = list(order.items.all())
        if parcel_state == P.PARTLY_MISSING and len(items) > 1:
            items = items[:1]
        value = sum((i.amount for i in items), Decimal(0)) or order.total_amount
        claimed = value + (order.shipping_fee if parcel_state == P.LOST else 0)
        age = rng.randint(1, 40) if state != S.DRAFT else rng.randint(0, 2)
        reported = now - timedelta(days=age, hours=rng.uniform(0, 8))
        claim = DamageClaim(
            order=order,
            status=state,
            report_date=reported.date(),
            waybill=order.waybill,
            carrier=order.carrier,
            carrier_agent_id=str(rng.randint(100, 9999)),
            parcel_state=parcel_state,
            ship_date=order.shipped_at.date(),
            origin=ORIGIN.get(order.shop.platform, ""),
            destination=order.shipping_address[:40] or rng.choice(DESTINATION[lang]),
            delivery_result=RESULT[lang]["lost" if parcel_state == P.LOST else "other"],
            description=DESCRIPTION[lang][parcel_state],
            currency=order.currency,
            declared_value=value,
            amount_claimed=claimed,
            handler=rng.choice(handlers),
        )
        if state != S.DRAFT:
            claim.filed_at = reported + timedelta(hours=rng.uniform(1, 20))
            claim.carrier_reference = f"CL{rng.randint(10**7, 10**8 - 1)}"
        if state == S.SETTLED or ending in (DamageClaim.Outcome.PAID,):
            paid = (
                claimed if ending != "short" else quantize(claimed * Decimal("0.6"), order.currency)
            )
            claim.amount_paid = paid
            claim.settled_at = claim.filed_at + timedelta(days=rng.randint(2, 9))
        if state == S.REJECTED or ending == DamageClaim.Outcome.WRITTEN_OFF:
            claim.rejection_reason = REJECTION[lang]
            claim.rejected_at = claim.filed_at + timedelta(days=rng.randint(2, 9))
        if state == S.CLOSED:
            claim.outcome = ending
            last = claim.settled_at or claim.rejected_at or claim.filed_at
            claim.closed_at = min(last + timedelta(days=rng.randint(1, 4)), now)
            if ending == DamageClaim.Outcome.WITHDRAWN:
                claim.rejection_reason = WITHDRAWN[lang]
        claim.save()
        DamageClaim.objects.filter(pk=claim.pk).update(created_at=reported)
        DamageClaimItem.objects.bulk_create(
            [
                DamageClaimItem(
                    claim=claim,
                    order_item=i,
                    style_no=i.style_no,
                    title=i.title,
                    quantity=i.quantity,
                    value=i.amount,
                )
                for i in items
            ]
        )
        claims += 1
        if state != S.DRAFT and n % 2 == 0:
            body = _photo(rng)
            if body:
                photo = ClaimPhoto(
                    claim=claim,
                    name="damage-1.png",
                    size=len(body),
                    content_type="image/png",
                    uploaded_by=claim.handler,
                )
                photo.file.save(f"demo-{claim.pk}.png", ContentFile(body), save=False)
                photo.save()
                photos += 1
    return {"tracking queries": len(queries), "carrier claims": claims, "claim photos": photos}
