"""The postage and fee policy engine against every row of the seed's table (002 篇4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.aftersales import policy
from kefu.aftersales.policy import QuoteInput, quote

D = Decimal


def _in(store, kind, reason="no_reason", **kw):
    base = {
        "store_type": store,
        "kind": kind,
        "reason": reason,
        "items_value": D("200.00"),
        "outbound_postage": D("10"),
        "return_postage": D("12"),
        "reship_postage": D("10"),
    }
    base.update(kw)
    return QuoteInput(**base)


# (store, kind, facts) → (situation, outbound, return, reship or None, refund, postage owed)
SEED_TABLE = [
    # dislike, within 7 days of receipt: buyer pays both ways
    ("c_store", "exchange", {}, ("no_reason_7d", "buyer", "buyer", "buyer", None, "10.00")),
    ("c_store", "refund", {}, ("no_reason_7d", "buyer", "buyer", None, "200.00", "0")),
    ("mall", "exchange", {}, ("no_reason_7d", "buyer", "buyer", "buyer", None, "10.00")),
    ("mall", "refund", {}, ("no_reason_7d", "buyer", "buyer", None, "200.00", "0")),
    # free-shipping promo item
    (
        "c_store",
        "exchange",
        {"free_shipping_promo": True},
        ("free_shipping", "seller", "buyer", "buyer", None, "10.00"),
    ),
    (  # refund: outbound postage deducted, return paid by shipping insurance
        "c_store",
        "refund",
        {"free_shipping_promo": True},
        ("free_shipping", "buyer", "insurance", None, "190.00", "0"),
    ),
    (
        "mall",
        "exchange",
        {"free_shipping_promo": True},
        ("free_shipping", "seller", "buyer", "buyer", None, "10.00"),
    ),
    (  # refund: the seller bears the postage (outbound refunded, return reimbursed)
        "mall",
        "refund",
        {"free_shipping_promo": True},
        ("free_shipping", "seller", "seller", None, "200.00", "0"),
    ),
    # quality problem
    (
        "c_store",
        "exchange",
        {"reason": "quality"},
        ("quality", "seller", "insurance", "seller", None, "0"),
    ),
    (
        "c_store",
        "refund",
        {"reason": "quality"},
        ("quality", "seller", "insurance", None, "200.00", "0"),
    ),
    (
        "mall",
        "exchange",
        {"reason": "quality"},
        ("quality", "seller", "seller", "seller", None, "0"),
    ),
    ("mall", "refund", {"reason": "quality"}, ("quality", "seller", "seller", None, "200.00", "0")),
    # after transaction success
    (
        "c_store",
        "exchange",
        {"after_success": True},
        ("after_success", "buyer", "buyer", "buyer", None, "10.00"),
    ),
    (
        "c_store",
        "refund",
        {"after_success": True},
        ("after_success", "buyer", "buyer", None, "200.00", "0"),
    ),
    (
        "mall",
        "exchange",
        {"after_success": True},
        ("after_success", "buyer", "buyer", "buyer", None, "10.00"),
    ),
    (  # 5.5 % fee (5 % platform + 0.5 % points): 200 − 11 = 189
        "mall",
        "refund",
        {"after_success": True},
        ("after_success", "buyer", "buyer", None, "189.00", "0"),
    ),
]


@pytest.mark.parametrize(("store", "kind", "facts", "expected"), SEED_TABLE)
def test_every_row_of_the_seed_postage_table(store, kind, facts, expected):
    situation, outbound, back, reship, refund, owed = expected
    facts = dict(facts)
    q = quote(_in(store, kind, reason=facts.pop("reason", "no_reason"), **facts))
    assert q.situation == situation
    assert q.payers["outbound"] == outbound
    assert q.payers["return"] == back
    assert q.payers.get("reship") == reship
    if refund is not None:
        assert q.refund_amount == D(refund)
    assert q.postage_owed == D(owed)
    assert q.explanation  # the agent always reads why


def test_the_table_covers_every_store_situation_and_kind_once():
    keys = {(r.store_type, r.situation, r.kind) for r in policy.DEFAULT_ROWS}
    assert len(keys) == len(policy.DEFAULT_ROWS) == 16
    assert {(s, k) for s, k, _f, _e in SEED_TABLE} == {(s, k) for s, _x, k in keys}


def test_mall_refund_after_success_deducts_17_percent_more_when_the_invoice_is_kept():
    q = quote(_in("mall", "refund", after_success=True, invoice_issued=True))
    assert [d["code"] for d in q.deductions] == ["fee", "invoice"]
    assert q.refund_amount == D("200.00") - D("11.00") - D("34.00")
    assert "17" in q.explanation
    returned = quote(
        _in("mall", "refund", after_success=True, invoice_issued=True, invoice_returned=True)
    )
    assert returned.refund_amount == D("189.00")


def test_postage_the_shop_bears_is_reimbursed_apart_from_the_refund():
    assert quote(_in("mall", "refund", free_shipping_promo=True)).postage_reimbursed == D("22")
    assert quote(_in("c_store", "refund", reason="quality")).postage_reimbursed == D("10")
    assert quote(_in("c_store", "refund")).postage_reimbursed == 0


def test_c_store_after_success_deducts_no_fee():
    q = quote(_in("c_store", "refund", after_success=True, invoice_issued=True))
    assert q.deductions == [] and q.refund_amount == D("200.00")


def test_worn_or_washed_items_get_alternatives_instead_of_a_refund():
    q = quote(_in("c_store", "refund", inspection="worn"))
    assert q.refund_amount == 0
    assert len(q.alternatives) == 3
    assert "VIP" in q.explanation


def test_a_damaged_item_with_a_quality_complaint_is_still_refunded():
    q = quote(_in("mall", "refund", reason="quality", inspection="damaged"))
    assert q.alternatives == [] and q.refund_amount == D("200.00")
    assert q.postage_reimbursed == D("22.00")  # outbound 10 + return 12, paid apart


def test_quality_beats_after_success_and_promotion():
    q = quote(_in("mall", "refund", reason="damaged", after_success=True, free_shipping_promo=True))
    assert q.situation == "quality"


def test_a_shop_row_overrides_the_default():
    own = policy.PolicyRow(
        "mall", "after_success", "refund", "buyer", "buyer", "buyer", fee_percent=D("3")
    )
    q = quote(_in("mall", "refund", after_success=True), [own])
    assert q.refund_amount == D("194.00")


def test_won_amounts_are_whole():
    q = quote(_in("mall", "refund", after_success=True, items_value=D("33333"), currency="KRW"))
    assert q.refund_amount == D("31500")  # 33333 − 1833 (5.5 %, rounded to the won)


def test_seven_days_passed_is_said():
    q = quote(_in("c_store", "refund", within_7_days=False))
    assert "7 days" in q.explanation


amounts = st.decimals(
    min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False
)


@given(
    lines=st.lists(st.tuples(amounts, amounts, amounts), min_size=1, max_size=5),
    asked=st.decimals(min_value="0.01", max_value=40_000, places=2),
)
def test_no_allocation_exceeds_what_was_paid_less_prior_refunds(lines, asked):
    rows = [(i, share, max(share, paid), prior) for i, (share, paid, prior) in enumerate(lines)]
    room = policy.refundable(rows)
    if asked > room:
        with pytest.raises(policy.OverRefund):
            policy.allocate(asked, rows)
        return
    split = policy.allocate(asked, rows)
    assert sum(split.values()) == asked
    for item_id, share, paid, prior in rows:
        assert split[item_id] <= share
        assert split[item_id] + prior <= max(paid, prior)
