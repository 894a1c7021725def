"""The damage or loss report a shop sends to the carrier (破损、遗失报告), as a PDF.

It carries what 002-篇4 §1 asks of such a report: the transaction (order number and
date), the waybill, ship date, origin and delivery area, the delivery result, the value,
the carrier agent the damage was confirmed with, the items, the photos and copies that go
with it, the shop's details, the date, the handler and a line to sign.

Chinese and Korean text needs no font file: reportlab's built-in Adobe CID fonts
(STSong-Light for Chinese and Latin, HYSMyeongJo-Medium for Korean) are used.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kefu.core.money import minor_units, quantize
from kefu.orders.models import DamageClaim

CHINESE_FONT = "STSong-Light"
KOREAN_FONT = "HYSMyeongJo-Medium"
_registered: set[str] = set()


def _font(name: str) -> str:
    if name not in _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(name))
        _registered.add(name)
    return name


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" for ch in text)


def _money(amount, currency: str) -> str:
    """89,000 KRW, 599.00 CNY: the code rather than a symbol every font has."""
    return f"{quantize(amount, currency):,.{minor_units(currency)}f} {currency}"


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "—")).replace("\n", "<br/>"), style)


def report_filename(claim: DamageClaim) -> str:
    """A download name safe in any header: claim-<id>-<waybill>.pdf."""
    waybill = re.sub(r"[^A-Za-z0-9_-]+", "", claim.waybill)[:40]
    return f"claim-{claim.pk}-{waybill}.pdf" if waybill else f"claim-{claim.pk}.pdf"


def claim_report(claim: DamageClaim, *, language: str | None = None) -> bytes:
    """The claim's report to the carrier, in ``language`` (default: the shop's)."""
    order = claim.order
    shop = order.shop
    language = language or shop.language or "zh-hans"
    items = list(claim.items.all())
    photos = list(claim.photos.all())
    sample = " ".join(
        [shop.name, order.customer.name, claim.description, *(i.title for i in items)]
    )
    korean = language == "ko" or _has_hangul(sample)
    body_font = _font(KOREAN_FONT if korean else CHINESE_FONT)
    with translation.override(language):
        return _build(claim, order, shop, items, photos, body_font)


def _build(claim, order, shop, items, photos, font) -> bytes:
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=12)
    title = ParagraphStyle("title", parent=base, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=base, fontSize=12, leading=16, spaceBefore=8)
    money = claim.currency
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("Damage or loss report · waybill %(waybill)s") % {"waybill": claim.waybill},
        author=shop.name,
    )
    state = claim.get_parcel_state_display()
    summary = _(
        "%(shop)s shipped waybill %(waybill)s on %(ship_date)s from %(origin)s to "
        "%(destination)s with %(carrier)s. The parcel was reported as: %(state)s. The goods "
        "are worth %(value)s. Confirmed with carrier agent %(agent)s. Please verify and "
        "compensate %(claimed)s."
    ) % {
        "shop": shop.name,
        "waybill": claim.waybill,
        "ship_date": claim.ship_date.isoformat() if claim.ship_date else "—",
        "origin": claim.origin or "—",
        "destination": claim.destination or "—",
        "carrier": claim.carrier,
        "state": state,
        "value": _money(claim.declared_value, money),
        "agent": claim.carrier_agent_id or "—",
        "claimed": _money(claim.amount_claimed, money),
    }
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ]
    )
    facts = [
        (_("Waybill"), claim.waybill),
        (_("Carrier"), claim.carrier),
        (_("Carrier agent ID"), claim.carrier_agent_id),
        (_("Carrier's case number"), claim.carrier_reference),
        (_("Order number"), order.external_id),
        (_("Transaction date"), timezone.localtime(order.placed_at).date().isoformat()),
        (_("Ship date"), claim.ship_date.isoformat() if claim.ship_date else ""),
        (_("Shipped from"), claim.origin),
        (_("Delivery area"), claim.destination),
        (_("Recipient"), " ".join(filter(None, [order.recipient_name, order.recipient_phone]))),
        (_("Delivery result"), claim.delivery_result),
        (_("Parcel state"), state),
        (_("Value of the goods"), _money(claim.declared_value, money)),
        (_("Amount claimed"), _money(claim.amount_claimed, money)),
    ]
    fact_table = Table(
        [[_p(k, small), _p(v, small)] for k, v in facts], colWidths=[45 * mm, 129 * mm]
    )
    fact_table.setStyle(grid)
    head_style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    item_rows = [[_("Style number"), _("Item"), _("Quantity"), _("Value")]]
    for i in items:
        item_rows.append(
            [_p(i.style_no, small), _p(i.title, small), str(i.quantity), _money(i.value, money)]
        )
    if not items:
        item_rows.append(["—", "—", "", ""])
    item_table = Table(item_rows, colWidths=[35 * mm, 89 * mm, 20 * mm, 30 * mm], repeatRows=1)
    item_table.setStyle(head_style)

    story = [
        _p(shop.name, base),
        _p(_("Damage or loss report to the carrier"), title),
        _p(
            _("Report date: %(date)s / Claim no. %(id)s")
            % {"date": claim.report_date.isoformat(), "id": claim.pk},
            small,
        ),
        Spacer(1, 4 * mm),
        _p(summary, base),
        _p(_("Parcel"), heading),
        fact_table,
        _p(_("Items"), heading),
        item_table,
    ]
    if claim.description:
        story += [_p(_("What happened"), heading), _p(claim.description, base)]
    story.append(_p(_("Enclosed"), heading))
    enclosed = [
        _("Copy of the transaction details"),
        _("Copy of the waybill"),
        _("Copy of the sender's ID"),
        *(_("Photo: %(name)s") % {"name": p.name} for p in photos),
    ]
    story += [_p(f"- {line}", small) for line in enclosed]
    handler = claim.handler
    handler_name = (
        (getattr(handler, "display_name", "") or handler.get_username()) if handler else ""
    )
    story += [
        Spacer(1, 8 * mm),
        _p(
            _("Shop: %(shop)s / Handler: %(handler)s / Date: %(date)s")
            % {
                "shop": shop.name,
                "handler": handler_name,
                "date": timezone.localdate().isoformat(),
            },
            base,
        ),
        Spacer(1, 12 * mm),
        _p(_("Signature: ______________________    Date: ______________"), base),
        Spacer(1, 6 * mm),
        _p(_("Carrier's acknowledgement: ______________________"), base),
    ]
    doc.build(story)
    return buffer.getvalue()
