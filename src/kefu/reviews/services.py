"""Writes on reviews: record one by hand, import a file, move one through the recovery table.

Every write runs in one transaction with its audit entry. An import checks every row first
and writes nothing when one is wrong, so a file is either imported whole or not at all;
a review already recorded (same shop and platform review ID) is left as it is, so the same
file can be imported again safely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import audit, clock, policies, workflow
from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.orders.importers.base import RowProblem, clean, open_tables, parse_when
from kefu.orders.models import Order
from kefu.reviews.models import Attitude, Cause, ContactChannel, Resolution, Review
from kefu.reviews.workflow import CLOSED_STATES, REVIEW_WORKFLOW

MAX_TEXT = 5000
MAX_IMPORT_ROWS = 5000
NEGATIVE_MAX_RATING = 3  # neutral (3) and negative (1–2) reviews on a five-star scale

CONTACT_WINDOW_HOURS = policies.declare(
    "reviews.contact_window_hours",
    24,
    int,
    gettext_lazy("Hours within which a flagged neutral or negative review must be contacted"),
    source="002 篇4 §4 (contact the buyer once the review appears); kefu default",
    minimum=1,
    maximum=24 * 15,
)


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    first = next(iter(errors.values()))[0]
    return DomainError(first, fields=errors, code="validation_error")


def _text(value: str, name: str, errors: dict, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = [_("Required.")]
    elif len(value) > MAX_TEXT:
        errors[name] = [_("Keep it under %(n)s characters.") % {"n": MAX_TEXT}]
    return value


@dataclass
class ReviewInput:
    order_number: str
    rating: int | str
    platform_review_id: str
    text: str = ""
    reviewed_at: dt.datetime | str | None = None


def _check(shop: Shop, row: ReviewInput, zone: ZoneInfo) -> tuple[dict[str, Any], dict]:
    """The cleaned fields of one review, or the errors by field."""
    errors: dict[str, list[str]] = {}
    review_id = clean(str(row.platform_review_id or ""))
    if not review_id:
        errors["platform_review_id"] = [_("Give the platform's review ID.")]
    elif len(review_id) > 120:
        errors["platform_review_id"] = [_("At most 120 characters.")]
    try:
        rating = int(str(row.rating).strip())
    except (TypeError, ValueError):
        rating = None
        errors["rating"] = [_("Give the stars as a whole number from 1 to 3.")]
    if rating is not None and not 1 <= rating <= NEGATIVE_MAX_RATING:
        errors["rating"] = [
            _("Only neutral and negative reviews (1 to %(n)s stars) are recorded.")
            % {"n": NEGATIVE_MAX_RATING}
        ]
    text = _text(row.text, "text", errors)
    when = row.reviewed_at
    if isinstance(when, str):
        try:
            when = parse_when(clean(when), zone, _("date"))
        except RowProblem as exc:
            errors["reviewed_at"] = [str(exc)]
            when = None
    if when is None and "reviewed_at" not in errors:
        errors["reviewed_at"] = [_("Give the date of the review.")]
    elif when is not None and clock.in_future(when):
        errors["reviewed_at"] = [_("The review date is in the future.")]
    number = clean(str(row.order_number or ""))
    order = None
    if not number:
        errors["order_number"] = [_("Give the order number.")]
    else:
        order = Order.objects.filter(shop=shop, external_id=number).first()
        if order is None:
            errors["order_number"] = [
                _("No order %(number)s in %(shop)s.") % {"number": number, "shop": shop.name}
            ]
    return {
        "platform_review_id": review_id,
        "rating": rating,
        "text": text,
        "reviewed_at": when,
        "order": order,
    }, errors


def _create(*, actor, shop: Shop, data: dict, now: dt.datetime) -> Review:
    order = data["order"]
    review = Review.objects.create(
        shop=shop,
        order=order,
        customer_id=order.customer_id,
        platform_review_id=data["platform_review_id"],
        rating=data["rating"],
        text=data["text"],
        reviewed_at=data["reviewed_at"],
        flagged_at=now,
        flagged_by=actor,
        handler=actor,
    )
    audit.record(
        actor=actor,
        obj=review,
        action="review.flag",
        to_state=review.status,
        changes={"order": order.external_id, "rating": review.rating},
    )
    return review


def record_review(*, actor, shop: Shop, row: ReviewInput) -> tuple[Review, bool]:
    """Record one neutral or negative review by hand (or from the API).

    Returns ``(review, created)``: the same platform review ID in the same shop returns the
    review already recorded, unchanged.
    """
    data, errors = _check(shop, row, ZoneInfo(shop.time_zone))
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        existing = Review.objects.filter(
            shop=shop, platform_review_id=data["platform_review_id"]
        ).first()
        if existing is not None:
            return existing, False
        return _create(actor=actor, shop=shop, data=data, now=timezone.now()), True


# ---------------------------------------------------------------- file import

HEADERS = {
    "order_number": {"order_number", "order", "order no", "订单号", "订单编号", "주문번호"},
    "rating": {"rating", "stars", "评分", "星级", "평점", "별점"},
    "text": {"text", "review", "content", "评价内容", "评价", "리뷰", "내용"},
    "reviewed_at": {"reviewed_at", "date", "评价时间", "评价日期", "작성일", "날짜"},
    "platform_review_id": {
        "platform_review_id",
        "review_id",
        "review id",
        "评价id",
        "评价编号",
        "리뷰id",
        "리뷰번호",
    },
}
REQUIRED = ("order_number", "rating", "platform_review_id", "reviewed_at")


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0
    rows: int = 0
    errors: list[dict] = field(default_factory=list)  # {"line": n, "reason": "..."}

    @property
    def ok(self) -> bool:
        return not self.errors


def _columns(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header.strip().lower()
        for name, names in HEADERS.items():
            if key in names and name not in found:
                found[name] = index
    return found


def import_reviews(*, actor, shop: Shop, path: Path | str, filename: str = "") -> ImportReport:
    """Import a CSV or XLSX file of reviews for ``shop``: all rows, or none when any is wrong.

    The report lists every refused row with its spreadsheet line number (the header is 1).
    """
    report = ImportReport()
    zone = ZoneInfo(shop.time_zone)
    checked: list[tuple[int, dict]] = []
    with open_tables(Path(path), filename) as tables:
        table = tables[0]
        columns = _columns(table.headers)
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise DomainError(
                _("The file lacks the columns: %(names)s.") % {"names": ", ".join(missing)},
                fields={"file": [", ".join(missing)]},
                code="missing_columns",
            )
        seen: dict[str, int] = {}
        for line, cells in table.rows:
            report.rows += 1
            if report.rows > MAX_IMPORT_ROWS:
                raise DomainError(
                    _("At most %(n)s rows per file.") % {"n": MAX_IMPORT_ROWS},
                    code="too_many_rows",
                )
            row = ReviewInput(**{name: cells[i] for name, i in columns.items()})
            data, errors = _check(shop, row, zone)
            review_id = data["platform_review_id"]
            if review_id and review_id in seen:
                errors.setdefault("platform_review_id", []).append(
                    _("The review ID repeats line %(line)s.") % {"line": seen[review_id]}
                )
            seen.setdefault(review_id, line)
            if errors:
                reason = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in errors.items())
                report.errors.append({"line": line, "reason": reason})
            else:
                checked.append((line, data))
    if report.rows == 0:
        raise DomainError(_("The file has no rows under its header."), code="empty_file")
    if report.errors:
        return report
    now = timezone.now()
    with transaction.atomic():
        known = set(
            Review.objects.filter(
                shop=shop, platform_review_id__in=[d["platform_review_id"] for _, d in checked]
            ).values_list("platform_review_id", flat=True)
        )
        for _line, data in checked:
            if data["platform_review_id"] in known:
                report.existing += 1
                continue
            _create(actor=actor, shop=shop, data=data, now=now)
            report.created += 1
        audit.record(
            actor=actor,
            obj=shop,
            action="review.import",
            reason=filename,
            changes={"created": report.created, "existing": report.existing},
        )
    return report


# ---------------------------------------------------------------- the recovery table

ACTION_FIELDS = {
    "analyse": ("cause", "attitude", "need"),
    "contact": ("contact_channel", "contacted_at"),
    "resolve": ("resolution", "resolution_note"),
}


def _choice(value: str, choices, name: str, errors: dict) -> str:
    if value not in choices.values:
        errors[name] = [_("Choose one of: %(c)s.") % {"c": ", ".join(choices.values)}]
    return value


def _fields_for(review: Review, action: str, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    now = timezone.now()
    if action == "analyse":
        out["cause"] = _choice(data.get("cause") or "", Cause, "cause", errors)
        out["attitude"] = _choice(data.get("attitude") or "", Attitude, "attitude", errors)
        out["need"] = _text(data.get("need") or "", "need", errors)
    elif action == "contact":
        out["contact_channel"] = _choice(
            data.get("contact_channel") or "", ContactChannel, "contact_channel", errors
        )
        when = data.get("contacted_at") or now
        if isinstance(when, str):
            try:
                when = dt.datetime.fromisoformat(when)
            except ValueError:
                errors["contacted_at"] = [_("Give a date and time like 2026-05-01 14:30.")]
                when = now
        if timezone.is_naive(when):
            when = when.replace(tzinfo=ZoneInfo(review.shop.time_zone))
        if clock.in_future(when, now):
            errors["contacted_at"] = [_("The contact cannot be in the future.")]
        elif when < review.flagged_at - dt.timedelta(days=60):
            errors["contacted_at"] = [_("The contact is long before the review was flagged.")]
        out["contacted_at"] = when
    elif action == "resolve":
        out["resolution"] = _choice(data.get("resolution") or "", Resolution, "resolution", errors)
        out["resolution_note"] = _text(data.get("resolution_note") or "", "resolution_note", errors)
    elif action == "request_revision":
        out["revision_requested_at"] = now
    if errors:
        raise _invalid(errors)
    return out


def act(*, actor, review: Review, action: str, data: dict[str, Any] | None = None) -> Review:
    """Move ``review`` by ``action`` (analyse, contact, resolve, request_revision, revise,
    decline) as ``actor``, with the action's fields; refused with a clear error when the
    table has no such move for the state or the role, or a field is wrong."""
    data = dict(data or {})
    REVIEW_WORKFLOW.resolve(review.status, action, workflow.role_of(actor))
    fields = _fields_for(review, action, data)
    reason = (data.get("reason") or "").strip()[:MAX_TEXT]

    def on_transition(locked: Review, t, context) -> dict:
        changes = {}
        for name, value in fields.items():
            before = getattr(locked, name)
            setattr(locked, name, value)
            changes[name] = [audit._jsonable(before), audit._jsonable(value)]
        if t.target in CLOSED_STATES:
            locked.closed_at = timezone.now()
        if actor is not None:
            locked.handler = actor
        return changes

    with transaction.atomic():
        moved = workflow.apply(
            REVIEW_WORKFLOW, review, action, actor=actor, reason=reason, on_transition=on_transition
        )
        if action == "contact":
            # the buyer was reached: the customer archive keeps its contact dates
            from kefu.customers.services import record_contact

            record_contact(
                actor=actor,
                customer=moved.customer,
                at=moved.contacted_at,
                channel=moved.contact_channel,
            )
    return moved
