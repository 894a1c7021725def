"""The customer portal: a buyer without an account proves who they are and follows their own
requests. Services (sign-in, new request, reply) and the selectors of what a customer may see.

Two ways in, both ending in a portal session for one customer record:

- **Email link**: the customer types an email; if it is on a customer record, a one-time
  link is mailed by a durable job. Only a digest of the link's token is stored; the token
  itself is an HMAC of the access row under the site's secret, so the job can rebuild it
  without any table holding it. Whether the address is known is never revealed.
- **Order number + phone**: immediate access when an order with that number belongs to a
  customer with that phone (compared in normal form). Failed attempts are counted per
  visitor (IP address and session) and refused past a limit.

Everything a customer reads goes through the selectors below: their own tickets only, and
of a ticket only the messages meant for them. Internal notes never leave this module.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import audit, jobs, policies
from kefu.core.errors import DomainError, NotFound
from kefu.core.models import Shop
from kefu.customers import normalize
from kefu.customers.models import Customer, CustomerEmail, CustomerPhone
from kefu.customers.services import create_customer
from kefu.orders.models import Order
from kefu.tickets import attachments, services
from kefu.tickets.models import Attachment, Channel, Message, PortalAccess, Ticket

log = logging.getLogger("kefu.portal")

# ---------------------------------------------------------------- rules with numbers

LINK_HOURS = policies.declare(
    "portal.link_hours",
    24,
    int,
    gettext_lazy("Hours a portal sign-in link sent by email stays valid"),
    source="kefu default",
    minimum=1,
    maximum=24 * 14,
)
SESSION_HOURS = policies.declare(
    "portal.session_hours",
    12,
    int,
    gettext_lazy("Hours a customer stays signed in to the portal"),
    source="kefu default",
    minimum=1,
    maximum=24 * 30,
)
VERIFY_ATTEMPTS = policies.declare(
    "portal.verify_attempts",
    5,
    int,
    gettext_lazy("Failed order-number-and-phone checks a visitor may make in the window"),
    source="kefu default",
    minimum=1,
    maximum=100,
)
VERIFY_ATTEMPTS_PER_ADDRESS = policies.declare(
    "portal.verify_attempts_per_address",
    20,
    int,
    gettext_lazy(
        "Failed order-number-and-phone checks from one network address in the window "
        "(higher than per visitor: many buyers can share an address)"
    ),
    source="kefu default",
    minimum=1,
    maximum=10_000,
)
VERIFY_WINDOW_MINUTES = policies.declare(
    "portal.verify_window_minutes",
    15,
    int,
    gettext_lazy("Minutes over which failed portal checks are counted"),
    source="kefu default",
    minimum=1,
    maximum=24 * 60,
)
REQUESTS_PER_HOUR = policies.declare(
    "portal.requests_per_hour",
    10,
    int,
    gettext_lazy("New requests and sign-in emails a portal visitor may ask for per hour"),
    source="kefu default",
    minimum=1,
    maximum=1000,
)
ATTACHMENT_MAX_MB = policies.declare(
    "portal.attachment_max_mb",
    20,
    int,
    gettext_lazy("Largest file (MB) a customer may attach in the portal"),
    source="kefu default (photos and unboxing videos, 002-篇4 §4)",
    minimum=1,
    maximum=500,
)

# Evidence customers send: photos, short videos, PDFs (invoices, waybills). Checked by
# extension and by the file's first bytes, stored under a generated name
# (kefu.tickets.attachments does both for agents' files too).
ATTACHMENT_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "heic", "pdf", "mp4", "mov")
ACCEPT = ",".join("." + e for e in ATTACHMENT_EXTENSIONS)

MAX_NAME = 120
MAX_SUBJECT = 200
MAX_ORDER_NUMBER = 64


class Topic:
    """What the customer says the request is about, in their words → the ticket's type."""

    CHOICES = (
        ("product", gettext_lazy("A question about a product"), Ticket.Kind.PRE_SALES),
        ("order", gettext_lazy("My order or its delivery"), Ticket.Kind.LOGISTICS),
        ("return", gettext_lazy("Return, exchange or refund"), Ticket.Kind.AFTER_SALES),
        ("complaint", gettext_lazy("A complaint"), Ticket.Kind.COMPLAINT),
        ("review", gettext_lazy("About my review"), Ticket.Kind.REVIEW),
        ("other", gettext_lazy("Something else"), Ticket.Kind.OTHER),
    )
    KIND = {code: kind for code, _label, kind in CHOICES}

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(code, label) for code, label, _kind in cls.CHOICES]


# ---------------------------------------------------------------- who is signed in


class PortalActor:
    """How the audit log names a customer acting in the portal (they are not a User)."""

    def __init__(self, customer: Customer):
        self.customer_id = customer.pk

    def __str__(self) -> str:
        return f"customer #{self.customer_id} (portal)"


def live_customer(pk: int | None) -> Customer | None:
    """The customer record ``pk``, or the record it was merged into; None if gone."""
    seen = set()
    while pk is not None and pk not in seen:
        seen.add(pk)
        customer = Customer.objects.filter(pk=pk).first()
        if customer is None:
            return None
        if customer.merged_into_id is None:
            return customer
        pk = customer.merged_into_id
    return None


def session_expires_at(signed_in_at: dt.datetime) -> dt.datetime:
    return signed_in_at + dt.timedelta(hours=SESSION_HOURS.get())


def _audit_sign_in(customer: Customer, how: str) -> None:
    with transaction.atomic():
        audit.record(
            actor=PortalActor(customer),
            obj=customer,
            action="portal.sign_in",
            reason=how,
        )


# ---------------------------------------------------------------- visitor limits


@dataclass(frozen=True)
class Visitor:
    """Who is knocking: the address and the session, each counted on its own."""

    ip: str
    session_key: str = ""

    def address_key(self, what: str) -> str:
        return f"portal:{what}:ip:{self.ip or '-'}"

    def session_keys(self, what: str) -> list[str]:
        return [f"portal:{what}:session:{self.session_key}"] if self.session_key else []

    def keys(self, what: str) -> list[str]:
        return [self.address_key(what), *self.session_keys(what)]


def _count(keys: Iterable[str]) -> int:
    values = cache.get_many(list(keys))
    return max((int(v) for v in values.values()), default=0)


def _bump(keys: Iterable[str], seconds: int) -> None:
    for key in keys:
        if not cache.add(key, 1, timeout=seconds):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=seconds)


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, minutes: int):
        super().__init__(
            _("Too many attempts. Please try again in %(minutes)d minutes.") % {"minutes": minutes}
        )
        self.minutes = minutes


def _check_verify_limit(visitor: Visitor) -> None:
    """Refuse once this browser session, or this network address, failed too often."""
    over_session = _count(visitor.session_keys("verify")) >= VERIFY_ATTEMPTS.get()
    over_address = _count([visitor.address_key("verify")]) >= VERIFY_ATTEMPTS_PER_ADDRESS.get()
    if over_session or over_address:
        raise TooManyAttempts(VERIFY_WINDOW_MINUTES.get())


def _note_failed_verify(visitor: Visitor) -> None:
    _bump(visitor.keys("verify"), VERIFY_WINDOW_MINUTES.get() * 60)


def _spend_request_allowance(visitor: Visitor) -> None:
    """One more new request or sign-in email for this visitor this hour, or refuse."""
    keys = visitor.keys("send")
    if _count(keys) >= REQUESTS_PER_HOUR.get():
        raise TooManyAttempts(60)
    _bump(keys, 3600)


# ---------------------------------------------------------------- email link


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_for(access: PortalAccess) -> str:
    """The link's secret: derived from the row and the site's secret key, never stored."""
    mac = salted_hmac(
        "kefu.portal.link",
        f"{access.pk}|{access.customer_id}|{access.expires_at.isoformat()}",
        algorithm="sha256",
    ).digest()
    return f"{access.pk}-" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def request_link(*, email: str, visitor: Visitor, base_url: str, language: str) -> None:
    """Mail a one-time sign-in link if ``email`` is on a customer record; silent otherwise.

    ``base_url`` is the absolute URL the token is appended to (…/portal/link/).
    """
    normal = normalize.email(email)
    if not normal or "@" not in normal or len(normal) > 254:
        raise DomainError(
            _("Enter a valid email address."), fields={"email": [_("Not an email address.")]}
        )
    _spend_request_allowance(visitor)
    found = (
        CustomerEmail.objects.filter(normalized=normal, customer__merged_into__isnull=True)
        .select_related("customer")
        .order_by("customer_id")
        .first()
    )
    if found is None:
        log.info("portal link asked for an unknown address")
        return
    with transaction.atomic():
        access = PortalAccess.objects.create(
            customer=found.customer,
            # placeholder until the id (part of the token) is known; never a valid digest
            digest="pending-" + secrets.token_hex(24),
            expires_at=timezone.now() + dt.timedelta(hours=LINK_HOURS.get()),
        )
        access.digest = _digest(_token_for(access))
        access.save(update_fields=["digest"])
        jobs.enqueue(
            "portal.send_link",
            {
                "access": access.pk,
                "email": found.email,
                "base_url": base_url,
                "language": language,
            },
        )
        audit.record(
            actor=PortalActor(found.customer),
            obj=found.customer,
            action="portal.link_requested",
            changes={"access": access.pk},
        )


@jobs.job("portal.send_link")
def send_link(payload: dict) -> None:
    access = (
        PortalAccess.objects.select_related("customer").filter(pk=payload.get("access")).first()
    )
    if access is None or access.used_at is not None or access.expires_at <= timezone.now():
        return
    token = _token_for(access)
    if _digest(token) != access.digest:  # the secret key changed since: the link is void
        return
    link = payload["base_url"].rstrip("/") + f"/{token}/"
    hours = LINK_HOURS.get()
    with translation.override(payload.get("language") or access.customer.language):
        subject = _("Your link to follow your requests")
        body = _(
            "Hello %(name)s,\n\n"
            "Open this link to see your requests and our replies:\n\n%(link)s\n\n"
            "The link works once and for %(hours)d hours. If you did not ask for it, "
            "ignore this email: nobody can use it without access to your mailbox.\n"
        ) % {"name": access.customer.name, "link": link, "hours": hours}
    send_mail(subject, body, None, [payload["email"]])


def redeem_link(token: str) -> Customer | None:
    """Use a link once: the customer it was made for, or None (unknown, used, expired)."""
    token = (token or "").strip()
    if not token or len(token) > 200:
        return None
    now = timezone.now()
    digest = _digest(token)
    with transaction.atomic():
        used = PortalAccess.objects.filter(
            digest=digest, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not used:
            return None
        access = PortalAccess.objects.get(digest=digest)
    customer = live_customer(access.customer_id)
    if customer is not None:
        _audit_sign_in(customer, "email link")
    return customer


def link_state(token: str) -> str:
    """ "valid", or "invalid" for a link that cannot be used (never says which way)."""
    token = (token or "").strip()
    if not token or len(token) > 200:
        return "invalid"
    ok = PortalAccess.objects.filter(
        digest=_digest(token), used_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()
    return "valid" if ok else "invalid"


# ---------------------------------------------------------------- order number + phone


def _phone_forms(raw: str, codes: Iterable[str]) -> set[str]:
    return {p for p in (normalize.phone(raw, code) for code in codes) if p}


def verify_order_phone(*, order_number: str, phone: str, visitor: Visitor) -> Customer:
    """The customer whose order ``order_number`` is and who has ``phone``; refused otherwise.

    The phone matches one of the customer's numbers or the order's recipient phone, both
    compared in normal form (digits with country code), so +86 138 1234 5678, 138-1234-5678
    and 13812345678 are the same number.
    """
    number = (order_number or "").strip()
    typed_phone = (phone or "").strip()
    errors: dict[str, list[str]] = {}
    if not number:
        errors["order_number"] = [_("Enter your order number.")]
    if not typed_phone:
        errors["phone"] = [_("Enter the phone number of the order.")]
    if errors:
        raise DomainError(_("Enter your order number and phone."), fields=errors)
    _check_verify_limit(visitor)
    customer = None
    if len(number) <= MAX_ORDER_NUMBER and len(typed_phone) <= 40:
        customer = _match_order_phone(number, typed_phone)
    if customer is None:
        _note_failed_verify(visitor)
        raise DomainError(
            _("We could not find an order with this number and phone. Check both and try again."),
            code="no_match",
        )
    _audit_sign_in(customer, "order number and phone")
    return customer


def _match_order_phone(number: str, typed_phone: str) -> Customer | None:
    orders = (
        Order.objects.filter(external_id__in={number, number.upper()})
        .select_related("customer", "shop")
        .order_by("pk")[:20]
    )
    for order in orders:
        customer = live_customer(order.customer_id)
        if customer is None:
            continue
        codes = {
            normalize.country_code_for(customer.language),
            normalize.country_code_for(order.shop.language),
            normalize.DEFAULT_COUNTRY_CODE,
        }
        typed = _phone_forms(typed_phone, codes)
        if not typed:
            continue
        known = set(
            CustomerPhone.objects.filter(
                customer_id__in={customer.pk, order.customer_id}
            ).values_list("normalized", flat=True)
        )
        if order.recipient_phone:
            known |= _phone_forms(order.recipient_phone, codes)
        if typed & known:
            return customer
    return None


# ---------------------------------------------------------------- what a customer sees

CUSTOMER_STATUS = {
    # ticket status → (the customer's words, tone)
    Ticket.Status.NEW: (gettext_lazy("Received"), "info"),
    Ticket.Status.OPEN: (gettext_lazy("We are working on it"), "info"),
    Ticket.Status.PENDING_INTERNAL: (gettext_lazy("We are working on it"), "info"),
    Ticket.Status.PENDING_CUSTOMER: (gettext_lazy("Waiting for your reply"), "warning"),
    Ticket.Status.SOLVED: (gettext_lazy("Solved"), "success"),
    Ticket.Status.CLOSED: (gettext_lazy("Closed"), "muted"),
}

# The only message kinds a customer ever sees. Notes are not in it, on purpose.
PUBLIC_KINDS = (Message.Kind.INBOUND, Message.Kind.REPLY, Message.Kind.CALL)


def customer_status(status: str) -> tuple[str, str]:
    label, tone = CUSTOMER_STATUS.get(status, (gettext_lazy("Received"), "info"))
    return str(label), tone


def customer_requests(customer: Customer) -> QuerySet[Ticket]:
    """The customer's own tickets, newest first, with the time of the last public message."""
    return (
        Ticket.objects.filter(customer=customer)
        .select_related("shop", "order")
        .only(
            "id",
            "subject",
            "status",
            "created_at",
            "shop__name",
            "order__external_id",
            "customer_id",
        )
        .annotate(
            last_public_at=Max("messages__created_at", filter=Q(messages__kind__in=PUBLIC_KINDS))
        )
        .order_by("-created_at", "-id")
    )


def customer_request(customer: Customer, pk: int) -> Ticket:
    """One of the customer's own tickets; NotFound for anyone else's (or none at all)."""
    ticket = (
        Ticket.objects.filter(pk=pk, customer=customer)
        .select_related("shop", "order")
        .only(
            "id",
            "subject",
            "status",
            "created_at",
            "shop__name",
            "shop__slug",
            "order__external_id",
            "customer_id",
        )
        .first()
    )
    if ticket is None:
        raise NotFound(_("No such request."))
    return ticket


@dataclass
class PublicMessage:
    id: int
    kind: str  # inbound | reply | call
    created_at: dt.datetime
    body: str  # empty for a call: the call's notes are the team's own
    author: str  # "" for the customer
    call_minutes: int | None
    attachments: list[Attachment]

    @property
    def from_customer(self) -> bool:
        return self.kind == Message.Kind.INBOUND


def public_messages(ticket: Ticket) -> list[PublicMessage]:
    """The conversation as the customer sees it: their messages, the team's replies, and
    phone calls as a bare mention. Internal notes are never selected."""
    rows = (
        Message.objects.filter(ticket_id=ticket.pk, kind__in=PUBLIC_KINDS)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    out = []
    for m in rows:
        author = ""
        if m.kind != Message.Kind.INBOUND:
            author = (m.author.display_name or "").strip() if m.author_id else ""
        out.append(
            PublicMessage(
                id=m.pk,
                kind=m.kind,
                created_at=m.created_at,
                body="" if m.kind == Message.Kind.CALL else m.body,
                author=author,
                call_minutes=max(1, round(m.call_seconds / 60)) if m.call_seconds else None,
                attachments=list(m.attachments.all()),
            )
        )
    return out


def public_attachment(customer: Customer, ticket_pk: int, pk: int) -> Attachment:
    """A file on a public message of the customer's own ticket; NotFound otherwise."""
    attachment = (
        Attachment.objects.filter(
            pk=pk,
            message__ticket_id=ticket_pk,
            message__ticket__customer=customer,
            message__kind__in=PUBLIC_KINDS,
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise NotFound(_("No such file."))
    return attachment


def branded_shop(slug: str | None) -> Shop | None:
    if not slug:
        return None
    return Shop.objects.filter(slug=slug, is_active=True).first()


def portal_shops() -> QuerySet[Shop]:
    return Shop.objects.filter(is_active=True).order_by("name")


# ---------------------------------------------------------------- writes by the customer


def _check_upload(upload, errors: dict[str, list[str]]) -> attachments.CheckedFile | None:
    """The file checked (type by name and content, size), or None after adding the reason
    to ``errors``."""
    name = attachments.display_name(getattr(upload, "name", ""))
    ext = PurePath(name).suffix.lower().lstrip(".")
    size = int(getattr(upload, "size", 0) or 0)
    problem = ""
    limit = ATTACHMENT_MAX_MB.get()
    if ext not in ATTACHMENT_EXTENSIONS:
        problem = _("Attach a photo, a video or a PDF (%(types)s).") % {
            "types": ", ".join(ATTACHMENT_EXTENSIONS)
        }
    elif size > limit * 1024 * 1024:
        problem = _("The file is larger than %(mb)d MB.") % {"mb": limit}
    elif size == 0:
        problem = _("The file is empty.")
    else:
        upload.seek(0)
        head = upload.read(8192)
        upload.seek(0)
        if not attachments._signature_ok(ext, head):
            problem = _("%(name)s does not look like a .%(ext)s file.") % {"name": name, "ext": ext}
    if problem:
        errors.setdefault("attachment", []).append(problem)
        return None
    return attachments.CheckedFile(upload, name, ext, attachments.CONTENT_TYPES[ext], size)


def _find_customer(email: str, phone_forms: set[str]) -> Customer | None:
    if email:
        found = (
            CustomerEmail.objects.filter(normalized=email, customer__merged_into__isnull=True)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
            .first()
        )
        if found:
            return Customer.objects.get(pk=found)
    if phone_forms:
        found = (
            CustomerPhone.objects.filter(
                normalized__in=phone_forms, customer__merged_into__isnull=True
            )
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
            .first()
        )
        if found:
            return Customer.objects.get(pk=found)
    return None


def submit_request(
    *,
    customer: Customer | None,
    visitor: Visitor,
    shop: Shop | None,
    topic: str,
    message: str,
    subject: str = "",
    name: str = "",
    email: str = "",
    phone: str = "",
    order_number: str = "",
    attachment=None,
    language: str = "",
) -> Ticket:
    """The web form: a new request (ticket, channel web) from the signed-in customer, or from
    a visitor matched to a customer by email or phone (a new customer record otherwise).

    An unverified visitor is never signed in by this; what they typed to identify themselves
    is appended to their message so the agent sees it.
    """
    errors: dict[str, list[str]] = {}
    name = (name or "").replace("\x00", "").strip()
    email_raw = (email or "").replace("\x00", "").strip()
    phone_raw = (phone or "").replace("\x00", "").strip()
    subject = (subject or "").replace("\x00", "").strip()[:MAX_SUBJECT]
    message = (message or "").replace("\x00", "").strip()
    order_number = (order_number or "").replace("\x00", "").strip()[:MAX_ORDER_NUMBER]
    language = language if language in services.LANGUAGES else ""
    if shop is None:
        errors["shop"] = [_("Choose the shop you bought from or want to ask.")]
    if topic not in Topic.KIND:
        errors["topic"] = [_("Choose what your request is about.")]
    if not message:
        errors["message"] = [_("Write your message.")]
    elif len(message) > services.MAX_BODY:
        errors["message"] = [_("The message is too long.")]
    email_normal = ""
    phone_forms: set[str] = set()
    if customer is None:
        if not name:
            errors["name"] = [_("Tell us your name.")]
        elif len(name) > MAX_NAME:
            errors["name"] = [_("The name is too long.")]
        if email_raw:
            email_normal = normalize.email(email_raw)
            if "@" not in email_normal or len(email_normal) > 254:
                errors["email"] = [_("Enter a valid email address.")]
        if phone_raw:
            codes = [normalize.country_code_for(language or "")]
            if shop is not None:
                codes.append(normalize.country_code_for(shop.language))
            phone_forms = _phone_forms(phone_raw[:40], codes)
            if not phone_forms:
                errors["phone"] = [_("Enter a valid phone number.")]
        if not email_raw and not phone_raw:
            errors["email"] = [_("Give an email or a phone number so we can answer you.")]
    checked = _check_upload(attachment, errors) if attachment is not None else None
    if errors:
        raise DomainError(_("Please check the form."), fields=errors, code="validation_error")
    _spend_request_allowance(visitor)

    with transaction.atomic():
        verified = customer is not None
        if customer is None:
            customer = _find_customer(email_normal, phone_forms)
        if customer is None:
            customer = create_customer(
                actor=None,
                name=name,
                emails=[email_raw] if email_raw else [],
                phones=[phone_raw] if phone_raw else [],
                language=language or (shop.language if shop else "zh-hans"),
                country_code=normalize.country_code_for(language or shop.language),
            )
        order = None
        if order_number:
            order = (
                Order.objects.filter(
                    shop=shop, external_id__in={order_number, order_number.upper()}
                )
                .only("id", "customer_id")
                .first()
            )
            if order is not None and order.customer_id != customer.pk:
                order = None  # not theirs: never linked, never disclosed
        body = message
        if not verified:
            given = [name, email_raw, phone_raw]
            if order_number:
                given.append(_("order %(number)s") % {"number": order_number})
            body += "\n\n— " + " · ".join(g for g in given if g)
        elif order_number and order is None:
            body += "\n\n— " + _("order %(number)s") % {"number": order_number}
        ticket = services.create_ticket(
            actor=None,
            customer=customer,
            shop=shop,
            subject=subject,
            body=body,
            channel=Channel.WEB,
            kind=Topic.KIND[topic],
            order=order,
            language=language or None,
        )
        if checked is not None:
            first = ticket.messages.order_by("created_at", "id").first()
            attachments.store(first, checked)
        audit.record(
            actor=PortalActor(customer),
            obj=ticket,
            action="portal.request",
            reason="signed in" if verified else "web form",
        )
    return ticket


def reply(*, customer: Customer, ticket_pk: int, body: str, attachment=None) -> Message:
    """The customer writes back on one of their own requests."""
    ticket = customer_request(customer, ticket_pk)
    errors: dict[str, list[str]] = {}
    body = (body or "").replace("\x00", "").strip()
    if not body:
        errors["body"] = [_("Write your message.")]
    elif len(body) > services.MAX_BODY:
        errors["body"] = [_("The message is too long.")]
    checked = _check_upload(attachment, errors) if attachment is not None else None
    if errors:
        raise DomainError(_("Please check the form."), fields=errors, code="validation_error")
    if ticket.status == Ticket.Status.CLOSED:
        raise DomainError(
            _("This request is closed. Please start a new request."), code="ticket_closed"
        )
    with transaction.atomic():
        message = services.add_message(
            actor=None,
            ticket=ticket,
            kind=Message.Kind.INBOUND,
            body=body,
            channel=Channel.WEB,
        )
        if checked is not None:
            attachments.store(message, checked)
    return message
