"""Quick replies (快捷短语): shortcuts an agent types, e.g. ``/refund7``, that expand to a
reply in the customer's language with the ticket's details filled in (000-(4) §4: quick
replies keep response speed up).

- A reply has a text per language (``body_zh``, ``body_ko``, ``body_en``); the ticket's
  language picks one, English is the fallback.
- Variables in braces are filled from the ticket, its customer and order: see
  :data:`VARIABLES`. A text naming any other variable is refused with the list of valid
  ones, when it is saved and when it is expanded.
- A value the ticket does not have (no order, no waybill yet) stays as ``{waybill}`` and is
  reported as missing; a public reply that still holds a variable is not sent.
- Each agent has a personal set; the shared set (owner empty) is kept by leads and admins.
  A personal shortcut hides a shared one of the same name. A reply tied to a shop is
  offered only on that shop's tickets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import audit
from kefu.core.errors import DomainError, NotAllowed, NotFound
from kefu.core.money import fmt
from kefu.core.roles import CAPABILITIES, can
from kefu.tickets.models import QuickReply, Ticket

# Leads and admins keep the shared set. Until core.roles names a capability of its own,
# the one that lets a lead give customers and cases to agents stands in for it.
SHARED_CAPABILITY = (
    "tickets.quick_replies.shared"
    if "tickets.quick_replies.shared" in CAPABILITIES
    else "customers.assign"
)

VARIABLES: dict[str, str] = {
    "name": gettext_lazy("the customer's name"),
    "order": gettext_lazy("the order number"),
    "waybill": gettext_lazy("the waybill (tracking) number, with the carrier"),
    "refund_amount": gettext_lazy("the refund amount, in the order's currency"),
    "agent": gettext_lazy("your name, as customers see it"),
}
VARIABLE = re.compile(r"\{([^{}\s]{1,40})\}")
SHORTCUT = re.compile(r"^[\w.\-]{1,39}$")
BODY_FIELDS = {"zh-hans": "body_zh", "ko": "body_ko", "en": "body_en"}
MAX_BODY = 5000
MAX_TITLE = 120

RefundSource = Callable[[Ticket], Decimal | None]
REFUND_AMOUNT_SOURCES: list[RefundSource] = []
"""Callables ``source(ticket) -> amount or None`` asked in order for ``{refund_amount}``
(the after-sales app registers its refund case); the order's paid amount is the fallback."""


def normalize_shortcut(raw: str) -> str:
    """``/Refund7`` → ``refund7``; a shortcut is letters, digits, ``_ . -``, any script."""
    shortcut = (raw or "").strip().removeprefix("/").lower()
    if not SHORTCUT.match(shortcut):
        raise DomainError(
            _("A shortcut is 1 to 39 letters, digits, “_”, “.” or “-”, e.g. /refund7."),
            fields={"shortcut": [_("Not a valid shortcut.")]},
            code="validation_error",
        )
    return shortcut


def braced(name: str) -> str:
    return "{" + name + "}"


def variables_help() -> str:
    return ", ".join(braced(name) for name in VARIABLES)


def unknown_variables(text: str) -> list[str]:
    return sorted({m for m in VARIABLE.findall(text or "") if m not in VARIABLES})


def check_variables(text: str, where: str) -> None:
    unknown = unknown_variables(text)
    if unknown:
        message = _("Unknown variable %(unknown)s. Valid variables: %(valid)s.") % {
            "unknown": ", ".join(braced(u) for u in unknown),
            "valid": variables_help(),
        }
        raise DomainError(message, fields={where: [message]}, code="unknown_variable")


def body_for(reply: QuickReply, language: str) -> tuple[str, str]:
    """(text, language used): the ticket's language, else English, else any text there is."""
    wanted = BODY_FIELDS.get(language, "body_en")
    for name in (wanted, "body_en", "body_zh", "body_ko"):
        text = getattr(reply, name)
        if text.strip():
            return text, next(code for code, f in BODY_FIELDS.items() if f == name)
    return "", language


def _refund_amount(ticket: Ticket) -> str:
    order = ticket.order
    for source in REFUND_AMOUNT_SOURCES:
        amount = source(ticket)
        if amount is not None:
            return fmt(amount, order.currency if order else ticket.shop.currency)
    if order is not None and order.paid_amount:
        return fmt(order.paid_amount, order.currency)
    return ""


def values_for(ticket: Ticket, agent) -> dict[str, str]:
    """What each variable stands for on this ticket ("" when the ticket has no value)."""
    order = ticket.order
    waybill = ""
    if order is not None and order.waybill:
        waybill = f"{order.carrier} {order.waybill}".strip()
    return {
        "name": ticket.customer.name,
        "order": order.external_id if order is not None else "",
        "waybill": waybill,
        "refund_amount": _refund_amount(ticket),
        "agent": str(agent) if agent is not None else "",
    }


def fill(text: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """(text with the variables filled, names of the variables that had no value)."""
    missing: list[str] = []

    def put(m: re.Match) -> str:
        name = m.group(1)
        if name not in values:
            return m.group(0)
        if not values[name]:
            if name not in missing:
                missing.append(name)
            return m.group(0)
        return values[name]

    return VARIABLE.sub(put, text), missing


def leftover_variables(text: str) -> list[str]:
    """Known variables still in ``text`` (a reply must not reach a customer like that)."""
    return sorted({m for m in VARIABLE.findall(text or "") if m in VARIABLES})


# ---------------------------------------------------------------- reads


def available(user, shop=None):
    """The quick replies ``user`` may use on a ticket of ``shop``: personal ones first; a
    personal shortcut hides the shared one of the same name."""
    rows = QuickReply.objects.filter(Q(owner=user) | Q(owner__isnull=True))
    rows = rows.filter(Q(shop__isnull=True) | Q(shop=shop)) if shop is not None else rows
    chosen: dict[str, QuickReply] = {}
    for reply in rows.select_related("shop").order_by("shortcut", "owner_id", "-shop_id"):
        current = chosen.get(reply.shortcut)
        if current is None or (current.owner_id is None and reply.owner_id is not None):
            chosen[reply.shortcut] = reply
    return sorted(chosen.values(), key=lambda r: (r.owner_id is None, r.shortcut))


def find(user, shortcut: str, shop=None) -> QuickReply | None:
    try:
        shortcut = normalize_shortcut(shortcut)
    except DomainError:
        return None
    return next((r for r in available(user, shop) if r.shortcut == shortcut), None)


@dataclass
class Expansion:
    text: str
    language: str
    missing: list[str] = field(default_factory=list)
    reply: QuickReply | None = None


def expand(*, user, ticket: Ticket, shortcut: str) -> Expansion:
    """The text ``shortcut`` stands for on ``ticket``, in the ticket's language."""
    reply = find(user, shortcut, ticket.shop)
    if reply is None:
        raise NotFound(
            _("There is no quick reply “/%(shortcut)s”.")
            % {"shortcut": (shortcut or "").strip().removeprefix("/")},
            fields={"shortcut": [_("Unknown shortcut.")]},
            code="unknown_shortcut",
        )
    text, language = body_for(reply, ticket.language)
    check_variables(text, "shortcut")
    filled, missing = fill(text, values_for(ticket, user))
    return Expansion(text=filled, language=language, missing=missing, reply=reply)


def expand_typed(*, user, ticket: Ticket, text: str) -> Expansion | None:
    """When the whole of ``text`` is one shortcut (``/refund7``), its expansion; else None."""
    typed = (text or "").strip()
    if not typed.startswith("/") or any(c.isspace() for c in typed):
        return None
    if find(user, typed, ticket.shop) is None:
        return None
    return expand(user=user, ticket=ticket, shortcut=typed)


# ---------------------------------------------------------------- writes


def _may_edit(actor, reply: QuickReply | None, shared: bool) -> None:
    if shared and not can(actor, SHARED_CAPABILITY):
        raise NotAllowed(_("Only leads and admins keep the shared quick replies."))
    if reply is not None:
        if reply.owner_id is None and not can(actor, SHARED_CAPABILITY):
            raise NotAllowed(_("Only leads and admins keep the shared quick replies."))
        if reply.owner_id is not None and reply.owner_id != actor.pk:
            raise NotAllowed(_("This quick reply belongs to someone else."))


def _clean(shortcut, title, bodies: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    errors: dict[str, list[str]] = {}
    try:
        shortcut = normalize_shortcut(shortcut)
    except DomainError as exc:
        errors.update(exc.fields)
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the quick reply a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("The title is %(n)d characters at most.") % {"n": MAX_TITLE}]
    cleaned = {}
    for name, text in bodies.items():
        text = (text or "").strip()
        if len(text) > MAX_BODY:
            errors[name] = [_("The text is %(n)d characters at most.") % {"n": MAX_BODY}]
        unknown = unknown_variables(text)
        if unknown:
            errors[name] = [
                _("Unknown variable %(unknown)s. Valid variables: %(valid)s.")
                % {"unknown": ", ".join(braced(u) for u in unknown), "valid": variables_help()}
            ]
        cleaned[name] = text
    if not any(cleaned.values()):
        errors["body_en"] = [_("Write the text in at least one language.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, fields=errors, code="validation_error")
    return shortcut, title, cleaned


def save_quick_reply(
    *,
    actor,
    reply: QuickReply | None = None,
    shortcut: str,
    title: str,
    body_en: str = "",
    body_zh: str = "",
    body_ko: str = "",
    shared: bool = False,
    shop=None,
) -> QuickReply:
    """Create (``reply`` None) or change a quick reply; personal unless ``shared``."""
    _may_edit(actor, reply, shared)
    shortcut, title, bodies = _clean(
        shortcut, title, {"body_en": body_en, "body_zh": body_zh, "body_ko": body_ko}
    )
    owner = None if shared else actor
    clash = QuickReply.objects.filter(shortcut=shortcut, owner=owner)
    if reply is not None:
        clash = clash.exclude(pk=reply.pk)
    if clash.exists():
        message = _("You already have a quick reply /%(shortcut)s.") % {"shortcut": shortcut}
        if shared:
            message = _("The shared set already has /%(shortcut)s.") % {"shortcut": shortcut}
        raise DomainError(message, fields={"shortcut": [message]}, code="duplicate_shortcut")
    values = {"shortcut": shortcut, "title": title, "owner": owner, "shop": shop, **bodies}
    try:
        with transaction.atomic():
            if reply is None:
                reply = QuickReply.objects.create(**values)
                audit.record(actor=actor, obj=reply, action="quick_reply.create")
            else:
                before = {k: getattr(reply, k) for k in values}
                for key, value in values.items():
                    setattr(reply, key, value)
                reply.save()
                changes = audit.diff(
                    {k: getattr(v, "pk", v) for k, v in before.items()},
                    {k: getattr(v, "pk", v) for k, v in values.items()},
                )
                audit.record(actor=actor, obj=reply, action="quick_reply.update", changes=changes)
    except IntegrityError:  # a concurrent save took the shortcut
        message = _("That shortcut was just taken; choose another.")
        raise DomainError(
            message, fields={"shortcut": [message]}, code="duplicate_shortcut"
        ) from None
    return reply


def delete_quick_reply(*, actor, reply: QuickReply) -> None:
    _may_edit(actor, reply, reply.owner_id is None)
    with transaction.atomic():
        audit.record(
            actor=actor,
            obj=reply,
            action="quick_reply.delete",
            changes={"shortcut": [reply.shortcut, None]},
        )
        reply.delete()
