"""/api/v1/customers: the customer archive for integrations.

List with filters and ``q`` (name, phone in any form, email, marketplace ID, zh/ko/en),
create, read, update (PATCH), merge and reverse a merge, assign owners in bulk, balance
unowned customers over the agents, likely duplicates, the timeline, notes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.core.errors import DomainError
from kefu.core.models import User
from kefu.customers import selectors, services
from kefu.customers import timeline as customer_timeline
from kefu.customers.models import Customer, MergeRecord

router = Router(tags=["customers"])
LANGS = tuple(code for code, _ in settings.LANGUAGES)
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
SegmentName = Literal["potential", "existing", "vip"]
SegmentChoice = Literal["potential", "existing", "vip", "auto"]
Consent = Literal["calls_ok", "no_calls", "marketing_ok", "no_marketing"]
AttributeValue = str | int | float | bool | None
Channel = Literal["", "phone", "chat", "sms", "email", "visit"]

Phone = Annotated[str, Field(max_length=40)]
Email = Annotated[str, Field(max_length=254)]
TagName = Annotated[str, Field(max_length=40)]


class IdentityIn(Schema):
    shop_id: Id
    external_id: str = Field(..., min_length=1, max_length=120)


class IdentityOut(Schema):
    shop_id: int
    shop: str
    platform: str
    external_id: str

    @staticmethod
    def resolve_shop(obj) -> str:
        return obj.shop.name

    @staticmethod
    def resolve_platform(obj) -> str:
        return obj.shop.platform


class AddressIn(Schema):
    recipient: str = Field("", max_length=120)
    phone: str = Field("", max_length=40)
    country: str = Field("CN", pattern="^[A-Za-z]{2}$")
    region: str = Field("", max_length=80)
    city: str = Field("", max_length=80)
    line: str = Field(..., min_length=1, max_length=255)
    postcode: str = Field("", max_length=20)
    is_default: bool = False


class AddressOut(Schema):
    id: int
    recipient: str
    phone: str
    country: str
    region: str
    city: str
    line: str
    postcode: str
    is_default: bool


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    phones: list[Phone] = Field(default_factory=list, max_length=20)
    emails: list[Email] = Field(default_factory=list, max_length=20)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=20)
    language: str = Field("zh-hans", pattern="^(" + "|".join(LANGS) + ")$")
    segment: SegmentChoice | None = None
    no_calls: bool = False
    no_marketing: bool = False
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    tags: list[TagName] = Field(default_factory=list, max_length=30)
    notes: str = Field("", max_length=5000)


class CustomerPatch(Schema):
    """Only the fields sent change. Lists replace the customer's whole list; attributes
    merge (null removes one); segment "auto" hands the segment back to the rule."""

    name: str | None = Field(None, min_length=1, max_length=120)
    phones: list[Phone] | None = Field(None, max_length=20)
    emails: list[Email] | None = Field(None, max_length=20)
    identities: list[IdentityIn] | None = Field(None, max_length=20)
    addresses: list[AddressIn] | None = Field(None, max_length=20)
    language: str | None = Field(None, pattern="^(" + "|".join(LANGS) + ")$")
    segment: SegmentChoice | None = None
    no_calls: bool | None = None
    no_marketing: bool | None = None
    attributes: dict[str, AttributeValue] | None = None
    tags: list[TagName] | None = Field(None, max_length=30)
    notes: str | None = Field(None, max_length=5000)


class CustomerOut(Schema):
    id: int
    name: str
    segment: str
    segment_is_manual: bool
    language: str
    phones: list[str]
    emails: list[str]
    identities: list[IdentityOut]
    addresses: list[AddressOut]
    attributes: dict[str, Any]
    tags: list[str]
    owner: str | None
    owner_id: int | None
    owner_assigned_at: dt.datetime | None
    owner_contacted_at: dt.datetime | None
    contact_due_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    last_contact_at: dt.datetime | None
    no_calls: bool
    no_marketing: bool
    notes: str
    merged_into_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_phones(obj) -> list[str]:
        return [p.number for p in obj.phones.all()]

    @staticmethod
    def resolve_emails(obj) -> list[str]:
        return [e.email for e in obj.emails.all()]

    @staticmethod
    def resolve_identities(obj):
        return list(obj.identities.all())

    @staticmethod
    def resolve_addresses(obj):
        return list(obj.addresses.all())

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_owner(obj) -> str | None:
        return obj.owner.username if obj.owner_id else None

    @staticmethod
    def resolve_contact_due_at(obj) -> dt.datetime | None:
        return selectors.contact_due(obj)


class CustomerPage(PageMeta):
    items: list[CustomerOut]


class MergeIn(Schema):
    merged_id: Id
    reason: str = Field("", max_length=2000)


class ReverseIn(Schema):
    reason: str = Field("", max_length=2000)


class MergeOut(Schema):
    id: int
    survivor_id: int
    merged_id: int
    moved: dict[str, list[int]]
    left_behind: dict[str, list[int]]
    reason: str
    merged_at: dt.datetime
    merged_by: str
    reversed_at: dt.datetime | None
    reversed_by: str | None

    @staticmethod
    def resolve_left_behind(obj) -> dict[str, list[int]]:
        return (obj.snapshot or {}).get("left_behind", {})

    @staticmethod
    def resolve_merged_by(obj) -> str:
        return obj.merged_by.username

    @staticmethod
    def resolve_reversed_by(obj) -> str | None:
        return obj.reversed_by.username if obj.reversed_by_id else None


class AssignIn(Schema):
    customer_ids: list[Id] = Field(..., min_length=1, max_length=1000)
    owner_id: Id | None = Field(None, description="null takes the customers away from their owner")
    reason: str = Field("", max_length=2000)


class AssignOut(Schema):
    changed: int


class BalanceIn(Schema):
    agent_ids: list[Id] | None = Field(
        None, max_length=500, description="default: every active agent with a capacity"
    )


class BalanceShare(Schema):
    owner_id: int
    customer_ids: list[int]


class BalanceOut(Schema):
    assigned: int
    owners: list[BalanceShare]


class CustomerBrief(Schema):
    id: int
    name: str
    phones: list[str]
    emails: list[str]
    owner: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_phones(obj) -> list[str]:
        return [p.number for p in obj.phones.all()]

    @staticmethod
    def resolve_emails(obj) -> list[str]:
        return [e.email for e in obj.emails.all()]

    @staticmethod
    def resolve_owner(obj) -> str | None:
        return obj.owner.username if obj.owner_id else None


class DuplicateReason(Schema):
    kind: Literal["phone", "email", "marketplace_id"]
    value: str


class DuplicateGroupOut(Schema):
    customers: list[CustomerBrief]
    reasons: list[DuplicateReason]


class TimelineItemOut(Schema):
    at: dt.datetime
    kind: str
    title: str
    status: str
    detail: str
    url: str


class NoteIn(Schema):
    body: str = Field(..., min_length=1, max_length=5000)
    contact_channel: Channel = Field(
        "", description="set when the note records a contact with the customer"
    )


class NoteOut(Schema):
    id: int
    customer_id: int
    body: str
    contact_channel: str
    author: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author.username


class CustomerFilters(Schema):
    q: str | None = Field(None, max_length=200, description="name, phone, email, marketplace ID")
    segment: SegmentName | None = None
    owner_id: Id | None = None
    unowned: bool = False
    tag: str | None = Field(None, max_length=40)
    shop_id: Id | None = None
    consent: Consent | None = None
    awaiting_contact: bool = Field(False, description="assigned and not contacted yet")
    overdue: bool = Field(False, description="not contacted within the contact window")


def _customer(customer_id: int) -> Customer:
    return get_object_or_404(selectors.customer_list(), pk=customer_id)


def _any_customer(customer_id: int) -> Customer:
    """Also a merged one (its answer names the survivor in merged_into_id)."""
    return get_object_or_404(selectors.any_customer(), pk=customer_id)


def _user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise DomainError(
            "There is no such user.", fields={"owner_id": ["No such user."]}, code="invalid_owner"
        )
    return user


# ---------------------------------------------------------------- collection


@router.get("", response={200: CustomerPage, **ERRORS}, summary="List and search customers")
def list_customers(
    request,
    filters: Query[CustomerFilters],
    limit: int | None = None,
    cursor: str | None = None,
):
    require(request, "customers.view")
    qs = selectors.search_customers(
        filters.q or "",
        base=selectors.customer_list(),
        segment=filters.segment,
        owner=filters.owner_id,
        unowned=filters.unowned,
        tag=filters.tag,
        shop=filters.shop_id,
        consent=filters.consent,
        awaiting_contact=filters.awaiting_contact,
        overdue=filters.overdue,
    )
    return paginate(qs, limit=limit, cursor=cursor)


@router.post("", response={201: CustomerOut, **ERRORS}, summary="Create a customer")
def create_customer(request, payload: CustomerIn):
    require(request, "customers.edit")
    data = payload.dict()
    data["identities"] = [dict(i) for i in data["identities"]]
    data["addresses"] = [dict(a) for a in data["addresses"]]
    customer = services.create_customer(actor=request.user, **data)
    return Status(201, _customer(customer.pk))


@router.get(
    "/duplicates",
    response={200: list[DuplicateGroupOut], **ERRORS},
    summary="Likely duplicates (shared phone, email or marketplace ID)",
)
def duplicates(request, limit: int = Query(50, ge=1, le=200)):
    require(request, "customers.merge")
    return [
        {"customers": g.customers, "reasons": [{"kind": k, "value": v} for k, v in g.reasons]}
        for g in selectors.duplicate_groups(limit=limit)
    ]


@router.post("/assign", response={200: AssignOut, **ERRORS}, summary="Assign customers to an owner")
def assign(request, payload: AssignIn):
    require(request, "customers.assign")
    owner = _user(payload.owner_id)
    changed = services.assign_customers(
        actor=request.user, customer_ids=payload.customer_ids, owner=owner, reason=payload.reason
    )
    return {"changed": changed}


@router.post(
    "/balance",
    response={200: BalanceOut, **ERRORS},
    summary="Give unowned customers to agents by capacity weight",
)
def balance(request, payload: BalanceIn):
    require(request, "customers.assign")
    agents = None
    if payload.agent_ids is not None:
        agents = list(User.objects.filter(pk__in=payload.agent_ids))
    given = services.balance_unowned(actor=request.user, agents=agents)
    return {
        "assigned": sum(len(ids) for ids in given.values()),
        "owners": [{"owner_id": k, "customer_ids": v} for k, v in sorted(given.items())],
    }


@router.get("/merges/{merge_id}", response={200: MergeOut, **ERRORS}, summary="One merge")
def get_merge(request, merge_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "customers.view")
    return get_object_or_404(
        MergeRecord.objects.select_related("merged_by", "reversed_by"), pk=merge_id
    )


@router.post(
    "/merges/{merge_id}/reverse",
    response={200: MergeOut, **ERRORS},
    summary="Reverse a merge from its record",
)
def reverse_merge(request, payload: ReverseIn, merge_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "customers.merge")
    record = get_object_or_404(MergeRecord, pk=merge_id)
    record = services.unmerge(actor=request.user, record=record, reason=payload.reason)
    return MergeRecord.objects.select_related("merged_by", "reversed_by").get(pk=record.pk)


# ---------------------------------------------------------------- one customer


@router.get("/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="One customer")
def get_customer(request, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "customers.view")
    return _any_customer(customer_id)


@router.patch("/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="Update a customer")
def update_customer(request, payload: CustomerPatch, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "customers.edit")
    customer = _any_customer(customer_id)
    changes = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None}
    for key in ("identities", "addresses"):
        if key in changes:
            changes[key] = [dict(item) for item in changes[key]]
    services.update_customer(actor=request.user, customer=customer, **changes)
    return _any_customer(customer_id)


@router.post(
    "/{customer_id}/merge",
    response={201: MergeOut, **ERRORS},
    summary="Merge another customer into this one",
)
def merge(request, payload: MergeIn, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "customers.merge")
    survivor = get_object_or_404(Customer, pk=customer_id)
    merged = get_object_or_404(Customer, pk=payload.merged_id)
    record = services.merge_customers(
        actor=request.user, survivor=survivor, merged=merged, reason=payload.reason
    )
    return Status(
        201, MergeRecord.objects.select_related("merged_by", "reversed_by").get(pk=record.pk)
    )


@router.get(
    "/{customer_id}/timeline",
    response={200: list[TimelineItemOut], **ERRORS},
    summary="Everything about a customer, newest first",
)
def timeline(
    request,
    customer_id: int = Path(..., ge=1, le=MAX_ID),
    limit: int = Query(50, ge=1, le=200),
):
    require(request, "customers.view")
    customer = get_object_or_404(Customer, pk=customer_id)
    return customer_timeline.timeline(customer, limit=limit)


@router.post(
    "/{customer_id}/notes",
    response={201: NoteOut, **ERRORS},
    summary="Add a note (and record a contact)",
)
def add_note(request, payload: NoteIn, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, "customers.edit")
    customer = get_object_or_404(Customer, pk=customer_id)
    note = services.add_note(
        actor=request.user,
        customer=customer,
        body=payload.body,
        contact_channel=payload.contact_channel,
    )
    return Status(201, note)
