"""Writes on tickets: every inquiry recorded, every message kept, every status move audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import audit, workflow
from kefu.core.errors import DomainError, NotAllowed
from kefu.core.models import Shop
from kefu.core.roles import CAPABILITIES, can
from kefu.customers.models import Customer
from kefu.orders.models import Order
from kefu.tickets import attachments, quick_replies, routing, search, sla
from kefu.tickets.models import Category, Channel, Message, Team, Ticket
from kefu.tickets.workflow import TICKET_WORKFLOW, stamp_times

LANGUAGES = {code for code, _ in settings.LANGUAGES}
MAX_BODY = 50_000


def change_ticket_status(*, actor, ticket: Ticket, action: str, reason: str = "") -> Ticket:
    """Apply ``action`` (open, wait_customer, solve, reopen, close …) as ``actor``; audited."""
    return workflow.apply(
        TICKET_WORKFLOW, ticket, action, actor=actor, reason=reason, on_transition=stamp_times
    )


def _clean_body(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(
            "Write the message first.", fields={field: ["Empty."]}, code="empty_message"
        )
    if len(body) > MAX_BODY:
        raise DomainError(
            f"The message is longer than {MAX_BODY} characters.", fields={field: ["Too long."]}
        )
    return body


def create_ticket(
    *,
    actor,
    customer: Customer,
    shop: Shop,
    subject: str,
    body: str,
    channel: str = Channel.CHAT,
    kind: str = Ticket.Kind.OTHER,
    order: Order | None = None,
    category: Category | None = None,
    priority: int = Ticket.Priority.NORMAL,
    language: str | None = None,
    created_at: dt.datetime | None = None,
) -> Ticket:
    """Record an inquiry: the ticket and the customer's first message, routed and timed.

    ``actor`` is the agent who recorded it (a phone call, a walk-in) or None when the
    customer wrote in themselves (portal, web form, marketplace, API integration).
    """
    subject = (subject or "").strip()[:255]
    body = _clean_body(body)
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [f"Choose one of: {', '.join(Channel.values)}."]
    if kind not in Ticket.Kind.values:
        errors["kind"] = [f"Choose one of: {', '.join(Ticket.Kind.values)}."]
    if priority not in Ticket.Priority.values:
        errors["priority"] = ["Choose 1 (low) to 4 (urgent)."]
    if order is not None and order.customer_id != customer.pk:
        errors["order"] = ["This order belongs to another customer."]
    if language is not None and language not in LANGUAGES:
        errors["language"] = [f"Choose one of: {', '.join(sorted(LANGUAGES))}."]
    if errors:
        raise DomainError("The ticket has invalid fields.", fields=errors, code="validation_error")
    now = created_at or timezone.now()
    subject = subject or body.splitlines()[0][:80]
    language = language or customer.language
    # Worked out before the transaction: matching the SLA policy, reading the calendar,
    # the first routing step and the search terms need no lock, and on SQLite every
    # other writer waits while one transaction holds it.
    policy, first_due, resolution_due = sla.due_times(
        shop_id=shop.pk, channel=channel, priority=priority, start=now
    )
    draft = Ticket(shop=shop, customer=customer, kind=kind, language=language)
    team = routing.team_for(draft)
    indexed = search.prepare_new(subject=subject, body=body, order=order, customer=customer)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            shop=shop,
            customer=customer,
            order=order,
            subject=subject,
            channel=channel,
            kind=kind,
            category=category,
            priority=priority,
            language=language,
            team=team,
            created_at=now,
            last_message_at=now,
            sla_policy=policy,
            first_response_due=first_due,
            resolution_due=resolution_due,
        )
        ticket.team_chosen = True  # routing picks the member only (see routing.choose)
        ticket.first_message = Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.INBOUND,
            author=None,
            body=body,
            created_at=now,
            channel=channel,
        )
        _after_create(ticket)
        search.add_new(ticket, indexed)
        Customer.objects.filter(pk=customer.pk).update(last_contact_at=now)
        audit.record(
            actor=actor,
            obj=ticket,
            action="ticket.create",
            to_state=ticket.status,
            changes={"assignee": [None, ticket.assignee_id], "team": [None, ticket.team_id]},
        )
    return ticket


def _after_create(ticket: Ticket) -> None:
    """Hooks that time and route a new ticket (SLA due times, assignee)."""
    for hook in NEW_TICKET_HOOKS:
        hook(ticket)


NEW_TICKET_HOOKS: list = []
"""Callables ``hook(ticket)`` run inside create_ticket's transaction, in order (routing).
The SLA due times are set before, from :func:`kefu.tickets.sla.due_times`."""


def add_message(
    *,
    actor,
    ticket: Ticket,
    kind: str,
    body: str,
    channel: str = "",
    call_seconds: int | None = None,
    call_outcome: str = "",
    created_at: dt.datetime | None = None,
) -> Message:
    """Add a message: a customer's reply (actor None), an agent's reply, note or call log.

    The first public reply from the team stamps the first response; a customer writing
    back to a ticket waiting on them reopens it; a reply to a solved ticket reopens it.
    """
    body = _clean_body(body)
    if kind not in Message.Kind.values:
        raise DomainError(
            "Unknown message kind.", fields={"kind": [f"One of {Message.Kind.values}."]}
        )
    if kind != Message.Kind.INBOUND and actor is None:
        raise DomainError("Replies, notes and calls need the agent who wrote them.")
    if ticket.status == Ticket.Status.CLOSED:
        raise DomainError(
            "This ticket is closed; open a new ticket for the customer instead.",
            code="ticket_closed",
        )
    now = created_at or timezone.now()
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=locked,
            kind=kind,
            author=actor if kind != Message.Kind.INBOUND else None,
            body=body,
            created_at=now,
            channel=channel,
            call_seconds=call_seconds,
            call_outcome=call_outcome,
        )
        updates: dict = {"last_message_at": now}
        if kind in (Message.Kind.REPLY, Message.Kind.CALL) and locked.first_response_at is None:
            updates["first_response_at"] = now
        Ticket.objects.filter(pk=locked.pk).update(**updates)
        if kind == Message.Kind.INBOUND:
            if locked.status == Ticket.Status.PENDING_CUSTOMER:
                change_ticket_status(actor=None, ticket=locked, action="customer_replied")
            elif locked.status == Ticket.Status.SOLVED:
                change_ticket_status(
                    actor=None, ticket=locked, action="reopen", reason="the customer wrote again"
                )
            Customer.objects.filter(pk=locked.customer_id).update(last_contact_at=now)
        search.reindex([locked.pk])
        audit.record(
            actor=actor,
            obj=locked,
            action=f"ticket.message.{kind}",
            changes={"message": message.pk},
        )
    return message


# ---------------------------------------------------------------- the agent's screens
# Replies, notes and call logs with their files, assignment (one ticket or many), status
# moves in bulk and edits of a ticket's fields. The inbox, the ticket page and the API
# all write through these.

# Leads give cases to agents (DOMAIN: people and roles). Until core.roles names a
# capability of its own, the one that lets a lead give customers to agents stands in.
ASSIGN_CAPABILITY = "tickets.assign" if "tickets.assign" in CAPABILITIES else "customers.assign"
MAX_BULK = 500
MAX_CALL_SECONDS = 24 * 3600
UNSET = object()


class CallOutcome(models.TextChoices):
    SOLVED = "solved", gettext_lazy("Answered, solved")
    ANSWERED = "answered", gettext_lazy("Answered, follow-up needed")
    CALL_BACK = "call_back", gettext_lazy("Asked to call back later")
    NO_ANSWER = "no_answer", gettext_lazy("No answer")
    BUSY = "busy", gettext_lazy("Line busy")
    WRONG_NUMBER = "wrong_number", gettext_lazy("Wrong number")


REACHED = {CallOutcome.SOLVED, CallOutcome.ANSWERED, CallOutcome.CALL_BACK}


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    first = next(iter(errors.values()))[0]
    return DomainError(first, fields=errors, code="validation_error")


def post_message(
    *,
    actor,
    ticket: Ticket,
    kind: str,
    body: str,
    files=(),
    call_seconds: int | None = None,
    call_outcome: str = "",
) -> Message:
    """An agent's reply, internal note or phone-call log, with its attached files.

    Files are checked before anything is written, so an oversized file refuses the whole
    message. A public reply that still holds a quick-reply variable (``{waybill}``) is not
    sent. A reply, or a call that reached the customer, counts as a contact with them.
    """
    from kefu.customers.services import record_contact

    if kind not in (Message.Kind.REPLY, Message.Kind.NOTE, Message.Kind.CALL):
        raise DomainError(
            _("Choose a reply, a note or a call."),
            fields={
                "kind": [", ".join((Message.Kind.REPLY, Message.Kind.NOTE, Message.Kind.CALL))]
            },
            code="validation_error",
        )
    errors: dict[str, list[str]] = {}
    if kind == Message.Kind.CALL:
        if call_outcome not in CallOutcome.values:
            errors["call_outcome"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(CallOutcome.values)}
            ]
        if call_seconds is not None and not 0 <= call_seconds <= MAX_CALL_SECONDS:
            errors["call_seconds"] = [_("Between 0 and %(n)d seconds.") % {"n": MAX_CALL_SECONDS}]
    else:
        call_seconds, call_outcome = None, ""
    if kind == Message.Kind.REPLY:
        leftover = quick_replies.leftover_variables(body)
        if leftover:
            errors["body"] = [
                _("Fill in %(names)s before sending: the customer would see the placeholder.")
                % {"names": ", ".join(quick_replies.braced(n) for n in leftover)}
            ]
    if errors:
        raise _invalid(errors)
    checked = attachments.check(files, ticket.shop)
    with transaction.atomic():
        message = add_message(
            actor=actor,
            ticket=ticket,
            kind=kind,
            body=body,
            channel=Channel.PHONE if kind == Message.Kind.CALL else "",
            call_seconds=call_seconds,
            call_outcome=call_outcome,
        )
        for item in checked:
            attachments.store(message, item)
        if kind == Message.Kind.REPLY or call_outcome in REACHED:
            record_contact(
                actor=actor,
                customer=ticket.customer,
                at=message.created_at,
                channel="phone" if kind == Message.Kind.CALL else "chat",
            )
    return message


def add_attachments(
    *, actor, ticket: Ticket, files, message: Message | None = None, body: str = ""
) -> list:
    """Attach files to one of the ticket's messages, or to a new internal note."""
    checked = attachments.check(files, ticket.shop)
    if not checked:
        raise DomainError(
            _("Choose a file to attach."), fields={"files": [_("Required.")]}, code="no_file"
        )
    if message is not None and message.ticket_id != ticket.pk:
        raise DomainError(
            _("That message is on another ticket."),
            fields={"message_id": [_("Not on this ticket.")]},
            code="validation_error",
        )
    with transaction.atomic():
        if message is None:
            names = ", ".join(item.name for item in checked)
            message = add_message(
                actor=actor,
                ticket=ticket,
                kind=Message.Kind.NOTE,
                body=(body or "").strip() or _("Attached: %(names)s") % {"names": names},
            )
        stored = [attachments.store(message, item) for item in checked]
        audit.record(
            actor=actor,
            obj=ticket,
            action="ticket.attachments",
            changes={"message": message.pk, "attachments": [a.pk for a in stored]},
        )
    return stored


def _check_assignee(user) -> None:
    if user is not None and (not user.is_active or not can(user, "tickets.work")):
        raise DomainError(
            _("%(name)s cannot work on tickets.") % {"name": user},
            fields={"assignee": [_("Choose an active agent, lead or admin.")]},
            code="invalid_assignee",
        )


def _may_assign(actor, ticket: Ticket, assignee) -> None:
    """Leads and admins assign anyone; an agent takes a ticket that is free or theirs,
    or hands back one of their own."""
    if can(actor, ASSIGN_CAPABILITY):
        return
    mine_or_free = ticket.assignee_id in (None, getattr(actor, "pk", None))
    if mine_or_free and (assignee is None or assignee.pk == actor.pk):
        return
    raise NotAllowed(_("Only a lead can give a ticket to someone else or take it from them."))


def assign_ticket(*, actor, ticket: Ticket, assignee, team=UNSET, reason: str = "") -> Ticket:
    """Give ``ticket`` to ``assignee`` (None: nobody), optionally to another team; audited."""
    _check_assignee(assignee)
    if team is not UNSET and team is not None and not isinstance(team, Team):
        raise DomainError(_("Unknown team."), fields={"team": [_("Unknown team.")]})
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == Ticket.Status.CLOSED:
            raise DomainError(
                _("This ticket is closed; it cannot be assigned."), code="ticket_closed"
            )
        _may_assign(actor, locked, assignee)
        before = {"assignee": locked.assignee_id, "team": locked.team_id}
        locked.assignee = assignee
        if team is not UNSET:
            locked.team = team
        after = {"assignee": locked.assignee_id, "team": locked.team_id}
        changes = audit.diff(before, after)
        if changes:
            locked.save(update_fields=["assignee", "team", "updated_at"])
            audit.record(
                actor=actor, obj=locked, action="ticket.assign", reason=reason, changes=changes
            )
    return locked


def _bulk_ids(ticket_ids) -> list[int]:
    ids = list(dict.fromkeys(int(pk) for pk in ticket_ids))
    if not ids:
        raise DomainError(_("Choose at least one ticket."), fields={"ticket_ids": [_("Required.")]})
    if len(ids) > MAX_BULK:
        raise DomainError(
            _("At most %(n)d tickets at once.") % {"n": MAX_BULK},
            fields={"ticket_ids": [_("Too many.")]},
        )
    return ids


def bulk_assign(*, actor, ticket_ids, assignee, team=UNSET) -> BulkResult:
    """Assign many tickets; each is its own change, and one refusal does not stop the rest."""
    ids = _bulk_ids(ticket_ids)
    _check_assignee(assignee)
    result = BulkResult()
    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=ids)}
    for pk in ids:
        ticket = tickets.get(pk)
        if ticket is None:
            result.refused[pk] = _("No such ticket.")
            continue
        try:
            assign_ticket(actor=actor, ticket=ticket, assignee=assignee, team=team)
        except DomainError as exc:
            result.refused[pk] = exc.message
        else:
            result.done.append(pk)
    return result


def bulk_change_status(*, actor, ticket_ids, action: str, reason: str = "") -> BulkResult:
    """Move many tickets by one workflow action; those the table refuses are reported."""
    ids = _bulk_ids(ticket_ids)
    if action not in TICKET_WORKFLOW.actions:
        raise DomainError(
            _("Unknown action “%(action)s”.") % {"action": action},
            fields={"action": [", ".join(sorted(TICKET_WORKFLOW.actions))]},
        )
    result = BulkResult()
    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=ids)}
    for pk in ids:
        ticket = tickets.get(pk)
        if ticket is None:
            result.refused[pk] = _("No such ticket.")
            continue
        try:
            change_ticket_status(actor=actor, ticket=ticket, action=action, reason=reason)
        except DomainError as exc:
            result.refused[pk] = exc.message
        else:
            result.done.append(pk)
    return result


def resolve_category(value) -> Category | None:
    """A Category from itself or its id; an unknown id is a clear error."""
    if value is None or value == "" or isinstance(value, Category):
        return value or None
    category = Category.objects.filter(pk=value).first() if str(value).isdigit() else None
    if category is None:
        message = _("Unknown category %(id)s; choose one from the category tree.") % {"id": value}
        raise DomainError(message, fields={"category_id": [message]}, code="unknown_category")
    return category


EDITABLE = ("subject", "kind", "priority", "category", "channel", "language", "team", "order")


def update_ticket(*, actor, ticket: Ticket, tags=None, **changes) -> Ticket:
    """Change a ticket's fields (those in EDITABLE) and, when given, its tags by name."""
    from kefu.customers.models import Tag

    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"update_ticket: cannot change {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    if "subject" in changes:
        changes["subject"] = (changes["subject"] or "").strip()
        if not changes["subject"]:
            errors["subject"] = [_("Give the ticket a subject.")]
        elif len(changes["subject"]) > 255:
            errors["subject"] = [_("The subject is 255 characters at most.")]
    choices = {"kind": Ticket.Kind.values, "channel": Channel.values, "language": LANGUAGES}
    for name, allowed in choices.items():
        if name in changes and changes[name] not in allowed:
            errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]
    if "priority" in changes and changes["priority"] not in Ticket.Priority.values:
        errors["priority"] = [_("Choose 1 (low) to 4 (urgent).")]
    if "category" in changes:
        try:
            changes["category"] = resolve_category(changes["category"])
        except DomainError as exc:
            errors.update(exc.fields)
    order = changes.get("order")
    if order is not None and order.customer_id != ticket.customer_id:
        errors["order"] = [_("This order belongs to another customer.")]
    tag_names: list[str] | None = None
    if tags is not None:
        tag_names = list(dict.fromkeys(str(t).strip() for t in tags if str(t).strip()))
        if any(len(n) > 40 for n in tag_names) or len(tag_names) > 20:
            errors["tags"] = [_("At most 20 tags of 40 characters each.")]
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == Ticket.Status.CLOSED:
            raise DomainError(
                _("This ticket is closed; it cannot be changed."), code="ticket_closed"
            )
        attnames = {name: locked._meta.get_field(name).attname for name in changes}
        before = {name: getattr(locked, attnames[name]) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        after = {name: getattr(locked, attnames[name]) for name in changes}
        diff = audit.diff(before, after)
        if tag_names is not None:
            old = sorted(locked.tags.values_list("name", flat=True))
            if sorted(tag_names) != old:
                existing = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
                for name in tag_names:
                    if name not in existing:
                        existing[name] = Tag.objects.create(name=name)
                locked.tags.set([existing[n] for n in tag_names])
                diff["tags"] = [old, sorted(tag_names)]
        if diff:
            locked.save()
            if "subject" in diff or "order" in diff:
                search.reindex([locked.pk])
            audit.record(actor=actor, obj=locked, action="ticket.update", changes=diff)
    return locked


def customer_for_inquiry(
    *, actor, name: str, phone: str = "", email: str = "", language: str | None = None
) -> Customer:
    """The customer an inquiry comes from: the live record with this phone or email if there
    is one (no duplicate for a caller already known), else a new record."""
    from kefu.customers import normalize
    from kefu.customers.models import CustomerEmail, CustomerPhone
    from kefu.customers.services import create_customer

    language = language if language in LANGUAGES else "zh-hans"
    phone, email = (phone or "").strip(), (email or "").strip()
    if phone:
        normal = normalize.phone(phone, normalize.country_code_for(language))
        found = (
            CustomerPhone.objects.filter(normalized=normal, customer__merged_into__isnull=True)
            .order_by("customer_id")
            .first()
            if normal
            else None
        )
        if found is not None:
            return found.customer
    if email:
        found = (
            CustomerEmail.objects.filter(
                normalized=normalize.email(email), customer__merged_into__isnull=True
            )
            .order_by("customer_id")
            .first()
        )
        if found is not None:
            return found.customer
    return create_customer(
        actor=actor,
        name=name,
        phones=[phone] if phone else [],
        emails=[email] if email else [],
        language=language,
    )
