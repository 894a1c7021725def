"""Workflows as explicit transition tables.

Each workflow (refund, exchange, complaint, review recovery, follow-up task, ticket)
is one :class:`Workflow`: a list of :class:`Transition` rows ``(state, action, roles)
→ next state`` with an optional guard. :func:`apply` is the single service that moves
an object: it locks the row, consults the table, runs the guard, saves the new state
and writes the audit entry, all in one transaction. Anything the table does not list
is refused with :class:`~kefu.core.errors.InvalidTransition` (no such move) or
:class:`~kefu.core.errors.NotAllowed` (the move exists, not for this role).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from kefu.core import audit
from kefu.core.errors import DomainError, InvalidTransition, NotAllowed

SYSTEM = "system"
"""The role of moves kefu makes by itself (actor None): sweeps, inbound messages."""

Guard = Callable[[Any, dict[str, Any]], None]
"""A guard receives the object and the action's context and raises DomainError to refuse."""


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    roles: frozenset[str]
    guard: Guard | None = None
    label: str = ""
    needs_reason: bool = False


@dataclass
class Workflow:
    name: str
    states: tuple[str, ...]
    transitions: list[Transition]
    state_field: str = "status"
    final_states: frozenset[str] = field(default_factory=frozenset)
    _index: dict[tuple[str, str], Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {}
        for t in self.transitions:
            if t.source not in self.states or t.target not in self.states:
                raise ValueError(f"{self.name}: {t.source}→{t.target} uses an unknown state")
            if (t.source, t.action) in self._index:
                raise ValueError(f"{self.name}: two rows for ({t.source}, {t.action})")
            if not t.roles:
                raise ValueError(f"{self.name}: ({t.source}, {t.action}) allows no role")
            self._index[(t.source, t.action)] = t
        for s in self.final_states:
            if any(t.source == s for t in self.transitions):
                raise ValueError(f"{self.name}: final state {s} has a way out")

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(a for _, a in self._index)

    def transition(self, state: str, action: str) -> Transition | None:
        return self._index.get((state, action))

    def resolve(self, state: str, action: str, role: str) -> Transition:
        """The row for (state, action) if ``role`` may take it; else a clear refusal."""
        t = self._index.get((state, action))
        if t is None:
            raise InvalidTransition(
                _("“%(action)s” is not possible while %(what)s is “%(state)s”.")
                % {"action": action, "what": self.name, "state": state}
            )
        if role not in t.roles:
            raise NotAllowed(
                _("Your role cannot “%(action)s” here.") % {"action": action},
            )
        return t

    def available(self, state: str, role: str | None = None) -> list[Transition]:
        """What the screen may offer: the moves out of ``state`` (for ``role``)."""
        return [
            t for t in self.transitions if t.source == state and (role is None or role in t.roles)
        ]

    def reachable(self, start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            s = todo.pop()
            for t in self.transitions:
                if t.source == s and t.target not in seen:
                    seen.add(t.target)
                    todo.append(t.target)
        return seen


def rows(
    table: Iterable[
        tuple[str, str, str, Iterable[str]] | tuple[str, str, str, Iterable[str], dict]
    ],
) -> list[Transition]:
    """Build transitions from compact tuples ``(source, action, target, roles[, options])``."""
    out = []
    for row in table:
        source, action, target, roles, *rest = row
        options = rest[0] if rest else {}
        out.append(Transition(source, action, target, frozenset(roles), **options))
    return out


def role_of(actor) -> str:
    return SYSTEM if actor is None else (getattr(actor, "role", None) or "")


def apply(
    workflow: Workflow,
    obj: models.Model,
    action: str,
    *,
    actor,
    reason: str = "",
    context: dict[str, Any] | None = None,
    on_transition: Callable[[models.Model, Transition, dict[str, Any]], dict | None] | None = None,
) -> models.Model:
    """Move ``obj`` by ``action`` as ``actor``; lock, check, save, audit in one transaction.

    ``on_transition`` runs after the guard with the locked object and may set other
    fields (it returns extra audit ``changes``). Returns the refreshed object.
    """
    context = dict(context or {})
    with transaction.atomic():
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        state = getattr(locked, workflow.state_field)
        t = workflow.resolve(state, action, role_of(actor))
        if t.needs_reason and not reason.strip():
            raise DomainError(
                _("Give a reason for this step."), fields={"reason": [_("Required.")]}
            )
        if t.guard is not None:
            t.guard(locked, context)
        changes = on_transition(locked, t, context) if on_transition else None
        setattr(locked, workflow.state_field, t.target)
        locked.save()
        audit.record(
            actor=actor,
            obj=locked,
            action=f"{workflow.name}.{action}",
            from_state=state,
            to_state=t.target,
            reason=reason,
            changes=changes or {},
        )
    return locked
