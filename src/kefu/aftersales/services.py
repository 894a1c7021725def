"""Every write of the after-sales cases: create, act (the transition tables), receive and
inspect at the warehouse desk, refund, postage, evidence, deadlines. Each runs in one
transaction and writes its audit entry."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import audit
from kefu.core.errors import Conflict, DomainError, NotAllowed
from kefu.core.money import fmt, quantize
from kefu.core.roles import can
from kefu.core.workflow import apply as apply_transition
from kefu.core.workflow import role_of
from kefu.orders.models import Order, OrderItem

from . import policy, rules
from .deadlines import (  # noqa: F401  (the services' public names)
    calendar_for,
    deadlines_for,
    flag_deadlines,
    set_flags,
    working_days_after,
)
from .models import (
    OPEN_EXCLUDED,
    AftersalesCase,
    CaseItem,
    Condition,
    Evidence,
    Kind,
    Outcome,
    PostagePolicyRow,
    PostageSettlement,
    Reason,
    Refund,
    RefundLine,
    Status,
)
from .workflow import ACTION_FIELDS, INITIAL, workflow_for

MAX_TEXT = 5000
EXTRA_ACTIONS = ("postage_paid", "waive_postage", "extend")


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(message, fields={field: [message]}, code="validation_error")


def _text(value: Any, field: str, limit: int = MAX_TEXT) -> str:
    value = str(value or "").strip()
    if len(value) > limit:
        raise _invalid(_("Keep it under %(n)s characters.") % {"n": limit}, field)
    return value


# ---------------------------------------------------------------- policy rows and quotes


def policy_rows(shop) -> list[policy.PolicyRow]:
    """The shop's postage table: its own rows over the default rows over the seed's."""
    found: dict[tuple, policy.PolicyRow] = {}
    rows = PostagePolicyRow.objects.filter(Q(shop__isnull=True) | Q(shop=shop)).order_by("shop_id")
    for r in sorted(rows, key=lambda r: r.shop_id is not None):
        found[(r.store_type, r.situation, r.kind)] = policy.PolicyRow(
            r.store_type,
            r.situation,
            r.kind,
            r.outbound_payer,
            r.return_payer,
            r.reship_payer,
            r.deduct_outbound,
            r.fee_percent,
            r.invoice_percent,
            r.note,
        )
    return list(found.values())


def items_value(case: AftersalesCase) -> Decimal:
    total = Decimal(0)
    for ci in case.items.select_related("order_item"):
        total += _share(ci.order_item, ci.quantity)
    return quantize(total, case.currency)


def _share(item: OrderItem, quantity: int) -> Decimal:
    return item.amount * quantity / max(item.quantity, 1)


def _within_days(start: dt.datetime | None, now: dt.datetime, days: int) -> bool:
    return start is None or now <= start + dt.timedelta(days=days)


def quote_input(case: AftersalesCase, now: dt.datetime | None = None) -> policy.QuoteInput:
    now = now or timezone.now()
    order = case.order
    postage = rules.STANDARD_POSTAGE.get(case.shop)
    outbound = order.shipping_fee if order.shipping_fee > 0 else postage
    return policy.QuoteInput(
        store_type=case.shop.store_type,
        kind="exchange" if case.kind == Kind.EXCHANGE else "refund",
        reason=case.reason,
        items_value=items_value(case),
        currency=case.currency,
        free_shipping_promo=order.free_shipping_promo,
        within_7_days=_within_days(
            order.delivered_at, case.created_at or now, rules.NO_REASON_DAYS.get(case.shop)
        ),
        after_success=bool(order.completed_at and order.completed_at <= (case.created_at or now)),
        inspection=case.condition,
        invoice_issued=case.invoice_issued,
        invoice_returned=case.invoice_returned,
        outbound_postage=outbound,
        return_postage=postage,
        reship_postage=postage,
    )


def explained_quote(case: AftersalesCase, rows=None) -> policy.Quote | None:
    """The case's quote from its facts, its lines in the active language (nothing stored)."""
    if case.kind in (Kind.RESEND_PART,):
        return None
    q = policy.quote(quote_input(case), rows if rows is not None else policy_rows(case.shop))
    if case.kind == Kind.OUT_OF_STOCK:
        # Nothing shipped, nothing came back: the refund is what was paid for the items.
        q.refund_amount, q.deductions, q.payers = q.items_value, [], {}
        q.lines = [
            _("Out of stock after payment: offer another style or a wait first."),
            _("If the customer prefers the refund: %(amount)s.")
            % {"amount": fmt(q.items_value, case.currency)},
        ]
    return q


def requote(case: AftersalesCase) -> policy.Quote:
    """Compute the quote again from the case's facts and store it on the (locked) case."""
    q = explained_quote(case)
    if q is None:
        case.quote, case.quote_explanation, case.refund_due = {}, "", None
        return None
    case.quote = q.as_json()
    case.quote_explanation = q.explanation
    case.refund_due = q.refund_amount if q.kind == "refund" else None
    if q.kind == "exchange" and case.postage_settlement in ("", PostageSettlement.OWED):
        case.postage_owed = q.postage_owed
        case.postage_settlement = PostageSettlement.OWED if q.postage_owed > 0 else ""
    return q


# ---------------------------------------------------------------- create


def create_case(
    *,
    actor,
    order: Order,
    kind: str,
    reason: str,
    items: list[tuple[int, int]],
    ticket=None,
    description: str = "",
    chat_excerpt: str = "",
    issue_source: str = "chat",
    issue_type: str = "",
    handler=None,
    invoice_issued: bool = False,
    now: dt.datetime | None = None,
) -> AftersalesCase:
    """Open a case for some items of ``order`` (``items``: order item id, quantity)."""
    if not can(actor, "aftersales.work"):
        raise NotAllowed(_("Your role cannot open after-sales cases."))
    if kind not in Kind.values:
        raise _invalid(_("Choose what the customer asks for."), "kind")
    if reason not in Reason.values:
        raise _invalid(_("Choose the reason."), "reason")
    if ticket is not None and ticket.customer_id != order.customer_id:
        raise _invalid(_("The ticket is about another customer than the order."), "ticket")
    if handler is not None and not can(handler, "aftersales.work"):
        raise _invalid(_("The handler must be someone who works after-sales cases."), "handler")
    now = now or timezone.now()
    wanted: dict[int, int] = {}
    for item_id, qty in items:
        if qty is None or int(qty) <= 0:
            continue
        wanted[int(item_id)] = wanted.get(int(item_id), 0) + int(qty)
    if not wanted:
        raise _invalid(_("Choose at least one item and its quantity."), "items")
    order_items = {i.pk: i for i in order.items.all()}
    for item_id, qty in wanted.items():
        item = order_items.get(item_id)
        if item is None:
            raise _invalid(_("Item %(id)s is not on this order.") % {"id": item_id}, "items")
        if qty > item.quantity:
            raise _invalid(
                _("%(item)s: the order has only %(n)s.") % {"item": item.title, "n": item.quantity},
                "items",
            )
    with transaction.atomic():
        case = AftersalesCase(
            shop=order.shop,
            order=order,
            customer=order.customer,
            ticket=ticket,
            kind=kind,
            reason=reason,
            status=INITIAL[kind],
            description=_text(description, "description"),
            chat_excerpt=_text(chat_excerpt, "chat_excerpt", 20000),
            issue_source=issue_source,
            issue_type=_text(issue_type, "issue_type", 80),
            handler=handler or actor,
            invoice_issued=invoice_issued,
            currency=order.currency,
            created_by=actor,
            **deadlines_for(order, order.shop, now, dispute=issue_source == "marketplace"),
        )
        days = rules.NO_REASON_DAYS.get(order.shop)
        case.seven_day_no_reason = (
            reason in (Reason.NO_REASON, Reason.WRONG_SIZE)
            and kind in (Kind.RETURN_REFUND, Kind.EXCHANGE, Kind.REFUND_ONLY)
            and order.delivered_at is not None
            and now <= order.delivered_at + dt.timedelta(days=days)
        )
        case.save()
        CaseItem.objects.bulk_create(
            CaseItem(case=case, order_item_id=i, quantity=q) for i, q in wanted.items()
        )
        if case.chat_excerpt:
            Evidence.objects.create(
                case=case,
                kind=Evidence.Kind.CHAT,
                stage=Evidence.Stage.REQUEST,
                text=case.chat_excerpt,
                added_by=actor,
            )
        requote(case)
        set_flags(case, now)
        case.save()
        audit.record(
            actor=actor,
            obj=case,
            action="aftersales.create",
            to_state=case.status,
            changes={
                "kind": kind,
                "reason": reason,
                "items": {str(k): v for k, v in wanted.items()},
                "refund_due": str(case.refund_due) if case.refund_due is not None else None,
            },
        )
    return case


# ---------------------------------------------------------------- actions


def _fields_for(action: str, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ACTION_FIELDS.get(action, ()):
        out[name] = data.get(name)
    return out


def _condition(data: dict[str, Any]) -> str:
    value = data.get("condition") or ""
    if value not in Condition.values:
        raise _invalid(_("Choose the item's condition."), "condition")
    return value


def act(
    *, actor, case: AftersalesCase, action: str, reason: str = "", data: dict | None = None
) -> AftersalesCase:
    """Take one action on a case: a row of its transition table, or one of
    :data:`EXTRA_ACTIONS` (postage paid, postage waived, transaction extended)."""
    data = dict(data or {})
    reason = _text(reason, "reason")
    if action in EXTRA_ACTIONS:
        return _extra(actor=actor, case=case, action=action, reason=reason, data=data)
    if action == "confirm_refund":
        return confirm_refund(
            actor=actor,
            case=case,
            amount=data.get("amount"),
            reference=data.get("reference"),
            reason=reason,
        )
    if action in ("inspect", "inspect_issue"):
        data["condition"] = _condition(data)
        action = "inspect" if data["condition"] == Condition.RESELLABLE else "inspect_issue"
    context = _fields_for(action, data)
    if "waybill" in context:
        context["waybill"] = _text(context["waybill"], "waybill", 64) or (
            case.return_waybill if action == "receive" else ""
        )
    return apply_transition(
        workflow_for(case),
        case,
        action,
        actor=actor,
        reason=reason,
        context=context,
        on_transition=lambda locked, t, ctx: _on_transition(locked, t, ctx, actor),
    )


def _on_transition(case: AftersalesCase, t, ctx: dict, actor) -> dict:
    now = timezone.now()
    changes: dict[str, Any] = {}
    if t.action == "ship_return":
        case.return_waybill = ctx["waybill"]
        case.return_carrier = _text(ctx.get("carrier"), "carrier", 40)
        changes["return_waybill"] = case.return_waybill
    elif t.action == "receive":
        case.return_waybill = case.return_waybill or ctx["waybill"]
        case.received_at = now
        case.received_by = actor if getattr(actor, "pk", None) else None
        case.handover_date = handover_date(now, case.shop)
        changes.update(received_at=now.isoformat(), handover_date=str(case.handover_date))
    elif t.action in ("inspect", "inspect_issue"):
        case.condition = ctx["condition"]
        complete = ctx.get("accessories_complete")
        case.accessories_complete = None if complete in (None, "") else bool(complete)
        case.inspection_note = _text(ctx.get("note"), "note")
        case.inspected_at = now
        case.inspected_by = actor if getattr(actor, "pk", None) else None
        requote(case)
        changes.update(condition=case.condition, refund_due=str(case.refund_due))
    elif t.action in ("reship", "resend", "restocked"):
        case.reship_waybill = ctx["waybill"]
        changes["reship_waybill"] = case.reship_waybill
    outcome = {
        "switch_style": Outcome.SWITCHED_STYLE,
        "restocked": Outcome.WAITED,
        "confirm_refund": Outcome.REFUNDED,
        "offer_alternative": Outcome.ALTERNATIVE,
    }.get(t.action)
    if outcome and (case.kind == Kind.OUT_OF_STOCK or outcome == Outcome.ALTERNATIVE):
        case.outcome = outcome
        changes["outcome"] = outcome
    if t.target in OPEN_EXCLUDED:
        case.closed_at = now
        case.needs_extension = case.near_deadline = False
    return changes


def _extra(*, actor, case, action: str, reason: str, data: dict) -> AftersalesCase:
    with transaction.atomic():
        locked = AftersalesCase.objects.select_for_update().get(pk=case.pk)
        if not locked.is_open:
            raise Conflict(_("This case is finished."), code="case_closed")
        if action in ("postage_paid", "waive_postage"):
            if action == "waive_postage" and not can(actor, "aftersales.decide"):
                raise NotAllowed(_("Only a lead may waive the postage."))
            if not can(actor, "aftersales.work"):
                raise NotAllowed(_("Your role cannot record postage."))
            if locked.postage_settlement != PostageSettlement.OWED:
                raise Conflict(_("The customer owes no postage on this case."), code="no_postage")
            if action == "waive_postage" and not reason:
                raise _invalid(_("Give a reason for this step."), "reason")
            before = locked.postage_settlement
            locked.postage_settlement = (
                PostageSettlement.PAID if action == "postage_paid" else PostageSettlement.WAIVED
            )
            changes = {"postage_settlement": [before, locked.postage_settlement]}
        else:  # extend: the agent extended the transaction on the marketplace
            if not can(actor, "aftersales.work"):
                raise NotAllowed(_("Your role cannot extend transactions."))
            try:
                days = int(data.get("days") or 0)
            except (TypeError, ValueError):
                days = 0
            if not 1 <= days <= 30:
                raise _invalid(_("Extend by 1 to 30 days."), "days")
            before = locked.auto_confirm_at
            base = locked.auto_confirm_at or timezone.now()
            locked.auto_confirm_at = base + dt.timedelta(days=days)
            locked.extended_at = timezone.now()
            locked.needs_extension = False
            set_flags(locked, timezone.now())
            changes = {"auto_confirm_at": audit.diff({"v": before}, {"v": locked.auto_confirm_at})}
        locked.save()
        audit.record(
            actor=actor, obj=locked, action=f"aftersales.{action}", reason=reason, changes=changes
        )
    return locked


# ---------------------------------------------------------------- warehouse desk


def _time_of(text: str, fallback: str) -> dt.time:
    for value in (text, fallback):
        try:
            hours, minutes = str(value).split(":")
            return dt.time(int(hours), int(minutes))
        except (ValueError, TypeError):
            continue
    return dt.time(16, 0)


def handover_date(received_at: dt.datetime, shop) -> dt.date:
    """002 篇4: parcels received after the cut-off join the next day's hand-over batch."""
    from zoneinfo import ZoneInfo

    local = received_at.astimezone(ZoneInfo(shop.time_zone))
    cut_off = _time_of(rules.CUT_OFF.get(shop), "16:00")
    if local.time() >= cut_off:
        return local.date() + dt.timedelta(days=1)
    return local.date()


def find_by_waybill(waybill: str):
    """Cases whose return waybill (or, when the buyer never typed one in, order number) is
    the one scanned."""
    waybill = (waybill or "").strip()
    if not waybill:
        raise _invalid(_("Scan or type the return waybill."), "waybill")
    return list(
        AftersalesCase.objects.filter(
            Q(return_waybill__iexact=waybill) | Q(order__external_id=waybill)
        )
        .select_related("order", "customer", "shop")
        .order_by("-created_at")[:10]
    )


def receive_and_inspect(
    *,
    actor,
    case: AftersalesCase,
    waybill: str,
    condition: str,
    accessories_complete,
    note="",
    photos=(),
) -> AftersalesCase:
    """The warehouse desk in one step: receive the parcel (if not yet) and record the
    inspection with its photos."""
    if not can(actor, "aftersales.receive"):
        raise NotAllowed(_("Only the warehouse receives parcels."))
    condition = _condition({"condition": condition})
    with transaction.atomic():
        if case.status in (Status.AWAITING_RETURN, Status.RETURN_SHIPPED):
            case = act(actor=actor, case=case, action="receive", data={"waybill": waybill})
        action = "inspect" if condition == Condition.RESELLABLE else "inspect_issue"
        if photos:
            add_evidence(actor=actor, case=case, files=photos, stage=Evidence.Stage.INSPECTION)
        case = act(
            actor=actor,
            case=case,
            action=action,
            data={
                "condition": condition,
                "accessories_complete": accessories_complete,
                "note": note,
            },
        )
    return case


# ---------------------------------------------------------------- refunds


def refund_lines(case: AftersalesCase) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    """(item id, paid for the case's quantity, paid for the line, refunded before) per item."""
    items = list(case.items.select_related("order_item"))
    ids = [ci.order_item_id for ci in items]
    prior = dict(
        RefundLine.objects.filter(order_item_id__in=ids)
        .values("order_item_id")
        .annotate(total=Sum("amount"))
        .values_list("order_item_id", "total")
    )
    return [
        (
            ci.order_item_id,
            quantize(_share(ci.order_item, ci.quantity), case.currency),
            ci.order_item.amount,
            prior.get(ci.order_item_id) or Decimal(0),
        )
        for ci in items
    ]


def _amount(value, currency: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise _invalid(_("Enter the amount refunded, e.g. 128.00."), "amount") from None
    if not amount.is_finite() or amount <= 0:
        raise _invalid(_("The amount must be more than zero."), "amount")
    if quantize(amount, currency) != amount:
        raise _invalid(_("Too many decimals for %(cur)s.") % {"cur": currency}, "amount")
    return amount


def confirm_refund(
    *, actor, case: AftersalesCase, amount, reference, reason: str = ""
) -> AftersalesCase:
    """Finance pays the refund: one Refund per case (a database constraint too), never
    more than was paid for the items less their earlier refunds."""
    wf = workflow_for(case)
    if not can(actor, "aftersales.refund"):  # the role first: a clear 403 whatever the state
        raise NotAllowed(_("Only finance confirms refunds."))
    amount = _amount(amount, case.currency)
    reference = _text(reference, "reference", 80)
    if not reference:
        raise _invalid(_("Enter the payment reference."), "reference")
    try:
        with transaction.atomic():
            locked = AftersalesCase.objects.select_for_update().get(pk=case.pk)
            if Refund.objects.filter(case=locked).exists():
                raise Conflict(_("This case was refunded already."), code="already_refunded")
            wf.resolve(locked.status, "confirm_refund", role_of(actor))
            lines = refund_lines(locked)
            try:
                split = policy.allocate(amount, lines)
            except policy.OverRefund:
                most = policy.refundable(lines)
                raise DomainError(
                    _(
                        "%(amount)s is more than was paid for these items less earlier "
                        "refunds; at most %(most)s can be refunded."
                    )
                    % {"amount": fmt(amount, locked.currency), "most": fmt(most, locked.currency)},
                    fields={
                        "amount": [_("At most %(most)s.") % {"most": fmt(most, locked.currency)}]
                    },
                    code="refund_too_large",
                ) from None
            refund = Refund.objects.create(
                case=locked,
                amount=amount,
                currency=locked.currency,
                reference=reference,
                confirmed_by=actor,
            )
            RefundLine.objects.bulk_create(
                RefundLine(refund=refund, order_item_id=i, amount=a) for i, a in split.items()
            )
            return apply_transition(
                wf,
                locked,
                "confirm_refund",
                actor=actor,
                reason=reason,
                context={},
                on_transition=lambda c, t, ctx: {
                    **_on_transition(c, t, ctx, actor),
                    "amount": str(amount),
                    "reference": reference,
                },
            )
    except IntegrityError:
        raise Conflict(
            _("This case or this payment reference was refunded already."),
            code="already_refunded",
        ) from None


# ---------------------------------------------------------------- registration, evidence


REGISTRATION_FIELDS = ("issue_source", "customer_rating", "handler", "issue_type", "result")


def update_registration(*, actor, case: AftersalesCase, **fields) -> AftersalesCase:
    """The EDB sheet's fields: issue source, customer rating, handler, issue type, result."""
    if not can(actor, "aftersales.work"):
        raise NotAllowed(_("Your role cannot change after-sales cases."))
    unknown = set(fields) - set(REGISTRATION_FIELDS)
    if unknown:
        raise _invalid(_("Unknown field."), sorted(unknown)[0])
    rating = fields.get("customer_rating")
    if rating not in (None, "") and not (isinstance(rating, int) and 1 <= rating <= 5):
        raise _invalid(_("A rating is 1 to 5."), "customer_rating")
    handler = fields.get("handler")
    if handler is not None and not can(handler, "aftersales.work"):
        raise _invalid(_("The handler must be someone who works after-sales cases."), "handler")
    with transaction.atomic():
        locked = AftersalesCase.objects.select_for_update().get(pk=case.pk)
        before = {k: getattr(locked, k) for k in fields}
        for key, value in fields.items():
            if key in ("issue_type", "result"):
                value = _text(value, key, 80 if key == "issue_type" else MAX_TEXT)
            if key == "customer_rating" and value == "":
                value = None
            setattr(locked, key, value)
        locked.save()
        after = {k: getattr(locked, k) for k in fields}
        audit.record(
            actor=actor, obj=locked, action="aftersales.update", changes=audit.diff(before, after)
        )
    return locked


def add_evidence(*, actor, case: AftersalesCase, files=(), text: str = "", stage="request"):
    """Photos (checked like ticket attachments: size and type policies) or a chat excerpt."""
    from kefu.tickets import attachments

    if not (can(actor, "aftersales.work") or can(actor, "aftersales.receive")):
        raise NotAllowed(_("Your role cannot add evidence."))
    text = _text(text, "text", 20000)
    checked = attachments.check(files, case.shop, field="photos") if files else []
    if not checked and not text:
        raise _invalid(_("Attach a photo or paste the chat excerpt."), "photos")
    added = []
    with transaction.atomic():
        for f in checked:
            ev = Evidence(
                case=case,
                kind=Evidence.Kind.PHOTO,
                stage=stage,
                name=f.name,
                size=f.size,
                content_type=f.content_type,
                added_by=actor,
            )
            ev.file.save(f"{uuid.uuid4().hex}.{f.extension}", f.upload, save=False)
            ev.save()
            added.append(ev)
        if text:
            added.append(
                Evidence.objects.create(
                    case=case, kind=Evidence.Kind.CHAT, stage=stage, text=text, added_by=actor
                )
            )
        audit.record(
            actor=actor,
            obj=case,
            action="aftersales.evidence",
            changes={"added": [e.name or "chat" for e in added]},
        )
    return added
