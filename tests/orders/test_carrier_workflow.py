"""The claim workflow, exhaustively: every (state, action, role) is allowed or refused."""

from __future__ import annotations

import itertools

import pytest

from kefu.core.errors import DomainError, InvalidTransition, NotAllowed
from kefu.core.roles import Role, roles_for
from kefu.core.workflow import SYSTEM
from kefu.orders import carrier, carrier_services
from kefu.orders.models import DamageClaim
from tests.orders import test_carrier_support as support

shipped = support.shipped
make_claim = support.make_claim
ROLES = support.ROLES
S = DamageClaim.Status
WORK = {Role.ADMIN, Role.LEAD, Role.AGENT, Role.WAREHOUSE}
DECIDE = {Role.ADMIN, Role.LEAD}

# (state, action) → (next state, roles): the whole table, written out once more by hand.
EXPECTED = {
    (S.DRAFT, "file"): (S.FILED, WORK),
    (S.DRAFT, "withdraw"): (S.CLOSED, WORK),
    (S.FILED, "settle"): (S.SETTLED, WORK),
    (S.FILED, "reject"): (S.REJECTED, WORK),
    (S.FILED, "withdraw"): (S.CLOSED, WORK),
    (S.FILED, "write_off"): (S.CLOSED, DECIDE),
    (S.SETTLED, "close"): (S.CLOSED, WORK),
    (S.SETTLED, "write_off"): (S.CLOSED, DECIDE),
    (S.REJECTED, "refile"): (S.FILED, WORK),
    (S.REJECTED, "write_off"): (S.CLOSED, DECIDE),
}
ACTIONS = sorted(carrier.CLAIM_WORKFLOW.actions)


def test_the_table_is_the_one_described():
    wf = carrier.CLAIM_WORKFLOW
    found = {(t.source, t.action): (t.target, set(t.roles)) for t in wf.transitions}
    assert found == {k: (v[0], set(v[1])) for k, v in EXPECTED.items()}
    assert set(roles_for("claims.work")) == WORK
    assert wf.final_states == {S.CLOSED}
    assert wf.reachable(S.DRAFT) == set(S.values)
    for state in S.values:  # every state can reach closed
        assert S.CLOSED in wf.reachable(state)


@pytest.mark.parametrize(
    ("state", "action", "role"),
    list(itertools.product(S.values, ACTIONS, [*ROLES, SYSTEM])),
)
def test_table_resolution(state, action, role):
    wf = carrier.CLAIM_WORKFLOW
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            wf.resolve(state, action, role)
    elif role not in expected[1]:
        with pytest.raises(NotAllowed):
            wf.resolve(state, action, role)
    else:
        assert wf.resolve(state, action, role).target == expected[0]


def _claim_in(state, order, new_claim, lead):
    claim = new_claim(order, actor=lead)
    steps = {
        S.DRAFT: [],
        S.FILED: [("file", {})],
        S.SETTLED: [("file", {}), ("settle", {"amount_paid": claim.amount_claimed})],
        S.REJECTED: [("file", {}), ("reject", {"reason": "保价不足"})],
        S.CLOSED: [("withdraw", {"reason": "包裹找到了"})],
    }[state]
    for action, kwargs in steps:
        claim = carrier_services.claim_action(actor=lead, claim=claim, action=action, **kwargs)
    assert claim.status == state
    return claim


@pytest.mark.parametrize(
    ("state", "action", "role"), list(itertools.product(S.values, ACTIONS, ROLES))
)
def test_every_move_through_the_service(state, action, role, shipped, make_claim, make_user):
    lead = make_user(Role.LEAD, "lead-setup")
    actor = make_user(role, f"{role}-actor")
    claim = _claim_in(state, shipped, make_claim, lead)
    expected = EXPECTED.get((state, action))
    call = {
        "actor": actor,
        "claim": claim,
        "action": action,
        "reason": "承运商已核实",
        "amount_paid": claim.amount_claimed,
    }
    if expected is None:
        with pytest.raises(InvalidTransition):
            carrier_services.claim_action(**call)
        claim.refresh_from_db()
        assert claim.status == state
    elif role not in expected[1]:
        with pytest.raises(NotAllowed):
            carrier_services.claim_action(**call)
        claim.refresh_from_db()
        assert claim.status == state
    else:
        moved = carrier_services.claim_action(**call)
        assert moved.status == expected[0]
        from kefu.core import audit

        last = list(audit.history(moved))[-1]
        assert (last.action, last.from_state, last.to_state) == (
            f"claim.{action}",
            state,
            expected[0],
        )
        assert last.actor_id == actor.pk


def test_settling_needs_the_amount_paid(shipped, make_claim, lead):
    claim = make_claim(shipped, actor=lead)
    claim = carrier_services.claim_action(actor=lead, claim=claim, action="file")
    with pytest.raises(DomainError) as exc:
        carrier_services.claim_action(actor=lead, claim=claim, action="settle")
    assert "amount_paid" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        carrier_services.claim_action(actor=lead, claim=claim, action="settle", amount_paid="-5")
    assert "amount_paid" in exc.value.fields
    claim.refresh_from_db()
    assert claim.status == S.FILED


def test_a_shortfall_is_written_off_by_a_lead_not_closed(shipped, make_claim, agent, lead):
    claim = make_claim(shipped, actor=agent)
    claim = carrier_services.claim_action(actor=agent, claim=claim, action="file")
    claim = carrier_services.claim_action(
        actor=agent, claim=claim, action="settle", amount_paid="50.00"
    )
    assert claim.amount_paid < claim.amount_claimed
    with pytest.raises(DomainError) as exc:
        carrier_services.claim_action(actor=agent, claim=claim, action="close")
    assert exc.value.code == "shortfall"
    with pytest.raises(NotAllowed):
        carrier_services.claim_action(
            actor=agent, claim=claim, action="write_off", reason="差额自担"
        )
    closed = carrier_services.claim_action(
        actor=lead, claim=claim, action="write_off", reason="差额自担"
    )
    assert closed.status == S.CLOSED
    assert closed.outcome == DamageClaim.Outcome.WRITTEN_OFF
    assert closed.closed_at is not None


def test_reasons_are_required_where_the_table_says(shipped, make_claim, agent):
    claim = make_claim(shipped, actor=agent)
    claim = carrier_services.claim_action(actor=agent, claim=claim, action="file")
    with pytest.raises(DomainError) as exc:
        carrier_services.claim_action(actor=agent, claim=claim, action="reject", reason="  ")
    assert "reason" in exc.value.fields
    rejected = carrier_services.claim_action(
        actor=agent, claim=claim, action="reject", reason="未保价，按运费三倍赔付"
    )
    assert rejected.rejection_reason == "未保价，按运费三倍赔付"
    refiled = carrier_services.claim_action(
        actor=agent, claim=rejected, action="refile", reason="补交保价凭证"
    )
    assert refiled.status == S.FILED and refiled.rejection_reason == ""


def test_paid_in_full_closes_as_paid(shipped, make_claim, warehouse):
    claim = make_claim(shipped, actor=warehouse)
    for action, kw in (
        ("file", {"carrier_reference": "ZT-2026-0628"}),
        ("settle", {"amount_paid": claim.amount_claimed}),
        ("close", {}),
    ):
        claim = carrier_services.claim_action(actor=warehouse, claim=claim, action=action, **kw)
    assert claim.status == S.CLOSED and claim.outcome == DamageClaim.Outcome.PAID
    assert claim.carrier_reference == "ZT-2026-0628"
    assert claim.filed_at and claim.settled_at and claim.closed_at
