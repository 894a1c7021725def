"""After-sales screens: the case list, a case, opening a case from an order or ticket,
the warehouse desk and the finance queue. Thin: each calls one service or selector."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.core.errors import DomainError
from kefu.core.models import Shop, User
from kefu.core.roles import Role, can
from kefu.orders.models import Order
from kefu.tickets.models import Ticket
from kefu.web.decorators import staff_required

from . import policy, rules, selectors, services
from .models import (
    AftersalesCase,
    Condition,
    Evidence,
    IssueSource,
    Kind,
    Reason,
    Status,
)
from .workflow import ACTION_FIELDS, ACTION_LABELS, workflow_for

PAGE = 50
LEGS = {
    "outbound": gettext_lazy("Outbound postage"),
    "return": gettext_lazy("Return postage"),
    "reship": gettext_lazy("Replacement postage"),
}


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _error(request, exc: DomainError) -> None:
    details = [m for msgs in exc.fields.values() for m in msgs if m != exc.message]
    messages.error(request, " ".join([exc.message, *details[:3]]))


def _workers():
    return User.objects.filter(
        is_active=True, role__in=(Role.AGENT, Role.LEAD, Role.ADMIN)
    ).order_by("username")


@staff_required("aftersales.view")
def case_list(request):
    g = request.GET
    filters = selectors.CaseFilters(
        status=g.get("status") if g.get("status") in Status.values else None,
        kind=g.get("kind") if g.get("kind") in Kind.values else None,
        shop=_int(g.get("shop")),
        handler=request.user.pk if g.get("handler") == "me" else _int(g.get("handler")),
        near_deadline=g.get("near") == "1",
        open_only=g.get("open") == "1",
        q=(g.get("q") or "")[:100] or None,
    )
    page = Paginator(selectors.list_cases(filters), PAGE).get_page(g.get("page"))
    query = {k: v for k, v in g.items() if k != "page"}
    return render(
        request,
        "aftersales/list.html",
        {
            "page": page,
            "filters": filters,
            "raw": g,
            "statuses": Status.choices,
            "kinds": Kind.choices,
            "shops": Shop.objects.filter(is_active=True),
            "handlers": _workers(),
            "query": urlencode(query),
            "now": timezone.now(),
        },
    )


@staff_required("aftersales.work")
def create(request):
    source = request.POST if request.method == "POST" else request.GET
    order = Order.objects.filter(pk=_int(source.get("order"))).select_related("shop").first()
    ticket = Ticket.objects.filter(pk=_int(source.get("ticket"))).first()
    if order is None and ticket is not None and ticket.order_id:
        order = ticket.order
    if order is None:
        messages.error(request, _("Open an after-sales case from an order or its ticket."))
        return redirect("aftersales:list")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        p = request.POST
        items = [(item.pk, _int(p.get(f"qty_{item.pk}")) or 0) for item in order.items.all()]
        try:
            with transaction.atomic():  # a refused photo leaves no half-made case behind
                case = _create(request, order, ticket, items)
        except DomainError as exc:
            errors = exc.fields or {"__all__": [exc.message]}
            errors.setdefault("__all__", [exc.message])
        else:
            messages.success(request, _("Case AS-%(id)s opened.") % {"id": case.pk})
            return redirect("aftersales:detail", case.pk)
    return render(
        request,
        "aftersales/create.html",
        {
            "order": order,
            "ticket": ticket,
            "items": _items_with_quantities(
                order, request.POST if request.method == "POST" else None
            ),
            "kinds": Kind.choices,
            "reasons": Reason.choices,
            "sources": IssueSource.choices,
            "errors": errors,
            "values": request.POST
            if request.method == "POST"
            else selectors.prefill_from_ticket(ticket),
        },
        status=400 if errors else 200,
    )


def _items_with_quantities(order, posted) -> list:
    """The order's items, each with the quantity to show: what was typed, else the
    whole first item (the usual one-item order)."""
    items = list(order.items.all())
    for i, item in enumerate(items):
        typed = _int(posted.get(f"qty_{item.pk}")) if posted is not None else None
        item.chosen = (
            typed if typed is not None else (item.quantity if i == 0 and posted is None else 0)
        )
    return items


def _create(request, order, ticket, items) -> AftersalesCase:
    p = request.POST
    case = services.create_case(
        actor=request.user,
        order=order,
        ticket=ticket,
        kind=p.get("kind", ""),
        reason=p.get("reason", ""),
        items=items,
        description=p.get("description", ""),
        chat_excerpt=p.get("chat_excerpt", ""),
        issue_source=p.get("issue_source")
        if p.get("issue_source") in IssueSource.values
        else IssueSource.CHAT,
        issue_type=p.get("issue_type", ""),
        invoice_issued=p.get("invoice_issued") == "1",
    )
    if request.FILES.getlist("photos"):
        services.add_evidence(actor=request.user, case=case, files=request.FILES.getlist("photos"))
    return case


def _action_forms(case: AftersalesCase, user) -> list[dict]:
    role = getattr(user, "role", "")
    forms = []
    for t in workflow_for(case).available(case.status, role):
        if t.action == "inspect_issue":
            continue  # one inspection form: the condition picks the row
        forms.append(
            {
                "action": t.action,
                "label": ACTION_LABELS.get(t.action, t.action),
                "fields": ACTION_FIELDS.get(t.action, ()),
                "needs_reason": t.needs_reason,
                "danger": t.action in ("reject", "cancel", "close"),
            }
        )
    return forms


@staff_required("aftersales.view")
def detail(request, case_id: int):
    try:
        case = selectors.detail(case_id)
        selectors.explain([case])
    except AftersalesCase.DoesNotExist:
        raise Http404 from None
    due, due_label = selectors.next_deadline(case)
    return render(
        request,
        "aftersales/detail.html",
        {
            "case": case,
            "history": selectors.history(case),
            "action_forms": _action_forms(case, request.user),
            "conditions": Condition.choices,
            "can_work": can(request.user, "aftersales.work"),
            "can_decide": can(request.user, "aftersales.decide"),
            "can_add_evidence": can(request.user, "aftersales.work")
            or can(request.user, "aftersales.receive"),
            "sources": IssueSource.choices,
            "handlers": _workers(),
            "payers": [
                (LEGS.get(leg, leg), policy.payer_label(payer))
                for leg, payer in (case.quote or {}).get("payers", {}).items()
            ],
            "next_due": due,
            "next_due_label": due_label,
            "now": timezone.now(),
        },
    )


@require_POST
@staff_required("aftersales.view")
def action(request, case_id: int):
    case = get_object_or_404(AftersalesCase, pk=case_id)
    p = request.POST
    data = {
        "waybill": p.get("waybill", ""),
        "carrier": p.get("carrier", ""),
        "condition": p.get("condition", ""),
        "accessories_complete": {"1": True, "0": False}.get(p.get("accessories_complete", "")),
        "note": p.get("note", ""),
        "amount": p.get("amount", ""),
        "reference": p.get("reference", ""),
        "days": p.get("days", ""),
    }
    name = p.get("action", "")
    try:
        services.act(
            actor=request.user, case=case, action=name, reason=p.get("reason", ""), data=data
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(
            request, _("Done: %(action)s.") % {"action": ACTION_LABELS.get(name, name)}
        )
    return redirect("aftersales:detail", case.pk)


@require_POST
@staff_required("aftersales.work")
def registration(request, case_id: int):
    case = get_object_or_404(AftersalesCase, pk=case_id)
    p = request.POST
    rating = p.get("customer_rating", "")
    handler = User.objects.filter(pk=_int(p.get("handler"))).first()
    try:
        services.update_registration(
            actor=request.user,
            case=case,
            issue_source=p.get("issue_source")
            if p.get("issue_source") in IssueSource.values
            else case.issue_source,
            customer_rating=int(rating) if rating.isdigit() else None,
            handler=handler or case.handler,
            issue_type=p.get("issue_type", ""),
            result=p.get("result", ""),
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("aftersales:detail", case.pk)


@require_POST
@staff_required("aftersales.view")
def evidence(request, case_id: int):
    case = get_object_or_404(AftersalesCase, pk=case_id)
    try:
        services.add_evidence(
            actor=request.user,
            case=case,
            files=request.FILES.getlist("photos"),
            text=request.POST.get("text", ""),
            stage=Evidence.Stage.INSPECTION
            if can(request.user, "aftersales.receive") and not can(request.user, "aftersales.work")
            else Evidence.Stage.REQUEST,
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Evidence added."))
    return redirect("aftersales:detail", case.pk)


@staff_required("aftersales.view")
def evidence_file(request, evidence_id: int):
    ev = get_object_or_404(Evidence, pk=evidence_id, kind=Evidence.Kind.PHOTO)
    inline = ev.content_type.startswith("image/") and ev.content_type != "image/heic"
    response = FileResponse(
        ev.file.open("rb"), as_attachment=not inline, filename=ev.name, content_type=ev.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- warehouse desk


@staff_required("aftersales.receive")
def warehouse(request):
    waybill = (request.GET.get("waybill") or "").strip()[:64]
    found = None
    if waybill:
        found = services.find_by_waybill(waybill)
        if len(found) == 1 and found[0].status in (
            Status.AWAITING_RETURN,
            Status.RETURN_SHIPPED,
            Status.RECEIVED,
        ):
            pass
        elif not found:
            messages.warning(
                request,
                _(
                    "No case has the return waybill %(waybill)s. Put the parcel aside and tell "
                    "after-sales."
                )
                % {"waybill": waybill},
            )
    now = timezone.now()
    shop = Shop.objects.filter(is_active=True).first()
    today = timezone.localdate(now)
    return render(
        request,
        "aftersales/warehouse.html",
        {
            "waybill": waybill,
            "found": found,
            "conditions": Condition.choices,
            "to_inspect": selectors.to_inspect()[:100],
            "batch": selectors.handover_batch(today)[:200],
            "today": today,
            "cut_off": rules.CUT_OFF.get(shop),
            "hand_over": rules.HAND_OVER.get(shop),
            "receivable": (Status.AWAITING_RETURN, Status.RETURN_SHIPPED, Status.RECEIVED),
        },
    )


@require_POST
@staff_required("aftersales.receive")
def warehouse_receive(request, case_id: int):
    case = get_object_or_404(AftersalesCase, pk=case_id)
    p = request.POST
    try:
        case = services.receive_and_inspect(
            actor=request.user,
            case=case,
            waybill=p.get("waybill", ""),
            condition=p.get("condition", ""),
            accessories_complete={"1": True, "0": False}.get(p.get("accessories_complete", "")),
            note=p.get("note", ""),
            photos=request.FILES.getlist("photos"),
        )
    except DomainError as exc:
        _error(request, exc)
        return redirect(
            reverse("aftersales:warehouse") + "?" + urlencode({"waybill": p.get("waybill", "")})
        )
    messages.success(
        request,
        _("AS-%(id)s received and inspected; hand-over batch of %(date)s at %(time)s.")
        % {"id": case.pk, "date": case.handover_date, "time": rules.HAND_OVER.get(case.shop)},
    )
    return redirect("aftersales:warehouse")


# ---------------------------------------------------------------- finance


@staff_required("finance.view")
def finance(request, refused: dict | None = None, status: int = 200):
    cases = list(selectors.awaiting_finance()[:500])
    selectors.explain(cases)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return render(
        request,
        "aftersales/finance.html",
        {
            "cases": cases,
            "totals": selectors.totals_by_currency(cases),
            "refunded": selectors.refunded_since(midnight)[:200],
            "can_refund": can(request.user, "aftersales.refund"),
            "refused": refused,
        },
        status=status,
    )


@require_POST
@staff_required("aftersales.refund")
def finance_confirm(request, case_id: int):
    case = get_object_or_404(AftersalesCase, pk=case_id)
    amount = request.POST.get("amount", "")
    reference = request.POST.get("reference", "")
    try:
        services.confirm_refund(actor=request.user, case=case, amount=amount, reference=reference)
    except DomainError as exc:
        # The row keeps what was typed and says once, beside it, what is wrong.
        reasons = [exc.message] + [
            m for msgs in exc.fields.values() for m in msgs if m != exc.message
        ]
        refused = {"case": case.pk, "amount": amount, "reference": reference, "reasons": reasons}
        return finance(request, refused=refused, status=400)
    messages.success(request, _("Refund for AS-%(id)s confirmed.") % {"id": case.pk})
    return redirect("aftersales:finance")
