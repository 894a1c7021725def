"""The texts kefu prepares for customers, in their language.

An admin may replace any of them (Django admin → message templates); without a row, the
default below is used. Placeholders in braces are filled in; an unknown one stays as is.
"""

from __future__ import annotations

import re

from django.conf import settings

from kefu.retention.models import MessageTemplate

LANGUAGES = tuple(code for code, _ in settings.LANGUAGES)
FALLBACK = "en"

DEFAULTS: dict[str, dict[str, str]] = {
    # 002 篇5 §5: call the customers on the list as soon as the stock arrives
    MessageTemplate.Kind.RESTOCK: {
        "zh-hans": "亲爱的{name}，您登记的款式 {style_no}（{size}码）已经到货啦！{shop}为您留意着，"
        "喜欢的话请尽快下单哦。",
        "ko": "{name}님, 기다리시던 {style_no} ({size}) 상품이 재입고되었습니다! "
        "{shop}에서 알려드려요. 품절 전에 주문해 주세요.",
        "en": "Hi {name}, good news: {style_no} in size {size} is back in stock at {shop}. "
        "Order soon, before it sells out again.",
    },
    # 002 篇5 §2: "the system holds your order for 3 days, please pay when convenient"
    MessageTemplate.Kind.UNPAID: {
        "zh-hans": "亲，您在{shop}的订单 {order} 已经下好了，系统会为您保留{hold_days}天，"
        "方便的时候付一下款哦，有任何问题随时联系我们在线客服。",
        "ko": "{name}님, {shop}에서 주문하신 {order} 주문은 {hold_days}일 동안 보관됩니다. "
        "편하실 때 결제해 주세요. 궁금한 점은 언제든 문의해 주세요.",
        "en": "Hi {name}, your order {order} at {shop} is held for you for {hold_days} days. "
        "Please complete the payment when convenient; we are here if you have any question.",
    },
}

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(text: str, values: dict[str, object]) -> str:
    """Replace ``{name}``-style placeholders; unknown ones stay (no attribute access)."""
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text
    )


def language_of(customer) -> str:
    return customer.language if customer.language in LANGUAGES else FALLBACK


def template_text(kind: str, language: str) -> str:
    row = MessageTemplate.objects.filter(kind=kind, language=language).first()
    if row is not None and row.body.strip():
        return row.body
    defaults = DEFAULTS[kind]
    return defaults.get(language) or defaults[FALLBACK]


def render(kind: str, customer, values: dict[str, object]) -> tuple[str, str]:
    """``(language, text)`` of message ``kind`` for ``customer``."""
    language = language_of(customer)
    return language, fill(template_text(kind, language), {"name": customer.name, **values})
