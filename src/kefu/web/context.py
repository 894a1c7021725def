"""Template context: the navigation a user's role allows."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kefu.core.roles import can

# (url name, label, capability). Screens of later features join this list.
NAV = [
    ("web:dashboard", _("Dashboard"), "dashboard.view"),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    items = []
    for name, label, capability in NAV:
        if user is not None and can(user, capability):
            try:
                items.append({"url": reverse(name), "label": label, "active": request.path == reverse(name)})
            except NoReverseMatch:
                continue
    return {"nav_items": items, "can_admin": can(user, "admin.site") if user else False}
