"""Complaint screens: the list (filters, export), the registration form, the complaint
page (its step timeline and the forms of the steps the user's role may take) and the
classification table."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.complaints import export, selectors, services
from kefu.complaints.forms import ACTION_LABELS, STEP_FIELDS, RegisterForm
from kefu.complaints.models import Category, Complaint, Severity, Status
from kefu.complaints.workflow import COMPLAINT
from kefu.core import audit
from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.core.roles import can
from kefu.core.workflow import role_of
from kefu.customers.models import Customer
from kefu.orders.models import Order
from kefu.tickets.models import Ticket
from kefu.web.decorators import staff_required

PAGE_SIZE = 50


def _owners():
    User = get_user_model()
    return User.objects.filter(is_active=True, role__in=("admin", "lead", "agent")).order_by(
        "username"
    )


# ---------------------------------------------------------------- list and export


@require_GET
@staff_required("complaints.view")
def complaint_list(request):
    now = timezone.now()
    filters = selectors.parse_filters(request.GET, request.user)
    qs = selectors.complaints(request.user, filters, now=now)
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for c in rows:
        c.is_overdue = selectors.is_overdue(c, now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/list.html",
        {
            "complaints": rows,
            "can_work": can(request.user, "complaints.work"),
            "filters": filters,
            "statuses": Status.choices,
            "categories": Category.choices,
            "severities": Severity.choices,
            "shops": Shop.objects.order_by("name"),
            "owners": _owners(),
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
            "now": now,
            "overdue_count": selectors.complaints(request.user, now=now)
            .filter(selectors.overdue_q(now))
            .count(),
        },
    )


@require_GET
@staff_required("complaints.view")
def complaint_export(request):
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        return HttpResponse(_("Choose format=xlsx or format=csv."), status=400)
    filters = selectors.parse_filters(request.GET, request.user)
    qs = selectors.complaints(request.user, filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(export.register_csv(qs), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(export.register_xlsx(qs), content_type=export.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="complaints-{stamp}.{fmt}"'
    return response


# ---------------------------------------------------------------- registration


@require_http_methods(["GET", "POST"])
@staff_required("complaints.work")
def complaint_create(request):
    if request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                complaint = services.register_complaint(
                    actor=request.user,
                    customer=d["customer"],
                    content=d["content"],
                    channel=d["channel"],
                    category=d["category"],
                    severity=d["severity"],
                    order=d["order"],
                    ticket=d["ticket"],
                    complainant_name=d["complainant_name"],
                    occurred_at=d["occurred_at"],
                    shop=d["shop"],
                )
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Complaint #%(n)s registered.") % {"n": complaint.pk})
                return redirect(complaint.get_absolute_url())
    else:
        form = RegisterForm(initial=_prefill(request))
    customer = None
    raw = form["customer"].value()
    if raw and str(raw).isdigit():
        customer = Customer.objects.filter(pk=int(raw)).first()
    return render(request, "complaints/create.html", {"form": form, "customer": customer})


def _form_errors(form, exc: DomainError) -> None:
    placed = False
    for field, errors in exc.fields.items():
        if field in form.fields:
            for e in errors:
                form.add_error(field, e)
            placed = True
    if not placed or not any(exc.message in errors for errors in exc.fields.values()):
        form.add_error(None, exc.message)


def _prefill(request) -> dict:
    initial: dict = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    ticket_id = request.GET.get("ticket", "")
    if ticket_id.isdigit():
        ticket = (
            Ticket.objects.select_related("order", "customer", "shop")
            .filter(pk=int(ticket_id))
            .first()
        )
        if ticket is not None:
            first = ticket.messages.order_by("created_at", "id").first()
            initial.update(
                ticket=ticket.pk,
                customer=ticket.customer_id,
                complainant_name=ticket.customer.name,
                shop=ticket.shop_id,
                order=ticket.order.external_id if ticket.order_id else "",
                channel=ticket.channel,
                content=(first.body if first else ticket.subject)[:5000],
                occurred_at=timezone.localtime(ticket.created_at).replace(second=0, microsecond=0),
            )
    order_id = request.GET.get("order", "")
    if order_id.isdigit() and "customer" not in initial:
        order = Order.objects.select_related("customer").filter(pk=int(order_id)).first()
        if order is not None:
            initial.update(
                customer=order.customer_id,
                complainant_name=order.customer.name if order.customer_id else "",
                shop=order.shop_id,
                order=order.external_id,
            )
    customer_id = request.GET.get("customer", "")
    if customer_id.isdigit() and "customer" not in initial:
        initial["customer"] = int(customer_id)
    return initial


# ---------------------------------------------------------------- the complaint page


def _history(complaint: Complaint) -> list:
    """The audit entries with their step and states named in the reader's language."""
    actions = {f"complaint.{name}": label for name, label in ACTION_LABELS.items()}
    actions |= {
        "complaint.register": _("Registered"),
        "complaint.overdue": _("Flagged overdue"),
    }
    states = dict(Status.choices)
    entries = list(audit.history(complaint).select_related("actor"))
    for e in entries:
        e.action_label = actions.get(e.action, e.action)
        e.from_label = states.get(e.from_state, e.from_state)
        e.to_label = states.get(e.to_state, e.to_state)
        e.who = str(e.actor) if e.actor_id else e.actor_label
    return entries


def _steps(c: Complaint) -> list[dict]:
    """The loop's steps with what each recorded, for the page's timeline."""
    done = c.status
    order = list(Status.values)
    reached = order.index(done) if done in order else 0

    def step(key, title, state, items, is_done):
        return {
            "key": key,
            "title": title,
            "items": [(label, value) for label, value in items if value not in (None, "")],
            "done": is_done,
            "current": c.status == state,
        }

    judged = c.founded is not None
    return [
        step(
            "register",
            _("Registered"),
            Status.REGISTERED,
            [
                (_("Complainant"), c.complainant_name),
                (_("Complaint time"), c.occurred_at),
                (_("Channel"), c.get_channel_display()),
                (_("Registered by"), c.registered_by),
            ],
            True,
        ),
        step(
            "judge",
            _("Judged"),
            Status.REGISTERED,
            [
                (_("Founded"), (_("yes") if c.founded else _("no")) if judged else None),
                (_("Responsible department"), c.department),
                (_("Investigation promised by"), c.investigation_due),
                (_("Reply to the customer"), c.reply),
                (_("Judged by"), c.judged_by),
            ],
            judged,
        ),
        step(
            "investigate",
            _("Investigated"),
            Status.INVESTIGATING,
            [(_("Cause"), c.cause), (_("Owner"), c.owner)],
            reached > order.index(Status.INVESTIGATING) and bool(c.cause),
        ),
        step(
            "decide",
            _("Solution chosen"),
            Status.SOLUTIONS_PROPOSED,
            [
                (
                    _("Chosen solution"),
                    c.chosen_solution.description if c.chosen_solution_id else "",
                ),
                (_("Instruction"), c.instruction),
                (_("Decided by"), c.decided_by),
            ],
            bool(c.chosen_solution_id),
        ),
        step(
            "implement",
            _("Implemented"),
            Status.IMPLEMENTING,
            [
                (_("What was done"), c.implementation_note),
                (_("Accountable"), c.accountable),
                (_("Accountability measure"), c.accountability_measure),
            ],
            bool(c.implemented_at),
        ),
        step(
            "confirm",
            _("Customer confirmed"),
            Status.AWAITING_CONFIRMATION,
            [(_("Acceptance"), c.acceptance), (_("Feedback"), c.customer_feedback)],
            bool(c.confirmed_at),
        ),
        step(
            "followup",
            _("Followed up"),
            Status.FOLLOWING_UP,
            [(_("Follow-up call"), c.followup_note)],
            bool(c.followed_up_at),
        ),
        step(
            "close",
            _("Closed"),
            Status.FOLLOWED_UP,
            [(_("Closed"), c.closed_at), (_("Closed by"), c.closed_by)],
            c.status == Status.CLOSED,
        ),
    ]


def _detail(
    request, complaint: Complaint, *, errors=None, failed_action="", values=None, status=400
):
    now = timezone.now()
    role = role_of(request.user)
    errors = errors or {}
    values = values or {}
    actions = []
    for t in COMPLAINT.available(complaint.status, role):
        failed = t.action == failed_action
        fields = [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "required": f.required,
                "help": f.help,
                "value": values.get(f.name, "") if failed else "",
                "errors": errors.get(f.name, []) if failed else [],
            }
            for f in STEP_FIELDS[t.action]
        ]
        actions.append(
            {
                "name": t.action,
                "label": ACTION_LABELS[t.action],
                "fields": fields,
                "lead_only": "agent" not in t.roles,
                "failed": failed,
                "message": errors.get("__all__", [""])[0] if failed else "",
            }
        )
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "solutions": list(complaint.solutions.select_related("proposed_by")),
            "steps": _steps(complaint),
            "history": _history(complaint),
            "actions": actions,
            "owners": _owners(),
            "errors": errors or {},
            "failed_action": failed_action,
            "general_error": (
                errors.get("__all__", [""])[0]
                if errors and not any(a["failed"] for a in actions)
                else ""
            ),
            "values": values or {},
            "is_overdue": selectors.is_overdue(complaint, now),
            "now": now,
        },
        status=status if errors else 200,
    )


def _get(pk: int) -> Complaint:
    return get_object_or_404(
        selectors.base().select_related("chosen_solution", "judged_by", "decided_by", "closed_by"),
        pk=pk,
    )


@require_GET
@staff_required("complaints.view")
def complaint_detail(request, pk: int):
    return _detail(request, _get(pk))


@require_POST
@staff_required("complaints.work")
def complaint_act(request, pk: int, action: str):
    complaint = _get(pk)
    if action not in STEP_FIELDS:
        messages.error(request, _("Unknown action."))
        return redirect(complaint.get_absolute_url())
    values = {f.name: request.POST.get(f.name, "") for f in STEP_FIELDS[action]}
    fields = {k: v for k, v in values.items() if k != "reason"}
    try:
        services.act(
            actor=request.user,
            complaint=complaint,
            action=action,
            reason=values.get("reason", ""),
            **fields,
        )
    except DomainError as exc:
        errors = {"__all__": [exc.message], **exc.fields}
        return _detail(
            request,
            _get(pk),
            errors=errors,
            failed_action=action,
            values=values,
            status=exc.status,
        )
    messages.success(request, _("Done: %(step)s.") % {"step": ACTION_LABELS[action]})
    return redirect(complaint.get_absolute_url())


# ---------------------------------------------------------------- classification table


def _table_args(request) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    period = request.GET.get("period") or "quarter"
    by = request.GET.get("by") or "category"
    if period not in selectors.PERIODS:
        errors["period"] = _("Choose month or quarter.")
        period = "quarter"
    if by not in selectors.GROUPS:
        errors["by"] = _("Group by category or shop.")
        by = "category"
    today = timezone.localdate()
    start, end = selectors.default_range(period, today)
    for name in ("start", "end"):
        raw = request.GET.get(name) or ""
        if raw:
            try:
                value = parse_date(raw)
            except ValueError:
                value = None
            if value is None:
                errors[name] = _("Give a date as YYYY-MM-DD.")
            elif name == "start":
                start = value
            else:
                end = value
    shop = None
    raw = request.GET.get("shop") or ""
    if raw:
        shop = Shop.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if shop is None:
            errors["shop"] = _("Choose a shop from the list.")
    return {"period": period, "by": by, "start": start, "end": end, "shop": shop}, errors


@require_GET
@staff_required("complaints.view")
def classification(request):
    args, errors = _table_args(request)
    try:
        table = selectors.classification(**args)
    except DomainError as exc:
        errors.update({k: v[0] for k, v in exc.fields.items()})
        today = timezone.localdate()
        args["start"], args["end"] = selectors.default_range(args["period"], today)
        table = selectors.classification(**args)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(export.classification_xlsx(table), content_type=export.XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="complaint-classification.xlsx"'
        return response
    query = request.GET.copy()
    query["format"] = "xlsx"
    return render(
        request,
        "complaints/classification.html",
        {
            "table": table,
            "rows": [
                {"line": line, "cells": list(zip(line.counts, line.changes, strict=True))}
                for line in table.lines
            ],
            "total_cells": list(zip(table.totals, table.total_changes, strict=True)),
            "args": args,
            "errors": errors,
            "shops": Shop.objects.order_by("name"),
            "chart": selectors.chart_option(table),
            "xlsx_query": query.urlencode(),
            "change_label": _("vs previous quarter")
            if table.period == "quarter"
            else _("vs previous month"),
        },
        status=400 if errors else 200,
    )
