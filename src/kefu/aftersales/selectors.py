"""Reads of the after-sales cases, shaped per screen: the case list, the warehouse desk's
batch, the finance queue, the dashboard counts, the Today page and the customer timeline."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import audit
from kefu.core.roles import can
from kefu.tickets.models import Message, Ticket

from .models import OPEN_EXCLUDED, AftersalesCase, CaseItem, IssueSource, Refund, Status


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    kind: str | None = None
    shop: int | None = None
    handler: int | None = None
    near_deadline: bool = False
    open_only: bool = False
    order: int | None = None
    customer: int | None = None
    q: str | None = None


def rows() -> QuerySet[AftersalesCase]:
    return AftersalesCase.objects.select_related("shop", "order", "customer", "handler")


def list_cases(f: CaseFilters) -> QuerySet[AftersalesCase]:
    qs = rows()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.shop:
        qs = qs.filter(shop_id=f.shop)
    if f.handler:
        qs = qs.filter(handler_id=f.handler)
    if f.order:
        qs = qs.filter(order_id=f.order)
    if f.customer:
        qs = qs.filter(customer_id=f.customer)
    if f.near_deadline:
        qs = qs.filter(Q(near_deadline=True) | Q(needs_extension=True))
    if f.open_only:
        qs = qs.exclude(status__in=OPEN_EXCLUDED)
    if f.q:
        q = f.q.strip()
        qs = qs.filter(
            Q(order__external_id__icontains=q)
            | Q(return_waybill__icontains=q)
            | Q(customer__name__icontains=q)
        )
    return qs.order_by("-created_at", "-id")


def detail(case_id: int) -> AftersalesCase:
    return (
        rows()
        .select_related("ticket", "received_by", "inspected_by")
        .prefetch_related(
            Prefetch("items", CaseItem.objects.select_related("order_item")), "evidence"
        )
        .get(pk=case_id)
    )


OTHER_ENTRIES = {
    "aftersales.create": gettext_lazy("Case opened"),
    "aftersales.update": gettext_lazy("Registration changed"),
    "aftersales.evidence": gettext_lazy("Evidence added"),
    "aftersales.postage_paid": gettext_lazy("Customer paid the postage"),
    "aftersales.waive_postage": gettext_lazy("Postage waived"),
    "aftersales.extend": gettext_lazy("Transaction extended"),
    "aftersales.warn_auto_confirm": gettext_lazy("Warned: extend the transaction"),
}


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    who: str
    what: str
    from_state: str
    to_state: str
    reason: str


def history(case: AftersalesCase) -> list[HistoryRow]:
    """The case's timeline from the audit log, in words."""
    from .workflow import ACTION_LABELS

    states = dict(Status.choices)
    out = []
    for e in audit.history(case).select_related("actor"):
        action = e.action.rsplit(".", 1)[-1]
        what = OTHER_ENTRIES.get(e.action) or ACTION_LABELS.get(action) or e.action
        out.append(
            HistoryRow(
                at=e.at,
                who=str(e.actor) if e.actor_id else e.actor_label,
                what=str(what),
                from_state=str(states.get(e.from_state, e.from_state)),
                to_state=str(states.get(e.to_state, e.to_state)),
                reason=e.reason,
            )
        )
    return out


def _today(user, now: dt.datetime) -> tuple[dt.datetime, dt.date]:
    tz = timezone.get_current_timezone()
    name = getattr(user, "time_zone", "") or ""
    if name:
        with contextlib.suppress(KeyError, ValueError):
            tz = ZoneInfo(name)
    local = now.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, local.date()


# ---------------------------------------------------------------- warehouse


def to_inspect() -> QuerySet[AftersalesCase]:
    return rows().filter(status=Status.RECEIVED).order_by("received_at")


def expected_parcels() -> QuerySet[AftersalesCase]:
    return (
        rows()
        .filter(status__in=(Status.AWAITING_RETURN, Status.RETURN_SHIPPED))
        .exclude(return_waybill="")
    )


def handover_batch(day: dt.date) -> QuerySet[AftersalesCase]:
    return rows().filter(handover_date=day).order_by("received_at")


# ---------------------------------------------------------------- finance


def awaiting_finance() -> QuerySet[AftersalesCase]:
    return rows().filter(status=Status.AWAITING_FINANCE).order_by("updated_at")


def totals_by_currency(cases) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for c in cases:
        out[c.currency] += c.refund_due or Decimal(0)
    return dict(sorted(out.items()))


def refunded_since(moment: dt.datetime) -> QuerySet[Refund]:
    return (
        Refund.objects.filter(confirmed_at__gte=moment)
        .select_related("case", "case__order", "case__customer", "confirmed_by")
        .order_by("-confirmed_at")
    )


# ---------------------------------------------------------------- dashboard cards


def dashboard_refunds_to_confirm(user) -> int:
    return AftersalesCase.objects.filter(status=Status.AWAITING_FINANCE).count()


def dashboard_refunded_today(user) -> int:
    midnight, _day = _today(user, timezone.now())
    return Refund.objects.filter(confirmed_at__gte=midnight).count()


def dashboard_parcels_to_inspect(user) -> int:
    return AftersalesCase.objects.filter(status=Status.RECEIVED).count()


def dashboard_inspected_today(user) -> int:
    midnight, _day = _today(user, timezone.now())
    return AftersalesCase.objects.filter(inspected_at__gte=midnight).count()


# ---------------------------------------------------------------- Today page and timeline


def _case_url(pk: int) -> str:
    try:
        return reverse("aftersales:detail", args=[pk])
    except NoReverseMatch:
        return ""


def next_deadline(case: AftersalesCase) -> tuple[dt.datetime | None, str]:
    found = [
        (case.claim_window_ends, _("after-sales window ends")),
        (case.platform_reply_due, _("platform reply due")),
    ]
    if case.kind == "out_of_stock":
        found.append((case.ship_due, _("must ship within 72 h of payment")))
    else:
        found.append((case.auto_confirm_at, _("auto-confirm: extend the transaction")))
    found = [(d, label) for d, label in found if d is not None]
    if not found:
        return None, ""
    return min(found, key=lambda pair: pair[0])


def overdue_items(user, now: dt.datetime):
    """Open cases flagged near a deadline, or whose next deadline is before tonight."""
    from kefu.web.overdue import OverdueItem

    if not can(user, "aftersales.view"):
        return []
    midnight, _day = _today(user, now)
    end_of_day = midnight + dt.timedelta(days=1)
    qs = rows().exclude(status__in=OPEN_EXCLUDED)
    if not can(user, "overdue.view"):
        qs = qs.filter(handler=user)
    qs = qs.filter(
        Q(near_deadline=True)
        | Q(needs_extension=True)
        | Q(auto_confirm_at__lt=end_of_day)
        | Q(platform_reply_due__lt=end_of_day)
    )
    out = []
    for case in qs[:200]:
        due, label = next_deadline(case)
        if due is None:
            continue
        out.append(
            OverdueItem(
                title=f"AS-{case.pk} {case.get_kind_display()} · {case.order.external_id}",
                url=_case_url(case.pk),
                due=due,
                owner=str(case.handler or ""),
                detail=f"{label} · {case.get_status_display()}",
            )
        )
    return out


def timeline_items(customer, limit: int):
    from kefu.customers.timeline import TimelineItem

    cases = rows().filter(customer=customer).order_by("-created_at", "-id")[:limit]
    return [
        TimelineItem(
            at=c.created_at,
            kind="return",
            title=f"AS-{c.pk} {c.get_kind_display()} · {c.order.external_id}",
            status=c.get_status_display(),
            detail=c.get_reason_display(),
            url=_case_url(c.pk),
            extra={"state": c.status},
        )
        for c in cases
    ]


def explain(cases) -> None:
    """Set ``explanation_shown`` on each case: its quote explained again in the language
    of the page (the stored ``quote_explanation`` is in the language of whoever caused
    the quote, and stays as the record). The policy rows are read once per shop."""
    from kefu.aftersales import services

    rows_by_shop: dict = {}
    for case in cases:
        case.explanation_shown = case.quote_explanation
        if not case.quote_explanation:
            continue
        if case.shop_id not in rows_by_shop:
            rows_by_shop[case.shop_id] = services.policy_rows(case.shop)
        quote = services.explained_quote(case, rows_by_shop[case.shop_id])
        # Only while the facts and rules still give the amount that was decided; after a
        # rule changed, the stored words are the record of why this amount.
        if quote is not None and str(quote.refund_amount) == (case.quote or {}).get(
            "refund_amount"
        ):
            case.explanation_shown = quote.explanation


# ---------------------------------------------------------------- the case form

EXCERPT_MESSAGES = 8
CHANNEL_SOURCES = {"phone": IssueSource.PHONE, "marketplace": IssueSource.MARKETPLACE}


def prefill_from_ticket(ticket: Ticket | None) -> dict:
    """A case opened from a ticket starts from it: what the customer wrote first, the
    last messages both sides could read as the chat excerpt, the source from the
    channel."""
    if ticket is None:
        return {}
    said = list(
        ticket.messages.filter(kind__in=(Message.Kind.INBOUND, Message.Kind.REPLY))
        .select_related("author")
        .order_by("created_at", "id")
    )
    first = next((m for m in said if m.kind == Message.Kind.INBOUND), None)
    excerpt = [
        f"{m.created_at:%Y-%m-%d %H:%M} "
        f"{ticket.customer if m.kind == Message.Kind.INBOUND else m.author or _('Team')}: "
        f"{m.body}"
        for m in said[-EXCERPT_MESSAGES:]
    ]
    return {
        "description": first.body[:5000] if first else "",
        "chat_excerpt": "\n\n".join(excerpt)[:20000],
        "issue_source": CHANNEL_SOURCES.get(ticket.channel, IssueSource.CHAT),
    }
