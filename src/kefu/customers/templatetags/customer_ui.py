"""Pieces of the customer screens: ``{% load customer_ui %}``."""

from __future__ import annotations

import functools

from django import template
from django.utils.translation import gettext as _

from kefu.core.roles import can as role_can
from kefu.web.templatetags.kefu_ui import icon

register = template.Library()

TIMELINE_ICONS = {
    "order": "box",
    "ticket": "inbox",
    "complaint": "alert",
    "return": "return",
    "followup": "phone",
    "review": "star",
    "note": "user",
}


@register.filter
def can(user, capability: str) -> bool:
    """``{% if user|can:"customers.merge" %}``"""
    return role_can(user, capability)


@register.filter
def segment_class(segment: str) -> str:
    return {"vip": "badge-vip", "existing": "badge-existing"}.get(segment, "badge-muted")


@register.filter
def timeline_icon(kind: str) -> str:
    return TIMELINE_ICONS.get(kind, "clock")


@register.simple_tag
def timeline_dot(kind: str) -> str:
    """The icon of a timeline entry's kind (drawn once per kind, not once per entry)."""
    return _dot(TIMELINE_ICONS.get(kind, "clock"))


@functools.lru_cache(maxsize=64)
def _dot(name: str) -> str:
    return icon(name)


@register.filter
def timeline_kind_label(kind: str) -> str:
    return {
        "order": _("Orders"),
        "ticket": _("Tickets"),
        "complaint": _("Complaints"),
        "return": _("Returns"),
        "followup": _("Follow-up calls"),
        "review": _("Reviews"),
        "note": _("Notes"),
    }.get(kind, kind)


@register.filter
def attribute_value(value, definition) -> str:
    """How an attribute value reads on the page: yes/no, with its unit."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    text = str(value)
    return f"{text} {definition.unit}" if getattr(definition, "unit", "") else text


@register.filter
def first_phone(customer) -> str:
    """The first phone of a customer (attached by selectors.attach_contacts, or prefetched)."""
    numbers = getattr(customer, "phone_numbers", None)
    if numbers is None:
        numbers = [p.number for p in customer.phones.all()]
    return numbers[0] if numbers else ""


@register.filter
def percent(part, whole) -> int:
    try:
        return max(0, min(100, round(100 * float(part) / float(whole)))) if whole else 0
    except (TypeError, ValueError):
        return 0
