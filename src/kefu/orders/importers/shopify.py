"""Shopify: the admin's "Export orders" CSV, and the order JSON of Shopify's webhooks.

The CSV has one row per line item; the order's own columns (Financial Status, Total, …)
are filled on the first row only. The order number is the ``Name`` column (``#1001``),
the same as the webhook's ``name``, so an order that came by webhook and later by file
is the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict

from kefu.orders.importers import base
from kefu.orders.importers.base import (
    OrderCollector,
    ParseContext,
    ParsedCustomer,
    ParsedItem,
    ParsedOrder,
    RowProblem,
    Table,
)
from kefu.orders.models import Order

NAME = "shopify"
LABEL = "Shopify"

S = Order.Status
PAID_STATES = {"paid", "partially_refunded", "refunded", "partially_paid"}
SHIPPED_STATES = {"fulfilled", "partial", "partially_fulfilled", "shipped"}


def matches(columns: dict[str, int]) -> bool:
    return "name" in columns and ("lineitem name" in columns or "financial status" in columns)


def map_status(
    financial: str, fulfillment: str, *, cancelled: bool, delivered: bool = False
) -> str:
    financial = financial.strip().lower()
    fulfillment = fulfillment.strip().lower()
    if financial == "refunded":
        return S.REFUNDED
    if cancelled or financial == "voided":
        return S.CANCELLED
    if financial not in PAID_STATES:
        return S.UNPAID
    if delivered:
        return S.DELIVERED
    if fulfillment in SHIPPED_STATES:
        return S.SHIPPED
    return S.PAID


def _address(parts: list[str]) -> str:
    return ", ".join(p.strip() for p in parts if p and p.strip())


def parse(
    tables: list[Table], ctx: ParseContext, out: OrderCollector, size: int
) -> Iterator[list[ParsedOrder]]:
    """Complete orders of the file, ``size`` at a time as they are read."""
    table = tables[0]
    col = table.columns()
    for needed in ("name", "created at", "lineitem name", "lineitem price"):
        if needed not in col:
            raise base.FileProblem(
                _("A Shopify orders export needs the column %(column)r.")
                % {"column": needed.title()}
            )
    get = col.get
    cell = base.cell
    zone = ctx.zone
    i_name = col["name"]
    i_title, i_price, i_qty, i_sku = (
        col["lineitem name"],
        col["lineitem price"],
        get("lineitem quantity"),
        get("lineitem sku"),
    )

    def v(cells: list[str], name: str) -> str:
        return cell(cells, get(name)).strip()

    def order_fields(order: ParsedOrder, cells: list[str]) -> None:
        f = order.fields
        f["placed_at"] = base.parse_when(v(cells, "created at"), zone, "Created at")
        if f["placed_at"] is None:
            raise RowProblem(_("Created at is missing"))
        f["paid_at"] = base.parse_when(v(cells, "paid at"), zone, "Paid at")
        f["shipped_at"] = base.parse_when(v(cells, "fulfilled at"), zone, "Fulfilled at")
        cancelled_at = base.parse_when(v(cells, "cancelled at"), zone, "Cancelled at")
        currency = v(cells, "currency").upper()
        if currency and currency != ctx.currency:
            raise RowProblem(
                _("currency %(currency)s is not the shop's currency %(shop)s")
                % {"currency": currency, "shop": ctx.currency}
            )
        total = base.parse_money(v(cells, "total"), ctx, "Total")
        if total is None:
            raise RowProblem(_("Total is missing"))
        f["total_amount"] = total
        f["shipping_fee"] = base.parse_money(v(cells, "shipping"), ctx, "Shipping") or Decimal(
            "0.00"
        )
        f["discount_amount"] = base.parse_money(
            v(cells, "discount amount"), ctx, "Discount Amount"
        ) or Decimal("0.00")
        financial = v(cells, "financial status")
        status = map_status(financial, v(cells, "fulfillment status"), cancelled=bool(cancelled_at))
        f["status"] = status
        if financial.lower() in PAID_STATES:
            outstanding = base.parse_money(
                v(cells, "outstanding balance"), ctx, "Outstanding Balance"
            )
            f["paid_amount"] = max(total - (outstanding or 0), Decimal("0.00"))
        else:
            f["paid_amount"] = Decimal("0.00")
        f["buyer_note"] = v(cells, "notes")
        ship_name = base.short(v(cells, "shipping name"), base.MAX_NAME)
        ship_phone = base.clean(v(cells, "shipping phone"))
        f["recipient_name"] = ship_name
        f["recipient_phone"] = ship_phone[: base.MAX_PHONE]
        f["shipping_address"] = _address(
            [
                v(cells, "shipping address1"),
                v(cells, "shipping address2"),
                v(cells, "shipping city"),
                " ".join(p for p in (v(cells, "shipping province"), v(cells, "shipping zip")) if p),
                v(cells, "shipping country"),
            ]
        )
        name = base.short(v(cells, "billing name"), base.MAX_NAME) or ship_name
        email = v(cells, "email")
        phone = base.clean(v(cells, "phone") or v(cells, "billing phone") or ship_phone)
        address = None
        if v(cells, "shipping address1"):
            address = {
                "recipient": ship_name or name,
                "phone": ship_phone,
                "country": v(cells, "shipping country")[:2].upper(),
                "region": v(cells, "shipping province"),
                "city": v(cells, "shipping city"),
                "line": _address([v(cells, "shipping address1"), v(cells, "shipping address2")]),
                "postcode": v(cells, "shipping zip"),
            }
        order.customer = ParsedCustomer(
            name=name or email or phone, phone=phone, email=email, address=address
        )

    for line, cells in table.rows:
        try:
            external_id = base.order_number(cell(cells, i_name), "Name")
        except RowProblem as exc:
            out.refuse(None, line, str(exc))
            continue
        found = out.order_for(external_id, line)
        if found is None:
            continue
        order, first_row = found
        try:
            if first_row:
                order_fields(order, cells)
            title = cell(cells, i_title).strip()
            if not title:
                raise RowProblem(_("Lineitem name is missing"))
            quantity = base.parse_quantity(cell(cells, i_qty), "Lineitem quantity")
            price = base.parse_money(
                cell(cells, i_price), ctx, "Lineitem price", limit=base.MAX_PRICE
            )
            if price is None:
                raise RowProblem(_("Lineitem price is missing"))
            order.items.append(_item(line, title, "", quantity, price, cell(cells, i_sku)))
        except RowProblem as exc:
            out.refuse(external_id, line, str(exc))
        if len(out.ready) >= size:
            yield out.take()
    out.end()
    out.rows = table.count
    yield out.take()


def _item(
    line: int, title: str, variant: str, quantity: int, price: Decimal, sku: str
) -> ParsedItem:
    """A line item; the variant (``Black / XL``) is the title's tail after `` - `` when
    the export glued them together."""
    if not variant and " - " in title:
        variant = title.rsplit(" - ", 1)[1]
    color, size = base.split_variant(variant)
    sku = base.code(sku, "sku")
    return ParsedItem(
        line=line,
        title=title[: base.MAX_TITLE],
        quantity=quantity,
        unit_price=price,
        amount=price * quantity,
        sku=sku,
        size=size,
        color=color,
    )


# ---------------------------------------------------------------- webhook JSON


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


Scalar = str | int | float | None


class ShopifyMoney(_Loose):
    amount: Scalar = None
    currency_code: str | None = None


class ShopifyMoneySet(_Loose):
    shop_money: ShopifyMoney | None = None


class ShopifyLineItem(_Loose):
    sku: str | None = None
    title: str | None = None
    name: str | None = None
    variant_title: str | None = None
    quantity: int = 1
    price: Scalar = None


class ShopifyCustomer(_Loose):
    id: int | str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


class ShopifyAddress(_Loose):
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None


class ShopifyFulfillment(_Loose):
    tracking_number: str | None = None
    tracking_company: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    shipment_status: str | None = None


class ShopifyOrder(_Loose):
    """The fields of Shopify's order payload kefu reads; everything else is ignored."""

    id: int | str | None = None
    name: str | None = None
    order_number: int | str | None = None
    email: str | None = None
    phone: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    processed_at: str | None = None
    cancelled_at: str | None = None
    currency: str | None = None
    total_price: Scalar = None
    subtotal_price: Scalar = None
    total_discounts: Scalar = None
    total_shipping_price_set: ShopifyMoneySet | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    note: str | None = None
    line_items: list[ShopifyLineItem] = []
    customer: ShopifyCustomer | None = None
    shipping_address: ShopifyAddress | None = None
    fulfillments: list[ShopifyFulfillment] = []


def _s(value: Any) -> str:
    return "" if value is None else str(value).strip()


def order_from_json(data: ShopifyOrder, ctx: ParseContext) -> ParsedOrder:
    """The order a webhook carries. Raises RowProblem when it cannot be stored."""
    number = _s(data.name) or (f"#{data.order_number}" if data.order_number else _s(data.id))
    external_id = base.order_number(number, "name")
    zone = ctx.zone
    f: dict[str, Any] = {}
    f["placed_at"] = base.parse_when(_s(data.created_at or data.processed_at), zone, "created_at")
    if f["placed_at"] is None:
        raise RowProblem(_("created_at is missing"))
    f["remote_updated_at"] = base.parse_when(_s(data.updated_at), zone, "updated_at")
    currency = _s(data.currency).upper()
    if currency and currency != ctx.currency:
        raise RowProblem(
            _("currency %(currency)s is not the shop's currency %(shop)s")
            % {"currency": currency, "shop": ctx.currency}
        )
    total = base.parse_money(_s(data.total_price), ctx, "total_price")
    if total is None:
        raise RowProblem(_("total_price is missing"))
    f["total_amount"] = total
    shipping = None
    if data.total_shipping_price_set and data.total_shipping_price_set.shop_money:
        shipping = base.parse_money(
            _s(data.total_shipping_price_set.shop_money.amount), ctx, "total_shipping_price_set"
        )
    f["shipping_fee"] = shipping or Decimal("0.00")
    f["discount_amount"] = base.parse_money(
        _s(data.total_discounts), ctx, "total_discounts"
    ) or Decimal("0.00")
    fulfillment = data.fulfillments[0] if data.fulfillments else None
    delivered = bool(fulfillment and _s(fulfillment.shipment_status).lower() == "delivered")
    financial = _s(data.financial_status)
    cancelled = bool(_s(data.cancelled_at))
    f["status"] = map_status(
        financial, _s(data.fulfillment_status), cancelled=cancelled, delivered=delivered
    )
    paid = financial.lower() in PAID_STATES
    f["paid_amount"] = total if paid else Decimal("0.00")
    if paid:
        f["paid_at"] = base.parse_when(
            _s(data.processed_at or data.created_at), zone, "processed_at"
        )
    if fulfillment is not None:
        f["shipped_at"] = base.parse_when(
            _s(fulfillment.created_at), zone, "fulfillments.created_at"
        )
        f["carrier"] = base.short(_s(fulfillment.tracking_company), base.MAX_CARRIER)
        f["waybill"] = base.code(
            _s(fulfillment.tracking_number), "tracking_number", base.MAX_WAYBILL
        )
        if delivered:
            f["delivered_at"] = base.parse_when(
                _s(fulfillment.updated_at), zone, "fulfillments.updated_at"
            )
    f["buyer_note"] = _s(data.note)
    ship = data.shipping_address
    ship_name = ""
    if ship is not None:
        ship_name = _s(ship.name) or " ".join(
            p for p in (_s(ship.first_name), _s(ship.last_name)) if p
        )
        f["recipient_name"] = ship_name[: base.MAX_NAME]
        f["recipient_phone"] = _s(ship.phone)[: base.MAX_PHONE]
        f["shipping_address"] = _address(
            [
                _s(ship.address1),
                _s(ship.address2),
                _s(ship.city),
                " ".join(p for p in (_s(ship.province), _s(ship.zip)) if p),
                _s(ship.country),
            ]
        )
    person = data.customer
    buyer_id = _s(person.id) if person else ""
    f["buyer_id"] = buyer_id[: base.MAX_NAME]
    name = ""
    if person is not None:
        name = " ".join(p for p in (_s(person.first_name), _s(person.last_name)) if p)
    email = _s(data.email) or (_s(person.email) if person else "")
    phone = (
        _s(data.phone) or (_s(person.phone) if person else "") or (_s(ship.phone) if ship else "")
    )
    address = None
    if ship is not None and _s(ship.address1):
        address = {
            "recipient": ship_name or name,
            "phone": _s(ship.phone),
            "country": (_s(ship.country_code) or _s(ship.country))[:2].upper(),
            "region": _s(ship.province),
            "city": _s(ship.city),
            "line": _address([_s(ship.address1), _s(ship.address2)]),
            "postcode": _s(ship.zip),
        }
    order = ParsedOrder(
        external_id=external_id,
        line=0,
        fields=f,
        customer=ParsedCustomer(
            name=(name or ship_name or email or phone or buyer_id)[: base.MAX_NAME],
            phone=phone,
            email=email,
            buyer_id=buyer_id,
            address=address,
        ),
    )
    for n, item in enumerate(data.line_items, start=1):
        title = _s(item.title) or _s(item.name)
        if not title:
            raise RowProblem(_("line_items[%(n)s]: title is missing") % {"n": n})
        if item.quantity < 1 or item.quantity > base.MAX_QUANTITY:
            raise RowProblem(_("line_items[%(n)s]: quantity must be at least 1") % {"n": n})
        price = base.parse_money(
            _s(item.price), ctx, f"line_items[{n}].price", limit=base.MAX_PRICE
        )
        if price is None:
            raise RowProblem(_("line_items[%(n)s]: price is missing") % {"n": n})
        order.items.append(
            _item(0, title, _s(item.variant_title), item.quantity, price, _s(item.sku))
        )
    if not order.items:
        raise RowProblem(_("the order has no line_items"))
    return order
