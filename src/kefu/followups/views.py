"""Follow-up screens: the agent's call list, one call with its script and attempt form,
the lead's measures with the summary report, and the survey panel for the ticket page."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import DomainError
from kefu.core.models import User
from kefu.core.roles import can, roles_for
from kefu.followups import quiet, selectors, services, surveys
from kefu.followups.models import CallAttempt, FollowUpTask, Satisfaction
from kefu.followups.workflow import TASK_WORKFLOW
from kefu.web.decorators import staff_required

PANEL = "followups/partials/ticket_survey.html"


def _task(request, pk: int) -> FollowUpTask:
    task = selectors.visible_tasks(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


@staff_required("followups.work")
def calls(request):
    now = timezone.now()
    owner_param = request.GET.get("owner", "")
    may_see_all = can(request.user, "followups.manage")
    owner = None  # a lead sees everyone's calls unless they pick an agent
    if not may_see_all or owner_param == "me":
        owner = request.user
    elif owner_param.isdigit():
        owner = User.objects.filter(pk=int(owner_param)).first()
    lists = selectors.call_lists(request.user, now, owner=owner)
    agents = (
        User.objects.filter(is_active=True, role__in=roles_for("followups.work")).order_by(
            "username"
        )
        if may_see_all
        else []
    )
    return render(
        request,
        "followups/calls.html",
        {
            "lists": lists,
            "upcoming": selectors.upcoming(request.user, now)[:20],
            "now": now,
            "agents": agents,
            "owner_param": owner_param,
            "may_see_all": may_see_all,
            "quiet_source": quiet.SOURCE,
        },
    )


def _task_context(request, task: FollowUpTask, *, errors=None, values=None) -> dict:
    now = timezone.now()
    language = task.customer.language
    return {
        "task": task,
        "script": selectors.script_text(task, language),
        "phones": list(task.customer.phones.all()),
        "orders": selectors.recent_orders(task),
        "attempts": list(task.call_attempts.select_related("agent")),
        "outcomes": CallAttempt.Outcome.choices,
        "satisfactions": Satisfaction.choices,
        "quiet_now": not selectors.callable_now(task, now),
        "local_time": now.astimezone(quiet.zone(task.customer, task.shop)),
        "moves": [
            t
            for t in TASK_WORKFLOW.available(task.status, request.user.role)
            if t.action in ("cancel", "reopen")
        ],
        "can_attempt": task.is_active and can(request.user, "followups.work"),
        "can_manage": can(request.user, "followups.manage"),
        "agents": User.objects.filter(
            is_active=True, role__in=roles_for("followups.work")
        ).order_by("username"),
        "errors": errors or {},
        "values": values or {},
        "complaints_ready": _complaints_ready(),
    }


def _complaints_ready() -> bool:
    try:
        from kefu.complaints.services import register_complaint  # noqa: F401
    except ImportError:
        return False
    return True


@staff_required("followups.work")
def task_detail(request, pk: int):
    task = _task(request, pk)
    return render(request, "followups/task.html", _task_context(request, task))


def _when(value: str, task: FollowUpTask) -> dt.datetime | None:
    """A call-back time typed in the customer's local time (datetime-local input)."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise DomainError(
            _("Give the time as YYYY-MM-DD HH:MM."),
            fields={"call_back_at": [_("Invalid time.")]},
            code="validation_error",
        )
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=quiet.zone(task.customer, task.shop))
    return parsed


@require_POST
@staff_required("followups.work")
def task_action(request, pk: int, action: str):
    task = _task(request, pk)
    post = request.POST
    try:
        if action == "attempt":
            services.record_attempt(
                actor=request.user,
                task=task,
                outcome=post.get("outcome", ""),
                note=post.get("note", ""),
                call_back_at=_when(post.get("call_back_at", ""), task),
                satisfaction=post.get("satisfaction", ""),
                to_improve=post.get("to_improve", ""),
                suggestions=post.get("suggestions", ""),
            )
            messages.success(request, _("Call recorded."))
        elif action in ("cancel", "reopen"):
            services.change_status(
                actor=request.user, task=task, action=action, reason=post.get("reason", "")
            )
            messages.success(request, _("Call updated."))
        elif action == "ticket":
            ticket = services.open_ticket(actor=request.user, task=task)
            messages.success(request, _("Ticket #%(id)s opened.") % {"id": ticket.pk})
        elif action == "complaint":
            services.open_complaint(actor=request.user, task=task)
            messages.success(request, _("Complaint registered."))
        elif action == "reassign":
            owner = User.objects.filter(pk=post.get("owner") or 0).first()
            if owner is None:
                raise DomainError(_("Choose an agent."), fields={"owner": [_("Required.")]})
            services.reassign(actor=request.user, task=task, owner=owner)
            messages.success(request, _("Call given to %(name)s.") % {"name": owner})
        else:
            raise Http404
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
        task.refresh_from_db()
        ctx = _task_context(request, task, errors=exc.fields, values=post)
        return render(request, "followups/task.html", ctx, status=exc.status)
    return redirect("followups:task", pk=task.pk)


# ---------------------------------------------------------------- measures


def _period(request) -> tuple[str, dt.datetime, dt.datetime]:
    period = request.GET.get("period", "month")
    if period not in ("month", "week"):
        period = "month"
    day = parse_date(request.GET.get("date", "") or "") or timezone.localdate()
    start, end = selectors.period_bounds(period, day, timezone.get_current_timezone())
    return period, start, end


@staff_required("followups.manage")
def measures(request):
    period, start, end = _period(request)
    data = selectors.measures(start, end)
    fmt = request.GET.get("export", "")
    if fmt in ("csv", "xlsx"):
        return _export(fmt, data, period, start)
    survey_stats = surveys.stats(start, end)
    sat_labels = dict(Satisfaction.choices)
    satisfaction_chart = {
        "animation": False,
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "data": [
                    {"name": str(sat_labels[k]), "value": v}
                    for k, v in data["satisfaction"].items()
                ],
            }
        ],
    }
    rating_chart = {
        "animation": False,
        "xAxis": {"type": "category", "data": ["1", "2", "3", "4", "5"]},
        "yAxis": {"type": "value", "minInterval": 1},
        "tooltip": {},
        "series": [{"type": "bar", "data": list(survey_stats["distribution"].values())}],
    }
    prev_day = (start - dt.timedelta(days=1)).date()
    return render(
        request,
        "followups/measures.html",
        {
            "data": data,
            "period": period,
            "start": start,
            "end": end - dt.timedelta(seconds=1),
            "date": start.date().isoformat(),
            "prev_date": prev_day.isoformat(),
            "next_date": end.date().isoformat(),
            "surveys": survey_stats,
            "satisfaction_chart": satisfaction_chart,
            "rating_chart": rating_chart,
            "overdue": list(
                FollowUpTask.objects.filter(selectors.overdue_q(timezone.now()))
                .select_related("customer", "owner", "shop")
                .order_by("due_end")[:50]
            ),
        },
    )


def _export(fmt: str, data: dict, period: str, start: dt.datetime) -> HttpResponse:
    name = f"followups-{period}-{start.date().isoformat()}"
    rows = list(selectors.report_rows(data))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        for row in rows:
            writer.writerow(
                [("'" + c) if isinstance(c, str) and c[:1] in "=+-@" else c for c in row]
            )
        response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "followups"
        for row in rows:
            ws.append(row)
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# ---------------------------------------------------------------- the ticket page's panel


def survey_panel_context(request, ticket) -> dict:
    """What followups/partials/ticket_survey.html needs, for the ticket page to merge."""
    survey = surveys.for_ticket(ticket)
    link = request.build_absolute_uri(surveys.path_for(survey)) if survey else ""
    return {
        "ticket": ticket,
        "survey": survey,
        "survey_link": link,
        "survey_can_send": (
            can(request.user, "tickets.work")
            and ticket.status in ("solved", "closed")
            and (survey is None or survey.answered_at is None)
            and ticket.status != "closed"
        ),
    }


@staff_required("tickets.view")
def ticket_survey(request, ticket_id: int):
    from kefu.tickets.models import Ticket

    ticket = get_object_or_404(Ticket, pk=ticket_id)
    if request.method == "POST":
        try:
            survey, _created = surveys.create_survey(actor=request.user, ticket=ticket)
            surveys.send_link(
                actor=request.user, survey=survey, base_url=request.build_absolute_uri("/")
            )
            messages.success(request, _("The survey link was sent to the customer."))
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from None
            messages.error(request, exc.message)
        if request.headers.get("HX-Request") != "true":
            try:
                return redirect(reverse("tickets:detail", args=[ticket.pk]))
            except NoReverseMatch:  # no ticket page yet: show the panel itself
                pass
    return render(request, PANEL, survey_panel_context(request, ticket))
