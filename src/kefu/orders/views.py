"""Order screens: the list, one order, the import page and an import's result."""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.core.roles import can
from kefu.orders import carrier_selectors, importers, related, selectors, services
from kefu.orders.models import ImportBatch, Order
from kefu.web.decorators import staff_required

PAGE_SIZE = 50
LAYOUT_LABELS = {
    "auto": gettext_lazy("Recognise from the columns"),
    "kefu": gettext_lazy("kefu's own layout"),
    "taobao": gettext_lazy("Taobao / Tmall seller export"),
    "shopify": gettext_lazy("Shopify orders export"),
}
STATUS_TONE = {
    Order.Status.UNPAID: "badge-warning",
    Order.Status.PAID: "badge-info",
    Order.Status.SHIPPED: "",
    Order.Status.DELIVERED: "",
    Order.Status.COMPLETED: "badge-success",
    Order.Status.CANCELLED: "badge-muted",
    Order.Status.REFUNDED: "badge-danger",
}


class OrderFilter(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    shop = forms.ModelChoiceField(queryset=Shop.objects.none(), required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Order.Status.choices])
    placed_from = forms.DateField(required=False)
    placed_to = forms.DateField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = selectors.shop_list()


class UploadForm(forms.Form):
    shop = forms.ModelChoiceField(
        label=gettext_lazy("Shop"),
        queryset=Shop.objects.none(),
        empty_label=gettext_lazy("Choose the shop the orders belong to"),
    )
    file = forms.FileField(
        label=gettext_lazy("Export file"),
        help_text=gettext_lazy("CSV (UTF-8 or GBK) or XLSX, as the marketplace exports it."),
    )
    layout = forms.ChoiceField(
        label=gettext_lazy("Layout"),
        choices=[(k, v) for k, v in LAYOUT_LABELS.items()],
        initial="auto",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = selectors.shop_list(active_only=True)
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.xlsx"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".tsv")):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        return upload


class EditForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Order.Status.choices)
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=40, required=False)
    waybill = forms.CharField(label=gettext_lazy("Waybill"), max_length=64, required=False)
    seller_note = forms.CharField(
        label=gettext_lazy("Seller's note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why (for the record)"), max_length=500, required=False
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@staff_required("orders.view")
def order_list(request):
    form = OrderFilter(request.GET or None)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data["q"] or None,
            "shop": data["shop"].pk if data["shop"] else None,
            "status": data["status"] or None,
            "placed_after": _day_start(data["placed_from"]) if data["placed_from"] else None,
            "placed_before": _day_start(data["placed_to"] + dt.timedelta(days=1))
            if data["placed_to"]
            else None,
        }
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    page = min(page, 10_000)
    offset = (page - 1) * PAGE_SIZE
    rows = list(selectors.order_list(**filters)[offset : offset + PAGE_SIZE + 1])
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    context = {
        "form": form,
        "orders": rows[:PAGE_SIZE],
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page > 1,
        "page_number": page,
        "query": query,
        "filtered": any(v for v in filters.values()),
        "status_tone": STATUS_TONE,
        "shops": selectors.shop_list(),
        "statuses": Order.Status.choices,
        "can_import": can(request.user, "orders.import"),
    }
    template = "orders/_results.html" if request.headers.get("HX-Request") else "orders/list.html"
    return render(request, template, context)


def _customer_url(order: Order) -> str:
    try:
        return reverse("customers:detail", args=[order.customer_id])
    except NoReverseMatch:
        return ""


def _timeline(order: Order) -> list[dict]:
    """The order's dates in the order they happen, with the ones still to come."""
    steps = [
        (_("Placed"), order.placed_at),
        (_("Paid"), order.paid_at),
        (_("Shipped"), order.shipped_at),
        (_("Delivered"), order.delivered_at),
        (_("Auto-confirm deadline"), order.auto_confirm_at),
        (_("Transaction complete"), order.completed_at),
    ]
    now = timezone.now()
    out = []
    for label, at in steps:
        if at is None:
            continue
        out.append({"label": label, "at": at, "future": at > now})
    return out


@staff_required("orders.view")
def order_detail(request, pk: int):
    order = get_object_or_404(selectors.order_detail(), pk=pk)
    editable = can(request.user, "orders.edit")
    form = None
    if editable:
        form = EditForm(
            initial={
                "status": order.status,
                "carrier": order.carrier,
                "waybill": order.waybill,
                "seller_note": order.seller_note,
            }
        )
    items = list(order.items.all())
    context = {
        "order": order,
        "items": items,
        "items_total": sum((i.amount for i in items), 0),
        "timeline": _timeline(order),
        "customer_url": _customer_url(order),
        "form": form,
        "status_tone": STATUS_TONE,
        "can_edit": editable,
        "work": related.work_on(order, request.user),
        "carrier_panel": carrier_selectors.order_panel(order, request.user),
    }
    return render(request, "orders/detail.html", context)


@require_POST
@staff_required("orders.edit")
def order_edit(request, pk: int):
    order = get_object_or_404(Order, pk=pk)
    form = EditForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The order was not changed: check the fields."))
        return redirect("orders:detail", pk=pk)
    data = form.cleaned_data
    changes = {name: data[name] for name in ("status", "carrier", "waybill", "seller_note")}
    try:
        services.update_order(
            actor=request.user, order=order, changes=changes, reason=data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Order %(number)s saved.") % {"number": order.external_id})
    return redirect("orders:detail", pk=pk)


@staff_required("orders.import")
def import_page(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = services.upload_import(
                    actor=request.user,
                    shop=form.cleaned_data["shop"],
                    uploaded=form.cleaned_data["file"],
                    layout=form.cleaned_data["layout"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("orders:import_result", pk=batch.pk)
    else:
        form = UploadForm(initial={"shop": request.GET.get("shop") or None})
    context = {
        "form": form,
        "batches": selectors.import_list()[:15],
        "layouts": importers.LAYOUTS,
    }
    return render(request, "orders/import.html", context)


def _batch_context(batch: ImportBatch) -> dict:
    expected = batch.rows_expected or 0
    percent = min(99, int(batch.rows_total * 100 / expected)) if expected else 0
    return {
        "batch": batch,
        "running": batch.status == ImportBatch.Status.RUNNING,
        "percent": percent,
        "refused": batch.errors[:200],
        "more_refused": max(0, len(batch.errors) - 200),
    }


@staff_required("orders.import")
def import_result(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.select_related("shop", "started_by"), pk=pk)
    context = _batch_context(batch)
    if request.headers.get("HX-Request"):
        return render(request, "orders/_import_status.html", context)
    return render(request, "orders/import_result.html", context)


@staff_required("orders.import")
def import_refused_csv(request, pk: int):
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.status == ImportBatch.Status.RUNNING:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="refused-rows-{batch.pk}.csv"'
    response.write("\ufeff")  # so Excel opens it as UTF-8
    writer = csv.writer(response)
    writer.writerow([_("row"), _("reason")])
    if batch.message and not batch.errors:
        writer.writerow(["", batch.message])
    for error in batch.errors:
        writer.writerow([error.get("line", ""), error.get("reason", "")])
    return response
