"""Demo rows for keeping customers: waitlists (waiting and notified), unpaid-order
reminders and care campaigns with their deliveries, in zh / ko / en. Waitlist entries,
reminders and deliveries hang on demo customers and orders; demo campaigns carry
``is_demo`` and :func:`delete` removes them."""

from __future__ import annotations

from datetime import timedelta

from kefu.customers.models import Customer, Segment
from kefu.orders.models import Order, OrderItem
from kefu.retention import messages, rules
from kefu.retention.models import (
    Campaign,
    CampaignDelivery,
    MessageTemplate,
    UnpaidReminder,
    WaitlistEntry,
)
from kefu.retention.services import reachable

CAMPAIGNS = [
    (
        "冬季关怀 · Winter care",
        Segment.VIP,
        -5,
        {
            "zh-hans": "{name}，天冷了注意保暖！感谢一年来的支持，VIP会员冬装八折。",
            "ko": "{name}님, 날씨가 추워졌어요. VIP 고객님께 겨울 상품 20% 할인을 드려요.",
            "en": "Stay warm, {name}! VIP members get 20% off the winter collection.",
        },
    ),
    (
        "VIP 新品预览 · VIP preview",
        Segment.VIP,
        -2,
        {
            "zh-hans": "{name}，春季新品抢先看，VIP专享提前购。",
            "ko": "{name}님, 봄 신상품을 VIP 고객님께 먼저 보여드려요.",
            "en": "{name}, preview the spring collection before anyone else.",
        },
    ),
    (
        "中秋问候 · Mid-autumn greeting",
        Segment.EXISTING,
        10,
        {
            "zh-hans": "{name}，中秋快乐，月圆人团圆！",
            "ko": "{name}님, 즐거운 추석 보내세요!",
            "en": "Happy Mid-autumn Festival, {name}!",
        },
    ),
]


def load(builder) -> dict[str, int]:
    rng, now = builder.rng, builder.now
    lead = builder.users.get("lead")
    items = list(
        OrderItem.objects.filter(order__is_demo=True)
        .exclude(style_no="")
        .select_related("order__customer", "order__shop")
        .order_by("pk")[:300]
    )
    rng.shuffle(items)
    entries = []
    seen = set()
    for i, item in enumerate(items[:40]):
        key = (item.order.shop_id, item.order.customer_id, item.style_no, item.size)
        if key in seen:
            continue
        seen.add(key)
        notified = i % 3 == 0
        entry = WaitlistEntry(
            shop_id=item.order.shop_id,
            customer_id=item.order.customer_id,
            style_no=item.style_no,
            size=item.size,
            created_at=now - timedelta(days=rng.randint(1, 20)),
            created_by=builder.users.get(rng.choice(["agent", "agent2", "agent3"])),
        )
        if notified:
            language, text = messages.render(
                MessageTemplate.Kind.RESTOCK,
                item.order.customer,
                {"style_no": item.style_no, "size": item.size, "shop": item.order.shop.name},
            )
            entry.status = WaitlistEntry.Status.NOTIFIED
            entry.notified_at = now - timedelta(hours=rng.randint(1, 48))
            entry.language, entry.message = language, text
        entries.append(entry)
    WaitlistEntry.objects.bulk_create(entries)

    reminders = []
    unpaid = Order.objects.filter(is_demo=True, status=Order.Status.UNPAID).select_related(
        "customer", "shop"
    )
    for i, order in enumerate(unpaid.order_by("-placed_at", "-pk")[:30]):
        days = rules.UNPAID_HOLD_DAYS.get(shop=order.shop)
        language, text = messages.render(
            MessageTemplate.Kind.UNPAID,
            order.customer,
            {"order": order.external_id, "shop": order.shop.name, "hold_days": days},
        )
        done = rng.random() < 0.3 and i > 0  # the newest one always waits for a call
        reminders.append(
            UnpaidReminder(
                order=order,
                customer=order.customer,
                created_at=order.placed_at + timedelta(minutes=40),
                hold_until=order.placed_at + timedelta(days=days),
                language=language,
                message=text,
                status=UnpaidReminder.Status.DONE if done else UnpaidReminder.Status.OPEN,
                done_at=now if done else None,
                done_by=builder.users.get("agent") if done else None,
            )
        )
    UnpaidReminder.objects.bulk_create(reminders)

    deliveries = 0
    for name, segment, days, texts in CAMPAIGNS:
        campaign = Campaign.objects.create(
            name=name,
            segment=segment,
            messages=texts,
            scheduled_for=now + timedelta(days=days),
            created_by=lead,
            is_demo=True,
        )
        if days > 0:
            continue  # still scheduled
        run_at = now + timedelta(days=days)
        people = (
            Customer.objects.filter(is_demo=True, segment=segment)
            .annotate(can_reach=reachable())
            .order_by("pk")[:60]
        )
        rows = []
        for customer in people:
            recent = CampaignDelivery.objects.filter(
                customer=customer,
                outcome=CampaignDelivery.Outcome.SENT,
                created_at__gt=run_at - timedelta(days=rules.MARKETING_WINDOW_DAYS.get()),
            ).exists() or any(r.customer_id == customer.pk for r in rows)
            language, text = "", ""
            if customer.no_marketing:
                outcome = CampaignDelivery.Outcome.NO_CONSENT
            elif not customer.can_reach:
                outcome = CampaignDelivery.Outcome.NO_CONTACT
            elif recent:
                outcome = CampaignDelivery.Outcome.FREQUENCY_CAP
            else:
                outcome = CampaignDelivery.Outcome.SENT
                language = messages.language_of(customer)
                text = messages.fill(texts.get(language, texts["en"]), {"name": customer.name})
            rows.append(
                CampaignDelivery(
                    campaign=campaign,
                    customer=customer,
                    outcome=outcome,
                    language=language,
                    message=text,
                    created_at=run_at,
                )
            )
        CampaignDelivery.objects.bulk_create(rows)
        deliveries += len(rows)
        Campaign.objects.filter(pk=campaign.pk).update(
            status=Campaign.Status.DONE, last_run_at=run_at
        )
    return {
        "waitlist_entries": len(entries),
        "unpaid_reminders": len(reminders),
        "campaign_deliveries": deliveries,
    }


def delete() -> int:
    deleted, _ = Campaign.objects.filter(is_demo=True).delete()
    return deleted
