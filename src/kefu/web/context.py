"""Template context for every page: the navigation a user's role allows, the languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

import kefu
from kefu.core.roles import can

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Link(NamedTuple):
    """One screen of the top bar: its url name, its label and who may open it. With an
    icon, a wide screen shows only the icon (the label stays for screen readers and as a
    tooltip) and the phone menu shows both."""

    url_name: str
    label: Promise
    capability: str
    icon: str = ""


class Menu(NamedTuple):
    """A drop-down of the top bar. It is left out when the user may open none of its
    screens, and shown as a plain link when only one of them is theirs."""

    label: Promise
    entries: tuple[Link, ...]


# The top bar, in the order it is drawn. Screens of later features join a menu (or, if
# everyone opens them all day long, the top level); the bar must still fit a 1024 px
# wide screen for the role that sees the most, in every language.
NAV: list[Link | Menu] = [
    Link("web:dashboard", _("Dashboard"), "dashboard.view"),
    Link("web:today", _("Today"), "overdue.view"),
    Link("tickets:inbox", _("Inbox"), "tickets.view"),
    Link("tickets:escalations", _("Escalations"), "tickets.escalation.answer"),
    Link("customers:list", _("Customers"), "customers.view"),
    Link("orders:list", _("Orders"), "orders.view"),
    Menu(
        _("After-sales"),
        (
            Link("aftersales:list", _("After-sales cases"), "aftersales.view"),
            Link("aftersales:warehouse", _("Warehouse desk"), "aftersales.receive"),
            Link("aftersales:finance", _("Refunds to pay"), "finance.view"),
            Link("carrier:claims", _("Carrier claims"), "orders.view"),
        ),
    ),
    Menu(
        _("Customer care"),
        (
            Link("complaints:list", _("Complaints"), "complaints.view"),
            Link("followups:calls", _("Calls"), "followups.work"),
            Link("reviews:list", _("Reviews"), "reviews.work"),
            Link("retention:home", _("Retention"), "retention.work"),
        ),
    ),
    Link("tickets:search", _("Search"), "tickets.view", icon="search"),
]


def nav_links() -> Iterator[Link]:
    """Every screen of the top bar, menus opened out, in the order they are drawn."""
    for entry in NAV:
        if isinstance(entry, Menu):
            yield from entry.entries
        else:
            yield entry


def _is_active(path: str, url: str) -> bool:
    """The entry whose URL is the current page, or a page under it (/tickets/12/)."""
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def _item(link: Link, user: AbstractBaseUser | AnonymousUser | None, path: str) -> dict | None:
    if user is None or not can(user, link.capability):
        return None
    try:
        url = reverse(link.url_name)
    except NoReverseMatch:
        return None
    return {"url": url, "label": link.label, "icon": link.icon, "active": _is_active(path, url)}


def build_navigation(user: AbstractBaseUser | AnonymousUser | None, path: str) -> list[dict]:
    """The top bar of one user on one page: links ({"url", "label", "icon", "active"})
    and menus ({"label", "items", "active", "is_menu": True}); the current page's entry
    (and its menu) is active."""
    entries: list[dict] = []
    for entry in NAV:
        if isinstance(entry, Menu):
            items = [item for link in entry.entries if (item := _item(link, user, path))]
            if len(items) > 1:
                entries.append({"label": entry.label, "items": items, "is_menu": True})
            elif items:
                entries.append(items[0])
        elif item := _item(entry, user, path):
            entries.append(item)
    items = [i for e in entries for i in (e["items"] if e.get("is_menu") else [e])]
    # /tickets/search/ is under /tickets/ too: only the closest entry is the current one.
    longest = max((len(item["url"]) for item in items if item["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
    for entry in entries:
        if entry.get("is_menu"):
            entry["active"] = any(item["active"] for item in entry["items"])
    return entries


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    path = getattr(request, "path", "")
    return {
        "nav_entries": build_navigation(user, path),
        "can_admin": can(user, "admin.site") if user is not None else False,
        # Each language is named in itself, so anyone can find their own.
        "kefu_languages": [{"code": code, "name": name} for code, name in settings.LANGUAGES],
        "kefu_version": kefu.__version__,
    }
