"""Template context for every page: the navigation a user's role allows, the languages."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

import kefu
from kefu.core.roles import can

# (url name, label, capability). Screens of later features join this list, in the order
# they should appear in the top bar.
NAV = [
    ("web:dashboard", _("Dashboard"), "dashboard.view"),
    ("tickets:inbox", _("Inbox"), "tickets.view"),
    ("customers:list", _("Customers"), "customers.view"),
    ("orders:list", _("Orders"), "orders.view"),
    ("tickets:escalations", _("Escalations"), "tickets.escalation.answer"),
    ("web:today", _("Today"), "overdue.view"),
    ("aftersales:list", _("After-sales"), "aftersales.view"),
    ("aftersales:warehouse", _("Warehouse desk"), "aftersales.receive"),
    ("aftersales:finance", _("Refunds to pay"), "finance.view"),
    ("complaints:list", _("Complaints"), "complaints.view"),
    ("followups:calls", _("Calls"), "followups.work"),
    ("reviews:list", _("Reviews"), "reviews.work"),
    ("retention:home", _("Retention"), "retention.work"),
    ("carrier:claims", _("Claims"), "orders.view"),
    ("tickets:search", _("Search"), "tickets.view"),
]


def _is_active(path: str, url: str) -> bool:
    """The entry whose URL is the current page, or a page under it (/tickets/12/)."""
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    path = getattr(request, "path", "")
    items = []
    for name, label, capability in NAV:
        if user is None or not can(user, capability):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": _is_active(path, url)})
    # /tickets/search/ is under /tickets/ too: only the closest entry is the current one.
    longest = max((len(item["url"]) for item in items if item["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
    return {
        "nav_items": items,
        "can_admin": can(user, "admin.site") if user is not None else False,
        # Each language is named in itself, so anyone can find their own.
        "kefu_languages": [{"code": code, "name": name} for code, name in settings.LANGUAGES],
        "kefu_version": kefu.__version__,
    }
