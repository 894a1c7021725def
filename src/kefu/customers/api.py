"""/api/v1/customers"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.customers import selectors, services
from kefu.customers.models import Segment

router = Router(tags=["customers"])
LANGS = tuple(code for code, _ in settings.LANGUAGES)


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    phones: list[str] = Field(default_factory=list, max_length=10)
    emails: list[str] = Field(default_factory=list, max_length=10)
    language: str = Field("zh-hans", pattern="^(" + "|".join(LANGS) + ")$")
    segment: str | None = Field(None, pattern="^(" + "|".join(Segment.values) + ")$")
    no_calls: bool = False
    no_marketing: bool = False
    notes: str = Field("", max_length=5000)


class CustomerOut(Schema):
    id: int
    name: str
    segment: str
    language: str
    phones: list[str]
    emails: list[str]
    owner: str | None
    no_calls: bool
    no_marketing: bool
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


class CustomerPage(PageMeta):
    items: list[CustomerOut]


@router.get("", response={200: CustomerPage, **ERRORS}, summary="List customers")
def list_customers(request, limit: int | None = None, cursor: str | None = None):
    require(request, "customers.view")
    return paginate(selectors.customer_list(), limit=limit, cursor=cursor)


@router.post("", response={201: CustomerOut, **ERRORS}, summary="Create a customer")
def create_customer(request, payload: CustomerIn):
    require(request, "customers.edit")
    customer = services.create_customer(actor=request.user, **payload.dict())
    return Status(201, selectors.customer_list().get(pk=customer.pk))


@router.get("/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="One customer")
def get_customer(request, customer_id: int = Path(..., ge=1, le=2**63 - 1)):
    require(request, "customers.view")
    return get_object_or_404(selectors.customer_list(), pk=customer_id)
