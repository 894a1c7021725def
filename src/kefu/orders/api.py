"""/api/v1/shops, /api/v1/orders and the order webhook /api/v1/shops/{id}/webhooks/orders.

Money is a string in JSON ("199.00", "59000") so no amount passes through a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Header, Path, Query, Router, Schema, Status

from kefu.core.api import ERRORS, PageMeta, paginate, require
from kefu.core.models import Shop
from kefu.customers.models import Customer
from kefu.orders import importers, selectors, services
from kefu.orders.importers import base
from kefu.orders.importers.shopify import ShopifyOrder
from kefu.orders.models import Order

router = Router(tags=["orders"])

ID = {"ge": 1, "le": 2**63 - 1}
MONEY = r"^\d{1,12}(\.\d{1,2})?$"
STATUSES = "^(" + "|".join(Order.Status.values) + ")$"
PLATFORMS = "^(" + "|".join(Shop.Platform.values) + ")$"
STORE_TYPES = "^(" + "|".join(Shop.StoreType.values) + ")$"
LANGS = "^(" + "|".join(code for code, _ in settings.LANGUAGES) + ")$"


def _money(amount: Decimal | None, currency: str) -> str | None:
    return services.money_text(amount, currency)


# ---------------------------------------------------------------- shops


class ShopOut(Schema):
    id: int
    slug: str
    name: str
    platform: str
    store_type: str
    currency: str
    time_zone: str
    language: str
    is_active: bool
    has_webhook_secret: bool
    webhook_path: str
    created_at: dt.datetime

    @staticmethod
    def resolve_has_webhook_secret(obj) -> bool:
        return bool(obj.webhook_secret)

    @staticmethod
    def resolve_webhook_path(obj) -> str:
        return f"/api/v1/shops/{obj.pk}/webhooks/orders"


class ShopIn(Schema):
    slug: str = Field(..., min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(..., min_length=1, max_length=100)
    platform: str = Field(..., pattern=PLATFORMS)
    store_type: str = Field(Shop.StoreType.C_STORE, pattern=STORE_TYPES)
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$")
    time_zone: str = Field("Asia/Shanghai", min_length=1, max_length=64)
    language: str = Field("zh-hans", pattern=LANGS)
    webhook_secret: str = Field("", max_length=128, description="write-only")
    link_allowlist: str = Field("", max_length=5000)
    is_active: bool = True


class ShopPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    platform: str | None = Field(None, pattern=PLATFORMS)
    store_type: str | None = Field(None, pattern=STORE_TYPES)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    time_zone: str | None = Field(None, min_length=1, max_length=64)
    language: str | None = Field(None, pattern=LANGS)
    webhook_secret: str | None = Field(None, max_length=128, description="write-only")
    link_allowlist: str | None = Field(None, max_length=5000)
    is_active: bool | None = None


class ShopPage(PageMeta):
    items: list[ShopOut]


@router.get("/shops", response={200: ShopPage, **ERRORS}, tags=["shops"], summary="List shops")
def list_shops(request, limit: int | None = None, cursor: str | None = None):
    require(request, "orders.view")
    return paginate(selectors.shop_list(), limit=limit, cursor=cursor)


@router.post(
    "/shops", response={201: ShopOut, **ERRORS}, tags=["shops"], summary="Create a shop (admin)"
)
def create_shop(request, payload: ShopIn):
    require(request, "shops.manage")
    return Status(201, services.create_shop(actor=request.user, **payload.dict()))


@router.get(
    "/shops/{shop_id}", response={200: ShopOut, **ERRORS}, tags=["shops"], summary="One shop"
)
def get_shop(request, shop_id: int = Path(..., **ID)):
    require(request, "orders.view")
    return get_object_or_404(Shop, pk=shop_id)


@router.patch(
    "/shops/{shop_id}", response={200: ShopOut, **ERRORS}, tags=["shops"], summary="Change a shop"
)
def update_shop(request, payload: ShopPatch, shop_id: int = Path(..., **ID)):
    require(request, "shops.manage")
    shop = get_object_or_404(Shop, pk=shop_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.update_shop(actor=request.user, shop=shop, **changes)


# ---------------------------------------------------------------- orders


class ItemOut(Schema):
    sku: str
    style_no: str
    title: str
    size: str
    color: str
    quantity: int
    unit_price: str
    amount: str


class OrderOut(Schema):
    id: int
    shop: int
    order_number: str
    customer: int
    customer_name: str
    status: str
    currency: str
    total_amount: str
    shipping_fee: str
    discount_amount: str
    paid_amount: str
    free_shipping_promo: bool
    placed_at: dt.datetime
    paid_at: dt.datetime | None
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    auto_confirm_at: dt.datetime | None
    completed_at: dt.datetime | None
    carrier: str
    waybill: str
    buyer_id: str
    recipient_name: str
    recipient_phone: str
    shipping_address: str
    buyer_note: str
    seller_note: str
    items: list[ItemOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_shop(obj) -> int:
        return obj.shop_id

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.external_id

    @staticmethod
    def resolve_customer(obj) -> int:
        return obj.customer_id

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_total_amount(obj) -> str:
        return _money(obj.total_amount, obj.currency)

    @staticmethod
    def resolve_shipping_fee(obj) -> str:
        return _money(obj.shipping_fee, obj.currency)

    @staticmethod
    def resolve_discount_amount(obj) -> str:
        return _money(obj.discount_amount, obj.currency)

    @staticmethod
    def resolve_paid_amount(obj) -> str:
        return _money(obj.paid_amount, obj.currency)

    @staticmethod
    def resolve_items(obj) -> list[dict[str, Any]]:
        return [
            {
                "sku": i.sku,
                "style_no": i.style_no,
                "title": i.title,
                "size": i.size,
                "color": i.color,
                "quantity": i.quantity,
                "unit_price": _money(i.unit_price, obj.currency),
                "amount": _money(i.amount, obj.currency),
            }
            for i in obj.items.all()
        ]


class OrderPage(PageMeta):
    items: list[OrderOut]


class ItemIn(Schema):
    title: str = Field(..., min_length=1, max_length=255)
    sku: str = Field("", max_length=64)
    style_no: str = Field("", max_length=64)
    size: str = Field("", max_length=32)
    color: str = Field("", max_length=32)
    quantity: int = Field(1, ge=1, le=base.MAX_QUANTITY)
    unit_price: str = Field(..., pattern=MONEY, examples=["199.00"])
    amount: str | None = Field(None, pattern=MONEY, description="default: unit_price × quantity")


class BuyerIn(Schema):
    name: str = Field("", max_length=120)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)


class OrderIn(Schema):
    shop: int = Field(..., **ID)
    order_number: str = Field(..., min_length=1, max_length=64)
    placed_at: dt.datetime
    status: str | None = Field(None, pattern=STATUSES)
    total_amount: str | None = Field(
        None, pattern=MONEY, description="default: items + shipping − discount"
    )
    shipping_fee: str = Field("0", pattern=MONEY)
    discount_amount: str = Field("0", pattern=MONEY)
    paid_amount: str | None = Field(None, pattern=MONEY, description="default: the total once paid")
    free_shipping_promo: bool = False
    paid_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    auto_confirm_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    carrier: str = Field("", max_length=40)
    waybill: str = Field("", max_length=64)
    buyer_id: str = Field("", max_length=120, description="the buyer's ID on the marketplace")
    recipient_name: str = Field("", max_length=120)
    recipient_phone: str = Field("", max_length=40)
    shipping_address: str = Field("", max_length=2000)
    buyer_note: str = Field("", max_length=5000)
    seller_note: str = Field("", max_length=5000)
    customer_id: int | None = Field(None, **ID, description="else matched or created from buyer")
    buyer: BuyerIn | None = None
    items: list[ItemIn] = Field(..., min_length=1, max_length=500)


class OrderPatch(Schema):
    status: str | None = Field(None, pattern=STATUSES)
    carrier: str | None = Field(None, max_length=40)
    waybill: str | None = Field(None, max_length=64)
    buyer_note: str | None = Field(None, max_length=5000)
    seller_note: str | None = Field(None, max_length=5000)
    paid_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    auto_confirm_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    reason: str = Field("", max_length=1000, description="why, for the audit log")


def _aware(value: dt.datetime | None, zone) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=zone)


def _parsed(payload: OrderIn, shop: Shop) -> importers.ParsedOrder:
    """The API's order as the writer takes it; amounts checked against the currency."""
    ctx = importers.ParseContext.for_shop(shop)
    errors: dict[str, list[str]] = {}

    def money(text: str | None, name: str, **kw) -> Decimal | None:
        if text is None:
            return None
        try:
            return base.parse_money(text, ctx, name, **kw)
        except importers.RowProblem as exc:
            errors.setdefault(name, []).append(str(exc))
            return None

    fields: dict[str, Any] = {}
    for name in ("placed_at", "paid_at", "shipped_at", "delivered_at", "auto_confirm_at"):
        fields[name] = _aware(getattr(payload, name), ctx.zone)
    fields["completed_at"] = _aware(payload.completed_at, ctx.zone)
    items = []
    for n, item in enumerate(payload.items):
        price = money(item.unit_price, f"items.{n}.unit_price", limit=base.MAX_PRICE)
        amount = money(item.amount, f"items.{n}.amount")
        if price is None:
            continue
        items.append(
            importers.ParsedItem(
                line=0,
                title=item.title.strip() or "-",
                quantity=item.quantity,
                unit_price=price,
                amount=price * item.quantity if amount is None else amount,
                sku=item.sku.strip(),
                style_no=item.style_no.strip(),
                size=item.size.strip(),
                color=item.color.strip(),
            )
        )
    shipping = money(payload.shipping_fee, "shipping_fee") or Decimal("0.00")
    discount = money(payload.discount_amount, "discount_amount") or Decimal("0.00")
    total = money(payload.total_amount, "total_amount")
    paid = money(payload.paid_amount, "paid_amount")
    if errors:
        raise services.InvalidOrder("The order has invalid amounts.", fields=errors)
    if total is None:
        total = max(sum((i.amount for i in items), Decimal(0)) + shipping - discount, Decimal(0))
    status = payload.status or _infer_status(fields)
    if paid is None:
        paid = Decimal("0.00") if status in ("unpaid", "cancelled") else total
    fields.update(
        status=status,
        total_amount=total,
        shipping_fee=shipping,
        discount_amount=discount,
        paid_amount=paid,
        free_shipping_promo=payload.free_shipping_promo,
        carrier=payload.carrier.strip(),
        waybill=payload.waybill.strip(),
        buyer_id=payload.buyer_id.strip(),
        recipient_name=payload.recipient_name.strip(),
        recipient_phone=payload.recipient_phone.strip(),
        shipping_address=payload.shipping_address.strip(),
        buyer_note=payload.buyer_note,
        seller_note=payload.seller_note,
    )
    buyer = payload.buyer or BuyerIn()
    name = buyer.name.strip() or payload.recipient_name.strip()
    phone = buyer.phone.strip() or payload.recipient_phone.strip()
    customer = importers.ParsedCustomer(
        name=name or payload.buyer_id or buyer.email or phone,
        phone=phone,
        email=buyer.email.strip(),
        buyer_id=payload.buyer_id.strip(),
        address={
            "recipient": payload.recipient_name or name,
            "phone": payload.recipient_phone,
            "line": payload.shipping_address,
        }
        if payload.shipping_address.strip()
        else None,
    )
    return importers.ParsedOrder(
        external_id=payload.order_number.strip(),
        line=0,
        fields=fields,
        customer=customer,
        items=items,
    )


def _infer_status(fields: dict) -> str:
    from kefu.orders.importers.kefu import infer_status

    return infer_status(fields)


@router.get("/orders", response={200: OrderPage, **ERRORS}, summary="List orders")
def list_orders(
    request,
    shop: int | None = Query(None, **ID),
    status: str | None = Query(None, pattern=STATUSES),
    customer: int | None = Query(None, **ID),
    placed_after: dt.datetime | None = None,
    placed_before: dt.datetime | None = None,
    q: str | None = Query(
        None, max_length=100, description="order number, waybill, customer name or phone"
    ),
    limit: int | None = None,
    cursor: str | None = None,
):
    require(request, "orders.view")
    orders = selectors.order_list(
        shop=shop,
        status=status,
        customer=customer,
        placed_after=placed_after,
        placed_before=placed_before,
        q=q,
    )
    return paginate(selectors.with_items(orders), limit=limit, cursor=cursor)


@router.post("/orders", response={201: OrderOut, **ERRORS}, summary="Create an order")
def create_order(request, payload: OrderIn):
    require(request, "orders.import")
    shop = get_object_or_404(Shop, pk=payload.shop)
    customer = None
    if payload.customer_id is not None:
        customer = get_object_or_404(Customer, pk=payload.customer_id)
    order = services.create_order(
        actor=request.user, shop=shop, order=_parsed(payload, shop), customer=customer
    )
    return Status(201, selectors.order_detail().get(pk=order.pk))


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="One order")
def get_order(request, order_id: int = Path(..., **ID)):
    require(request, "orders.view")
    return get_object_or_404(selectors.order_detail(), pk=order_id)


@router.patch("/orders/{order_id}", response={200: OrderOut, **ERRORS}, summary="Change an order")
def update_order(request, payload: OrderPatch, order_id: int = Path(..., **ID)):
    require(request, "orders.edit")
    order = get_object_or_404(Order.objects.select_related("shop"), pk=order_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "") or ""
    zone = importers.ParseContext.for_shop(order.shop).zone
    for name, value in list(changes.items()):
        if name.endswith("_at"):
            changes[name] = _aware(value, zone)
        elif value is None and name != "status":
            changes[name] = ""
        elif value is None:
            changes.pop(name)
    services.update_order(actor=request.user, order=order, changes=changes, reason=reason)
    return selectors.order_detail().get(pk=order_id)


# ---------------------------------------------------------------- webhook


class WebhookOut(Schema):
    result: str = Field(..., description="stored, duplicate (a replay) or ignored (not an order)")
    order: int | None = None


def _inline(schema: dict) -> dict:
    """The JSON schema with its ``$defs`` written in place (OpenAPI has no ``$defs``)."""
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.rsplit("/", 1)[1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


@router.post(
    "/shops/{shop_id}/webhooks/orders",
    auth=None,
    response={200: WebhookOut, **ERRORS},
    tags=["webhooks"],
    summary="Receive a Shopify order webhook",
    description=(
        "Shopify's order JSON (topics orders/create, orders/updated, orders/paid, "
        "orders/fulfilled, orders/cancelled). Not authenticated by a token but by "
        "`X-Shopify-Hmac-Sha256`: base64 of HMAC-SHA256 over the raw body with the shop's "
        "webhook secret. A wrong or missing signature gets 401 and nothing is stored. "
        "`X-Shopify-Webhook-Id` makes a replay harmless."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(ShopifyOrder.model_json_schema())}},
        }
    },
)
def order_webhook(
    request,
    shop_id: int = Path(..., **ID),
    signature: str | None = Header(None, alias="X-Shopify-Hmac-Sha256"),
    delivery_id: str | None = Header(None, alias="X-Shopify-Webhook-Id"),
    topic: str | None = Header(None, alias="X-Shopify-Topic"),
):
    result = services.receive_order_webhook(
        shop_id=shop_id,
        body=request.body,
        signature=signature,
        delivery_id=delivery_id,
        topic=topic,
    )
    return {"result": result.result, "order": result.order_id}
