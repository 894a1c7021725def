"""The follow-up call's transition table, walked exhaustively: every (state, action, role)."""

from __future__ import annotations

import itertools

import pytest

from kefu.core.errors import InvalidTransition, NotAllowed
from kefu.core.roles import Role
from kefu.core.workflow import SYSTEM
from kefu.followups.models import FollowUpTask
from kefu.followups.workflow import TASK_WORKFLOW

S = FollowUpTask.Status
FRONT = {Role.AGENT, Role.LEAD, Role.ADMIN}
LEADS = {Role.LEAD, Role.ADMIN}
ROLES = [*Role.values, SYSTEM]

EXPECTED = {
    **{
        (state, action): (target, roles)
        for state in (S.OPEN, S.RESCHEDULED)
        for action, target, roles in (
            ("reached", S.DONE, FRONT),
            ("no_answer", S.OPEN, FRONT),
            ("busy", S.OPEN, FRONT),
            ("call_back", S.RESCHEDULED, FRONT),
            ("wrong_number", S.FAILED, FRONT),
            ("fail", S.FAILED, {SYSTEM}),
            ("cancel", S.CANCELLED, {SYSTEM, *LEADS}),
        )
    },
    (S.FAILED, "reopen"): (S.OPEN, LEADS),
    (S.FAILED, "cancel"): (S.CANCELLED, LEADS),
}


@pytest.mark.parametrize(
    "state,action,role", list(itertools.product(S.values, sorted(TASK_WORKFLOW.actions), ROLES))
)
def test_every_state_action_and_role(state, action, role):
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            TASK_WORKFLOW.resolve(state, action, role)
    elif role not in expected[1]:
        with pytest.raises(NotAllowed):
            TASK_WORKFLOW.resolve(state, action, role)
    else:
        assert TASK_WORKFLOW.resolve(state, action, role).target == expected[0]


def test_the_table_has_no_row_the_test_does_not_know():
    assert {(t.source, t.action) for t in TASK_WORKFLOW.transitions} == set(EXPECTED)


def test_done_and_cancelled_are_final_and_every_state_is_reachable():
    assert TASK_WORKFLOW.final_states == {S.DONE, S.CANCELLED}
    assert TASK_WORKFLOW.reachable(S.OPEN) == set(S.values)


def test_cancel_and_reopen_need_a_reason():
    for t in TASK_WORKFLOW.transitions:
        assert t.needs_reason == (t.action in ("cancel", "reopen"))
