"""Screens of the customer portal (/portal/): no staff account, no staff navigation.

A customer is signed in when the session holds a portal entry for their record (put there
after an email link or an order number + phone matched). Every page that shows requests
looks them up through kefu.tickets.portal against that customer: another customer's
ticket id answers 404, whatever is typed in the address bar.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import mimetypes
import zoneinfo
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.core.errors import DomainError, NotFound
from kefu.tickets import portal
from kefu.tickets.models import Message

SESSION_KEY = "kefu_portal"
SHOP_KEY = "kefu_portal_shop"
THANKS_KEY = "kefu_portal_thanks"
LANGUAGES = dict(settings.LANGUAGES)
# The language switch shows each language in itself, in this order.
LANGUAGE_LINKS = [("zh-hans", "中文"), ("ko", "한국어"), ("en", "English")]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


# ---------------------------------------------------------------- the session


def _sign_in(request, customer) -> None:
    request.session.cycle_key()  # a fresh session id: nobody planted this one
    request.session[SESSION_KEY] = {"customer": customer.pk, "at": timezone.now().isoformat()}


def _signed_in_customer(request):
    entry = request.session.get(SESSION_KEY)
    if not isinstance(entry, dict):
        return None
    try:
        since = dt.datetime.fromisoformat(entry["at"])
        pk = int(entry["customer"])
    except (KeyError, TypeError, ValueError):
        request.session.pop(SESSION_KEY, None)
        return None
    if timezone.now() >= portal.session_expires_at(since):
        request.session.pop(SESSION_KEY, None)
        return None
    customer = portal.live_customer(pk)
    if customer is None:
        request.session.pop(SESSION_KEY, None)
    return customer


def _visitor(request) -> portal.Visitor:
    return portal.Visitor(
        ip=request.META.get("REMOTE_ADDR", ""), session_key=request.session.session_key or ""
    )


def _chosen_language(request) -> str:
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return code if code in LANGUAGES else ""


def _activate_time_zone(request) -> None:
    """Times in the customer's own zone when known, else the shop's, else the site's."""
    customer, shop = request.portal_customer, request.portal_shop
    for name in (customer.time_zone if customer else "", shop.time_zone if shop else ""):
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
                return
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    timezone.deactivate()


def portal_page(view):
    """Every portal screen: language switch (?lang=), shop branding (?shop=), the signed-in
    customer as ``request.portal_customer``, the page in the customer's language, no caching."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        lang = request.GET.get("lang")
        if lang is not None:
            rest = request.GET.copy()
            del rest["lang"]
            target = request.path + (f"?{rest.urlencode()}" if rest else "")
            response = HttpResponseRedirect(target)
            if lang in LANGUAGES and check_for_language(lang):
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    lang,
                    max_age=LANGUAGE_COOKIE_AGE,
                    samesite="Lax",
                )
            return response
        slug = request.GET.get("shop")
        if slug is not None:
            shop = portal.branded_shop(slug)
            if shop is not None:
                request.session[SHOP_KEY] = shop.slug
            else:
                request.session.pop(SHOP_KEY, None)
        request.portal_shop = portal.branded_shop(request.session.get(SHOP_KEY))
        request.portal_customer = _signed_in_customer(request)
        language = _chosen_language(request) or (
            request.portal_customer.language if request.portal_customer else ""
        )
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        _activate_time_zone(request)
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Cache-Control", "private, no-store")
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapped


def customer_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.portal_customer is None:
            messages.info(request, _("Please confirm who you are to see your requests."))
            return redirect("portal:index")
        return view(request, *args, **kwargs)

    return wrapped


def _page(request, template: str, context: dict | None = None, status: int = 200):
    base = {
        "customer": request.portal_customer,
        "shop": request.portal_shop,
        "language_links": [
            {"code": code, "name": name, "url": f"{request.path}?{urlencode({'lang': code})}"}
            for code, name in LANGUAGE_LINKS
            if code in LANGUAGES
        ],
    }
    return render(request, template, {**base, **(context or {})}, status=status)


def _status(exc: DomainError) -> int:
    return exc.status if 400 <= exc.status < 500 else 400


# ---------------------------------------------------------------- signing in


@portal_page
@require_http_methods(["GET"])
def index(request):
    return _page(request, "portal/index.html", {"tab": request.GET.get("by", "order")})


def _index_with_errors(request, exc: DomainError, tab: str):
    return _page(
        request,
        "portal/index.html",
        {"tab": tab, "error": exc.message, "errors": exc.fields, "values": request.POST},
        status=_status(exc),
    )


@portal_page
@require_POST
def verify(request):
    if not request.session.session_key:
        request.session.save()  # failed checks are counted per session too
    try:
        customer = portal.verify_order_phone(
            order_number=request.POST.get("order_number", ""),
            phone=request.POST.get("phone", ""),
            visitor=_visitor(request),
        )
    except DomainError as exc:
        return _index_with_errors(request, exc, "order")
    _sign_in(request, customer)
    return redirect("portal:requests")


@portal_page
@require_POST
def link_request(request):
    if not request.session.session_key:
        request.session.save()
    try:
        portal.request_link(
            email=request.POST.get("email", ""),
            visitor=_visitor(request),
            base_url=request.build_absolute_uri(reverse("portal:index") + "link/"),
            language=translation.get_language(),
        )
    except DomainError as exc:
        return _index_with_errors(request, exc, "email")
    return redirect("portal:link_sent")


@portal_page
def link_sent(request):
    return _page(request, "portal/link_sent.html")


@portal_page
@require_http_methods(["GET", "POST"])
def link_open(request, token: str):
    """GET asks for a click (mail scanners open links too); POST uses the link, once."""
    if request.method == "POST":
        customer = portal.redeem_link(token)
        if customer is not None:
            _sign_in(request, customer)
            return redirect("portal:requests")
        return _page(request, "portal/link.html", {"valid": False}, status=400)
    valid = portal.link_state(token) == "valid"
    return _page(request, "portal/link.html", {"valid": valid}, status=200 if valid else 400)


@portal_page
@require_POST
def sign_out(request):
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    messages.success(request, _("You are signed out."))
    return redirect("portal:index")


# ---------------------------------------------------------------- requests


@portal_page
@customer_required
def request_list(request):
    rows = []
    for ticket in portal.customer_requests(request.portal_customer):
        label, tone = portal.customer_status(ticket.status)
        rows.append({"ticket": ticket, "status": label, "tone": tone})
    return _page(request, "portal/requests.html", {"rows": rows})


@portal_page
@customer_required
def request_detail(request, pk: int):
    try:
        ticket = portal.customer_request(request.portal_customer, pk)
    except NotFound:
        return _page(request, "portal/not_found.html", status=404)
    return _detail(request, ticket)


def _detail(request, ticket, *, error: str = "", errors=None, body: str = "", status: int = 200):
    label, tone = portal.customer_status(ticket.status)
    return _page(
        request,
        "portal/request_detail.html",
        {
            "ticket": ticket,
            "status": label,
            "tone": tone,
            "conversation": portal.public_messages(ticket),
            "closed": ticket.status == ticket.Status.CLOSED,
            "error": error,
            "errors": errors or {},
            "body": body,
            "kinds": Message.Kind,
            "accept": portal.ACCEPT,
        },
        status=status,
    )


@portal_page
@customer_required
@require_POST
def request_reply(request, pk: int):
    try:
        ticket = portal.customer_request(request.portal_customer, pk)
    except NotFound:
        return _page(request, "portal/not_found.html", status=404)
    try:
        portal.reply(
            customer=request.portal_customer,
            ticket_pk=ticket.pk,
            body=request.POST.get("body", ""),
            attachment=request.FILES.get("attachment"),
        )
    except DomainError as exc:
        return _detail(
            request,
            ticket,
            error=exc.message,
            errors=exc.fields,
            body=request.POST.get("body", ""),
            status=_status(exc),
        )
    messages.success(request, _("Your message is sent. We will answer here."))
    return redirect("portal:request", pk=ticket.pk)


@portal_page
@customer_required
def attachment(request, pk: int, attachment_pk: int):
    try:
        found = portal.public_attachment(request.portal_customer, pk, attachment_pk)
    except NotFound:
        raise Http404 from None
    content_type = found.content_type or mimetypes.guess_type(found.name)[0]
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- new request (web form)

FIELD_ALIASES = {"phones": "phone", "emails": "email", "body": "message"}


@portal_page
@require_http_methods(["GET", "POST"])
def request_new(request):
    customer = request.portal_customer
    fixed_shop = request.portal_shop
    shops = list(portal.portal_shops())
    values = request.POST if request.method == "POST" else request.GET
    context = {
        "shops": shops,
        "fixed_shop": fixed_shop or (shops[0] if len(shops) == 1 else None),
        "topics": portal.Topic.choices(),
        "values": values,
        "errors": {},
        "accept": portal.ACCEPT,
        "max_mb": portal.ATTACHMENT_MAX_MB.get(),
    }
    if request.method == "GET":
        return _page(request, "portal/request_form.html", context)
    if not request.session.session_key:
        request.session.save()
    shop = context["fixed_shop"]
    if shop is None:
        slug = values.get("shop", "")
        shop = next((s for s in shops if s.slug == slug), None)
    try:
        ticket = portal.submit_request(
            customer=customer,
            visitor=_visitor(request),
            shop=shop,
            topic=values.get("topic", ""),
            subject=values.get("subject", ""),
            message=values.get("message", ""),
            name=values.get("name", ""),
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            order_number=values.get("order_number", ""),
            attachment=request.FILES.get("attachment"),
            language=translation.get_language(),
        )
    except DomainError as exc:
        errors = {FIELD_ALIASES.get(k, k): v for k, v in exc.fields.items()}
        return _page(
            request,
            "portal/request_form.html",
            {**context, "error": exc.message, "errors": errors},
            status=_status(exc),
        )
    if customer is not None:
        messages.success(request, _("Your request is sent. We will answer here."))
        return redirect("portal:request", pk=ticket.pk)
    request.session[THANKS_KEY] = {"ticket": ticket.pk, "email": bool(values.get("email"))}
    if values.get("email"):
        # The same answer whether the address was known or new: a link to follow it.
        # Over the hourly allowance, no link: the request itself is recorded all the same.
        with contextlib.suppress(DomainError):
            portal.request_link(
                email=values.get("email", ""),
                visitor=_visitor(request),
                base_url=request.build_absolute_uri(reverse("portal:index") + "link/"),
                language=translation.get_language(),
            )
    return redirect("portal:thanks")


@portal_page
def thanks(request):
    info = request.session.get(THANKS_KEY)
    if not isinstance(info, dict):
        return redirect("portal:index")
    return _page(
        request,
        "portal/thanks.html",
        {"reference": info.get("ticket"), "emailed": info.get("email")},
    )
