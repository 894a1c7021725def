"""Writes on keeping customers: waitlists and restock notices, unpaid-order reminders and
care campaigns. Each write runs in one transaction with its audit entry.

Who sends what: kefu prepares every text in the customer's language and records it; the
agent sends restock notices and unpaid-order reminders on the shop's chat or SMS (or
phones) and marks them done, and an integration reads campaign deliveries from the API.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import audit
from kefu.core.errors import Conflict, DomainError, NotAllowed
from kefu.core.models import Shop
from kefu.core.roles import can
from kefu.customers.models import (
    Customer,
    CustomerEmail,
    CustomerPhone,
    MarketplaceIdentity,
    Segment,
)
from kefu.orders.models import Order
from kefu.retention import messages, rules
from kefu.retention.models import (
    Campaign,
    CampaignDelivery,
    MessageTemplate,
    UnpaidReminder,
    WaitlistEntry,
)

MAX_MESSAGE = 2000


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    first = next(iter(errors.values()))[0]
    return DomainError(first, fields=errors, code="validation_error")


def _need(actor, capability: str) -> None:
    if actor is not None and not can(actor, capability):
        raise NotAllowed(_("Your role may not do this (%(c)s).") % {"c": capability})


# ---------------------------------------------------------------- waitlist


def _style(style_no: str, size: str, errors: dict) -> tuple[str, str]:
    style_no = (style_no or "").strip()
    size = (size or "").strip()
    if not style_no:
        errors["style_no"] = [_("Give the style number.")]
    elif len(style_no) > 64:
        errors["style_no"] = [_("At most 64 characters.")]
    if len(size) > 32:
        errors["size"] = [_("At most 32 characters.")]
    return style_no, size


def add_to_waitlist(
    *, actor, shop: Shop, customer: Customer, style_no: str, size: str = "", note: str = ""
) -> tuple[WaitlistEntry, bool]:
    """Put ``customer`` on the list for a style and size; ``(entry, created)`` — a customer
    already waiting for the same style and size keeps their entry."""
    _need(actor, "retention.work")
    errors: dict[str, list[str]] = {}
    style_no, size = _style(style_no, size, errors)
    if customer.merged_into_id is not None:
        errors["customer_id"] = [_("This customer was merged into another record.")]
    if len(note or "") > 255:
        errors["note"] = [_("At most 255 characters.")]
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        existing = WaitlistEntry.objects.filter(
            shop=shop,
            customer=customer,
            style_no__iexact=style_no,
            size__iexact=size,
            status=WaitlistEntry.Status.WAITING,
        ).first()
        if existing is not None:
            return existing, False
        entry = WaitlistEntry.objects.create(
            shop=shop,
            customer=customer,
            style_no=style_no,
            size=size,
            note=(note or "").strip(),
            created_at=timezone.now(),
            created_by=actor,
        )
        audit.record(
            actor=actor,
            obj=entry,
            action="waitlist.add",
            to_state=entry.status,
            changes={"style_no": style_no, "size": size},
        )
    return entry, True


def restock(
    *, actor, style_no: str, size: str = "", shop: Shop | None = None
) -> list[WaitlistEntry]:
    """Stock arrived: every customer waiting for the style and size (in ``shop``, or in
    every shop) gets the restock notice in their language and is marked notified, once."""
    _need(actor, "retention.work")
    errors: dict[str, list[str]] = {}
    style_no, size = _style(style_no, size, errors)
    if errors:
        raise _invalid(errors)
    now = timezone.now()
    done = []
    with transaction.atomic():
        waiting = WaitlistEntry.objects.select_for_update().filter(
            style_no__iexact=style_no, size__iexact=size, status=WaitlistEntry.Status.WAITING
        )
        if shop is not None:
            waiting = waiting.filter(shop=shop)
        for entry in waiting.select_related("customer", "shop").order_by("created_at", "id"):
            language, text = messages.render(
                MessageTemplate.Kind.RESTOCK,
                entry.customer,
                {"style_no": entry.style_no, "size": entry.size, "shop": entry.shop.name},
            )
            entry.status = WaitlistEntry.Status.NOTIFIED
            entry.notified_at = now
            entry.language = language
            entry.message = text
            entry.save(update_fields=["status", "notified_at", "language", "message"])
            audit.record(
                actor=actor,
                obj=entry,
                action="waitlist.notify",
                from_state=WaitlistEntry.Status.WAITING,
                to_state=entry.status,
                changes={"language": language},
            )
            done.append(entry)
    return done


def cancel_waitlist_entry(*, actor, entry: WaitlistEntry, reason: str = "") -> WaitlistEntry:
    _need(actor, "retention.work")
    with transaction.atomic():
        locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status != WaitlistEntry.Status.WAITING:
            raise Conflict(_("Only a waiting entry can be cancelled."), code="not_waiting")
        locked.status = WaitlistEntry.Status.CANCELLED
        locked.save(update_fields=["status"])
        audit.record(
            actor=actor,
            obj=locked,
            action="waitlist.cancel",
            from_state=WaitlistEntry.Status.WAITING,
            to_state=locked.status,
            reason=reason,
        )
    return locked


# ---------------------------------------------------------------- unpaid-order reminders


def hold_until(order: Order) -> dt.datetime:
    return order.placed_at + dt.timedelta(days=rules.UNPAID_HOLD_DAYS.get(shop=order.shop))


def remind_unpaid(now: dt.datetime | None = None) -> dict[str, int]:
    """Create one reminder task per unpaid order still inside its hold window, placed at
    least the reminder delay ago, whose buyer accepts sales messages, outside quiet hours
    in the buyer's time zone. An order gets one reminder, ever."""
    now = now or timezone.now()
    counts = Counter(created=0, quiet_hours=0)
    longest = max(
        [rules.UNPAID_HOLD_DAYS.get()]
        + [rules.UNPAID_HOLD_DAYS.get(shop=s) for s in Shop.objects.all()]
    )
    candidates = (
        Order.objects.filter(
            status=Order.Status.UNPAID,
            placed_at__gt=now - dt.timedelta(days=longest),
            placed_at__lte=now,
            customer__in=Customer.objects.marketable(),
        )
        .exclude(Exists(UnpaidReminder.objects.filter(order=OuterRef("pk"))))
        .select_related("shop", "customer")
        .order_by("placed_at")[:2000]
    )
    for order in candidates:
        until = hold_until(order)
        delay = dt.timedelta(minutes=rules.UNPAID_REMIND_AFTER_MINUTES.get(shop=order.shop))
        if not order.placed_at + delay <= now < until:
            continue
        if not rules.may_message(order.customer, order.shop, now):
            counts["quiet_hours"] += 1
            continue
        if _create_reminder(order, until, now):
            counts["created"] += 1
    return dict(counts)


def _create_reminder(order: Order, until: dt.datetime, now: dt.datetime) -> bool:
    language, text = messages.render(
        MessageTemplate.Kind.UNPAID,
        order.customer,
        {
            "order": order.external_id,
            "shop": order.shop.name,
            "hold_days": rules.UNPAID_HOLD_DAYS.get(shop=order.shop),
        },
    )
    try:
        with transaction.atomic():
            reminder = UnpaidReminder.objects.create(
                order=order,
                customer=order.customer,
                created_at=now,
                hold_until=until,
                language=language,
                message=text,
            )
            audit.record(
                actor=None, obj=reminder, action="reminder.create", to_state=reminder.status
            )
    except IntegrityError:  # another worker reminded this order a moment ago
        return False
    return True


def finish_reminder(*, actor, reminder: UnpaidReminder, sent: bool = True) -> UnpaidReminder:
    """The agent sent the reminder (``sent``) or found it no longer needed."""
    _need(actor, "retention.work")
    with transaction.atomic():
        locked = UnpaidReminder.objects.select_for_update().get(pk=reminder.pk)
        if locked.status != UnpaidReminder.Status.OPEN:
            raise Conflict(_("This reminder is already done."), code="reminder_done")
        before = locked.status
        locked.status = UnpaidReminder.Status.DONE if sent else UnpaidReminder.Status.CANCELLED
        locked.done_at = timezone.now()
        locked.done_by = actor
        locked.save(update_fields=["status", "done_at", "done_by"])
        audit.record(
            actor=actor,
            obj=locked,
            action="reminder.finish",
            from_state=before,
            to_state=locked.status,
        )
    return locked


# ---------------------------------------------------------------- care campaigns


def _clean_messages(value, errors: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(value, dict):
        errors["messages"] = [_("Give a text per language.")]
        return out
    for language, text in value.items():
        text = (text or "").strip() if isinstance(text, str) else ""
        if not text:
            continue
        if language not in messages.LANGUAGES:
            errors["messages"] = [
                _("Unknown language %(l)s; use %(all)s.")
                % {"l": language, "all": ", ".join(messages.LANGUAGES)}
            ]
        elif len(text) > MAX_MESSAGE:
            errors["messages"] = [_("Keep each text under %(n)s characters.") % {"n": MAX_MESSAGE}]
        out[language] = text
    if not out and "messages" not in errors:
        errors["messages"] = [_("Write the message in at least one language.")]
    return out


def create_campaign(
    *,
    actor,
    name: str,
    segment: str,
    messages_by_language: dict[str, str],
    scheduled_for: dt.datetime,
    shop: Shop | None = None,
) -> Campaign:
    """Plan a care campaign to a segment; the sweep runs it at ``scheduled_for``."""
    _need(actor, "campaigns.manage")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the campaign a name.")]
    elif len(name) > 120:
        errors["name"] = [_("At most 120 characters.")]
    if segment not in Segment.values:
        errors["segment"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(Segment.values)}]
    texts = _clean_messages(messages_by_language, errors)
    if scheduled_for is None:
        errors["scheduled_for"] = [_("Give the date and time to send.")]
    elif timezone.is_naive(scheduled_for):
        scheduled_for = timezone.make_aware(scheduled_for)
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            segment=segment,
            shop=shop,
            messages=texts,
            scheduled_for=scheduled_for,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            obj=campaign,
            action="campaign.create",
            to_state=campaign.status,
            changes={"segment": segment, "languages": sorted(texts)},
        )
    return campaign


def reachable() -> Q:
    """Customers kefu has a way to reach: a phone, an email or a marketplace ID."""
    return Q(
        Exists(CustomerPhone.objects.filter(customer=OuterRef("pk")))
        | Exists(CustomerEmail.objects.filter(customer=OuterRef("pk")))
        | Exists(MarketplaceIdentity.objects.filter(customer=OuterRef("pk")))
    )


def audience(campaign: Campaign):
    qs = Customer.objects.live().filter(segment=campaign.segment)
    if campaign.shop_id:
        qs = qs.filter(
            Exists(Order.objects.filter(customer=OuterRef("pk"), shop_id=campaign.shop_id))
        )
    return qs


def _text_for(campaign: Campaign, customer: Customer) -> tuple[str, str]:
    language = messages.language_of(customer)
    for candidate in (language, messages.FALLBACK, *campaign.messages):
        if candidate in campaign.messages:
            text = messages.fill(campaign.messages[candidate], {"name": customer.name})
            return candidate, text
    return "", ""


def run_campaign(*, actor, campaign: Campaign, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the campaign to its segment: one CampaignDelivery per customer, sent or skipped
    with the reason (no marketing consent, no way to reach, frequency cap). Running it again
    touches nobody twice; customers who joined the segment since get theirs."""
    _need(actor, "campaigns.manage")
    now = now or timezone.now()
    limit = rules.MARKETING_MAX_MESSAGES.get()
    since = now - dt.timedelta(days=rules.MARKETING_WINDOW_DAYS.get())
    counts = Counter({o: 0 for o in CampaignDelivery.Outcome.values})
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        people = list(
            audience(locked)
            .exclude(
                Exists(CampaignDelivery.objects.filter(campaign=locked, customer=OuterRef("pk")))
            )
            .annotate(can_reach=reachable())
            .order_by("pk")
        )
        recent = Counter(
            CampaignDelivery.objects.filter(
                customer__in=[c.pk for c in people],
                outcome=CampaignDelivery.Outcome.SENT,
                created_at__gt=since,
                created_at__lte=now,
            ).values_list("customer_id", flat=True)
        )
        rows = []
        for customer in people:
            language, text = "", ""
            if customer.no_marketing:
                outcome = CampaignDelivery.Outcome.NO_CONSENT
            elif not customer.can_reach:
                outcome = CampaignDelivery.Outcome.NO_CONTACT
            elif recent[customer.pk] >= limit:
                outcome = CampaignDelivery.Outcome.FREQUENCY_CAP
            else:
                outcome = CampaignDelivery.Outcome.SENT
                language, text = _text_for(locked, customer)
            counts[outcome] += 1
            rows.append(
                CampaignDelivery(
                    campaign=locked,
                    customer=customer,
                    outcome=outcome,
                    language=language,
                    message=text,
                    created_at=now,
                )
            )
        CampaignDelivery.objects.bulk_create(rows, batch_size=500)
        before = locked.status
        locked.status = Campaign.Status.DONE
        locked.last_run_at = now
        locked.save(update_fields=["status", "last_run_at"])
        audit.record(
            actor=actor,
            obj=locked,
            action="campaign.run",
            from_state=before,
            to_state=locked.status,
            changes=dict(counts),
        )
    return dict(counts)


def run_due_campaigns(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    ran = 0
    for campaign in Campaign.objects.filter(
        status=Campaign.Status.SCHEDULED, scheduled_for__lte=now
    ).order_by("scheduled_for")[:50]:
        run_campaign(actor=None, campaign=campaign, now=now)
        ran += 1
    return {"campaigns": ran}
