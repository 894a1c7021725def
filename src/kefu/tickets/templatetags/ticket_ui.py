"""Pieces of the ticket screens: ``{% load ticket_ui %}``."""

from __future__ import annotations

from django import template
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from kefu.core.money import fmt
from kefu.core.roles import can as role_can
from kefu.tickets import links
from kefu.tickets.services import CallOutcome

register = template.Library()

STATUS_CLASS = {
    "new": "st-new",
    "open": "st-open",
    "pending_customer": "st-waiting",
    "pending_internal": "st-internal",
    "solved": "st-solved",
    "closed": "st-closed",
}
PRIORITY_CLASS = {1: "pr-low", 2: "pr-normal", 3: "pr-high", 4: "pr-urgent"}
SLA_CLASS = {
    "overdue": "badge-danger",
    "due_soon": "badge-warning",
    "paused": "badge-muted",
    "met": "badge-success",
    "on_track": "badge-info",
}


@register.filter
def can(user, capability: str) -> bool:
    """``{% if user|can:"tickets.work" %}``"""
    return role_can(user, capability)


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASS.get(status, "")


@register.filter
def priority_class(priority: int) -> str:
    return PRIORITY_CLASS.get(priority, "")


@register.filter
def sla_class(state: str) -> str:
    return SLA_CLASS.get(state, "badge-muted")


@register.filter
def duration(seconds) -> str:
    """A call's length as m:ss (h:mm:ss past an hour)."""
    if seconds in (None, ""):
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def call_outcome(value: str) -> str:
    try:
        return str(CallOutcome(value).label)
    except ValueError:
        return value or "—"


@register.simple_tag
def message_body(message, domains):
    """The message as HTML: a customer's links to untrusted domains are warned about and
    never clickable (002-篇3)."""
    return links.render(message.body, domains, inbound=message.kind == "inbound")


@register.filter
def untrusted_hosts(message, domains) -> list[str]:
    if message.kind != "inbound":
        return []
    return sorted(
        {
            link.host or link.text
            for link in links.find_links(message.body, domains)
            if not link.trusted
        }
    )


@register.filter
def in_list(value, items) -> bool:
    return str(value) in {str(i) for i in items or ()}


@register.simple_tag
def page_url(query: str, number: int) -> str:
    return f"?{query}&page={number}" if query else f"?page={number}"


@register.filter
def count_label(value, cap) -> str:
    if value is None:
        return ""
    return f"{cap}+" if value > cap else str(value)


@register.simple_tag
def kind_label(kind: str) -> str:
    return {
        "inbound": _("Customer"),
        "reply": _("Reply"),
        "note": _("Internal note"),
        "call": _("Phone call"),
    }.get(kind, kind)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def money(amount, currency: str) -> str:
    """An amount the way its currency is written: ¥199.00, ₩39,600."""
    if amount in (None, ""):
        return "—"
    try:
        return fmt(amount, currency or "")
    except ValueError:
        return str(amount)


@register.filter
def since(value) -> str:
    """How long ago, in its largest unit only ("3 hours")."""
    return timesince(value, depth=1) if value else ""
