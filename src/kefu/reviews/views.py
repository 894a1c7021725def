"""Review screens: the list with filters, one review with the moves the user's role may
take, recording one by hand, importing a file, and the measures."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.reviews import selectors, services
from kefu.reviews.models import Attitude, Cause, ContactChannel, Resolution, Review
from kefu.reviews.workflow import REVIEW_WORKFLOW
from kefu.web.decorators import staff_required

PAGE_SIZE = 50
MAX_UPLOAD = 10 * 1024 * 1024


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _in_users_zone(value: str):
    """A time typed in a form is the user's local time (their zone is active)."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return value  # the service refuses it with a clear message
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _choices_context() -> dict:
    return {
        "statuses": Review.Status.choices,
        "causes": Cause.choices,
        "attitudes": Attitude.choices,
        "channels": ContactChannel.choices,
        "resolutions": Resolution.choices,
        "shops": Shop.objects.order_by("name"),
    }


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@staff_required("reviews.work")
def review_list(request):
    f = selectors.ReviewFilters(
        status=request.GET.get("status", "")
        if request.GET.get("status") in Review.Status.values
        else "",
        rating=_int(request.GET.get("rating")),
        cause=request.GET.get("cause", "") if request.GET.get("cause") in Cause.values else "",
        shop=_int(request.GET.get("shop")),
    )
    page = Paginator(selectors.review_list(request.user, f), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    windows: dict[int, int] = {}
    for review in page:
        review.due = selectors.contact_due(review, windows)
        review.is_overdue = review.status in ("flagged", "analysed") and review.due <= now
    return render(
        request,
        "reviews/list.html",
        {
            "page": page,
            "filters": f,
            "query": _query_without_page(request),
            "to_contact": selectors.dashboard_reviews_to_contact(request.user),
            "window_hours": services.CONTACT_WINDOW_HOURS.get(),
            **_choices_context(),
        },
    )


def _detail(request, review: Review, *, errors=None, values=None, status=200):
    role = getattr(request.user, "role", "")
    return render(
        request,
        "reviews/detail.html",
        {
            "review": review,
            "due": selectors.contact_due(review),
            "moves": REVIEW_WORKFLOW.available(review.status, role),
            "errors": errors or {},
            "values": values or {},
            **_choices_context(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required("reviews.work")
def review_detail(request, pk: int):
    review = get_object_or_404(selectors.review_list(request.user), pk=pk)
    if request.method == "GET":
        return _detail(request, review)
    action = request.POST.get("action", "")
    data = request.POST.dict()
    if data.get("contacted_at"):
        data["contacted_at"] = _in_users_zone(data["contacted_at"])
    try:
        services.act(actor=request.user, review=review, action=action, data=data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, review, errors=exc.fields, values=request.POST, status=400)
    messages.success(request, _("Saved."))
    return redirect("reviews:detail", pk=review.pk)


@require_http_methods(["GET", "POST"])
@staff_required("reviews.work")
def review_new(request):
    errors: dict = {}
    if request.method == "POST":
        shop = Shop.objects.filter(pk=_int(request.POST.get("shop"))).first()
        if shop is None:
            errors["shop"] = [_("Choose the shop.")]
        else:
            row = services.ReviewInput(
                order_number=request.POST.get("order_number", ""),
                rating=request.POST.get("rating", ""),
                text=request.POST.get("text", ""),
                reviewed_at=request.POST.get("reviewed_at", ""),
                platform_review_id=request.POST.get("platform_review_id", ""),
            )
            try:
                review, created = services.record_review(actor=request.user, shop=shop, row=row)
            except DomainError as exc:
                errors = {"form": [exc.message], **exc.fields}
            else:
                if not created:
                    messages.info(request, _("This review was recorded already."))
                return redirect("reviews:detail", pk=review.pk)
    return render(
        request,
        "reviews/new.html",
        {"errors": errors, "values": request.POST, **_choices_context()},
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_required("reviews.work")
def review_import(request):
    report = None
    error = ""
    if request.method == "POST":
        shop = Shop.objects.filter(pk=_int(request.POST.get("shop"))).first()
        upload = request.FILES.get("file")
        if shop is None:
            error = _("Choose the shop.")
        elif upload is None:
            error = _("Choose a .csv or .xlsx file.")
        elif upload.size > MAX_UPLOAD:
            error = _("The file is larger than 10 MB.")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "upload"
                with path.open("wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                try:
                    report = services.import_reviews(
                        actor=request.user, shop=shop, path=path, filename=upload.name
                    )
                except DomainError as exc:
                    error = exc.message
    return render(
        request,
        "reviews/import.html",
        {
            "report": report,
            "error": error,
            "headers": services.HEADERS,
            **_choices_context(),
        },
        status=400 if error or (report and not report.ok) else 200,
    )


@staff_required("reviews.work")
def review_measures(request):
    days = _int(request.GET.get("days")) or 90
    days = min(max(days, 1), 3650)
    since = timezone.now() - dt.timedelta(days=days)
    shop = _int(request.GET.get("shop"))
    return render(
        request,
        "reviews/measures.html",
        {
            "m": selectors.measures(request.user, since=since, shop=shop),
            "days": days,
            "shop_id": shop,
            "shops": Shop.objects.order_by("name"),
        },
    )
