"""/api/v1/tickets: tickets, their messages and files, and quick replies.

``GET /tickets`` lists any inbox view with filters and sorts, and ``q`` searches the text
of tickets and their messages (Chinese, Korean, English) combined with the filters; pages
are cursors, never counts. ``POST /tickets`` records an inquiry (send an
``Idempotency-Key`` so a retry creates nothing twice). The API is for staff: a ticket's
messages include internal notes, marked ``kind: "note"`` and ``public: false``; a client
that relays messages to a customer asks with ``public_only=true``.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from typing import Annotated, Literal

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Path, Query, Router, Schema, Status, UploadedFile

from kefu.core.api import ERRORS, PageMeta, found, paginate, require
from kefu.core.errors import DomainError, NotFound
from kefu.core.models import Shop, User
from kefu.customers.models import Customer, Tag
from kefu.orders.models import Order
from kefu.tickets import links, quick_replies, selectors, services
from kefu.tickets.models import Attachment, Channel, Message, QuickReply, Team, Ticket
from kefu.tickets.workflow import TICKET_WORKFLOW

router = Router(tags=["tickets"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Path(..., ge=1, le=MAX_ID)
ActionPath = Path(...)
Files = File(..., description="one or more files")

StatusName = Literal[tuple(Ticket.Status.values)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
KindName = Literal[tuple(Ticket.Kind.values)]  # type: ignore[valid-type]
LanguageCode = Literal[tuple(code for code, _ in settings.LANGUAGES)]  # type: ignore[valid-type]
ViewName = Literal[tuple(selectors.VIEWS)]  # type: ignore[valid-type]
SortName = Literal[tuple(selectors.SORTS)]  # type: ignore[valid-type]
ActionName = Literal[tuple(sorted(TICKET_WORKFLOW.actions))]  # type: ignore[valid-type]
OutcomeName = Literal[tuple(services.CallOutcome.values)]  # type: ignore[valid-type]
Priority = Annotated[int, Field(ge=1, le=4, description="1 low, 2 normal, 3 high, 4 urgent")]
TagName = Annotated[str, Field(min_length=1, max_length=40)]


# ---------------------------------------------------------------- schemas


class TicketOut(Schema):
    id: int
    subject: str
    status: str
    priority: int
    kind: str
    channel: str
    language: str
    shop_id: int
    shop: str
    customer_id: int
    customer_name: str
    order_id: int | None
    order_number: str | None
    assignee_id: int | None
    assignee: str | None
    team_id: int | None
    team: str | None
    category_id: int | None
    category: str | None
    tags: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    last_message_at: dt.datetime | None
    first_response_at: dt.datetime | None
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    solved_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_shop(obj) -> str:
        return obj.shop.name

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_order_number(obj) -> str | None:
        return obj.order.external_id if obj.order_id else None

    @staticmethod
    def resolve_assignee(obj) -> str | None:
        return obj.assignee.username if obj.assignee_id else None

    @staticmethod
    def resolve_team(obj) -> str | None:
        return obj.team.name if obj.team_id else None

    @staticmethod
    def resolve_category(obj) -> str | None:
        return str(obj.category) if obj.category_id else None

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]


class TicketPage(PageMeta):
    items: list[TicketOut]


class AttachmentOut(Schema):
    id: int
    message_id: int
    name: str
    size: int
    content_type: str
    uploaded_at: dt.datetime


class LinkOut(Schema):
    text: str
    host: str
    trusted: bool = Field(
        description="false: a link to a domain the shop does not trust; never open it"
    )


class MessageOut(Schema):
    id: int
    ticket_id: int
    kind: Literal["inbound", "reply", "note", "call"]
    public: bool = Field(description="false for internal notes: never show them to a customer")
    body: str
    author_id: int | None
    author: str | None
    channel: str
    call_seconds: int | None
    call_outcome: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]
    links: list[LinkOut]


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]
    earlier_messages: bool = Field(description="true when older messages were left out")

    @staticmethod
    def resolve_messages(obj) -> list[dict]:
        return obj.api_messages


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    language: LanguageCode | None = None


class TicketIn(Schema):
    customer_id: Id | None = Field(None, description="an existing customer, or give `customer`")
    customer: CustomerIn | None = Field(None, description="found by phone or email, else created")
    shop_id: Id
    subject: str = Field("", max_length=255)
    body: str = Field(..., min_length=1, max_length=50_000)
    channel: ChannelName = "chat"
    kind: KindName = "other"
    priority: Priority = 2
    category_id: Id | None = None
    order_id: Id | None = None
    language: LanguageCode | None = None
    assignee_id: Id | None = None


class TicketPatch(Schema):
    """Only the fields sent change; ``assignee_id: null`` unassigns."""

    subject: str | None = Field(None, min_length=1, max_length=255)
    kind: KindName | None = None
    priority: Priority | None = None
    channel: ChannelName | None = None
    language: LanguageCode | None = None
    category_id: Id | None = None
    team_id: Id | None = None
    order_id: Id | None = None
    tags: list[TagName] | None = Field(None, max_length=20)
    assignee_id: Id | None = None


class ActionIn(Schema):
    reason: str = Field("", max_length=2000)


class MessageIn(Schema):
    kind: Literal["reply", "note", "call"] = "reply"
    body: str = Field(..., min_length=1, max_length=50_000)
    call_seconds: int | None = Field(None, ge=0, le=services.MAX_CALL_SECONDS)
    call_outcome: OutcomeName | None = None


class QuickReplyOut(Schema):
    id: int
    shortcut: str
    title: str
    shared: bool
    shop_id: int | None
    body_en: str
    body_zh: str
    body_ko: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_shared(obj) -> bool:
        return obj.owner_id is None


class QuickReplyIn(Schema):
    shortcut: str = Field(..., min_length=1, max_length=40)
    title: str = Field(..., min_length=1, max_length=quick_replies.MAX_TITLE)
    body_en: str = Field("", max_length=quick_replies.MAX_BODY)
    body_zh: str = Field("", max_length=quick_replies.MAX_BODY)
    body_ko: str = Field("", max_length=quick_replies.MAX_BODY)
    shared: bool = Field(False, description="for the whole team (leads and admins)")
    shop_id: Id | None = None


class ExpandIn(Schema):
    ticket_id: Id
    shortcut: str = Field(..., min_length=1, max_length=41, description="with or without /")


class ExpandOut(Schema):
    text: str
    language: str
    missing: list[str] = Field(description="variables the ticket has no value for yet")


class VariableOut(Schema):
    name: str
    description: str


class QuickReplyList(Schema):
    items: list[QuickReplyOut]
    variables: list[VariableOut]


class TicketFilters(Schema):
    view: ViewName = Field("all", description="mine, unassigned, team, overdue, waiting, all")
    status: list[StatusName] = Field(default_factory=list, max_length=6)
    assignee: str | None = Field(
        None, pattern=r"^(me|none|[1-9][0-9]{0,18})$", description="a user id, me or none"
    )
    team_id: Id | None = None
    shop_id: Id | None = None
    channel: ChannelName | None = None
    kind: KindName | None = None
    priority: Priority | None = None
    category_id: Id | None = Field(None, description="with its sub-categories")
    tag_id: Id | None = None
    customer_id: Id | None = None
    order_id: Id | None = None
    language: LanguageCode | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    q: str | None = Field(None, max_length=200, description="full-text search, zh/ko/en")
    sort: SortName | None = Field(None, description="default: newest (overdue: due)")


# ---------------------------------------------------------------- helpers


def _ticket(ticket_id: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related("shop", "customer", "order"), pk=ticket_id
    )


def _row(ticket_id: int) -> Ticket:
    return get_object_or_404(selectors.list_rows(), pk=ticket_id)


def _message_out(m: Message, domains: frozenset[str]) -> dict:
    return {
        "id": m.pk,
        "ticket_id": m.ticket_id,
        "kind": m.kind,
        "public": m.is_public,
        "body": m.body,
        "author_id": m.author_id,
        "author": m.author.username if m.author_id else None,
        "channel": m.channel,
        "call_seconds": m.call_seconds,
        "call_outcome": m.call_outcome,
        "created_at": m.created_at,
        "attachments": list(m.attachments.all()),
        "links": [
            {"text": link.text, "host": link.host, "trusted": link.trusted or m.kind != "inbound"}
            for link in links.find_links(m.body, domains)
        ],
    }


def _detail(ticket_id: int, *, public_only: bool = False) -> Ticket:
    ticket = _row(ticket_id)
    messages, earlier = selectors.messages_of(ticket)
    domains = links.allowed_domains(ticket.shop)
    out = []
    for m in messages:
        if public_only and not m.is_public:
            continue
        item = _message_out(m, domains)
        if public_only and m.kind == Message.Kind.CALL:
            item["body"], item["links"] = "", []  # what was said on a call is the team's own
        out.append(item)
    ticket.api_messages = out
    ticket.earlier_messages = earlier
    return ticket


def _new_detail(ticket: Ticket) -> Ticket:
    """What ``_detail`` would read back for a ticket ``create_ticket`` just made, from the
    objects in hand: no tags, no attachments, one message (saves a third of a create)."""
    message = ticket.first_message
    ticket._prefetched_objects_cache = {"tags": Tag.objects.none()}
    message._prefetched_objects_cache = {"attachments": Attachment.objects.none()}
    ticket.api_messages = [_message_out(message, links.allowed_domains(ticket.shop))]
    ticket.earlier_messages = False
    return ticket


def _user(user_id: int | None, field: str = "assignee_id") -> User | None:
    return found(User, user_id, field, "user")


# ---------------------------------------------------------------- quick replies
# (declared before /{ticket_id} so the path is not taken for an id)


@router.get(
    "/quick-replies",
    response={200: QuickReplyList, **ERRORS},
    summary="My quick replies and the shared ones, with the variables they may use",
)
def list_quick_replies(request, shop_id: int | None = Query(None, ge=1, le=MAX_ID)):
    require(request, "tickets.work")
    shop = found(Shop, shop_id, "shop_id", "shop")
    return {
        "items": quick_replies.available(request.user, shop),
        "variables": [
            {"name": name, "description": str(text)}
            for name, text in quick_replies.VARIABLES.items()
        ],
    }


@router.post(
    "/quick-replies", response={201: QuickReplyOut, **ERRORS}, summary="Create a quick reply"
)
def create_quick_reply(request, payload: QuickReplyIn):
    require(request, "tickets.work")
    data = payload.dict()
    data["shop"] = found(Shop, data.pop("shop_id"), "shop_id", "shop")
    return Status(201, quick_replies.save_quick_reply(actor=request.user, **data))


@router.post(
    "/quick-replies/expand",
    response={200: ExpandOut, **ERRORS},
    summary="A quick reply filled in for a ticket, in the ticket's language",
)
def expand_quick_reply(request, payload: ExpandIn):
    require(request, "tickets.work")
    ticket = _ticket(payload.ticket_id)
    expansion = quick_replies.expand(user=request.user, ticket=ticket, shortcut=payload.shortcut)
    return {"text": expansion.text, "language": expansion.language, "missing": expansion.missing}


def _own_reply(request, reply_id: int) -> QuickReply:
    reply = QuickReply.objects.filter(pk=reply_id).first()
    if reply is None or (reply.owner_id not in (None, request.user.pk)):
        raise NotFound("Not found.")
    return reply


@router.patch(
    "/quick-replies/{reply_id}", response={200: QuickReplyOut, **ERRORS}, summary="Change one"
)
def update_quick_reply(request, payload: QuickReplyIn, reply_id: int = PathId):
    require(request, "tickets.work")
    reply = _own_reply(request, reply_id)
    data = payload.dict()
    data["shop"] = found(Shop, data.pop("shop_id"), "shop_id", "shop")
    return quick_replies.save_quick_reply(actor=request.user, reply=reply, **data)


@router.delete("/quick-replies/{reply_id}", response={204: None, **ERRORS}, summary="Delete one")
def delete_quick_reply(request, reply_id: int = PathId):
    require(request, "tickets.work")
    quick_replies.delete_quick_reply(actor=request.user, reply=_own_reply(request, reply_id))
    return Status(204, None)


# ---------------------------------------------------------------- tickets


@router.get("", response={200: TicketPage, **ERRORS}, summary="List, filter, sort and search")
def list_tickets(
    request,
    filters: Query[TicketFilters],
    limit: int | None = None,
    cursor: str | None = None,
):
    require(request, "tickets.view")
    f = selectors.TicketFilters(
        view=filters.view,
        statuses=tuple(filters.status),
        assignee=filters.assignee,
        team=filters.team_id,
        shop=filters.shop_id,
        channel=filters.channel or "",
        kind=filters.kind or "",
        priority=filters.priority,
        category=filters.category_id,
        tag=filters.tag_id,
        customer=filters.customer_id,
        order=filters.order_id,
        language=filters.language or "",
        created_from=filters.created_from,
        created_to=filters.created_to,
        q=filters.q or "",
        sort=filters.sort or "",
    )
    return paginate(selectors.ticket_list(request.user, f), limit=limit, cursor=cursor)


@router.post(
    "",
    response={201: TicketDetailOut, **ERRORS},
    summary="Record an inquiry (send an Idempotency-Key)",
)
def create_ticket(request, payload: TicketIn):
    require(request, "tickets.work")
    if (payload.customer_id is None) == (payload.customer is None):
        message = "Give either customer_id or customer."
        raise DomainError(
            message,
            fields={"customer_id": [message], "customer": [message]},
            code="validation_error",
        )
    shop = found(Shop, payload.shop_id, "shop_id", "shop")
    category = services.resolve_category(payload.category_id)
    assignee = _user(payload.assignee_id)
    order = found(Order, payload.order_id, "order_id", "order")
    # A new customer or an assignee means more than one write, all or none; a known
    # customer alone is read before create_ticket's own transaction, so the write lock
    # (SQLite's is the whole database) is not held while the SLA due times are worked out.
    together = payload.customer is not None or assignee is not None
    with transaction.atomic() if together else nullcontext():
        if payload.customer_id is not None:
            customer = Customer.objects.live().filter(pk=payload.customer_id).first()
            if customer is None:
                raise DomainError(
                    f"Unknown customer {payload.customer_id}.",
                    fields={"customer_id": ["No such customer (or it was merged)."]},
                    code="unknown_customer",
                )
        else:
            c = payload.customer
            customer = services.customer_for_inquiry(
                actor=request.user,
                name=c.name,
                phone=c.phone,
                email=c.email,
                language=c.language or payload.language or shop.language,
            )
        ticket = services.create_ticket(
            actor=request.user,
            customer=customer,
            shop=shop,
            subject=payload.subject,
            body=payload.body,
            channel=payload.channel,
            kind=payload.kind,
            order=order,
            category=category,
            priority=payload.priority,
            language=payload.language,
        )
        if assignee is not None:
            services.assign_ticket(actor=request.user, ticket=ticket, assignee=assignee)
            return Status(201, _detail(ticket.pk))
    return Status(201, _new_detail(ticket))


@router.get(
    "/{ticket_id}",
    response={200: TicketDetailOut, **ERRORS},
    summary="One ticket with its messages (internal notes marked, or left out)",
)
def get_ticket(
    request,
    ticket_id: int = PathId,
    public_only: bool = Query(False, description="leave internal notes out"),
):
    require(request, "tickets.view")
    return _detail(ticket_id, public_only=public_only)


@router.patch("/{ticket_id}", response={200: TicketDetailOut, **ERRORS}, summary="Update")
def update_ticket(request, payload: TicketPatch, ticket_id: int = PathId):
    require(request, "tickets.work")
    ticket = _ticket(ticket_id)
    sent = payload.dict(exclude_unset=True)
    changes: dict = {}
    for name in ("subject", "kind", "priority", "channel", "language"):
        if sent.get(name) is not None:
            changes[name] = sent[name]
    if "category_id" in sent:
        changes["category"] = services.resolve_category(sent["category_id"])
    if "team_id" in sent:
        changes["team"] = found(Team, sent["team_id"], "team_id", "team")
    if "order_id" in sent:
        changes["order"] = found(Order, sent["order_id"], "order_id", "order")
    with transaction.atomic():
        if changes or sent.get("tags") is not None:
            services.update_ticket(
                actor=request.user, ticket=ticket, tags=sent.get("tags"), **changes
            )
        if "assignee_id" in sent:
            services.assign_ticket(
                actor=request.user, ticket=ticket, assignee=_user(sent["assignee_id"])
            )
    return _detail(ticket_id)


@router.post(
    "/{ticket_id}/actions/{action}",
    response={200: TicketDetailOut, **ERRORS},
    summary="Move the ticket by a workflow action (open, wait_customer, solve, reopen, close …)",
)
def ticket_action(
    request, payload: ActionIn, ticket_id: int = PathId, action: ActionName = ActionPath
):
    require(request, "tickets.work")
    ticket = _ticket(ticket_id)
    services.change_ticket_status(
        actor=request.user, ticket=ticket, action=action, reason=payload.reason
    )
    return _detail(ticket_id)


@router.post(
    "/{ticket_id}/messages",
    response={201: MessageOut, **ERRORS},
    summary="Reply to the customer, add an internal note, or log a phone call",
)
def post_message(request, payload: MessageIn, ticket_id: int = PathId):
    require(request, "tickets.work")
    ticket = _ticket(ticket_id)
    message = services.post_message(
        actor=request.user,
        ticket=ticket,
        kind=payload.kind,
        body=payload.body,
        call_seconds=payload.call_seconds,
        call_outcome=payload.call_outcome or "",
    )
    message = (
        Message.objects.select_related("author").prefetch_related("attachments").get(pk=message.pk)
    )
    return Status(201, _message_out(message, links.allowed_domains(ticket.shop)))


@router.post(
    "/{ticket_id}/attachments",
    response={201: list[AttachmentOut], **ERRORS},
    summary="Attach files (multipart) to one of the ticket's messages, or as a new note",
)
def add_attachments(
    request,
    ticket_id: int = PathId,
    files: list[UploadedFile] = Files,
    message_id: int | None = Form(None, ge=1, le=MAX_ID),
    body: str = Form("", max_length=2000),
):
    require(request, "tickets.work")
    ticket = _ticket(ticket_id)
    message = found(Message, message_id, "message_id", "message")
    stored = services.add_attachments(
        actor=request.user, ticket=ticket, files=files, message=message, body=body
    )
    return Status(201, stored)
