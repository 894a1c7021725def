"""Writes about parcels: tracking queries, damage and loss claims, their photos and moves.

Every write runs in one transaction with its audit entry. Bad input is refused with a
:class:`~kefu.core.errors.DomainError` naming the field, so forms and the API show it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import audit, clock, workflow
from kefu.core.errors import DomainError, NotAllowed
from kefu.core.money import quantize
from kefu.core.roles import can
from kefu.orders import carrier
from kefu.orders.models import (
    ClaimPhoto,
    DamageClaim,
    DamageClaimItem,
    Order,
    OrderItem,
    TrackingQuery,
)
from kefu.tickets import attachments

MAX_TEXT = 5000
MAX_AMOUNT = Decimal("999999999999")  # what max_digits=14, decimal_places=2 holds
MAX_ITEMS = 50
MAX_PHOTOS = 20  # per claim
WORK = "claims.work"


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(message, fields={field: [message]}, code="validation_error")


def _text(value: Any, field: str, limit: int, *, required: str | None = None) -> str:
    value = ("" if value is None else str(value)).strip()
    if required and not value:
        raise _invalid(required, field)
    if len(value) > limit:
        raise _invalid(_("At most %(n)s characters.") % {"n": limit}, field)
    return value


def _amount(value: Any, field: str, currency: str, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise _invalid(_("Give an amount."), field)
        return None
    try:
        amount = quantize(value, currency)
    except (ValueError, InvalidOperation):
        raise _invalid(_("Not an amount."), field) from None
    if amount < 0:
        raise _invalid(_("An amount cannot be negative."), field)
    if amount > MAX_AMOUNT:
        raise _invalid(_("That amount is too large."), field)
    return amount


def _require(actor, capability: str = WORK) -> None:
    if not can(actor, capability):
        raise NotAllowed(_("Your role may not work on carrier claims."))


def order_for_waybill(waybill: str) -> Order:
    """The order shipped under ``waybill``; refused clearly when none or several are."""
    waybill = (waybill or "").strip()
    if not waybill:
        raise _invalid(_("Give the waybill number."), "waybill")
    orders = list(Order.objects.filter(waybill=waybill).order_by("-placed_at")[:2])
    if not orders:
        raise DomainError(
            _("No order was shipped under waybill %(waybill)s.") % {"waybill": waybill},
            fields={"waybill": [_("Unknown waybill.")]},
            code="unknown_waybill",
        )
    if len(orders) > 1:
        raise DomainError(
            _("Several orders use waybill %(waybill)s; choose the order.") % {"waybill": waybill},
            fields={"waybill": [_("Choose the order.")]},
            code="ambiguous_waybill",
        )
    return orders[0]


def _waybill_for(order: Order, waybill: str | None) -> str:
    waybill = _text(waybill, "waybill", 64) or order.waybill
    if not waybill:
        raise _invalid(
            _("The order has no waybill yet; give the waybill number the carrier used."),
            "waybill",
        )
    return waybill


# ---------------------------------------------------------------- tracking queries


def log_tracking_query(
    *,
    actor,
    order: Order,
    outcome: str,
    carrier_agent_id: str = "",
    carrier_name: str | None = None,
    waybill: str | None = None,
    result: str = "",
    note: str = "",
    customer_told: bool = False,
    queried_at: dt.datetime | None = None,
) -> TrackingQuery:
    """Record a call to the carrier about ``order``'s parcel (date, agent ID, result, who)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if outcome not in TrackingQuery.Outcome.values:
        errors["outcome"] = [
            _("Choose one of: %(c)s") % {"c": ", ".join(TrackingQuery.Outcome.values)}
        ]
    values: dict[str, Any] = {}

    def collect(name: str, fn, *args) -> None:
        try:
            values[name] = fn(*args)
        except DomainError as exc:
            errors.update(exc.fields)

    collect("carrier", _text, carrier_name, "carrier", 40)
    if not values.get("carrier") and "carrier" not in errors:
        values["carrier"] = order.carrier
        if not order.carrier:
            errors["carrier"] = [_("Which carrier was called?")]
    collect("carrier_agent_id", _text, carrier_agent_id, "carrier_agent_id", 40)
    collect("waybill", _waybill_for, order, waybill)
    collect("result", _text, result, "result", 500)
    collect("note", _text, note, "note", MAX_TEXT)
    now = timezone.now()
    if queried_at is not None and clock.in_future(queried_at, now):
        errors["queried_at"] = [_("A query cannot be in the future.")]
    if errors:
        raise DomainError(
            _("The tracking query has invalid fields."), fields=errors, code="validation_error"
        )
    with transaction.atomic():
        query = TrackingQuery.objects.create(
            order=order,
            queried_at=queried_at or now,
            outcome=outcome,
            customer_told=bool(customer_told),
            handler=actor,
            **values,
        )
        audit.record(
            actor=actor,
            obj=query,
            action="tracking_query.create",
            changes={
                "order": [None, order.external_id],
                "waybill": [None, query.waybill],
                "carrier_agent_id": [None, query.carrier_agent_id],
                "outcome": [None, outcome],
            },
        )
    return query


# ---------------------------------------------------------------- claims


@dataclass
class ItemIn:
    title: str = ""
    style_no: str = ""
    quantity: int = 1
    value: Any = None
    order_item_id: int | None = None


def _clean_items(order: Order, items: list[ItemIn] | None) -> list[DamageClaimItem]:
    known = {i.pk: i for i in OrderItem.objects.filter(order=order)}
    if not items:  # the whole parcel: every item of the order
        return [
            DamageClaimItem(
                order_item=i,
                style_no=i.style_no,
                title=i.title,
                quantity=i.quantity,
                value=i.amount,
            )
            for i in known.values()
        ]
    if len(items) > MAX_ITEMS:
        raise _invalid(_("At most %(n)s items per claim.") % {"n": MAX_ITEMS}, "items")
    out = []
    for n, item in enumerate(items):
        where = f"items.{n}"
        source = None
        if item.order_item_id is not None:
            source = known.get(item.order_item_id)
            if source is None:
                raise _invalid(_("This item is not part of the order."), f"{where}.order_item_id")
        try:
            quantity = int(item.quantity)
        except (TypeError, ValueError):
            raise _invalid(_("A whole number of pieces."), f"{where}.quantity") from None
        if quantity < 1:
            raise _invalid(_("At least one piece."), f"{where}.quantity")
        if source is not None and quantity > source.quantity:
            raise _invalid(
                _("The order has only %(n)s of this item.") % {"n": source.quantity},
                f"{where}.quantity",
            )
        title = _text(item.title, f"{where}.title", 255) or (source.title if source else "")
        if not title:
            raise _invalid(_("Name the item."), f"{where}.title")
        value = item.value
        if (value is None or value == "") and source is not None:
            value = source.unit_price * quantity
        out.append(
            DamageClaimItem(
                order_item=source,
                style_no=_text(item.style_no, f"{where}.style_no", 64)
                or (source.style_no if source else ""),
                title=title,
                quantity=quantity,
                value=_amount(value, f"{where}.value", order.currency),
            )
        )
    return out


def create_claim(
    *,
    actor,
    order: Order,
    parcel_state: str,
    declared_value: Any = None,
    amount_claimed: Any = None,
    items: list[ItemIn] | None = None,
    report_date: dt.date | None = None,
    carrier_name: str | None = None,
    carrier_agent_id: str = "",
    waybill: str | None = None,
    ship_date: dt.date | None = None,
    origin: str = "",
    destination: str = "",
    delivery_result: str = "",
    description: str = "",
    handler=None,
    photos: list | None = None,
) -> DamageClaim:
    """Open a claim (a draft) on ``order``. Items default to the whole order; the value of
    the goods to the items' total; the amount claimed to the value."""
    _require(actor)
    currency = order.currency
    errors: dict[str, list[str]] = {}

    def collect(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            errors.update(exc.fields or {"request": [exc.message]})
            return None

    if parcel_state not in DamageClaim.ParcelState.values:
        errors["parcel_state"] = [
            _("Choose one of: %(c)s") % {"c": ", ".join(DamageClaim.ParcelState.values)}
        ]
    name = collect(_text, carrier_name, "carrier", 40) or order.carrier
    if not name and "carrier" not in errors:
        errors["carrier"] = [_("Which carrier carried the parcel?")]
    values = {
        "carrier_agent_id": collect(_text, carrier_agent_id, "carrier_agent_id", 40),
        "waybill": collect(_waybill_for, order, waybill),
        "origin": collect(_text, origin, "origin", 120),
        "destination": collect(_text, destination, "destination", 120),
        "delivery_result": collect(_text, delivery_result, "delivery_result", 200),
        "description": collect(_text, description, "description", MAX_TEXT),
    }
    claimed_items = collect(_clean_items, order, items) or []
    value = collect(_amount, declared_value, "declared_value", currency, required=False)
    claimed = collect(_amount, amount_claimed, "amount_claimed", currency, required=False)
    today = timezone.localdate()
    report_date = report_date or today
    if report_date > today + dt.timedelta(days=1):
        errors["report_date"] = [_("The report date cannot be in the future.")]
    if ship_date is not None and ship_date > report_date:
        errors["ship_date"] = [_("The parcel was shipped before the report.")]
    if handler is not None and not can(handler, WORK):
        errors["handler"] = [_("The handler must be someone who works claims.")]
    if errors:
        raise DomainError(
            _("The claim has invalid fields."), fields=errors, code="validation_error"
        )
    if value is None:
        value = quantize(sum((i.value for i in claimed_items), Decimal(0)), currency)
    if claimed is None:
        claimed = value
    checked = check_photos(photos or [], order.shop) if photos else []
    with transaction.atomic():
        claim = DamageClaim.objects.create(
            order=order,
            report_date=report_date,
            carrier=name,
            parcel_state=parcel_state,
            ship_date=ship_date or (order.shipped_at.date() if order.shipped_at else None),
            currency=currency,
            declared_value=value,
            amount_claimed=claimed,
            handler=handler or actor,
            **values,
        )
        for item in claimed_items:
            item.claim = claim
        DamageClaimItem.objects.bulk_create(claimed_items)
        for photo in checked:
            _store_photo(claim, photo, actor)
        audit.record(
            actor=actor,
            obj=claim,
            action="claim.create",
            to_state=claim.status,
            changes={
                "order": [None, order.external_id],
                "waybill": [None, claim.waybill],
                "parcel_state": [None, parcel_state],
                "declared_value": [None, str(value)],
                "amount_claimed": [None, str(claimed)],
                "items": [None, len(claimed_items)],
                "photos": [None, len(checked)],
            },
        )
    return claim


EDITABLE = (
    "carrier_agent_id",
    "carrier_reference",
    "delivery_result",
    "description",
    "destination",
    "origin",
)


def update_claim(*, actor, claim: DamageClaim, **changes: Any) -> DamageClaim:
    """Correct the claim's texts and amounts while it is open (not once closed)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    limits = {
        "carrier_agent_id": 40,
        "carrier_reference": 64,
        "delivery_result": 200,
        "destination": 120,
        "origin": 120,
        "description": MAX_TEXT,
    }
    for name, value in changes.items():
        try:
            if name in limits:
                clean[name] = _text(value, name, limits[name])
            elif name in ("declared_value", "amount_claimed"):
                clean[name] = _amount(value, name, claim.currency)
            else:
                errors[name] = [_("not editable")]
        except DomainError as exc:
            errors.update(exc.fields)
    if errors:
        raise DomainError(
            _("The claim has invalid fields."), fields=errors, code="validation_error"
        )
    with transaction.atomic():
        locked = DamageClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status == DamageClaim.Status.CLOSED:
            raise DomainError(_("A closed claim cannot be changed."), code="claim_closed")
        before = {name: getattr(locked, name) for name in clean}
        diff = audit.diff(before, clean)
        if not diff:
            return locked
        for name, value in clean.items():
            setattr(locked, name, value)
        locked.save()
        audit.record(actor=actor, obj=locked, action="claim.update", changes=diff)
    return locked


def claim_action(
    *,
    actor,
    claim: DamageClaim,
    action: str,
    reason: str = "",
    amount_paid: Any = None,
    carrier_reference: str | None = None,
) -> DamageClaim:
    """Move the claim by ``action`` (file, settle, reject, refile, withdraw, close,
    write_off). ``settle`` needs ``amount_paid``; ``reject`` the carrier's reason."""
    reason = _text(reason, "reason", MAX_TEXT)
    if action not in carrier.CLAIM_WORKFLOW.actions:
        raise DomainError(
            _("Unknown action %(action)s.") % {"action": action}, code="invalid_transition"
        )
    context: dict[str, Any] = {}
    if action == "settle":
        context["amount_paid"] = _amount(amount_paid, "amount_paid", claim.currency)
    if carrier_reference is not None:
        context["carrier_reference"] = _text(carrier_reference, "carrier_reference", 64)

    def stamp(locked: DamageClaim, t, ctx: dict) -> dict:
        now = timezone.now()
        changes: dict[str, list] = {}
        if "carrier_reference" in ctx and ctx["carrier_reference"] != locked.carrier_reference:
            changes["carrier_reference"] = [locked.carrier_reference, ctx["carrier_reference"]]
            locked.carrier_reference = ctx["carrier_reference"]
        if t.target == DamageClaim.Status.FILED:
            locked.filed_at = now
            locked.rejection_reason = ""
        elif t.target == DamageClaim.Status.SETTLED:
            changes["amount_paid"] = [None, str(ctx["amount_paid"])]
            locked.amount_paid = ctx["amount_paid"]
            locked.settled_at = now
        elif t.target == DamageClaim.Status.REJECTED:
            locked.rejection_reason = reason
            locked.rejected_at = now
        elif t.target == DamageClaim.Status.CLOSED:
            locked.closed_at = now
            locked.outcome = {
                "close": DamageClaim.Outcome.PAID,
                "write_off": DamageClaim.Outcome.WRITTEN_OFF,
                "withdraw": DamageClaim.Outcome.WITHDRAWN,
            }[t.action]
            changes["outcome"] = ["", locked.outcome]
        return changes

    return workflow.apply(
        carrier.CLAIM_WORKFLOW,
        claim,
        action,
        actor=actor,
        reason=reason,
        context=context,
        on_transition=stamp,
    )


# ---------------------------------------------------------------- photos


def photo_limits(shop=None) -> dict:
    raw = str(carrier.PHOTO_TYPES.get(shop) or "").replace(",", " ").lower().split()
    extensions = [
        e.lstrip(".") for e in dict.fromkeys(raw) if e.lstrip(".") in attachments.CONTENT_TYPES
    ]
    return {
        "max_mb": carrier.PHOTO_MAX_MB.get(shop),
        "extensions": extensions,
        "accept": ",".join("." + e for e in extensions),
        "max_files": MAX_PHOTOS,
    }


PHOTO_RULES = {
    "code_prefix": "photo",
    "too_many_code": "too_many_photos",
    "too_many": gettext_lazy("At most %(n)d photos per claim."),
    "type_refused": gettext_lazy(
        "%(name)s: this type of file cannot be kept with a claim. Allowed: %(types)s."
    ),
    "too_large": gettext_lazy("%(name)s is %(size)s MB; photos may be %(max)d MB at most."),
}


def check_photos(uploads, shop=None, field: str = "photos") -> list[attachments.CheckedFile]:
    """Each file checked by type (extension and first bytes) and size, or one DomainError
    that names every refused file."""
    lim = photo_limits(shop)
    rules = attachments.FileRules(
        extensions=lim["extensions"], max_mb=lim["max_mb"], max_files=MAX_PHOTOS, **PHOTO_RULES
    )
    return attachments.check_files(uploads, rules, field)


def _store_photo(claim: DamageClaim, checked, actor) -> ClaimPhoto:
    photo = ClaimPhoto(
        claim=claim,
        name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    photo.file.save(f"{uuid.uuid4().hex}.{checked.extension}", checked.upload, save=False)
    photo.save()
    return photo


def add_photos(*, actor, claim: DamageClaim, files) -> list[ClaimPhoto]:
    """Keep photos or scans with a claim (not once it is closed)."""
    _require(actor)
    checked = check_photos(files, claim.order.shop)
    if not checked:
        raise _invalid(_("Choose at least one file."), "photos")
    with transaction.atomic():
        locked = DamageClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status == DamageClaim.Status.CLOSED:
            raise DomainError(_("A closed claim cannot be changed."), code="claim_closed")
        if locked.photos.count() + len(checked) > MAX_PHOTOS:
            message = _("At most %(n)d photos per claim.") % {"n": MAX_PHOTOS}
            raise DomainError(message, fields={"photos": [message]}, code="too_many_photos")
        stored = [_store_photo(locked, c, actor) for c in checked]
        audit.record(
            actor=actor,
            obj=locked,
            action="claim.photos",
            changes={"photos": [None, [p.name for p in stored]]},
        )
    return stored
