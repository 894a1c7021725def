"""Shared builders of the carrier tests (no tests here): an order that was shipped, claims,
photos, and reading the text out of a PDF report."""

from __future__ import annotations

import base64
import contextlib
import io
import re
import zlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kefu.core.roles import Role
from kefu.orders import carrier_services
from kefu.orders.models import DamageClaim, OrderItem
from tests.factories import make_customer, make_order

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png(name: str = "破损照片.png", size: int | None = None) -> SimpleUploadedFile:
    body = PNG if size is None else PNG + b"\x00" * (size - len(PNG))
    return SimpleUploadedFile(name, body, content_type="image/png")


@pytest.fixture
def shipped(shop):
    """A shipped Tmall order: waybill 888090781867 with 中通, two items."""
    customer = make_customer(name="王小芳")
    order = make_order(
        shop=shop,
        customer=customer,
        amount="88.00",
        carrier="中通快递",
        waybill="888090781867",
        status="shipped",
        shipped_at=timezone.now(),
        recipient_name="王小芳",
        shipping_address="北京市朝阳区建国路 88 号",
    )
    OrderItem.objects.create(
        order=order,
        title="真丝衬衫",
        style_no="109",
        quantity=2,
        unit_price=Decimal("120.00"),
        amount=Decimal("240.00"),
    )
    return order


@pytest.fixture
def make_claim(agent):
    def make(order, **kw) -> DamageClaim:
        kw.setdefault("parcel_state", DamageClaim.ParcelState.BOX_DAMAGED)
        kw.setdefault("carrier_agent_id", "843")
        return carrier_services.create_claim(actor=kw.pop("actor", agent), order=order, **kw)

    return make


def move(claim: DamageClaim, *steps, actor) -> DamageClaim:
    """Walk a claim through actions, each (action) or (action, kwargs)."""
    for step in steps:
        action, kwargs = (step, {}) if isinstance(step, str) else step
        claim = carrier_services.claim_action(actor=actor, claim=claim, action=action, **kwargs)
    return claim


ROUTES = {
    # how to bring a claim to each state from a draft, as a lead
    "draft": [],
    "filed": ["file"],
    "settled": ["file", ("settle", {"amount_paid": "10.00"})],
    "rejected": ["file", ("reject", {"reason": "保价不足"})],
    "closed": [("withdraw", {"reason": "包裹找到了"})],
}

ROLES = [Role.ADMIN, Role.LEAD, Role.AGENT, Role.FINANCE, Role.WAREHOUSE]


# ---------------------------------------------------------------- PDF text


def _unescape(literal: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(literal):
        ch = literal[i]
        if ch != 0x5C:  # backslash
            out.append(ch)
            i += 1
            continue
        nxt = literal[i + 1 : i + 2]
        if nxt.isdigit():
            digits = re.match(rb"[0-7]{1,3}", literal[i + 1 :]).group(0)
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
            continue
        out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
        i += 2
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """All the text a reportlab PDF with CID (UCS-2) fonts shows, concatenated."""
    assert data.startswith(b"%PDF-"), data[:20]
    found = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = m.group(1).strip()
        with contextlib.suppress(ValueError):
            raw = base64.a85decode(raw if raw.endswith(b"~>") else raw + b"~>", adobe=True)
        try:
            content = zlib.decompress(raw)
        except zlib.error:
            content = raw
        for lit in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            found.append(_unescape(lit.group(1)).decode("utf-16-be", errors="replace"))
    return "".join(found)


def xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
