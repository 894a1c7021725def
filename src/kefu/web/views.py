from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kefu.core import services as core_services
from kefu.core.roles import Role, can
from kefu.web.decorators import staff_required

# The dashboard's headline numbers per role: (label, hint, tone[, count]). ``count`` is
# ``count(user) -> int`` or the dotted path of one in the feature's selectors (imported
# when the dashboard is drawn); while the feature is not built the card shows "—".


def _customers_to_contact(user) -> int:
    from kefu.customers import selectors

    return selectors.awaiting_first_contact(user).count()


def _overdue_first_contacts(user) -> int:
    from kefu.customers import selectors

    return selectors.overdue_first_contacts().count()


def _tickets(view: str, **filters):
    """A card's count of an inbox view, capped like the inbox tabs (999+)."""

    def count(user):
        from kefu.tickets import selectors

        n = selectors.ticket_list(user, selectors.TicketFilters(view=view, **filters)).count()
        return n if n <= selectors.COUNT_CAP else f"{selectors.COUNT_CAP}+"

    return count


_LEAD_CARDS = [
    (
        _("Unassigned tickets"),
        _("New tickets no one has picked up."),
        "info",
        _tickets("unassigned"),
    ),
    (
        _("Overdue tickets"),
        _("Past their first-response or resolution time, SLA clock running."),
        "danger",
        _tickets("overdue"),
    ),
    (
        _("Escalations for you"),
        _("Questions agents could not answer alone."),
        "warning",
        "kefu.tickets.escalation.dashboard_open_escalations",
    ),
    (
        _("Solutions to approve"),
        _("Complaint solutions waiting for your decision."),
        "danger",
        "kefu.complaints.selectors.dashboard_solutions_to_approve",
    ),
    (
        _("Overdue follow-ups"),
        _("The team's follow-up calls past their due date."),
        "warning",
        "kefu.followups.selectors.dashboard_team_overdue_calls",
    ),
    (
        _("Overdue first contacts"),
        _("Assigned customers their owner has not contacted in time (rule 003 ch.2 §3)."),
        "danger",
        _overdue_first_contacts,
    ),
]
DASHBOARD_CARDS = {
    Role.AGENT: [
        (
            _("My open tickets"),
            _("Assigned to you and not solved yet."),
            "info",
            _tickets("mine"),
        ),
        (
            _("My overdue tickets"),
            _("Yours, past their first-response or resolution time."),
            "danger",
            _tickets("overdue", assignee="me"),
        ),
        (
            _("Overdue follow-ups"),
            _("Follow-up calls past their due date."),
            "warning",
            "kefu.followups.selectors.dashboard_my_overdue_calls",
        ),
        (
            _("My complaints"),
            _("Complaints you are carrying through the closed loop."),
            "danger",
            "kefu.complaints.selectors.dashboard_my_open_complaints",
        ),
        (
            _("Reviews to recover"),
            _("Neutral and negative reviews waiting for contact."),
            "",
            "kefu.reviews.selectors.dashboard_reviews_to_contact",
        ),
        (
            _("Customers to contact"),
            _("Newly assigned to you; contact each within the window (rule 003 ch.2 §3)."),
            "warning",
            _customers_to_contact,
        ),
    ],
    Role.LEAD: _LEAD_CARDS,
    Role.ADMIN: _LEAD_CARDS,
    Role.FINANCE: [
        (
            _("Refunds to confirm"),
            _("Returned goods received, refund not yet confirmed."),
            "warning",
            "kefu.aftersales.selectors.dashboard_refunds_to_confirm",
        ),
        (
            _("Refunded today"),
            _("Refunds confirmed since midnight."),
            "info",
            "kefu.aftersales.selectors.dashboard_refunded_today",
        ),
    ],
    Role.WAREHOUSE: [
        (
            _("Parcels to inspect"),
            _("Returned parcels received and not yet inspected."),
            "warning",
            "kefu.aftersales.selectors.dashboard_parcels_to_inspect",
        ),
        (
            _("Inspected today"),
            _("Return sheets filled in since midnight."),
            "info",
            "kefu.aftersales.selectors.dashboard_inspected_today",
        ),
    ],
}


def _card_count(count, user):
    if isinstance(count, str):
        module_name, _dot, name = count.rpartition(".")
        try:
            count = getattr(import_module(module_name), name, None)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise
            count = None
    return count(user) if count is not None else None


@staff_required("dashboard.view")
def dashboard(request):
    cards = [
        {
            "label": label,
            "hint": hint,
            "tone": tone,
            "value": _card_count(count[0] if count else None, request.user),
        }
        for label, hint, tone, *count in DASHBOARD_CARDS.get(request.user.role, [])
    ]
    from kefu.web import overdue

    due = overdue.collect(request.user)
    return render(
        request,
        "web/dashboard.html",
        {
            "cards": cards,
            "due": due[:DUE_ON_DASHBOARD],
            "more": max(0, len(due) - DUE_ON_DASHBOARD),
            "can_see_today": can(request.user, "overdue.view"),
        },
    )


DUE_ON_DASHBOARD = 12


@staff_required("overdue.view")
def today(request):
    """Everything overdue or due today across complaints, calls, reviews and cases."""
    from kefu.web import overdue

    now = timezone.now()
    rows = overdue.collect(request.user, now)
    kinds = {}
    for row in rows:
        kinds.setdefault(row.kind, [row.kind_label, 0, 0])
        kinds[row.kind][1] += 1
        kinds[row.kind][2] += row.overdue
    return render(
        request,
        "web/today.html",
        {
            "rows": rows,
            "kinds": [
                {"kind": kind, "label": label, "count": count, "overdue": late}
                for kind, (label, count, late) in kinds.items()
            ],
            "sources": [label for label, _source in overdue.sources().values()],
        },
    )


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user keeps it as their own setting."""
    code = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if code and check_for_language(code) and code in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            core_services.set_user_language(actor=request.user, user=request.user, language=code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
