"""Carrier screens: claims, one claim, a new claim, the damage register, the tracking log."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.core.errors import DomainError
from kefu.core.roles import can
from kefu.orders import carrier, carrier_selectors, carrier_services, pdf
from kefu.orders.models import ClaimPhoto, DamageClaim, Order, TrackingQuery
from kefu.web.decorators import staff_required

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
S = DamageClaim.Status


def _page(request) -> int:
    try:
        return min(max(1, int(request.GET.get("page", "1"))), 10_000)
    except ValueError:
        return 1


def _query(request) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


def _paged(request, rows) -> dict:
    page = _page(request)
    offset = (page - 1) * PAGE_SIZE
    found = list(rows[offset : offset + PAGE_SIZE + 1])
    return {
        "rows": found[:PAGE_SIZE],
        "has_next": len(found) > PAGE_SIZE,
        "has_previous": page > 1,
        "page_number": page,
        "query": _query(request),
    }


def _form_errors(form: forms.Form, exc: DomainError) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for name, problems in exc.fields.items():
        target = name if name in form.fields else None
        for problem in problems:
            form.add_error(target, problem if target else f"{name}: {problem}")


def _next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# ---------------------------------------------------------------- forms


class ClaimFilter(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", ""), *S.choices])
    parcel_state = forms.ChoiceField(
        required=False, choices=[("", ""), *DamageClaim.ParcelState.choices]
    )
    carrier = forms.CharField(required=False, max_length=40)
    waybill = forms.CharField(required=False, max_length=64)
    reported_from = forms.DateField(required=False)
    reported_to = forms.DateField(required=False)

    def filters(self) -> carrier_selectors.ClaimFilters:
        if not (self.is_bound and self.is_valid()):
            return carrier_selectors.ClaimFilters()
        d = self.cleaned_data
        return carrier_selectors.ClaimFilters(
            status=d["status"],
            parcel_state=d["parcel_state"],
            carrier=d["carrier"],
            waybill=d["waybill"],
            reported_from=d["reported_from"],
            reported_to=d["reported_to"],
        )


class ClaimForm(forms.Form):
    order = forms.ModelChoiceField(
        label=gettext_lazy("Order"), queryset=Order.objects.all(), widget=forms.HiddenInput
    )
    report_date = forms.DateField(
        label=gettext_lazy("Report date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    waybill = forms.CharField(label=gettext_lazy("Waybill"), max_length=64)
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=40)
    carrier_agent_id = forms.CharField(
        label=gettext_lazy("Carrier agent ID"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("The ID (工号) of the carrier's agent who confirmed the damage."),
    )
    parcel_state = forms.ChoiceField(
        label=gettext_lazy("Parcel state"), choices=DamageClaim.ParcelState.choices
    )
    ship_date = forms.DateField(
        label=gettext_lazy("Ship date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    origin = forms.CharField(label=gettext_lazy("Shipped from"), max_length=120, required=False)
    destination = forms.CharField(
        label=gettext_lazy("Delivery area"), max_length=120, required=False
    )
    delivery_result = forms.CharField(
        label=gettext_lazy("Delivery result"), max_length=200, required=False
    )
    declared_value = forms.DecimalField(
        label=gettext_lazy("Value of the goods"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("Empty: the value of the items below."),
    )
    amount_claimed = forms.DecimalField(
        label=gettext_lazy("Amount claimed"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("Empty: the value of the goods."),
    )
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_declared_value(self):
        value = self.cleaned_data["declared_value"]
        if value is not None and value < 0:
            raise forms.ValidationError(_("An amount cannot be negative."))
        return value

    def clean_amount_claimed(self):
        value = self.cleaned_data["amount_claimed"]
        if value is not None and value < 0:
            raise forms.ValidationError(_("An amount cannot be negative."))
        return value


class TrackingForm(forms.Form):
    order = forms.ModelChoiceField(
        label=gettext_lazy("Order"),
        queryset=Order.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )
    waybill = forms.CharField(label=gettext_lazy("Waybill"), max_length=64, required=False)
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=40, required=False)
    carrier_agent_id = forms.CharField(
        label=gettext_lazy("Carrier agent ID"), max_length=40, required=False
    )
    outcome = forms.ChoiceField(label=gettext_lazy("Result"), choices=TrackingQuery.Outcome.choices)
    result = forms.CharField(
        label=gettext_lazy("What the carrier said"), max_length=500, required=False
    )
    customer_told = forms.BooleanField(label=gettext_lazy("Customer told"), required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TrackingFilter(forms.Form):
    waybill = forms.CharField(required=False, max_length=64)
    carrier = forms.CharField(required=False, max_length=40)
    outcome = forms.ChoiceField(required=False, choices=[("", ""), *TrackingQuery.Outcome.choices])
    queried_from = forms.DateField(required=False)
    queried_to = forms.DateField(required=False)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# ---------------------------------------------------------------- claims


@staff_required("orders.view")
def claim_list(request):
    form = ClaimFilter(request.GET or None)
    context = {
        "form": form,
        "statuses": S.choices,
        "states": DamageClaim.ParcelState.choices,
        "carriers": carrier_selectors.carriers(),
        "status_tone": carrier.STATUS_TONE,
        "can_work": can(request.user, "claims.work"),
        **_paged(request, carrier_selectors.claim_list(form.filters())),
    }
    return render(request, "carrier/claims.html", context)


@staff_required("orders.view")
def claim_detail(request, pk: int):
    claim = get_object_or_404(carrier_selectors.claim_detail(), pk=pk)
    role = getattr(request.user, "role", "")
    actions = [
        {
            "name": t.action,
            "label": carrier.ACTION_LABELS.get(t.action, t.action),
            "needs_reason": t.needs_reason,
            "danger": t.action in ("reject", "write_off", "withdraw"),
        }
        for t in carrier.CLAIM_WORKFLOW.available(claim.status, role)
    ]
    from kefu.core import audit

    context = {
        "claim": claim,
        "order": claim.order,
        "items": list(claim.items.all()),
        "photos": list(claim.photos.all()),
        "actions": actions,
        "status_tone": carrier.STATUS_TONE,
        "can_work": can(request.user, "claims.work"),
        "photo_limits": carrier_services.photo_limits(claim.order.shop),
        "history": list(audit.history(claim).select_related("actor")),
        "tracking_queries": list(carrier_selectors.tracking_list(order=claim.order_id)[:20]),
    }
    return render(request, "carrier/claim.html", context)


@staff_required("claims.work")
def claim_new(request):
    order_id = request.POST.get("order") or request.GET.get("order")
    order = None
    if order_id and str(order_id).isdigit():
        order = (
            Order.objects.select_related("shop", "customer")
            .prefetch_related("items")
            .filter(pk=int(order_id))
            .first()
        )
    if order is None:
        messages.error(request, _("Open the claim from an order: choose the order first."))
        return redirect("orders:list")
    items = list(order.items.all())
    photo_errors = None
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            chosen = []
            for item in items:
                if request.POST.get(f"item_{item.pk}"):
                    chosen.append(
                        carrier_services.ItemIn(
                            order_item_id=item.pk,
                            quantity=request.POST.get(f"qty_{item.pk}") or item.quantity,
                        )
                    )
            try:
                claim = carrier_services.create_claim(
                    actor=request.user,
                    order=order,
                    parcel_state=d["parcel_state"],
                    declared_value=d["declared_value"],
                    amount_claimed=d["amount_claimed"],
                    items=chosen or None,
                    report_date=d["report_date"],
                    carrier_name=d["carrier"],
                    carrier_agent_id=d["carrier_agent_id"],
                    waybill=d["waybill"],
                    ship_date=d["ship_date"],
                    origin=d["origin"],
                    destination=d["destination"],
                    delivery_result=d["delivery_result"],
                    description=d["description"],
                    photos=request.FILES.getlist("photos"),
                )
            except DomainError as exc:
                photo_errors = exc.fields.pop("photos", None)
                _form_errors(form, exc)
            else:
                messages.success(request, _("Claim #%(id)s saved as a draft.") % {"id": claim.pk})
                return redirect("carrier:claim", pk=claim.pk)
    else:
        form = ClaimForm(
            initial={
                "order": order.pk,
                "report_date": timezone.localdate(),
                "waybill": order.waybill,
                "carrier": order.carrier,
                "ship_date": timezone.localtime(order.shipped_at).date()
                if order.shipped_at
                else None,
                "destination": order.shipping_address[:120],
            }
        )
    context = {
        "form": form,
        "order": order,
        "items": items,
        "photo_limits": carrier_services.photo_limits(order.shop),
        "photo_errors": photo_errors,
        "checked_items": {k[5:] for k in request.POST if k.startswith("item_")},
    }
    return render(request, "carrier/claim_form.html", context)


@require_POST
@staff_required("claims.work")
def claim_action(request, pk: int, action: str):
    claim = get_object_or_404(DamageClaim, pk=pk)
    try:
        carrier_services.claim_action(
            actor=request.user,
            claim=claim,
            action=action,
            reason=request.POST.get("reason", ""),
            amount_paid=request.POST.get("amount_paid") or None,
            carrier_reference=request.POST.get("carrier_reference")
            if "carrier_reference" in request.POST
            else None,
        )
    except DomainError as exc:
        problems = [p for ps in exc.fields.values() for p in ps]
        messages.error(request, " ".join([exc.message, *problems]) if problems else exc.message)
    else:
        messages.success(
            request,
            _("Claim #%(id)s: %(action)s.")
            % {"id": claim.pk, "action": carrier.ACTION_LABELS.get(action, action)},
        )
    return redirect("carrier:claim", pk=pk)


@require_POST
@staff_required("claims.work")
def claim_photos(request, pk: int):
    claim = get_object_or_404(DamageClaim.objects.select_related("order__shop"), pk=pk)
    try:
        stored = carrier_services.add_photos(
            actor=request.user, claim=claim, files=request.FILES.getlist("photos")
        )
    except DomainError as exc:
        problems = [p for ps in exc.fields.values() for p in ps]
        messages.error(request, " ".join(problems) or exc.message)
    else:
        messages.success(request, _("%(n)d file(s) kept with the claim.") % {"n": len(stored)})
    return redirect("carrier:claim", pk=pk)


@staff_required("orders.view")
def claim_photo(request, pk: int, photo_pk: int):
    photo = get_object_or_404(ClaimPhoto, pk=photo_pk, claim_id=pk)
    try:
        handle = photo.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    inline = photo.content_type.startswith("image/") and photo.content_type != "image/heic"
    response = FileResponse(
        handle, as_attachment=not inline, filename=photo.name, content_type=photo.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required("orders.view")
def claim_report(request, pk: int):
    claim = get_object_or_404(carrier_selectors.claim_detail(), pk=pk)
    response = HttpResponse(pdf.claim_report(claim), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.report_filename(claim)}"'
    return response


# ---------------------------------------------------------------- damage register


def _register_claims(request):
    form = ClaimFilter(request.GET or None)
    return form, carrier_selectors.claim_list(form.filters())


@staff_required("orders.view")
def register(request):
    form, claims = _register_claims(request)
    paged = _paged(request, claims)
    context = {
        "form": form,
        "states": DamageClaim.ParcelState.choices,
        "carriers": carrier_selectors.carriers(),
        "headers": carrier_selectors.register_headers(),
        "lines": list(
            zip(paged["rows"], carrier_selectors.register_rows(paged["rows"]), strict=True)
        ),
        "status_tone": carrier.STATUS_TONE,
        **paged,
    }
    return render(request, "carrier/register.html", context)


@staff_required("orders.view")
def register_export(request, fmt: str):
    _form, claims = _register_claims(request)
    rows = carrier_selectors.register_rows(claims[:EXPORT_LIMIT])
    headers = carrier_selectors.register_headers()
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="damage-register-{stamp}.csv"'
        response.write("\ufeff")  # so Excel opens it as UTF-8
        writer = csv.writer(response)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(
                ["" if v is None else _excel_safe(v) if isinstance(v, str) else v for v in row]
            )
        return response
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Damage register")[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append([v if not isinstance(v, str) else _excel_safe(v) for v in row])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="damage-register-{stamp}.xlsx"'
        return response
    raise Http404


def _excel_safe(text: str) -> str:
    """A cell that starts like a formula is kept as text, not run by the spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# ---------------------------------------------------------------- tracking log


@staff_required("orders.view")
def tracking(request):
    form = TrackingFilter(request.GET or None)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = {
            "waybill": d["waybill"],
            "carrier_name": d["carrier"],
            "outcome": d["outcome"],
            "queried_from": _day_start(d["queried_from"]) if d["queried_from"] else None,
            "queried_to": _day_start(d["queried_to"] + dt.timedelta(days=1))
            if d["queried_to"]
            else None,
        }
    context = {
        "form": form,
        "outcomes": TrackingQuery.Outcome.choices,
        "carriers": carrier_selectors.carriers(),
        "can_work": can(request.user, "claims.work"),
        "new_form": TrackingForm(),
        **_paged(request, carrier_selectors.tracking_list(**filters)),
    }
    return render(request, "carrier/tracking.html", context)


@require_POST
@staff_required("claims.work")
def tracking_new(request):
    form = TrackingForm(request.POST)
    fallback = "carrier:tracking"
    if not form.is_valid():
        problems = [
            f"{form.fields[n].label}: {' '.join(e)}" if n in form.fields else " ".join(e)
            for n, e in form.errors.items()
        ]
        messages.error(request, _("The query was not logged: %(p)s") % {"p": " ".join(problems)})
        return redirect(_next(request, fallback) if request.POST.get("next") else fallback)
    d = form.cleaned_data
    try:
        order = d["order"] or carrier_services.order_for_waybill(d["waybill"])
        carrier_services.log_tracking_query(
            actor=request.user,
            order=order,
            outcome=d["outcome"],
            carrier_agent_id=d["carrier_agent_id"],
            carrier_name=d["carrier"],
            waybill=d["waybill"] or None,
            result=d["result"],
            note=d["note"],
            customer_told=d["customer_told"],
        )
    except DomainError as exc:
        problems = [p for ps in exc.fields.values() for p in ps]
        messages.error(request, " ".join([exc.message, *problems]))
    else:
        messages.success(
            request, _("Tracking query logged on order %(n)s.") % {"n": order.external_id}
        )
    target = _next(request, "")
    return redirect(target) if target else redirect(fallback)
