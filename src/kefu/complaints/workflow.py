"""The complaint's closed loop as one transition table (DOMAIN.md, 003 §"효율적인 불만 처리").

Who does what: the front line (agents, leads, admins) registers, judges a complaint
founded, investigates, proposes solutions, carries the chosen one out, records the
customer's acceptance and the follow-up and closes the file. The lead (``complaints.decide``:
leads and admins) picks the solution and instructs, sends solutions back, closes a
complaint as unfounded (so no agent can talk a complaint away: "never evade
responsibility", 003) and reopens a closed one. kefu itself (SYSTEM) moves nothing here:
the overdue sweep only flags.
"""

from __future__ import annotations

from kefu.complaints.models import Status as S
from kefu.core.roles import Role
from kefu.core.workflow import Workflow, rows

FRONT = (Role.ADMIN, Role.LEAD, Role.AGENT)
LEAD = (Role.ADMIN, Role.LEAD)

TABLE = [
    (S.REGISTERED, "judge_founded", S.INVESTIGATING, FRONT),
    (S.REGISTERED, "dismiss", S.CLOSED, LEAD, {"needs_reason": True}),
    (S.INVESTIGATING, "record_cause", S.CAUSE_FOUND, FRONT),
    (S.CAUSE_FOUND, "propose", S.SOLUTIONS_PROPOSED, FRONT),
    (S.SOLUTIONS_PROPOSED, "propose", S.SOLUTIONS_PROPOSED, FRONT),
    (S.SOLUTIONS_PROPOSED, "choose_solution", S.IMPLEMENTING, LEAD),
    (S.SOLUTIONS_PROPOSED, "send_back", S.INVESTIGATING, LEAD, {"needs_reason": True}),
    (S.IMPLEMENTING, "implement", S.AWAITING_CONFIRMATION, FRONT),
    (S.AWAITING_CONFIRMATION, "confirm", S.FOLLOWING_UP, FRONT),
    (S.AWAITING_CONFIRMATION, "customer_declines", S.SOLUTIONS_PROPOSED, FRONT,
     {"needs_reason": True}),
    (S.FOLLOWING_UP, "record_followup", S.FOLLOWED_UP, FRONT),
    (S.FOLLOWED_UP, "close", S.CLOSED, FRONT),
    (S.CLOSED, "reopen", S.INVESTIGATING, LEAD, {"needs_reason": True}),
]  # fmt: skip

COMPLAINT = Workflow(
    name="complaint",
    states=tuple(S.values),
    transitions=rows((str(r[0]), r[1], str(r[2]), *r[3:]) for r in TABLE),
)

ACTIONS = sorted(COMPLAINT.actions)
