"""Screens of keeping customers: the home page, the waitlist with the restock button, the
unpaid-order reminders to send, and the care campaigns with what each run did."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.core.roles import can
from kefu.customers.models import Customer, Segment
from kefu.retention import messages, rules, selectors, services
from kefu.retention.models import CampaignDelivery, UnpaidReminder, WaitlistEntry
from kefu.web.decorators import staff_required

PAGE_SIZE = 50


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@staff_required("retention.work")
def home(request):
    user = request.user
    return render(
        request,
        "retention/home.html",
        {
            "waiting": selectors.waitlist(user, status=WaitlistEntry.Status.WAITING).count(),
            "reminders": selectors.open_reminders(user).count(),
            "campaigns": selectors.campaigns(user).filter(status="scheduled").count(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required("retention.work")
def waitlists(request):
    errors: dict = {}
    if request.method == "POST":
        what = request.POST.get("form")
        shop = Shop.objects.filter(pk=_int(request.POST.get("shop"))).first()
        try:
            if what == "restock":
                done = services.restock(
                    actor=request.user,
                    style_no=request.POST.get("style_no", ""),
                    size=request.POST.get("size", ""),
                    shop=shop,
                )
                flash.success(
                    request,
                    _("%(n)s waiting customers notified; their messages are below.")
                    % {"n": len(done)},
                )
                return redirect(f"{request.path}?status=notified")
            customer = Customer.objects.live().filter(pk=_int(request.POST.get("customer"))).first()
            if customer is None or shop is None:
                errors = {
                    **(
                        {"customer": [_("Give the customer's number.")]} if customer is None else {}
                    ),
                    **({"shop": [_("Choose the shop.")]} if shop is None else {}),
                }
            else:
                services.add_to_waitlist(
                    actor=request.user,
                    shop=shop,
                    customer=customer,
                    style_no=request.POST.get("style_no", ""),
                    size=request.POST.get("size", ""),
                    note=request.POST.get("note", ""),
                )
                flash.success(request, _("Added to the waitlist."))
                return redirect(request.path)
        except DomainError as exc:
            errors = {"form": [exc.message], **exc.fields}
    status = request.GET.get("status", "waiting")
    if status not in WaitlistEntry.Status.values:
        status = ""
    page = Paginator(
        selectors.waitlist(request.user, status=status, style_no=request.GET.get("style_no", "")),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "retention/waitlists.html",
        {
            "page": page,
            "status": status,
            "statuses": WaitlistEntry.Status.choices,
            "by_style": selectors.waiting_by_style(request.user),
            "shops": Shop.objects.order_by("name"),
            "errors": errors,
            "values": request.POST,
            "form": request.POST.get("form", ""),
        },
        status=400 if errors else 200,
    )


@staff_required("retention.work")
def reminders(request):
    return render(
        request,
        "retention/reminders.html",
        {
            "reminders": selectors.open_reminders(request.user)[:200],
            "hold_days": rules.UNPAID_HOLD_DAYS.get(),
            "hold_source": rules.UNPAID_HOLD_DAYS.source,
        },
    )


@require_POST
@staff_required("retention.work")
def reminder_done(request, pk: int):
    reminder = get_object_or_404(UnpaidReminder, pk=pk)
    try:
        services.finish_reminder(
            actor=request.user, reminder=reminder, sent=request.POST.get("sent", "1") == "1"
        )
    except DomainError as exc:
        flash.error(request, exc.message)
    return redirect("retention:reminders")


def _parse_when(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@require_http_methods(["GET", "POST"])
@staff_required("retention.work")
def campaigns(request):
    errors: dict = {}
    may_manage = can(request.user, "campaigns.manage")
    if request.method == "POST":
        if not may_manage:
            _forbidden()
        when = _parse_when(request.POST.get("scheduled_for", ""))
        shop = Shop.objects.filter(pk=_int(request.POST.get("shop"))).first()
        texts = {code: request.POST.get(f"message_{code}", "") for code in messages.LANGUAGES}
        try:
            if when is None:
                raise DomainError(
                    _("Give the date and time to send."),
                    fields={"scheduled_for": [_("Give the date and time to send.")]},
                )
            campaign = services.create_campaign(
                actor=request.user,
                name=request.POST.get("name", ""),
                segment=request.POST.get("segment", ""),
                messages_by_language=texts,
                scheduled_for=when,
                shop=shop,
            )
        except DomainError as exc:
            errors = {"form": [exc.message], **exc.fields}
        else:
            flash.success(request, _("Campaign planned."))
            return redirect("retention:campaign", pk=campaign.pk)
    page = Paginator(selectors.campaigns(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "retention/campaigns.html",
        {
            "page": page,
            "may_manage": may_manage,
            "segments": Segment.choices,
            "languages": messages.LANGUAGES,
            "shops": Shop.objects.order_by("name"),
            "errors": errors,
            "values": request.POST,
            "cap": rules.MARKETING_MAX_MESSAGES.get(),
            "window": rules.MARKETING_WINDOW_DAYS.get(),
        },
        status=400 if errors else 200,
    )


def _forbidden():
    raise PermissionDenied("campaigns.manage")


@require_http_methods(["GET", "POST"])
@staff_required("retention.work")
def campaign(request, pk: int):
    item = get_object_or_404(selectors.campaigns(request.user), pk=pk)
    if request.method == "POST":
        if not can(request.user, "campaigns.manage"):
            _forbidden()
        counts = services.run_campaign(actor=request.user, campaign=item)
        flash.success(
            request,
            _("Run done: %(sent)s sent, %(skipped)s skipped.")
            % {
                "sent": counts[CampaignDelivery.Outcome.SENT],
                "skipped": sum(counts.values()) - counts[CampaignDelivery.Outcome.SENT],
            },
        )
        return redirect("retention:campaign", pk=pk)
    outcome = request.GET.get("outcome", "")
    if outcome not in CampaignDelivery.Outcome.values:
        outcome = ""
    page = Paginator(selectors.deliveries(request.user, item, outcome=outcome), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "retention/campaign.html",
        {
            "campaign": item,
            "page": page,
            "outcome": outcome,
            "outcomes": CampaignDelivery.Outcome.choices,
            "may_manage": can(request.user, "campaigns.manage"),
        },
    )
