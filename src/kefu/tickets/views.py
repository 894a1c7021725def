"""The ticket screens: the agent's inbox with bulk actions, the ticket page (thread, reply
with quick replies, notes, call logs, files, status, assignment, the customer beside it),
recording a new inquiry, search, and the quick-reply sets.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import DomainError
from kefu.core.models import Shop, User
from kefu.core.roles import can
from kefu.customers import services as customer_services
from kefu.customers.models import Customer
from kefu.orders.models import Order
from kefu.tickets import (
    attachments,
    forms,
    links,
    quick_replies,
    selectors,
    services,
    sla,
    views_escalation,
)
from kefu.tickets.models import Attachment, Channel, Message, QuickReply, Team, Ticket
from kefu.tickets.templatetags import ticket_ui
from kefu.tickets.workflow import TICKET_WORKFLOW
from kefu.web.decorators import staff_required

PAGE_SIZE = 50
MAX_PAGE = selectors.MAX_OFFSET // PAGE_SIZE


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), MAX_PAGE))
    except ValueError:
        return 1


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _bulk_actions(role: str) -> list[tuple[str, str]]:
    """Workflow actions a role may take from some state, for the bulk bar (the table
    refuses per ticket what does not fit its state)."""
    seen: dict[str, str] = {}
    for t in TICKET_WORKFLOW.transitions:
        if role in t.roles and t.action not in seen and t.action != "customer_replied":
            seen[t.action] = action_label(t.action)
    return list(seen.items())


ACTION_LABELS = {
    "open": gettext_lazy("Open"),
    "wait_customer": gettext_lazy("Wait on customer"),
    "wait_internal": gettext_lazy("Wait on us"),
    "solve": gettext_lazy("Solve"),
    "reopen": gettext_lazy("Reopen"),
    "close": gettext_lazy("Close"),
    "customer_replied": gettext_lazy("Customer replied"),
}


THEN_LABELS = {
    "wait_customer": gettext_lazy("Send, then wait on the customer"),
    "solve": gettext_lazy("Send and solve"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# ---------------------------------------------------------------- inbox


def _list_context(request, filters, shown) -> dict:
    number = _page_number(request)
    tickets = selectors.ticket_list(request.user, filters)
    start = (number - 1) * PAGE_SIZE
    rows = tickets[start : start + PAGE_SIZE + 1]
    return {
        "tickets": _rows(rows[:PAGE_SIZE]),
        "filters": shown,
        "page_number": number,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": number > 1,
        "query": _query_without(request, "page"),
        "sort_label": selectors.SORTS[filters.sort_key()].label,
    }


def _rows(tickets: list[Ticket]) -> list[dict]:
    """List rows ready to print: labels looked up once per page, times formatted once."""
    now = timezone.now()
    soon = sla.DUE_SOON_MINUTES.get()
    labels = {
        name: {value: str(label) for value, label in choices}
        for name, choices in (
            ("status", Ticket.Status.choices),
            ("channel", Channel.choices),
            ("kind", Ticket.Kind.choices),
            ("priority", Ticket.Priority.choices),
        )
    }
    detail = reverse("tickets:detail", args=[1])[:-2]
    out = []
    for t in tickets:
        state = sla.sla_status(t, now, soon_minutes=soon)
        iso, at = _local(t.created_at)
        active = ""
        if t.last_message_at and t.last_message_at != t.created_at:
            active = ticket_ui.since(t.last_message_at)
        out.append(
            {
                "pk": t.pk,
                "url": f"{detail}{t.pk}/",
                "subject": t.subject,
                "customer": t.customer.name,
                "channel": labels["channel"].get(t.channel, t.channel),
                "kind": labels["kind"].get(t.kind, t.kind),
                "category": str(t.category) if t.category_id else "",
                "tags": [(tag.name, tag.color) for tag in t.tags.all()],
                "status": t.status,
                "status_label": labels["status"].get(t.status, t.status),
                "status_class": ticket_ui.STATUS_CLASS.get(t.status, ""),
                "sla_state": state.state,
                "sla_label": state.label,
                "sla_class": ticket_ui.SLA_CLASS.get(state.state, "badge-muted"),
                "sla_due": _local(state.due)[1] if state.due else "",
                "priority_label": labels["priority"].get(t.priority, t.priority),
                "priority_class": ticket_ui.PRIORITY_CLASS.get(t.priority, ""),
                "assignee": str(t.assignee) if t.assignee_id else "",
                "team": t.team.name if t.team_id else "",
                "shop": t.shop.name,
                "iso": iso,
                "at": at,
                "short": at[5:],
                "active": active,
            }
        )
    return out


def _choices(request) -> dict:
    return {
        "views": selectors.VIEWS.values(),
        "sorts": selectors.SORTS.values(),
        "statuses": Ticket.Status.choices,
        "channels": Channel.choices,
        "kinds": Ticket.Kind.choices,
        "priorities": Ticket.Priority.choices,
        "languages": forms.LANGUAGE_CHOICES[1:],
        "shops": Shop.objects.order_by("name"),
        "teams": selectors.teams(),
        "categories": selectors.category_choices(),
        "tags": selectors.tag_choices(),
        "assignees": selectors.assignable_users(),
    }


@staff_required("tickets.view")
def inbox(request):
    filters, shown = forms.filters_from(request.GET)
    context = _list_context(request, filters, shown)
    if _is_htmx(request) and request.headers.get("HX-Target") == "ticket-results":
        return render(request, "tickets/partials/results.html", context)
    context.update(_choices(request))
    context.update(
        {
            "counts": selectors.view_counts(request.user),
            "count_cap": selectors.COUNT_CAP,
            "bulk_actions": _bulk_actions(request.user.role),
            "can_work": can(request.user, "tickets.work"),
            "can_assign_others": can(request.user, services.ASSIGN_CAPABILITY),
            "list_url": reverse("tickets:inbox"),
        }
    )
    return render(request, "tickets/inbox.html", context)


@require_POST
@staff_required("tickets.work")
def bulk(request):
    back = _safe_next(request, reverse("tickets:inbox"))
    ids = [pk for pk in (forms._id(v) for v in request.POST.getlist("ticket")) if pk]
    operation = request.POST.get("operation", "")
    try:
        if operation == "assign":
            assignee = _assignee_from(request, request.POST.get("assignee", ""))
            result = services.bulk_assign(actor=request.user, ticket_ids=ids, assignee=assignee)
        elif operation == "status":
            result = services.bulk_change_status(
                actor=request.user,
                ticket_ids=ids,
                action=request.POST.get("action", ""),
                reason=request.POST.get("reason", "")[:2000],
            )
        else:
            raise DomainError(_("Choose what to do with the selected tickets."))
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    if result.done:
        messages.success(
            request,
            _("%(n)d ticket(s) changed: %(ids)s.")
            % {"n": len(result.done), "ids": ", ".join(f"#{pk}" for pk in result.done)},
        )
    for pk, reason in list(result.refused.items())[:10]:
        messages.warning(request, f"#{pk}: {reason}")
    if len(result.refused) > 10:
        messages.warning(request, _("%(n)d more were refused.") % {"n": len(result.refused) - 10})
    return HttpResponseRedirect(back)


def _assignee_from(request, value: str) -> User | None:
    if value == "me":
        return request.user
    if value in ("", "none"):
        return None
    pk = forms._id(value)
    user = User.objects.filter(pk=pk).first() if pk else None
    if user is None:
        raise DomainError(_("There is no such user."), fields={"assignee": [_("Unknown.")]})
    return user


# ---------------------------------------------------------------- search


@staff_required("tickets.view")
def search(request):
    filters, shown = forms.filters_from(request.GET, default_view="all")
    context = _list_context(request, filters, shown) if shown["q"] else {"filters": shown}
    customers = []
    if shown["q"]:
        found = customer_search_ids(shown["q"], 8)
        customers = list(
            Customer.objects.filter(pk__in=found)
            .select_related("owner")
            .prefetch_related("phones")
            .order_by("-pk")
        )
    context["customers"] = customers
    target = request.headers.get("HX-Target") if _is_htmx(request) else None
    if target == "search-results":
        return render(request, "tickets/partials/search_results.html", context)
    if target == "ticket-results" and shown["q"]:
        return render(request, "tickets/partials/results.html", context)
    context.update(_choices(request))
    context["list_url"] = reverse("tickets:search")
    return render(request, "tickets/search.html", context)


def customer_search_ids(q: str, limit: int) -> list[int]:
    from kefu.customers import search as customer_search

    return customer_search.newest_ids(q, limit)


# ---------------------------------------------------------------- the ticket page


def _ticket_or_404(pk: int) -> Ticket:
    return get_object_or_404(Ticket.objects.select_related("shop", "customer", "order"), pk=pk)


def _local(moment) -> tuple[str, str]:
    """(ISO, "YYYY-MM-DD HH:MM" in the user's time zone): one strftime, no locale lookups."""
    local = timezone.localtime(moment)
    return local.isoformat(), local.strftime("%Y-%m-%d %H:%M")


CALL_BADGE = {"solved": "badge-success", "answered": "badge-success", "call_back": "badge-warning"}


def _thread(page) -> list[dict]:
    """The thread, each message ready to print: its HTML (links checked), who, when, files."""
    ticket = page.ticket
    files_at = reverse("tickets:attachment", args=[ticket.pk, 1])[:-2]
    team = _("Team")
    titles = {Message.Kind.NOTE: _("Internal note"), Message.Kind.CALL: _("Phone call")}
    channels = {value: str(label) for value, label in Channel.choices}
    outcomes = {value: str(label) for value, label in services.CallOutcome.choices}
    out = []
    for m in page.messages:
        inbound = m.kind == Message.Kind.INBOUND
        body, untrusted = links.render_with_hosts(m.body, page.link_domains, inbound=inbound)
        author = str(m.author) if m.author_id else team
        if inbound:
            title, byline = page.customer.name, ""
        elif m.kind in titles:
            title, byline = titles[m.kind], author
        else:
            title, byline = author, ""
        iso, at = _local(m.created_at)
        out.append(
            {
                "pk": m.pk,
                "kind": m.kind,
                "title": title,
                "byline": byline,
                "channel": channels.get(m.channel, "") if inbound else "",
                "iso": iso,
                "at": at,
                "body": body,
                "untrusted": untrusted,
                "duration": ticket_ui.duration(m.call_seconds),
                "outcome": outcomes.get(m.call_outcome, m.call_outcome or "—"),
                "outcome_class": CALL_BADGE.get(m.call_outcome, "badge-muted"),
                "files": [
                    {
                        "url": f"{files_at}{a.pk}/",
                        "name": a.name,
                        "size": a.size,
                        "image": a.content_type.startswith("image/")
                        and a.content_type != "image/heic",
                    }
                    for a in m.attachments.all()
                ],
            }
        )
    return out


def _order_choices(ticket: Ticket, recent) -> list:
    """Orders a ticket may be linked to on its page: the customer's newest, and its own."""
    orders = list(recent)
    if ticket.order_id and all(o.pk != ticket.order_id for o in orders):
        orders.append(ticket.order)
    return orders


def _edit_fields(form) -> list[dict]:
    """The ticket details form as plain rows (value, options, errors): printing Django's
    widget templates for seven selects costs more than the rest of the side panel."""
    rows = []
    for bound in form:
        field = bound.field
        value = bound.value()
        value = "" if value is None else str(value)
        row = {
            "name": bound.name,
            "id": bound.id_for_label,
            "label": bound.label,
            "value": value,
            "errors": list(bound.errors),
            "help": field.help_text,
            "options": None,
            "maxlength": getattr(field, "max_length", None),
        }
        if hasattr(field, "choices"):
            row["options"] = [(str(v), label, str(v) == value) for v, label in field.choices]
        rows.append(row)
    return rows


def _page_context(request, pk: int, **extra) -> dict:
    try:
        page = selectors.ticket_page(pk)
    except Ticket.DoesNotExist:
        raise Http404 from None
    ticket = page.ticket
    user = request.user
    can_work = can(user, "tickets.work") and ticket.status != Ticket.Status.CLOSED
    replies = quick_replies.available(user, ticket.shop) if can_work else []
    lim = attachments.limits(ticket.shop)
    edit_form = extra.pop("edit_form", None) or forms.TicketEditForm(
        initial={
            "subject": ticket.subject,
            "kind": ticket.kind,
            "priority": ticket.priority,
            "category": ticket.category_id,
            "team": ticket.team_id,
            "language": ticket.language,
            "order": ticket.order_id,
            "tags": ", ".join(t.name for t in ticket.tags.all()),
        },
        orders=_order_choices(ticket, page.recent_orders),
    )
    context = {
        "page": page,
        "thread": _thread(page),
        "ticket": ticket,
        "customer": page.customer,
        "now": timezone.now(),
        "sla": sla.sla_status(ticket),
        "actions": [
            {"action": t.action, "label": action_label(t.action), "needs_reason": t.needs_reason}
            for t in TICKET_WORKFLOW.available(ticket.status, user.role)
            if t.action != "customer_replied"
        ],
        "then_actions": [
            (t.action, THEN_LABELS[t.action])
            for t in TICKET_WORKFLOW.available(ticket.status, user.role)
            if t.action in THEN_LABELS
        ],
        "can_work": can_work,
        "can_assign_others": can(user, services.ASSIGN_CAPABILITY),
        "can_take": can_work
        and ticket.assignee_id != user.pk
        and (ticket.assignee_id is None or can(user, services.ASSIGN_CAPABILITY)),
        "assignees": selectors.assignable_users() if can_work else [],
        "message_form": extra.pop("message_form", None) or forms.MessageForm(),
        "call_form": extra.pop("call_form", None) or forms.CallForm(),
        "edit_form": edit_form,
        "edit_fields": _edit_fields(edit_form),
        "quick_replies": replies,
        "quick_replies_json": [
            {"shortcut": r.shortcut, "title": r.title, "shared": r.owner_id is None}
            for r in replies
        ],
        "limits": lim,
        "call_outcomes": services.CallOutcome,
    }
    context.update(extra)
    return {**views_escalation.panel_context(request, ticket), **context}


@staff_required("tickets.view")
def ticket_detail(request, pk: int):
    return render(request, "tickets/detail.html", _page_context(request, pk))


def _conversation(request, pk: int, status: int = 200, **extra):
    """The thread and the composer (after an htmx post), with the page head out of band."""
    context = _page_context(request, pk, partial=True, **extra)
    return render(request, "tickets/partials/conversation.html", context, status=status)


def _after_post(request, ticket: Ticket, notes: list[tuple[str, str]]):
    if _is_htmx(request):
        return _conversation(request, ticket.pk, notes=notes)
    for level, text in notes:
        messages.add_message(request, getattr(messages, level.upper()), text)
    return redirect(reverse("tickets:detail", args=[ticket.pk]) + "#composer")


def _form_errors(form, exc: DomainError) -> None:
    """A service's refusal on the form: each field's reasons at the field, and the message
    at the top when it names no field of this form."""
    fields = exc.fields or {}
    known = {name: errors for name, errors in fields.items() if name in form.fields}
    for name, errors in known.items():
        for error in errors:
            form.add_error(name, error)
    if len(known) < len(fields) or not fields:
        form.add_error(None, exc.message)


def _render_errors(request, pk: int, **forms_with_errors):
    if _is_htmx(request):
        return _conversation(request, pk, **forms_with_errors)
    return render(
        request, "tickets/detail.html", _page_context(request, pk, **forms_with_errors), status=400
    )


@require_POST
@staff_required("tickets.work")
def post_message(request, pk: int):
    ticket = _ticket_or_404(pk)
    form = forms.MessageForm(request.POST)
    if not form.is_valid():
        return _render_errors(request, pk, message_form=form)
    body = form.cleaned_data["body"]
    kind = form.cleaned_data["kind"]
    if kind == Message.Kind.REPLY and not request.FILES:
        # Typed only a shortcut and pressed send (no script): expand it for a look first.
        try:
            expansion = quick_replies.expand_typed(user=request.user, ticket=ticket, text=body)
        except DomainError as exc:
            _form_errors(form, exc)
            return _render_errors(request, pk, message_form=form)
        if expansion is not None:
            fresh = forms.MessageForm(initial={"kind": kind, "body": expansion.text})
            return _render_errors(
                request, pk, message_form=fresh, expanded=expansion, expanded_from=body.strip()
            )
    try:
        services.post_message(
            actor=request.user,
            ticket=ticket,
            kind=kind,
            body=body,
            files=request.FILES.getlist("files"),
        )
    except DomainError as exc:
        _form_errors(form, exc)
        return _render_errors(request, pk, message_form=form)
    notes = [("success", _("Note added.") if kind == Message.Kind.NOTE else _("Reply sent."))]
    then = form.cleaned_data.get("then")
    if then:
        try:
            services.change_ticket_status(actor=request.user, ticket=ticket, action=then)
        except DomainError as exc:
            notes.append(("warning", exc.message))
        else:
            notes.append(("success", _("Done: %(action)s.") % {"action": action_label(then)}))
    return _after_post(request, ticket, notes)


@require_POST
@staff_required("tickets.work")
def log_call(request, pk: int):
    ticket = _ticket_or_404(pk)
    form = forms.CallForm(request.POST)
    if not form.is_valid():
        return _render_errors(request, pk, call_form=form, composer_tab="call")
    try:
        services.post_message(
            actor=request.user,
            ticket=ticket,
            kind=Message.Kind.CALL,
            body=form.cleaned_data["body"],
            call_seconds=form.duration(),
            call_outcome=form.cleaned_data["outcome"],
            files=request.FILES.getlist("files"),
        )
    except DomainError as exc:
        _form_errors(form, exc)
        return _render_errors(request, pk, call_form=form, composer_tab="call")
    return _after_post(request, ticket, [("success", _("Call logged."))])


@require_POST
@staff_required("tickets.work")
def change_status(request, pk: int):
    ticket = _ticket_or_404(pk)
    action = request.POST.get("action", "")
    try:
        services.change_ticket_status(
            actor=request.user,
            ticket=ticket,
            action=action,
            reason=request.POST.get("reason", "")[:2000],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": action_label(action)})
    return redirect("tickets:detail", pk=pk)


@require_POST
@staff_required("tickets.work")
def assign(request, pk: int):
    ticket = _ticket_or_404(pk)
    try:
        assignee = _assignee_from(request, request.POST.get("assignee", ""))
        services.assign_ticket(actor=request.user, ticket=ticket, assignee=assignee)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if assignee is None:
            messages.success(request, _("Nobody has this ticket now."))
        else:
            messages.success(request, _("Assigned to %(name)s.") % {"name": assignee})
    return redirect(_safe_next(request, reverse("tickets:detail", args=[pk])))


@require_POST
@staff_required("tickets.work")
def edit(request, pk: int):
    ticket = _ticket_or_404(pk)
    orders = _order_choices(ticket, selectors.recent_orders(ticket.customer_id))
    form = forms.TicketEditForm(request.POST, orders=orders)
    if form.is_valid():
        data = form.cleaned_data
        order = next((o for o in orders if o.pk == data["order"]), None)
        try:
            services.update_ticket(
                actor=request.user,
                ticket=ticket,
                subject=data["subject"],
                kind=data["kind"],
                priority=data["priority"],
                category=data["category"],
                team=Team.objects.filter(pk=data["team"]).first() if data["team"] else None,
                language=data["language"],
                order=order,
                tags=form.tag_names(),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Ticket updated."))
            return redirect("tickets:detail", pk=pk)
    return render(
        request, "tickets/detail.html", _page_context(request, pk, edit_form=form), status=400
    )


@require_POST
@staff_required("tickets.work")
def expand(request, pk: int):
    """A quick reply filled in for this ticket, as JSON for the reply box."""
    ticket = _ticket_or_404(pk)
    try:
        expansion = quick_replies.expand(
            user=request.user, ticket=ticket, shortcut=request.POST.get("shortcut", "")
        )
    except DomainError as exc:
        return JsonResponse(
            {"error": exc.message, "code": exc.code, "variables": list(quick_replies.VARIABLES)},
            status=exc.status if exc.status != 400 else 422,
        )
    missing = [str(quick_replies.VARIABLES[name]) for name in expansion.missing]
    return JsonResponse(
        {
            "text": expansion.text,
            "language": expansion.language,
            "missing": expansion.missing,
            "warning": _("Fill in before sending: %(what)s.") % {"what": ", ".join(missing)}
            if missing
            else "",
        }
    )


@require_GET
@staff_required("tickets.view")
def attachment(request, pk: int, attachment_pk: int):
    item = get_object_or_404(
        Attachment.objects.select_related("message"), pk=attachment_pk, message__ticket_id=pk
    )
    inline = attachments.is_inline(item)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=not inline, filename=item.name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- a new inquiry


def _customer_choices(q: str) -> list[Customer]:
    q = selectors.clean_query(q)
    if not q:
        return []
    ids = customer_search_ids(q, 10)
    return list(
        Customer.objects.filter(pk__in=ids)
        .prefetch_related("phones", "emails")
        .order_by("-last_contact_at", "-pk")
    )


@require_GET
@staff_required("tickets.work")
def customer_lookup(request):
    return render(
        request,
        "tickets/partials/customer_choices.html",
        {"found": _customer_choices(request.GET.get("who", "")), "who": request.GET.get("who", "")},
    )


def _create_inquiry(request, form) -> Ticket:
    data = form.cleaned_data
    user = request.user
    with_customer = Customer.objects.live().filter(pk=data["customer"]).first()
    if data["customer"] and with_customer is None:
        raise DomainError(
            _("That customer record is gone (merged?); search again."),
            fields={"customer": [_("Unknown customer.")]},
        )
    shop = data["shop"]
    order = None
    number = (request.POST.get("order_number") or "").strip()[:64]
    with transaction.atomic():
        customer = with_customer
        if customer is None:
            customer = customer_services.create_customer(
                actor=user,
                name=data["new_name"],
                phones=[data["new_phone"]] if data["new_phone"] else [],
                emails=[data["new_email"]] if data["new_email"] else [],
                language=data["language"] or shop.language,
            )
        if number:
            order = Order.objects.filter(
                Q(external_id=number) | Q(external_id=f"#{number}"), customer=customer
            ).first()
            if order is None:
                raise DomainError(
                    _("%(customer)s has no order %(number)s.")
                    % {"customer": customer.name, "number": number},
                    fields={"order_number": [_("Not this customer's order.")]},
                )
        ticket = services.create_ticket(
            actor=user,
            customer=customer,
            shop=shop,
            subject=data["subject"],
            body=data["body"],
            channel=data["channel"],
            kind=data["kind"],
            order=order,
            category=services.resolve_category(data["category"]),
            priority=data["priority"],
            language=data["language"] or None,
        )
        if data["assign_to_me"] and ticket.assignee_id != user.pk:
            ticket = services.assign_ticket(actor=user, ticket=ticket, assignee=user)
    return ticket


@staff_required("tickets.work")
def new_ticket(request):
    initial = {"channel": Channel.PHONE, "assign_to_me": True}
    customer = None
    if request.method == "GET" and forms._id(request.GET.get("customer")):
        customer = Customer.objects.live().filter(pk=forms._id(request.GET["customer"])).first()
        if customer is not None:
            initial["customer"] = customer.pk
    form = forms.NewTicketForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = _create_inquiry(request, form)
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Ticket #%(pk)s recorded.") % {"pk": ticket.pk})
                return redirect("tickets:detail", pk=ticket.pk)
        picked = forms._id(request.POST.get("customer"))
        customer = Customer.objects.filter(pk=picked).first() if picked else None
    return render(
        request,
        "tickets/new.html",
        {
            "form": form,
            "customer": customer,
            "order_number": request.POST.get("order_number", ""),
        },
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------- quick replies


@staff_required("tickets.work")
def quick_reply_list(request, pk: int | None = None):
    user = request.user
    reply = None
    if pk is not None:
        reply = get_object_or_404(QuickReply, Q(owner=user) | Q(owner__isnull=True), pk=pk)
    may_share = can(user, quick_replies.SHARED_CAPABILITY)
    if request.method == "POST":
        form = forms.QuickReplyForm(request.POST, may_share=may_share)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = quick_replies.save_quick_reply(
                    actor=user,
                    reply=reply,
                    shortcut=data["shortcut"],
                    title=data["title"],
                    body_en=data["body_en"],
                    body_zh=data["body_zh"],
                    body_ko=data["body_ko"],
                    shared=data["shared"],
                    shop=data["shop"],
                )
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request, _("Quick reply /%(shortcut)s saved.") % {"shortcut": saved.shortcut}
                )
                return redirect("tickets:quick_replies")
    elif reply is not None:
        form = forms.QuickReplyForm(
            may_share=may_share,
            initial={
                "shortcut": reply.shortcut,
                "title": reply.title,
                "body_zh": reply.body_zh,
                "body_ko": reply.body_ko,
                "body_en": reply.body_en,
                "shared": reply.owner_id is None,
                "shop": reply.shop_id,
            },
        )
    else:
        form = forms.QuickReplyForm(may_share=may_share)
    rows = QuickReply.objects.filter(Q(owner=user) | Q(owner__isnull=True)).select_related("shop")
    context = {
        "form": form,
        "editing": reply,
        "personal": [r for r in rows.order_by("shortcut") if r.owner_id == user.pk],
        "shared": [r for r in rows.order_by("shortcut") if r.owner_id is None],
        "may_share": may_share,
        "variables": quick_replies.VARIABLES,
    }
    return render(
        request,
        "tickets/quick_replies.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_required("tickets.work")
def quick_reply_delete(request, pk: int):
    reply = get_object_or_404(QuickReply, Q(owner=request.user) | Q(owner__isnull=True), pk=pk)
    try:
        quick_replies.delete_quick_reply(actor=request.user, reply=reply)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Quick reply deleted."))
    return redirect("tickets:quick_replies")
