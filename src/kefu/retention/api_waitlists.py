"""/api/v1/waitlists: customers waiting for a style and size, and the restock notice.

``POST /waitlists`` puts a customer on the list (send an ``Idempotency-Key``; a customer
already waiting for the same style and size gets their entry back with 200). ``POST
/waitlists/restock`` with a style number and size notifies everyone waiting, in their
language, once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.core.errors import DomainError
from kefu.core.models import Shop
from kefu.customers.models import Customer
from kefu.retention import selectors, services
from kefu.retention.models import WaitlistEntry

router = Router(tags=["waitlists"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
StatusName = Literal[tuple(WaitlistEntry.Status.values)]  # type: ignore[valid-type]


class EntryOut(Schema):
    id: int
    shop_id: int
    customer_id: int
    customer_name: str
    style_no: str
    size: str
    note: str
    status: str
    created_at: dt.datetime
    notified_at: dt.datetime | None
    language: str
    message: str

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class EntryPage(PageMeta):
    items: list[EntryOut]


class EntryIn(Schema):
    shop_id: Id
    customer_id: Id
    style_no: str = Field(..., min_length=1, max_length=64)
    size: str = Field("", max_length=32)
    note: str = Field("", max_length=255)


class RestockIn(Schema):
    style_no: str = Field(..., min_length=1, max_length=64)
    size: str = Field("", max_length=32)
    shop_id: Id | None = Field(None, description="only this shop's list; empty: every shop")


class RestockOut(Schema):
    notified: int
    items: list[EntryOut]


class Filters(Schema):
    status: StatusName | None = None
    style_no: str | None = Field(None, max_length=64)
    shop_id: Id | None = None


def _shop(shop_id: int | None) -> Shop | None:
    if shop_id is None:
        return None
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        raise DomainError(
            f"Unknown shop {shop_id}.", fields={"shop_id": ["No such shop."]}, code="unknown_shop"
        )
    return shop


@router.get("", response={200: EntryPage, **ERRORS}, summary="The waitlist")
def list_entries(
    request, filters: Query[Filters], limit: int | None = None, cursor: str | None = None
):
    require(request, "retention.work")
    qs = selectors.waitlist(
        request.user,
        status=filters.status or "",
        style_no=filters.style_no or "",
        shop=filters.shop_id,
    )
    return paginate(qs, limit=limit, cursor=cursor)


@router.post(
    "",
    response={201: EntryOut, 200: EntryOut, **ERRORS},
    summary="Put a customer on the waitlist (send an Idempotency-Key)",
)
def create_entry(request, payload: EntryIn):
    require(request, "retention.work")
    shop = _shop(payload.shop_id)
    customer = Customer.objects.live().filter(pk=payload.customer_id).first()
    if customer is None:
        raise DomainError(
            f"Unknown customer {payload.customer_id}.",
            fields={"customer_id": ["No such customer (or it was merged)."]},
            code="unknown_customer",
        )
    entry, created = services.add_to_waitlist(
        actor=request.user,
        shop=shop,
        customer=customer,
        style_no=payload.style_no,
        size=payload.size,
        note=payload.note,
    )
    return Status(201 if created else 200, entry)


@router.post(
    "/restock",
    response={200: RestockOut, **ERRORS},
    summary="Stock arrived: notify everyone waiting for the style and size, once",
)
def restock(request, payload: RestockIn):
    require(request, "retention.work")
    entries = services.restock(
        actor=request.user,
        style_no=payload.style_no,
        size=payload.size,
        shop=_shop(payload.shop_id),
    )
    return {"notified": len(entries), "items": entries}
