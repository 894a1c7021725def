"""Taobao / Tmall seller exports (订单报表 and 宝贝报表), Chinese headers.

Accepted shapes (docs/import-layouts.md):

- one table with one row per item: the order columns (订单编号, 订单状态, 总金额 …) and the
  item columns (宝贝标题/标题, 价格, 购买数量, 商家编码, 商品属性 …) on each row;
- a workbook with the order report on one sheet and the item report on another, joined
  by 订单编号;
- the order report alone: each order gets one summary item (宝贝标题 × 宝贝总数量).

Order numbers keep every digit: ``="2024…"`` and tab guards are stripped, and a number
Excel turned into a float is refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

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

NAME = "taobao"
LABEL = "Taobao / Tmall"

S = Order.Status

# Each field: the headers different export versions use for it, first choice first.
H_NUMBER = ("订单编号", "订单号", "主订单编号", "订单id")
H_BUYER = ("买家会员名", "买家昵称", "买家账号", "买家id")
H_TOTAL = ("总金额", "订单金额", "订单总金额")
H_GOODS = ("买家应付货款", "商品金额", "货款")
H_POSTAGE = ("买家应付邮费", "运费", "邮费")
H_PAID = ("买家实际支付金额", "实付金额", "实收款", "买家实付金额")
H_REFUND = ("退款金额",)
H_STATUS = ("订单状态", "交易状态")
H_RECIPIENT = ("收货人姓名", "收货人", "收件人")
H_ADDRESS = ("收货地址", "收货人地址", "详细地址", "收货地址 ")
H_MOBILE = ("联系手机", "手机", "收货人手机", "手机号")
H_PHONE = ("联系电话", "电话")
H_CREATED = ("订单创建时间", "创建时间", "下单时间")
H_PAID_AT = ("订单付款时间", "付款时间", "支付时间")
H_SHIPPED_AT = ("发货时间", "卖家发货时间")
H_DONE_AT = ("确认收货时间", "交易成功时间", "交易完成时间", "完成时间")
H_WAYBILL = ("物流单号", "运单号", "快递单号")
H_CARRIER = ("物流公司", "快递公司")
H_BUYER_NOTE = ("买家留言",)
H_SELLER_NOTE = ("订单备注", "卖家备注", "商家备注")
H_SHIPPING_METHOD = ("运送方式",)
H_SUMMARY_TITLE = ("宝贝标题", "商品标题", "商品名称")
H_SUMMARY_QTY = ("宝贝总数量", "商品总数量", "商品数量")
# item columns
H_ITEM_TITLE = ("标题", "宝贝标题", "商品标题", "商品名称")
H_PRICE = ("价格", "宝贝单价", "单价", "商品单价")
H_QTY = ("购买数量", "宝贝数量", "数量")
H_SKU = ("商家编码", "sku编码", "商家sku编码", "sku商家编码")
H_STYLE = ("外部系统编号", "款号", "商品编码", "货号")
H_ATTRS = ("商品属性", "销售属性", "sku属性", "颜色尺码", "商品规格")


def matches(columns: dict[str, int]) -> bool:
    return base.pick(columns, *H_NUMBER) is not None and (
        base.pick(columns, *H_CREATED) is not None or base.pick(columns, *H_STATUS) is not None
    )


def _is_item_table(columns: dict[str, int]) -> bool:
    return (
        base.pick(columns, *H_NUMBER) is not None
        and base.pick(columns, *H_PRICE) is not None
        and base.pick(columns, *H_QTY) is not None
        and base.pick(columns, *H_ITEM_TITLE) is not None
    )


def map_status(text: str, *, paid: bool, refunded: bool) -> str | None:
    """订单状态 → kefu's status (None when the text says nothing known)."""
    value = text.strip()
    if not value:
        return None
    if "关闭" in value:
        # A closed order that had been paid was refunded; else it was never paid.
        return S.REFUNDED if paid or refunded else S.CANCELLED
    if "成功" in value or "完成" in value:
        return S.COMPLETED
    if "签收" in value:
        return S.DELIVERED
    if "已发货" in value or "确认收货" in value or "部分发货" in value:
        return S.SHIPPED
    if "等待卖家发货" in value or "已付款" in value or "待发货" in value:
        return S.PAID
    if "等待买家付款" in value or "未付款" in value or "待付款" in value:
        return S.UNPAID
    return None


def parse(
    tables: list[Table], ctx: ParseContext, out: OrderCollector, size: int
) -> Iterator[list[ParsedOrder]]:
    """Complete orders of the file, ``size`` at a time as they are read."""
    orders_table = next((t for t in tables if matches(t.columns())), tables[0])
    item_table = next(
        (t for t in tables if t is not orders_table and _is_item_table(t.columns())), None
    )
    col = orders_table.columns()

    def at(*names: str) -> int | None:
        return base.pick(col, *names)

    i_number = at(*H_NUMBER)
    i_created = at(*H_CREATED)
    if i_number is None or i_created is None:
        raise base.FileProblem(
            _("A Taobao/Tmall export needs the columns 订单编号 and 订单创建时间.")
        )
    i_buyer, i_total, i_goods, i_postage = at(*H_BUYER), at(*H_TOTAL), at(*H_GOODS), at(*H_POSTAGE)
    i_paid, i_refund, i_status = at(*H_PAID), at(*H_REFUND), at(*H_STATUS)
    i_recipient, i_address, i_mobile, i_phone = (
        at(*H_RECIPIENT),
        at(*H_ADDRESS),
        at(*H_MOBILE),
        at(*H_PHONE),
    )
    i_paid_at, i_shipped_at, i_done_at = at(*H_PAID_AT), at(*H_SHIPPED_AT), at(*H_DONE_AT)
    i_waybill, i_carrier = at(*H_WAYBILL), at(*H_CARRIER)
    i_buyer_note, i_seller_note, i_method = (
        at(*H_BUYER_NOTE),
        at(*H_SELLER_NOTE),
        at(*H_SHIPPING_METHOD),
    )
    rows_have_items = _is_item_table(col)
    if rows_have_items:
        i_title, i_price, i_qty = at(*H_ITEM_TITLE), at(*H_PRICE), at(*H_QTY)
        i_sku, i_style, i_attrs = at(*H_SKU), at(*H_STYLE), at(*H_ATTRS)
    i_sum_title, i_sum_qty = at(*H_SUMMARY_TITLE), at(*H_SUMMARY_QTY)
    cell = base.cell
    zone = ctx.zone

    def order_fields(order: ParsedOrder, cells: list[str]) -> None:
        f = order.fields
        f["placed_at"] = base.parse_when(cell(cells, i_created), zone, "订单创建时间")
        if f["placed_at"] is None:
            raise RowProblem(_("订单创建时间 (order time) is missing"))
        if i_paid_at is not None:
            f["paid_at"] = base.parse_when(cell(cells, i_paid_at), zone, "订单付款时间")
        if i_shipped_at is not None:
            f["shipped_at"] = base.parse_when(cell(cells, i_shipped_at), zone, "发货时间")
        if i_done_at is not None:
            f["completed_at"] = base.parse_when(cell(cells, i_done_at), zone, "确认收货时间")
        goods = base.parse_money(cell(cells, i_goods), ctx, "买家应付货款")
        postage = base.parse_money(cell(cells, i_postage), ctx, "买家应付邮费")
        total = base.parse_money(cell(cells, i_total), ctx, "总金额")
        paid = base.parse_money(cell(cells, i_paid), ctx, "买家实际支付金额")
        refund = base.parse_money(cell(cells, i_refund), ctx, "退款金额")
        if total is None and goods is not None:
            total = goods + (postage or 0)
        if total is None:
            total = paid
        if total is None:
            raise RowProblem(_("the order has no amount (总金额 or 买家实际支付金额)"))
        f["total_amount"] = total
        if i_postage is not None:
            f["shipping_fee"] = postage or Decimal("0.00")
        if paid is not None:
            f["paid_amount"] = paid
        status = None
        if i_status is not None:
            raw = cell(cells, i_status)
            status = map_status(raw, paid=bool(f.get("paid_at")), refunded=bool(refund))
            if status is None and raw.strip():
                raise RowProblem(
                    _("订单状态 %(value)r is not a known order status") % {"value": raw}
                )
        if status is None:
            status = (
                S.COMPLETED if f.get("completed_at") else S.PAID if f.get("paid_at") else S.UNPAID
            )
        f["status"] = status
        if "paid_amount" not in f:
            f["paid_amount"] = Decimal("0.00") if status == S.UNPAID else total
        if i_waybill is not None:
            f["waybill"] = base.code(cell(cells, i_waybill), "物流单号", base.MAX_WAYBILL)
        if i_carrier is not None:
            f["carrier"] = base.short(cell(cells, i_carrier), base.MAX_CARRIER)
        if i_buyer_note is not None:
            f["buyer_note"] = cell(cells, i_buyer_note).strip()
        if i_seller_note is not None:
            f["seller_note"] = cell(cells, i_seller_note).strip()
        if i_method is not None and postage is not None:
            f["free_shipping_promo"] = postage == 0 and "包邮" in cell(cells, i_method)
        buyer = base.short(base.clean(cell(cells, i_buyer)), base.MAX_NAME)
        recipient = base.short(cell(cells, i_recipient), base.MAX_NAME)
        phone = base.clean(cell(cells, i_mobile)) or base.clean(cell(cells, i_phone))
        address = cell(cells, i_address).strip()
        if i_buyer is not None:
            f["buyer_id"] = buyer
        if i_recipient is not None:
            f["recipient_name"] = recipient
        if i_mobile is not None or i_phone is not None:
            f["recipient_phone"] = phone[: base.MAX_PHONE]
        if i_address is not None:
            f["shipping_address"] = address
        order.customer = ParsedCustomer(
            name=recipient or buyer or phone,
            phone=phone,
            buyer_id=buyer,
            address={"recipient": recipient or buyer, "phone": phone, "line": address}
            if address
            else None,
        )

    def add_item(order: ParsedOrder, cells: list[str], line: int, cols) -> None:
        t, p, q, sku_i, style_i, attrs_i = cols
        title = cell(cells, t).strip()
        if not title:
            raise RowProblem(_("the item title (宝贝标题) is missing"))
        quantity = base.parse_quantity(cell(cells, q), "购买数量")
        price = base.parse_money(cell(cells, p), ctx, "价格", limit=base.MAX_PRICE)
        if price is None:
            raise RowProblem(_("the item price (价格) is missing"))
        sku = base.code(cell(cells, sku_i), "商家编码")
        style = base.code(cell(cells, style_i), "外部系统编号")
        color, size = base.split_attributes(cell(cells, attrs_i))
        order.items.append(
            ParsedItem(
                line=line,
                title=title[: base.MAX_TITLE],
                quantity=quantity,
                unit_price=price,
                amount=price * quantity,
                sku=sku,
                style_no=style or sku,
                size=size,
                color=color,
            )
        )

    row_item_cols = (i_title, i_price, i_qty, i_sku, i_style, i_attrs) if rows_have_items else None
    first_cells: dict[str, list[str]] = {}

    def finish(order: ParsedOrder) -> None:
        cells = first_cells.pop(order.external_id, None)
        if not order.items and cells is not None:
            # The order report alone: one summary line stands for the order's items.
            _summary_item(order, cells, i_sum_title, i_sum_qty)

    out.finish = finish
    # The item report on a sheet of its own names orders of the whole order sheet.
    out.hold = item_table is not None
    for line, cells in orders_table.rows:
        try:
            external_id = base.order_number(cell(cells, i_number), "订单编号")
        except RowProblem as exc:
            out.refuse(None, line, str(exc))
            continue
        found = out.order_for(external_id, line)
        if found is None:
            continue
        order, first_row = found
        try:
            if first_row:
                if row_item_cols is None:
                    first_cells[external_id] = cells
                order_fields(order, cells)
            if row_item_cols is not None:
                add_item(order, cells, line, row_item_cols)
        except RowProblem as exc:
            out.refuse(external_id, line, str(exc))
        if len(out.ready) >= size:
            yield out.take()
    rows_total = orders_table.count

    if item_table is not None:
        # The item report on its own sheet: rows are numbered on that sheet.
        icol = item_table.columns()
        cols = tuple(
            base.pick(icol, *names)
            for names in (H_ITEM_TITLE, H_PRICE, H_QTY, H_SKU, H_STYLE, H_ATTRS)
        )
        i_inumber = base.pick(icol, *H_NUMBER)
        sheet = item_table.name
        for line, cells in item_table.rows:
            label = _("%(sheet)s row %(line)s") % {"sheet": sheet, "line": line}
            try:
                external_id = base.order_number(cell(cells, i_inumber), "订单编号")
            except RowProblem as exc:
                out.refuse(None, line, f"{label}: {exc}")
                continue
            order = out.open.get(external_id)
            if order is None:
                out.refuse(
                    None,
                    line,
                    _("%(label)s: order %(number)s is not on the order sheet")
                    % {"label": label, "number": external_id},
                )
                continue
            try:
                add_item(order, cells, line, cols)
            except RowProblem as exc:
                out.refuse(external_id, line, f"{label}: {exc}")
        rows_total += item_table.count
    out.end()
    out.rows = rows_total
    yield out.take()


def _summary_item(
    order: ParsedOrder, cells: list[str], i_title: int | None, i_qty: int | None
) -> None:
    """One line standing for the whole order when the export has no item rows: its titles,
    its total quantity, and the goods amount (the unit price is that amount per piece)."""
    title = base.cell(cells, i_title).strip() or _("Order %(number)s") % {
        "number": order.external_id
    }
    try:
        quantity = base.parse_quantity(base.cell(cells, i_qty), "宝贝总数量")
    except RowProblem:
        quantity = 1
    goods = order.fields["total_amount"] - order.fields.get("shipping_fee", Decimal(0))
    goods = max(goods, Decimal("0.00"))
    unit = (goods / quantity).quantize(Decimal("0.01"))
    order.items.append(
        ParsedItem(
            line=order.line,
            title=title[: base.MAX_TITLE],
            quantity=quantity,
            unit_price=unit,
            amount=goods,
        )
    )
