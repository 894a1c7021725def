"""The customer screens: list and search, create and edit, the customer page with its
timeline and notes, "my customers to contact", the lead's assignment and duplicates pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import DomainError
from kefu.core.models import Shop, User
from kefu.core.roles import can
from kefu.customers import rules, selectors, services
from kefu.customers import timeline as customer_timeline
from kefu.customers.forms import CustomerEditor, MergeForm, NoteForm
from kefu.customers.models import Customer, MergeRecord, Segment, Tag
from kefu.web.decorators import staff_required

PAGE_SIZE = 25
TIMELINE_LIMIT = 100
TIMELINE_KINDS = ("order", "ticket", "complaint", "return", "followup", "review", "note")


def _rule_text(days: int | None = None) -> str:
    return _("contact within %(days)s days (rule %(source)s)") % {
        "days": days or selectors.contact_days(),
        "source": rules.OWNER_CONTACT_DAYS.source,
    }


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None


def _filters(request) -> dict:
    """The list's filters from the query string, checked (unknown values are dropped)."""
    g = request.GET
    out = {
        "q": g.get("q", "")[:200],
        "segment": g.get("segment") if g.get("segment") in Segment.values else "",
        "owner": g.get("owner", ""),
        "tag": _int(g.get("tag")),
        "shop": _int(g.get("shop")),
        "consent": g.get("consent") if g.get("consent") in selectors.CONSENT_FILTERS else "",
        "contact": g.get("contact") if g.get("contact") in ("awaiting", "overdue") else "",
    }
    if out["owner"] not in ("", "me", "none") and _int(out["owner"]) is None:
        out["owner"] = ""
    return out


def _filtered(request, f: dict):
    owner = None
    if f["owner"] == "me":
        owner = request.user
    elif f["owner"] not in ("", "none"):
        owner = _int(f["owner"])
    return selectors.search_customers(
        f["q"],
        segment=f["segment"] or None,
        owner=owner,
        unowned=f["owner"] == "none",
        tag=f["tag"],
        shop=f["shop"],
        consent=f["consent"] or None,
        awaiting_contact=f["contact"] == "awaiting",
        overdue=f["contact"] == "overdue",
    )


def _page(qs, number: int) -> tuple[list, bool]:
    return selectors.page_of(qs, offset=(number - 1) * PAGE_SIZE, size=PAGE_SIZE)


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@staff_required("customers.view")
def customer_list(request):
    f = _filters(request)
    number = _page_number(request)
    rows, more = _page(_filtered(request, f), number)
    context = {
        "customers": rows,
        "filters": f,
        "page_number": number,
        "has_next": more,
        "has_previous": number > 1,
        "query": _query_without_page(request),
        "days": selectors.contact_days(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "customers/_results.html", context)
    context.update(
        {
            "segments": Segment.choices,
            "consents": [
                ("calls_ok", _("Calls allowed")),
                ("no_calls", _("No calls")),
                ("marketing_ok", _("Marketing allowed")),
                ("no_marketing", _("No marketing")),
            ],
            "tags": Tag.objects.order_by("name"),
            "shops": Shop.objects.order_by("name"),
            "owners": selectors.assignable_users(),
        }
    )
    return render(request, "customers/list.html", context)


def _save_editor(request, editor: CustomerEditor, customer: Customer | None):
    if not editor.form.is_valid():
        return None
    try:
        kwargs = editor.service_kwargs()
        if customer is None:
            return services.create_customer(actor=request.user, **kwargs)
        return services.update_customer(actor=request.user, customer=customer, **kwargs)
    except DomainError as exc:
        editor.add_errors(exc.fields or {"general": [exc.message]})
        return None


@staff_required("customers.edit")
def customer_create(request):
    editor = CustomerEditor.build(
        data=request.POST if request.method == "POST" else None,
        language=request.user.language,
    )
    if request.method == "POST":
        customer = _save_editor(request, editor, None)
        if customer is not None:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"editor": editor, "customer": None})


@staff_required("customers.edit")
def customer_edit(request, pk: int):
    customer = get_object_or_404(selectors.with_contacts(Customer.objects.live()), pk=pk)
    data = request.POST if request.method == "POST" else None
    editor = CustomerEditor.build(customer, data=data)
    if request.method == "POST":
        saved = _save_editor(request, editor, customer)
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"editor": editor, "customer": customer})


@staff_required("customers.view")
def customer_detail(request, pk: int):
    customer = get_object_or_404(selectors.customer_detail(), pk=pk)
    kind = request.GET.get("kind", "")
    kinds = {kind} if kind in customer_timeline.sources() else None
    items = customer_timeline.timeline(customer, limit=TIMELINE_LIMIT, kinds=kinds)
    days = selectors.contact_days()
    due = selectors.contact_due(customer, days)
    context = {
        "customer": customer,
        "attribute_groups": [g for g in selectors.attribute_groups(customer) if g.rows],
        "timeline": items,
        "timeline_kinds": [k for k in TIMELINE_KINDS if k in customer_timeline.sources()],
        "timeline_kind": kind if kinds else "",
        "timeline_limit": TIMELINE_LIMIT,
        "note_form": NoteForm(),
        "contact_due": due,
        "contact_overdue": due is not None and due < timezone.now(),
        "contact_rule": _rule_text(days),
        "can_edit": can(request.user, "customers.edit") and not customer.merged_into_id,
        "owners": (
            selectors.assignable_users()
            if can(request.user, "customers.assign") and not customer.merged_into_id
            else []
        ),
        "can_merge": can(request.user, "customers.merge"),
    }
    return render(request, "customers/detail.html", context)


@require_POST
@staff_required("customers.edit")
def add_note(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    form = NoteForm(request.POST)
    target = reverse("customers:detail", args=[pk])
    if not form.is_valid():
        messages.error(request, _("Write the note first."))
        return HttpResponseRedirect(target)
    try:
        services.add_note(
            actor=request.user,
            customer=customer,
            body=form.cleaned_data["body"],
            contact_channel=form.cleaned_data["contact_channel"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if form.cleaned_data["contact_channel"]:
            messages.success(request, _("Contact recorded."))
        else:
            messages.success(request, _("Note added."))
    return HttpResponseRedirect(target)


@staff_required("customers.view")
def my_customers(request):
    """The signed-in owner's newly assigned customers to contact, overdue first."""
    days = selectors.contact_days()
    waiting = list(selectors.awaiting_first_contact(request.user)[:500])
    now = timezone.now()
    rows = [{"customer": c, "due": selectors.contact_due(c, days)} for c in waiting]
    for row in rows:
        row["overdue"] = row["due"] is not None and row["due"] < now
    rows.sort(key=lambda r: (not r["overdue"], r["due"] or now))
    return render(
        request,
        "customers/mine.html",
        {
            "rows": rows,
            "overdue_count": sum(1 for r in rows if r["overdue"]),
            "contact_rule": _rule_text(days),
            "owned_count": Customer.objects.live().filter(owner=request.user).count(),
        },
    )


@staff_required("customers.assign")
def assignment(request):
    """The lead's page: load per agent against capacity, balance, bulk assignment,
    overdue first contacts of the whole team."""
    if request.method == "POST":
        return _assignment_post(request)
    loads, unowned = selectors.agent_loads()
    f = _filters(request)
    if not any(request.GET.get(k) for k in ("q", "owner", "segment", "tag", "shop", "contact")):
        f["owner"] = "none"
    number = _page_number(request)
    rows, more = _page(_filtered(request, f), number)
    overdue_all = selectors.overdue_first_contacts()
    overdue = list(overdue_all[:20])
    days = selectors.contact_days()
    return render(
        request,
        "customers/assign.html",
        {
            "loads": loads,
            "unowned": unowned,
            "customers": rows,
            "filters": f,
            "page_number": number,
            "has_next": more,
            "has_previous": number > 1,
            "query": _query_without_page(request),
            "owners": selectors.assignable_users(),
            "overdue": [(c, selectors.contact_due(c, days)) for c in overdue],
            "overdue_total": overdue_all.count() if len(overdue) == 20 else len(overdue),
            "contact_rule": _rule_text(),
        },
    )


def _assignment_post(request):
    action = request.POST.get("action")
    back = request.POST.get("next") or ""
    if not back.startswith("/customers/"):
        back = reverse("customers:assign")
    try:
        if action == "balance":
            given = services.balance_unowned(actor=request.user)
            total = sum(len(v) for v in given.values())
            if total:
                messages.success(
                    request,
                    _("%(n)d customers given to %(agents)d agents by capacity.")
                    % {"n": total, "agents": len(given)},
                )
            else:
                messages.info(request, _("Every customer already has an owner."))
        elif action == "assign":
            ids = [i for i in (_int(v) for v in request.POST.getlist("customer")) if i]
            owner_value = request.POST.get("owner", "")
            owner = None
            if owner_value != "none":
                owner = User.objects.filter(pk=_int(owner_value) or 0).first()
                if owner is None:
                    raise DomainError(_("Choose who gets the customers."))
            if not ids:
                raise DomainError(_("Tick the customers to assign first."))
            changed = services.assign_customers(actor=request.user, customer_ids=ids, owner=owner)
            if owner is None:
                messages.success(request, _("%(n)d customers have no owner now.") % {"n": changed})
            else:
                messages.success(
                    request,
                    _("%(n)d customers given to %(owner)s.") % {"n": changed, "owner": owner},
                )
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(back)


@staff_required("customers.merge")
def duplicates(request):
    groups = selectors.duplicate_groups(limit=50)
    return render(
        request,
        "customers/duplicates.html",
        {"groups": groups, "merges": selectors.recent_merges(20)},
    )


@require_POST
@staff_required("customers.merge")
def merge(request):
    form = MergeForm(request.POST)
    back = request.POST.get("next", "")
    if not back.startswith("/customers/"):
        back = reverse("customers:duplicates")
    if not form.is_valid() or not form.merged_ids():
        messages.error(request, _("Choose the record to keep and at least one other."))
        return HttpResponseRedirect(back)
    survivor = get_object_or_404(Customer, pk=form.cleaned_data["survivor"])
    done = 0
    for merged_id in form.merged_ids():
        merged = Customer.objects.filter(pk=merged_id).first()
        if merged is None:
            continue
        try:
            services.merge_customers(
                actor=request.user,
                survivor=survivor,
                merged=merged,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            continue
        done += 1
    if done:
        messages.success(
            request,
            _("%(n)d records merged into %(name)s; the merge can be reversed from its record.")
            % {"n": done, "name": survivor.name},
        )
        return redirect("customers:detail", pk=survivor.pk)
    return HttpResponseRedirect(back)


@require_POST
@staff_required("customers.merge")
def reverse_merge(request, pk: int):
    record = get_object_or_404(MergeRecord, pk=pk)
    try:
        services.unmerge(actor=request.user, record=record, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("customers:detail", pk=record.survivor_id)
    messages.success(
        request,
        _("Merge reversed: %(name)s is its own record again.") % {"name": record.merged.name},
    )
    return redirect("customers:detail", pk=record.merged_id)
