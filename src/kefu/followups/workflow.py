"""The follow-up call's states: one table, (state, action, roles) → next state.

An attempt's outcome is the action: reached → done; no answer or busy → open again;
call back at a new time → rescheduled; wrong number → not reached. After the policy's
number of unanswered attempts kefu itself (``fail``) marks the call not reached. A lead
cancels a call that should not be made, or reopens one that was not reached.
"""

from __future__ import annotations

from kefu.core.errors import DomainError
from kefu.core.roles import Role
from kefu.core.workflow import SYSTEM, Workflow, rows
from kefu.followups.models import FollowUpTask

S = FollowUpTask.Status
FRONT = (Role.AGENT, Role.LEAD, Role.ADMIN)
LEADS = (Role.LEAD, Role.ADMIN)


def _attempts_used(task: FollowUpTask, context: dict) -> None:
    from django.utils.translation import gettext as _

    from kefu.followups.quiet import MAX_ATTEMPTS

    if task.attempts < MAX_ATTEMPTS.get(shop=task.shop):
        raise DomainError(_("The call still has attempts left."), code="attempts_left")


_ACTIVE = (S.OPEN, S.RESCHEDULED)

TASK_WORKFLOW = Workflow(
    name="followup",
    states=tuple(S.values),
    final_states=frozenset({S.DONE, S.CANCELLED}),
    transitions=rows(
        [
            *[
                row
                for state in _ACTIVE
                for row in (
                    (state, "reached", S.DONE, FRONT),
                    (state, "no_answer", S.OPEN, FRONT),
                    (state, "busy", S.OPEN, FRONT),
                    (state, "call_back", S.RESCHEDULED, FRONT),
                    (state, "wrong_number", S.FAILED, FRONT),
                    (state, "fail", S.FAILED, (SYSTEM,), {"guard": _attempts_used}),
                    (state, "cancel", S.CANCELLED, (SYSTEM, *LEADS), {"needs_reason": True}),
                )
            ],
            (S.FAILED, "reopen", S.OPEN, LEADS, {"needs_reason": True}),
            (S.FAILED, "cancel", S.CANCELLED, LEADS, {"needs_reason": True}),
        ]
    ),
)

OUTCOME_ACTIONS = ("reached", "no_answer", "busy", "call_back", "wrong_number")
