"""Every (state, action, role) of every after-sales table, and properties over sequences."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.aftersales.workflow import ALL_ACTIONS, WORKFLOWS
from kefu.core.errors import DomainError, InvalidTransition, NotAllowed
from kefu.core.roles import Role
from kefu.core.workflow import SYSTEM

ROLES = [*Role.values, SYSTEM]
AG, LD, WH, FN = "agent+", "lead+", "warehouse+", "finance+"
ROLESETS = {
    AG: {"admin", "lead", "agent"},
    LD: {"admin", "lead"},
    WH: {"admin", "warehouse"},
    FN: {"admin", "finance"},
    "buyer": {"admin", "lead", "agent", SYSTEM},
    "shipper": {"admin", "lead", "agent", "warehouse"},
}

_RETURN_LEG = {
    ("awaiting_seller", "agree"): ("awaiting_return", AG),
    ("awaiting_seller", "reject"): ("awaiting_amend", AG),
    ("awaiting_amend", "amend"): ("awaiting_seller", "buyer"),
    ("awaiting_return", "reject"): ("awaiting_amend", AG),
    ("awaiting_return", "ship_return"): ("return_shipped", "buyer"),
    ("awaiting_return", "receive"): ("received", WH),
    ("return_shipped", "receive"): ("received", WH),
    ("received", "inspect_issue"): ("inspection_issue", WH),
    ("inspection_issue", "offer_alternative"): ("closed", AG),
}


def _endings(states, cancellable):
    out = {}
    for s in states:
        if s in cancellable:
            out[(s, "cancel")] = ("cancelled", AG)
        out[(s, "close")] = ("closed", LD)
    return out


BEFORE = ("awaiting_seller", "awaiting_amend", "awaiting_return")
EXPECTED = {
    "return_refund": {
        **_RETURN_LEG,
        ("received", "inspect"): ("awaiting_finance", WH),
        ("inspection_issue", "approve_refund"): ("awaiting_finance", LD),
        ("awaiting_finance", "confirm_refund"): ("refunded", FN),
        **_endings(
            (*BEFORE, "return_shipped", "received", "inspection_issue", "awaiting_finance"), BEFORE
        ),
    },
    "exchange": {
        **_RETURN_LEG,
        ("received", "inspect"): ("awaiting_reship", WH),
        ("inspection_issue", "approve_exchange"): ("awaiting_reship", LD),
        ("awaiting_reship", "reship"): ("closed", "shipper"),
        **_endings(
            (*BEFORE, "return_shipped", "received", "inspection_issue", "awaiting_reship"), BEFORE
        ),
    },
    "refund_only": {
        ("awaiting_seller", "agree"): ("awaiting_finance", AG),
        ("awaiting_seller", "reject"): ("awaiting_amend", AG),
        ("awaiting_amend", "amend"): ("awaiting_seller", "buyer"),
        ("awaiting_finance", "confirm_refund"): ("refunded", FN),
        **_endings(
            ("awaiting_seller", "awaiting_amend", "awaiting_finance"),
            ("awaiting_seller", "awaiting_amend"),
        ),
    },
    "resend_part": {
        ("awaiting_resend", "resend"): ("resent", "shipper"),
        ("resent", "confirm_received"): ("closed", "buyer"),
        **_endings(("awaiting_resend", "resent"), ("awaiting_resend",)),
    },
    "out_of_stock": {
        ("awaiting_choice", "switch_style"): ("closed", AG),
        ("awaiting_choice", "wait_restock"): ("waiting_restock", AG),
        ("awaiting_choice", "choose_refund"): ("awaiting_finance", AG),
        ("waiting_restock", "restocked"): ("closed", "shipper"),
        ("waiting_restock", "choose_refund"): ("awaiting_finance", AG),
        ("awaiting_finance", "confirm_refund"): ("refunded", FN),
        **_endings(
            ("awaiting_choice", "waiting_restock", "awaiting_finance"), ("awaiting_choice",)
        ),
    },
}

TRIPLES = [
    (kind, state, action, role)
    for kind, wf in WORKFLOWS.items()
    for state, action, role in itertools.product(wf.states, ALL_ACTIONS, ROLES)
]


@pytest.mark.parametrize(("kind", "state", "action", "role"), TRIPLES)
def test_every_state_action_role(kind, state, action, role):
    wf = WORKFLOWS[kind]
    expected = EXPECTED[str(kind)].get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            wf.resolve(state, action, role)
    elif role not in ROLESETS[expected[1]]:
        with pytest.raises(NotAllowed):
            wf.resolve(state, action, role)
    else:
        assert wf.resolve(state, action, role).target == expected[0]


@pytest.mark.parametrize("kind", list(WORKFLOWS))
def test_the_tables_list_nothing_more_than_expected(kind):
    rows = {(t.source, t.action) for t in WORKFLOWS[kind].transitions}
    assert rows == set(EXPECTED[str(kind)])


def test_warehouse_cannot_approve_refunds_and_agents_cannot_pay_them():
    wf = WORKFLOWS["return_refund"]
    with pytest.raises(NotAllowed):
        wf.resolve("inspection_issue", "approve_refund", "warehouse")
    with pytest.raises(NotAllowed):
        wf.resolve("awaiting_finance", "confirm_refund", "agent")
    with pytest.raises(NotAllowed):
        wf.resolve("awaiting_finance", "confirm_refund", "lead")


def test_seven_day_no_reason_return_cannot_be_rejected_at_the_first_step():
    wf = WORKFLOWS["return_refund"]
    case = SimpleNamespace(seven_day_no_reason=True)
    with pytest.raises(DomainError) as err:
        wf.resolve("awaiting_seller", "reject", "agent").guard(case, {})
    assert err.value.code == "seven_day_no_reject"
    assert wf.resolve("awaiting_return", "reject", "agent").guard is None


# ---------------------------------------------------------------- properties

RETURN_KINDS = ("return_refund", "exchange")
CONTEXT = {"waybill": "SF123", "condition": "resellable"}


def _walk(kind, steps, *, seven_day=False):
    """Run (action, role, condition) steps through a table as the service would; return
    the states visited and the (action, role) pairs that succeeded."""
    wf = WORKFLOWS[kind]
    state = wf.states[0]
    case = SimpleNamespace(seven_day_no_reason=seven_day, postage_settlement="", postage_owed=0)
    done = []
    for action, role, condition in steps:
        try:
            t = wf.resolve(state, action, role)
            if t.guard:
                t.guard(case, {**CONTEXT, "condition": condition})
        except DomainError:
            continue
        state = t.target
        done.append((action, role))
    return state, done


step = st.tuples(
    st.sampled_from(ALL_ACTIONS), st.sampled_from(ROLES), st.sampled_from(["resellable", "worn"])
)


@settings(max_examples=400)
@given(
    kind=st.sampled_from(list(WORKFLOWS)),
    steps=st.lists(step, max_size=25),
    seven_day=st.booleans(),
)
def test_no_sequence_reaches_refunded_without_receipt_and_finance(kind, steps, seven_day):
    state, done = _walk(kind, steps, seven_day=seven_day)
    if state == "refunded":
        actions = [a for a, _r in done]
        assert actions[-1] == "confirm_refund"
        assert done[-1][1] in ("finance", "admin")
        if kind in RETURN_KINDS:
            assert "receive" in actions
            assert next(r for a, r in done if a == "receive") in ("warehouse", "admin")
    if state in ("awaiting_finance", "refunded") and kind == "return_refund":
        assert "receive" in [a for a, _r in done]


@settings(max_examples=200)
@given(steps=st.lists(step, max_size=25))
def test_a_seven_day_return_is_never_rejected_before_it_is_agreed(steps):
    _state, done = _walk("return_refund", steps, seven_day=True)
    actions = [a for a, _r in done]
    if "reject" in actions:
        assert "agree" in actions[: actions.index("reject")]
