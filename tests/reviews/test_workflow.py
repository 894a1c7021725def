"""The review-recovery table, walked completely: every (state, action, role)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.core.errors import DomainError, InvalidTransition, NotAllowed
from kefu.core.models import AuditEntry
from kefu.core.roles import Role
from kefu.core.workflow import SYSTEM
from kefu.reviews import services
from kefu.reviews.models import Review
from kefu.reviews.workflow import REVIEW_WORKFLOW

ROLES = [*Role.values, SYSTEM]
ACTIONS = sorted(REVIEW_WORKFLOW.actions)
GOOD = {
    "analyse": {"cause": "size", "attitude": "upset", "need": "换大一码"},
    "contact": {"contact_channel": "phone"},
    "resolve": {"resolution": "exchange", "resolution_note": "换L码，包邮"},
}


def history(review):
    return AuditEntry.objects.filter(
        object_type="reviews.review", object_id=str(review.pk), action__startswith="review."
    ).exclude(action="review.flag")


def test_the_table_covers_the_seed_flow():
    flow = ["analyse", "contact", "resolve", "request_revision", "revise"]
    state = "flagged"
    for action in flow:
        state = REVIEW_WORKFLOW.resolve(state, action, Role.AGENT).target
    assert state == "revised"
    assert REVIEW_WORKFLOW.final_states == {"revised", "declined"}
    assert REVIEW_WORKFLOW.reachable("flagged") == set(REVIEW_WORKFLOW.states)


@pytest.mark.parametrize(
    ("state", "action", "role"),
    list(itertools.product(REVIEW_WORKFLOW.states, ACTIONS, ROLES)),
)
def test_every_state_action_role_triple_does_what_the_table_says(
    make_user, make_review, state, action, role
):
    actor = None if role == SYSTEM else make_user(role)
    review = make_review()
    Review.objects.filter(pk=review.pk).update(status=state)
    review.refresh_from_db()
    row = REVIEW_WORKFLOW.transition(state, action)
    data = GOOD.get(action, {})
    if row is None:
        with pytest.raises(InvalidTransition):
            services.act(actor=actor, review=review, action=action, data=data)
    elif role not in row.roles:
        with pytest.raises(NotAllowed):
            services.act(actor=actor, review=review, action=action, data=data)
    else:
        moved = services.act(actor=actor, review=review, action=action, data=data)
        assert moved.status == row.target
        entry = history(review).last()
        assert (entry.action, entry.from_state, entry.to_state) == (
            f"review.{action}",
            state,
            row.target,
        )
        assert entry.actor_id == (actor.pk if actor else None)
        if row.target in ("revised", "declined"):
            assert moved.closed_at is not None
        return
    review.refresh_from_db()
    assert review.status == state
    assert not history(review).exists()


def test_finance_and_warehouse_take_no_step_anywhere():
    for state in REVIEW_WORKFLOW.states:
        assert REVIEW_WORKFLOW.available(state, Role.FINANCE) == []
        assert REVIEW_WORKFLOW.available(state, Role.WAREHOUSE) == []


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("analyse", {"attitude": "upset"}, "cause"),
        ("analyse", {"cause": "weather", "attitude": "upset"}, "cause"),
        ("analyse", {"cause": "size"}, "attitude"),
        ("contact", {}, "contact_channel"),
        ("contact", {"contact_channel": "pigeon"}, "contact_channel"),
        ("contact", {"contact_channel": "phone", "contacted_at": "tomorrow"}, "contacted_at"),
        (
            "contact",
            {"contact_channel": "phone", "contacted_at": "2999-01-01T10:00"},
            "contacted_at",
        ),
        ("resolve", {}, "resolution"),
        ("resolve", {"resolution": "cash"}, "resolution"),
    ],
)
def test_a_step_with_a_missing_or_wrong_field_is_refused_and_nothing_moves(
    make_review, agent, action, data, field
):
    review = make_review()
    state = REVIEW_WORKFLOW.transitions[
        [t.action for t in REVIEW_WORKFLOW.transitions].index(action)
    ].source
    Review.objects.filter(pk=review.pk).update(status=state)
    review.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.act(actor=agent, review=review, action=action, data=data)
    assert field in exc.value.fields
    review.refresh_from_db()
    assert review.status == state


def test_the_steps_record_what_the_seed_asks_to_note(make_review, agent):
    review = make_review()
    review = services.act(actor=agent, review=review, action="analyse", data=GOOD["analyse"])
    with pytest.raises(DomainError) as exc:  # long before the review was flagged
        services.act(
            actor=agent,
            review=review,
            action="contact",
            data={"contact_channel": "chat", "contacted_at": "2020-01-01T10:00"},
        )
    assert "contacted_at" in exc.value.fields
    review = services.act(
        actor=agent, review=review, action="contact", data={"contact_channel": "chat"}
    )
    review = services.act(actor=agent, review=review, action="resolve", data=GOOD["resolve"])
    assert (review.cause, review.attitude, review.resolution) == ("size", "upset", "exchange")
    assert review.contact_channel == "chat" and review.contacted_at is not None
    assert review.handler == agent


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ROLES)), max_size=10))
def test_any_sequence_keeps_the_state_legal(make_user, make_review, steps):
    review = make_review()
    actors = {role: (None if role == SYSTEM else make_user(role)) for role in ROLES}
    for action, role in steps:
        before = review.status
        try:
            review = services.act(
                actor=actors[role], review=review, action=action, data=GOOD.get(action, {})
            )
        except (InvalidTransition, NotAllowed):
            review.refresh_from_db()
            assert review.status == before
            continue
        assert REVIEW_WORKFLOW.transition(before, action).target == review.status
    assert review.status in REVIEW_WORKFLOW.states
