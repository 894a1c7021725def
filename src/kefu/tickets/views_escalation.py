"""Escalation screens: the lead's list of open escalations with their age, and the panel
on the ticket page where an agent escalates and a lead answers.

The panel is ``tickets/partials/escalation_panel.html``. The ticket page either includes it
with :func:`panel_context` merged into its own context, or loads it with htmx from the
``tickets:escalation_panel`` URL. Its forms post with htmx and get the panel back; without
JavaScript they post normally and come back to the ticket page.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import DomainError
from kefu.core.roles import can
from kefu.tickets import escalation, sla
from kefu.tickets.models import Escalation, Ticket
from kefu.web.decorators import staff_required

PANEL = "tickets/partials/escalation_panel.html"
LIST_LIMIT = 200


def ticket_url(ticket_id: int) -> str:
    try:
        return reverse("tickets:detail", args=[ticket_id])
    except NoReverseMatch:  # the ticket page lives in the tickets screens
        return ""


def _list_url() -> str:
    return reverse("tickets:escalations")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request, ticket_id: int | None = None):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = (ticket_url(ticket_id) if ticket_id else "") or _list_url()
    return redirect(target)


def panel_context(request, ticket: Ticket, *, errors=None, values=None) -> dict:
    """What the escalation panel needs, for the ticket page to merge into its context."""
    items = escalation.for_ticket(ticket)
    waiting = next((e for e in items if e.answered_at is None), None)
    user = request.user
    return {
        "ticket": ticket,
        "escalations": items,
        "answered_escalations": [e for e in items if e.answered_at is not None],
        "open_escalation": waiting,
        "can_escalate": (
            can(user, "tickets.work") and waiting is None and ticket.status not in sla.DONE
        ),
        "can_answer": can(user, "tickets.escalation.answer"),
        "can_work": can(user, "tickets.work"),
        "escalation_errors": errors or {},
        "escalation_values": values or {},
        "escalation_now": timezone.now(),
        "escalation_source": escalation.ESCALATION_GRACE_MINUTES.source,
    }


def _panel(request, ticket: Ticket, **kw):
    return render(request, PANEL, panel_context(request, ticket, **kw))


def _refused(request, ticket: Ticket, exc: DomainError, field: str, value: str = ""):
    """A refused form: the panel with the message (htmx), else a flash and back."""
    if _is_htmx(request):
        errors = {field: [exc.message], **exc.fields}
        return _panel(request, ticket, errors=errors, values={field: value})
    messages.error(request, exc.message)
    return _back(request, ticket.pk)


# ---------------------------------------------------------------- the lead's list


@require_GET
@staff_required("tickets.escalation.answer")
def escalation_list(request):
    now = timezone.now()
    waiting = list(escalation.open_escalations(now)[:LIST_LIMIT])
    untold = list(escalation.untold_escalations(now)[:LIST_LIMIT])
    for item in (*waiting, *untold):
        item.ticket_url = ticket_url(item.ticket_id)
    return render(
        request,
        "tickets/escalations.html",
        {
            "waiting": waiting,
            "untold": untold,
            "now": now,
            "overdue_count": sum(1 for e in waiting if e.is_overdue),
            "grace_minutes": escalation.ESCALATION_GRACE_MINUTES.get(),
            "rule_source": escalation.ESCALATION_GRACE_MINUTES.source,
        },
    )


# ---------------------------------------------------------------- the ticket's panel


@require_GET
@staff_required("tickets.view")
def panel(request, ticket_id: int):
    return _panel(request, get_object_or_404(Ticket, pk=ticket_id))


@require_POST
@staff_required("tickets.work")
def escalate(request, ticket_id: int):
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    reason = request.POST.get("reason", "")
    try:
        escalation.escalate(actor=request.user, ticket=ticket, reason=reason)
    except DomainError as exc:
        return _refused(request, ticket, exc, "reason", reason)
    if _is_htmx(request):
        return _panel(request, Ticket.objects.get(pk=ticket.pk))
    messages.success(request, _("Escalated to the lead."))
    return _back(request, ticket.pk)


@require_POST
@staff_required("tickets.escalation.answer")
def answer(request, pk: int):
    item = get_object_or_404(Escalation.objects.select_related("ticket"), pk=pk)
    text = request.POST.get("answer", "")
    send = request.POST.get("send_to_customer") in ("1", "on", "true")
    try:
        escalation.answer_escalation(
            actor=request.user, escalation=item, answer=text, send_to_customer=send
        )
    except DomainError as exc:
        return _refused(request, item.ticket, exc, "answer", text)
    if _is_htmx(request):
        return _panel(request, Ticket.objects.get(pk=item.ticket_id))
    if send:
        messages.success(request, _("Answer sent to the customer."))
    else:
        messages.success(request, _("Answer saved for the agent, who tells the customer."))
    return _back(request, item.ticket_id)


@require_POST
@staff_required("tickets.work")
def told(request, pk: int):
    item = get_object_or_404(Escalation.objects.select_related("ticket"), pk=pk)
    try:
        escalation.mark_customer_told(actor=request.user, escalation=item)
    except DomainError as exc:
        return _refused(request, item.ticket, exc, "told")
    if _is_htmx(request):
        return _panel(request, Ticket.objects.get(pk=item.ticket_id))
    messages.success(request, _("Marked as told to the customer."))
    return _back(request, item.ticket_id)
