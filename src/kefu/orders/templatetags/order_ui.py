"""Template helpers of the order screens: ``{% load order_ui %}``."""

from __future__ import annotations

from django import template

from kefu.core.money import fmt

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``{{ order.total_amount|money:order.currency }}`` → ¥1,299.00, ₩59,000, $19.99."""
    if amount is None or amount == "":
        return ""
    return fmt(amount, currency or "CNY")


@register.filter
def tone(status: str, tones: dict) -> str:
    return tones.get(status, "")
