"""kefu's own layout: one row per item, English snake_case headers (docs/import-layouts.md).

Order columns are read from the first row of each order (later rows of the same order may
repeat them or leave them empty). A column that is absent leaves that field of an existing
order alone; a column that is present but empty clears it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

from kefu.orders.importers import base
from kefu.orders.importers.base import (
    OrderCollector,
    ParseContext,
    ParsedItem,
    ParsedOrder,
    RowProblem,
    Table,
)
from kefu.orders.models import Order

NAME = "kefu"
LABEL = "kefu"

ORDER_DATES = (
    "placed_at",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "auto_confirm_at",
    "completed_at",
)
ORDER_MONEY = {
    "shipping_fee": "shipping_fee",
    "discount": "discount_amount",
    "paid_amount": "paid_amount",
}
ORDER_TEXT = {
    "carrier": ("carrier", base.MAX_CARRIER),
    "recipient_name": ("recipient_name", base.MAX_NAME),
    "recipient_phone": ("recipient_phone", base.MAX_PHONE),
    "buyer_id": ("buyer_id", base.MAX_NAME),
}
ORDER_NOTES = ("buyer_note", "seller_note", "shipping_address")
COLUMNS = (
    "order_number",
    "placed_at",
    "status",
    "currency",
    "total",
    "shipping_fee",
    "discount",
    "paid_amount",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "auto_confirm_at",
    "completed_at",
    "carrier",
    "waybill",
    "free_shipping_promo",
    "buyer_id",
    "customer_name",
    "customer_phone",
    "customer_email",
    "recipient_name",
    "recipient_phone",
    "shipping_address",
    "buyer_note",
    "seller_note",
    "item_title",
    "sku",
    "style_no",
    "size",
    "color",
    "quantity",
    "unit_price",
    "item_amount",
)
REQUIRED = ("order_number", "placed_at", "item_title", "unit_price")
STATUSES = {s.value: s.value for s in Order.Status}


def matches(columns: dict[str, int]) -> bool:
    return "order_number" in columns and "item_title" in columns


def infer_status(fields: dict) -> str:
    """Without a status column: the furthest step the dates say the order reached."""
    if fields.get("completed_at"):
        return Order.Status.COMPLETED
    if fields.get("delivered_at"):
        return Order.Status.DELIVERED
    if fields.get("shipped_at"):
        return Order.Status.SHIPPED
    if fields.get("paid_at"):
        return Order.Status.PAID
    return Order.Status.UNPAID


def parse(
    tables: list[Table], ctx: ParseContext, out: OrderCollector, size: int
) -> Iterator[list[ParsedOrder]]:
    """Complete orders of the file, ``size`` at a time as they are read."""
    table = tables[0]
    col = table.columns()
    missing = [name for name in REQUIRED if name not in col]
    if missing:
        raise base.FileProblem(
            _("The file lacks the column(s) %(columns)s of kefu's layout.")
            % {"columns": ", ".join(missing)}
        )
    get = col.get
    i_number = col["order_number"]
    i_title, i_price = col["item_title"], col["unit_price"]
    i_qty, i_amount = get("quantity"), get("item_amount")
    i_sku, i_style, i_size, i_color = get("sku"), get("style_no"), get("size"), get("color")
    present_dates = [(name, col[name]) for name in ORDER_DATES if name in col]
    present_money = [(name, f, col[name]) for name, f in ORDER_MONEY.items() if name in col]
    present_text = [(name, f, n, col[name]) for name, (f, n) in ORDER_TEXT.items() if name in col]
    present_notes = [(name, col[name]) for name in ORDER_NOTES if name in col]
    i_status, i_currency, i_total = get("status"), get("currency"), get("total")
    i_waybill, i_promo = get("waybill"), get("free_shipping_promo")
    i_cname, i_cphone, i_cemail = get("customer_name"), get("customer_phone"), get("customer_email")
    cell = base.cell
    zone = ctx.zone

    def order_fields(order: ParsedOrder, cells: list[str]) -> None:
        """The order's own columns, from its first row."""
        fields = order.fields
        for name, index in present_dates:
            fields[name] = base.parse_when(cell(cells, index), zone, name)
        if fields.get("placed_at") is None:
            raise RowProblem(_("placed_at is missing"))
        for name, field, index in present_money:
            value = base.parse_money(cell(cells, index), ctx, name)
            fields[field] = Decimal("0.00") if value is None and field != "paid_amount" else value
            if fields[field] is None:
                del fields[field]
        if i_total is not None:
            total = base.parse_money(cell(cells, i_total), ctx, "total")
            if total is not None:
                fields["total_amount"] = total
        if i_currency is not None:
            currency = cell(cells, i_currency).strip().upper()
            if currency and currency != ctx.currency:
                raise RowProblem(
                    _("currency %(currency)s is not the shop's currency %(shop)s")
                    % {"currency": currency, "shop": ctx.currency}
                )
        if i_status is not None:
            raw = cell(cells, i_status).strip().lower()
            if raw:
                status = STATUSES.get(raw)
                if status is None:
                    raise RowProblem(
                        _("status %(value)r is not one of %(choices)s")
                        % {"value": raw, "choices": ", ".join(STATUSES)}
                    )
                fields["status"] = status
            else:
                fields["status"] = infer_status(fields)
        else:
            fields["status"] = infer_status(fields)
        for _name, field, limit, index in present_text:
            fields[field] = base.short(cell(cells, index), limit)
        for name, index in present_notes:
            fields[name] = cell(cells, index).strip()
        if i_waybill is not None:
            fields["waybill"] = base.code(cell(cells, i_waybill), "waybill", base.MAX_WAYBILL)
        if i_promo is not None:
            fields["free_shipping_promo"] = base.parse_flag(
                cell(cells, i_promo), "free_shipping_promo"
            )
        customer = order.customer
        customer.buyer_id = fields.get("buyer_id", "")
        customer.name = base.short(cell(cells, i_cname), base.MAX_NAME)
        customer.phone = cell(cells, i_cphone).strip()
        customer.email = cell(cells, i_cemail).strip()
        recipient = fields.get("recipient_name", "")
        if not customer.name:
            customer.name = recipient or customer.buyer_id or customer.email or customer.phone
        if not customer.phone:
            customer.phone = fields.get("recipient_phone", "")
        address = fields.get("shipping_address", "")
        if address:
            customer.address = {
                "recipient": recipient or customer.name,
                "phone": fields.get("recipient_phone", ""),
                "line": address,
            }

    out.finish = finish
    for line, cells in table.rows:
        try:
            external_id = base.order_number(cells[i_number], "order_number")
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
            quantity = base.parse_quantity(cells[i_qty] if i_qty is not None else "", "quantity")
            unit_price = base.parse_money(cells[i_price], ctx, "unit_price", limit=base.MAX_PRICE)
            if unit_price is None:
                raise RowProblem(_("unit_price is missing"))
            amount = (
                base.parse_money(cells[i_amount], ctx, "item_amount")
                if i_amount is not None
                else None
            )
            title = cells[i_title].strip()
            if not title:
                raise RowProblem(_("item_title is missing"))
            order.items.append(
                ParsedItem(
                    line=line,
                    title=title[: base.MAX_TITLE],
                    quantity=quantity,
                    unit_price=unit_price,
                    amount=unit_price * quantity if amount is None else amount,
                    sku=base.code(cells[i_sku], "sku") if i_sku is not None else "",
                    style_no=base.code(cells[i_style], "style_no") if i_style is not None else "",
                    size=cells[i_size].strip()[: base.MAX_VARIANT] if i_size is not None else "",
                    color=cells[i_color].strip()[: base.MAX_VARIANT] if i_color is not None else "",
                )
            )
        except RowProblem as exc:
            out.refuse(external_id, line, str(exc))
        if len(out.ready) >= size:
            yield out.take()
    out.end()
    out.rows = table.count
    yield out.take()


def finish(order: ParsedOrder) -> None:
    """An order without a total is the sum of its items, plus shipping, less the discount;
    without a paid amount it was paid in full unless it is unpaid or cancelled."""
    fields = order.fields
    if "total_amount" not in fields:
        total = sum((i.amount for i in order.items), Decimal(0))
        total += fields.get("shipping_fee") or 0
        total -= fields.get("discount_amount") or 0
        fields["total_amount"] = max(total, Decimal("0.00"))
    if "paid_amount" not in fields:
        unpaid = fields["status"] in (Order.Status.UNPAID, Order.Status.CANCELLED)
        fields["paid_amount"] = Decimal("0.00") if unpaid else fields["total_amount"]
