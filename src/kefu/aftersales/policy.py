"""The postage and fee policy engine (002 篇4): who pays each leg, what is deducted,
how much goes back to the customer, and why — in words the agent can read out.

Pure functions: :func:`quote` takes the facts of a request and the shop's table rows and
returns a :class:`Quote`; it reads no database and no clock. The default table is
:data:`DEFAULT_ROWS` (the seed's table, seeded into ``PostagePolicyRow`` by a data
migration); an admin edits the rows per shop.

Situations, most specific first: a quality problem (also wrong item, damaged in transit,
missing part: the seller's fault) beats everything; then "after transaction success";
then "free-shipping promotion item"; else "dislike, within 7 days of receipt".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

BUYER, SELLER, INSURANCE = "buyer", "seller", "insurance"
SELLER_FAULT = frozenset({"quality", "wrong_item", "damaged", "missing_part"})
NOT_RESELLABLE = frozenset({"worn", "damaged"})
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PolicyRow:
    store_type: str
    situation: str
    kind: str  # "exchange" or "refund"
    outbound_payer: str
    return_payer: str
    reship_payer: str
    deduct_outbound: bool = False
    fee_percent: Decimal = Decimal(0)
    invoice_percent: Decimal = Decimal(0)
    note: str = ""


def _row(store, situation, kind, outbound, back, reship, **kw) -> PolicyRow:
    return PolicyRow(store, situation, kind, outbound, back, reship, **kw)


# The seed's table (002 篇4), one row per (store type, situation, exchange/refund).
DEFAULT_ROWS: tuple[PolicyRow, ...] = (
    # dislike, within 7 days of receipt: buyer pays both ways (both store types)
    _row("c_store", "no_reason_7d", "exchange", BUYER, BUYER, BUYER),
    _row("c_store", "no_reason_7d", "refund", BUYER, BUYER, BUYER),
    _row("mall", "no_reason_7d", "exchange", BUYER, BUYER, BUYER),
    _row("mall", "no_reason_7d", "refund", BUYER, BUYER, BUYER),
    # free-shipping promo item: exchange buyer pays; refund C-store: outbound postage
    # deducted, return paid by shipping insurance; refund mall: seller bears postage
    _row("c_store", "free_shipping", "exchange", SELLER, BUYER, BUYER),
    _row("c_store", "free_shipping", "refund", BUYER, INSURANCE, BUYER, deduct_outbound=True),
    _row("mall", "free_shipping", "exchange", SELLER, BUYER, BUYER),
    _row("mall", "free_shipping", "refund", SELLER, SELLER, SELLER),
    # quality problem: C-store seller pays postage (shipping insurance); mall seller pays both
    _row("c_store", "quality", "exchange", SELLER, INSURANCE, SELLER),
    _row("c_store", "quality", "refund", SELLER, INSURANCE, SELLER),
    _row("mall", "quality", "exchange", SELLER, SELLER, SELLER),
    _row("mall", "quality", "refund", SELLER, SELLER, SELLER),
    # after transaction success: C-store buyer pays both ways; mall exchange buyer pays,
    # refund 5.5 % fee (5 % platform + 0.5 % points), 17 % more if the invoice is not returned
    _row("c_store", "after_success", "exchange", BUYER, BUYER, BUYER),
    _row("c_store", "after_success", "refund", BUYER, BUYER, BUYER),
    _row("mall", "after_success", "exchange", BUYER, BUYER, BUYER),
    _row(
        "mall",
        "after_success",
        "refund",
        BUYER,
        BUYER,
        BUYER,
        fee_percent=Decimal("5.5"),
        invoice_percent=Decimal("17"),
    ),
)


@dataclass(frozen=True)
class QuoteInput:
    store_type: str
    kind: str  # exchange | refund
    reason: str
    items_value: Decimal
    currency: str = "CNY"
    free_shipping_promo: bool = False
    within_7_days: bool = True
    after_success: bool = False
    inspection: str = ""  # "", resellable, worn, damaged
    invoice_issued: bool = False
    invoice_returned: bool = False
    outbound_postage: Decimal = Decimal(0)
    return_postage: Decimal = Decimal(0)
    reship_postage: Decimal = Decimal(0)


@dataclass
class Quote:
    situation: str
    kind: str
    payers: dict[str, str]
    deductions: list[dict] = field(default_factory=list)
    items_value: Decimal = Decimal(0)
    refund_amount: Decimal = Decimal(0)
    postage_owed: Decimal = Decimal(0)
    postage_reimbursed: Decimal = Decimal(0)
    alternatives: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return "\n".join(self.lines)

    def as_json(self) -> dict:
        data = asdict(self)
        data["items_value"] = str(self.items_value)
        data["refund_amount"] = str(self.refund_amount)
        data["postage_owed"] = str(self.postage_owed)
        data["postage_reimbursed"] = str(self.postage_reimbursed)
        data["deductions"] = [{**d, "amount": str(d["amount"])} for d in self.deductions]
        data["explanation"] = self.explanation
        return data


def situation_of(data: QuoteInput) -> str:
    if data.reason in SELLER_FAULT:
        return "quality"
    if data.after_success:
        return "after_success"
    if data.free_shipping_promo:
        return "free_shipping"
    return "no_reason_7d"


def _shown(value: Decimal, currency: str) -> str:
    from kefu.core.money import fmt

    return fmt(value, currency)


def _money(value: Decimal, currency: str) -> Decimal:
    from kefu.core.money import quantize

    return quantize(value, currency)


def payer_label(payer: str) -> str:
    return {BUYER: _("the buyer"), SELLER: _("the shop"), INSURANCE: _("shipping insurance")}.get(
        payer, payer
    )


def situation_label(situation: str) -> str:
    return {
        "no_reason_7d": _("dislike, within 7 days of receipt"),
        "free_shipping": _("free-shipping promotion item"),
        "quality": _("quality problem (the shop's fault)"),
        "after_success": _("after transaction success"),
    }.get(situation, situation)


def alternatives() -> list[str]:
    """What to offer instead of a refund for an item that cannot be resold (002 篇4)."""
    return [_("VIP status"), _("a small gift"), _("free shipping on the next order")]


def find_row(rows, store_type: str, situation: str, kind: str) -> PolicyRow:
    for row in rows:
        if (row.store_type, row.situation, row.kind) == (store_type, situation, kind):
            return row
    for row in DEFAULT_ROWS:
        if (row.store_type, row.situation, row.kind) == (store_type, situation, kind):
            return row
    raise LookupError(f"no postage rule for {store_type}/{situation}/{kind}")


def quote(data: QuoteInput, rows=DEFAULT_ROWS) -> Quote:
    """Who pays each leg, the deductions and the refund, with the reasons in words."""
    kind = "exchange" if data.kind == "exchange" else "refund"
    situation = situation_of(data)
    row = find_row(rows, data.store_type, situation, kind)
    cur = data.currency
    value = _money(data.items_value, cur)
    payers = {"outbound": row.outbound_payer, "return": row.return_payer}
    if kind == "exchange":
        payers["reship"] = row.reship_payer
    q = Quote(situation=situation, kind=kind, payers=payers, items_value=value)
    q.lines.append(_("Rule: %(situation)s.") % {"situation": situation_label(situation)})
    if situation == "no_reason_7d" and not data.within_7_days:
        q.lines.append(
            _(
                "The 7 days after receipt have passed: the buyer has no right to a no-reason "
                "return any more; the shop may still accept it on these terms."
            )
        )
    q.lines.append(
        _("Return postage: paid by %(payer)s.") % {"payer": payer_label(row.return_payer)}
    )
    if kind == "exchange":
        q.lines.append(
            _("Postage for the replacement: paid by %(payer)s.")
            % {"payer": payer_label(row.reship_payer)}
        )
        if row.reship_payer == BUYER and data.reship_postage > 0:
            q.postage_owed = _money(data.reship_postage, cur)
            q.lines.append(
                _("The customer owes %(amount)s postage before the replacement ships.")
                % {"amount": _shown(q.postage_owed, cur)}
            )
        if row.return_payer == BUYER and row.reship_payer == BUYER:
            q.lines.append(_("Quality problems are exchanged free; this one is not."))
        return q

    if data.inspection in NOT_RESELLABLE and situation != "quality":
        q.alternatives = alternatives()
        q.lines.append(
            _(
                "The item came back worn, washed or damaged and cannot be resold: no refund. "
                "Offer instead: %(offers)s."
            )
            % {"offers": ", ".join(q.alternatives)}
        )
        return q

    refund = value
    if row.deduct_outbound and data.outbound_postage > 0:
        amount = _money(data.outbound_postage, cur)
        q.deductions.append({"code": "outbound_postage", "amount": amount})
        q.lines.append(
            _("Outbound postage %(amount)s is deducted (the free shipping no longer applies).")
            % {"amount": _shown(amount, cur)}
        )
        refund -= amount
    # Postage the shop bears is paid back apart from the refund of the items, which never
    # exceeds what was paid for them.
    if row.outbound_payer == SELLER and data.outbound_postage > 0 and not row.deduct_outbound:
        q.postage_reimbursed += _money(data.outbound_postage, cur)
        q.lines.append(
            _("Outbound postage %(amount)s: the shop bears it and pays it back.")
            % {"amount": _shown(data.outbound_postage, cur)}
        )
    if row.return_payer == SELLER and data.return_postage > 0:
        q.postage_reimbursed += _money(data.return_postage, cur)
        q.lines.append(
            _("The buyer's return postage %(amount)s is reimbursed by the shop.")
            % {"amount": _shown(data.return_postage, cur)}
        )
    if row.fee_percent:
        amount = _money(value * row.fee_percent / HUNDRED, cur)
        q.deductions.append({"code": "fee", "amount": amount, "percent": str(row.fee_percent)})
        q.lines.append(
            _("A %(percent)s%% fee is deducted: %(amount)s (platform commission and points).")
            % {"percent": row.fee_percent.normalize(), "amount": _shown(amount, cur)}
        )
        refund -= amount
    if row.invoice_percent and data.invoice_issued and not data.invoice_returned:
        amount = _money(value * row.invoice_percent / HUNDRED, cur)
        q.deductions.append(
            {"code": "invoice", "amount": amount, "percent": str(row.invoice_percent)}
        )
        q.lines.append(
            _("The issued invoice was not returned: %(percent)s%% more is deducted: %(amount)s.")
            % {"percent": row.invoice_percent.normalize(), "amount": _shown(amount, cur)}
        )
        refund -= amount
    q.refund_amount = max(_money(refund, cur), Decimal(0))
    q.lines.append(
        _("Refund to the customer: %(amount)s.") % {"amount": _shown(q.refund_amount, cur)}
    )
    return q


# ---------------------------------------------------------------- refund limits


class OverRefund(ValueError):
    """The amount is more than what was paid for the items less their prior refunds."""


def allocate(
    amount: Decimal, lines: list[tuple[int, Decimal, Decimal, Decimal]]
) -> dict[int, Decimal]:
    """Split ``amount`` over the case's items. ``lines`` are (item id, paid for the case's
    quantity, paid for the whole order line, already refunded on that line). Each item
    takes at most its share and never more than what is left of its line; an amount beyond
    the total room raises :class:`OverRefund`."""
    if amount <= 0:
        raise OverRefund("amount must be positive")
    left = amount
    out: dict[int, Decimal] = {}
    for item_id, share, line_paid, prior in lines:
        room = max(min(share, line_paid - prior), Decimal(0))
        take = min(room, left)
        out[item_id] = take
        left -= take
    if left > 0:
        raise OverRefund(str(left))
    return out


def refundable(lines: list[tuple[int, Decimal, Decimal, Decimal]]) -> Decimal:
    """The most :func:`allocate` accepts for these lines."""
    return sum(
        (max(min(share, paid - prior), Decimal(0)) for _, share, paid, prior in lines), Decimal(0)
    )
