"""Template helpers of the after-sales screens: ``{% load aftersales_ui %}``."""

from __future__ import annotations

from django import template

from kefu.core.money import quantize

register = template.Library()


@register.filter
def plain_amount(amount, currency: str) -> str:
    """An amount for an input field, in the currency's units: 128.00, 59000."""
    if amount is None or amount == "":
        return ""
    return str(quantize(amount, currency or "CNY"))
