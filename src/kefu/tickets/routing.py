"""Who gets a new ticket.

1. The customer's owning agent (003 ch.2: each customer has an owner who looks after
   them), when the owner is active, may work tickets, and is online or away. An away
   owner still gets it (they are back soon, and the customer keeps one contact); an
   offline owner does not unless the ``tickets.route_to_offline_owner`` policy says so,
   because the answer should reach the customer as fast as possible (000-(3)). A
   deactivated owner never gets it.
2. Otherwise a member of the ticket's team. The team is the first by position whose
   shops, languages and ticket types all match the ticket (an empty list matches
   anything). Members who are active, may work tickets and have a capacity above zero
   take part: those online, or the away ones only if nobody is online. The team's
   routing rule picks one:
   - round robin: the next member after the last one who got a ticket, by user id;
   - least loaded: the member whose open tickets, one more counted, weigh least against
     their capacity weight (capacities 10 and 20 end up holding about 1:2).
3. Nobody online or away: the ticket stays unassigned in the team's queue; the
   ``tickets.route_queue`` sweep hands such new tickets to the owner or a member as soon
   as one of them is online (a ticket handed back by an agent is not new and stays).

Two tickets routed at the same moment never both read the same pointer or the same
loads: the team row is locked (``select_for_update``) for the pick and the update.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import audit, policies, refcache
from kefu.core.errors import DomainError, NotAllowed
from kefu.core.models import User
from kefu.core.roles import can, roles_for
from kefu.tickets.models import Team, Ticket
from kefu.tickets.sla import UNSOLVED

ROUTE_TO_OFFLINE_OWNER = policies.declare(
    "tickets.route_to_offline_owner",
    False,
    bool,
    gettext_lazy("Give a customer's new ticket to their owner even while the owner is offline"),
    source="003 ch.2 (each customer has an owning agent); 000-(3) (answer as fast as "
    "possible); kefu default",
)

Presence = User.Presence
QUEUE_BATCH = 200


@dataclass(frozen=True)
class Route:
    team: Team | None
    assignee: User | None
    how: str  # owner | round_robin | least_loaded | queue | none


# ---------------------------------------------------------------- choosing


def _matches(team: Team, shop_ids: set[int], ticket: Ticket) -> bool:
    return (
        (not team.languages or ticket.language in team.languages)
        and (not team.kinds or ticket.kind in team.kinds)
        and (not shop_ids or ticket.shop_id in shop_ids)
    )


def _teams() -> tuple[list[Team], dict[int, set[int]]]:
    teams = list(Team.objects.order_by("position", "id"))
    shops: dict[int, set[int]] = {}
    for team_id, shop_id in Team.shops.through.objects.values_list("team_id", "shop_id"):
        shops.setdefault(team_id, set()).add(shop_id)
    return teams, shops


def team_for(ticket: Ticket) -> Team | None:
    """The first team by position whose shops, languages and types match the ticket.
    (The routing pointer of a team is read again, locked, by ``pick_member``.)"""
    teams, shops = refcache.value("routing_teams", _teams)
    return next((t for t in teams if _matches(t, shops.get(t.pk, set()), ticket)), None)


def works_tickets(user: User | None) -> bool:
    return user is not None and user.is_active and can(user, "tickets.work")


def owner_for(ticket: Ticket) -> User | None:
    """The customer's owner if the rules above let them take the ticket now."""
    owner = ticket.customer.owner if ticket.customer.owner_id else None
    if not works_tickets(owner):
        return None
    if owner.presence == Presence.OFFLINE and not ROUTE_TO_OFFLINE_OWNER.get(shop=ticket.shop):
        return None
    return owner


def _candidates(team: Team, *, allow_away: bool) -> list[User]:
    members = list(
        team.members.filter(
            is_active=True, role__in=roles_for("tickets.work"), capacity__gt=0
        ).order_by("pk")
    )
    online = [m for m in members if m.presence == Presence.ONLINE]
    if online or not allow_away:
        return online
    return [m for m in members if m.presence == Presence.AWAY]


def open_loads(user_ids: list[int]) -> dict[int, int]:
    """Unsolved tickets each of these users holds."""
    rows = (
        Ticket.objects.filter(assignee_id__in=user_ids, status__in=UNSOLVED)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    loads = dict.fromkeys(user_ids, 0)
    loads.update(dict(rows))
    return loads


def _next_in_turn(pool: list[User], last_id: int | None) -> User:
    if last_id is not None:
        for member in pool:
            if member.pk > last_id:
                return member
    return pool[0]


def _least_loaded(pool: list[User]) -> User:
    loads = open_loads([m.pk for m in pool])
    return min(pool, key=lambda m: (Fraction(loads[m.pk] + 1, m.capacity), loads[m.pk], m.pk))


def pick_member(team: Team, *, allow_away: bool = True) -> tuple[User | None, str]:
    """Choose the member of ``team`` for one more ticket and move the team's pointer.

    Locks the team row: call inside the transaction that assigns the ticket, so the next
    pick sees this one.
    """
    locked = Team.objects.select_for_update().get(pk=team.pk)
    pool = _candidates(locked, allow_away=allow_away)
    if not pool:
        return None, "queue"
    if locked.routing == Team.Routing.ROUND_ROBIN:
        chosen, how = _next_in_turn(pool, locked.last_assignee_id), "round_robin"
    else:
        chosen, how = _least_loaded(pool), "least_loaded"
    Team.objects.filter(pk=locked.pk).update(last_assignee=chosen)
    return chosen, how


def choose(ticket: Ticket) -> Route:
    """Where a ticket goes, by the rules in this module's docstring (locks the team).
    A ticket marked ``team_chosen`` (create_ticket asked ``team_for`` already, before
    its transaction) keeps its team, none included."""
    chosen = getattr(ticket, "team_chosen", False)
    team = ticket.team if chosen else (ticket.team or team_for(ticket))
    owner = owner_for(ticket)
    if owner is not None:
        return Route(team, owner, "owner")
    if team is None:
        return Route(None, None, "none")
    member, how = pick_member(team)
    return Route(team, member, how)


_REASONS = {
    "owner": "the customer's owner",
    "round_robin": "round robin in the team",
    "least_loaded": "least loaded in the team",
    "queue": "nobody online in the team: waits in the team queue",
    "none": "no team takes this ticket",
}


# ---------------------------------------------------------------- services


def route_new_ticket(ticket: Ticket) -> None:
    """NEW_TICKET_HOOK: give a new ticket its team and assignee (create_ticket sets
    the team from ``team_for`` before its transaction; the member is picked here).

    A ticket that already has an assignee is left alone. Runs inside create_ticket's
    transaction; writes one audit entry saying how the ticket was routed.
    """
    if ticket.assignee_id is not None:
        return
    route = choose(ticket)
    if (route.team, route.assignee) != (ticket.team, None):
        Ticket.objects.filter(pk=ticket.pk).update(team=route.team, assignee=route.assignee)
    ticket.team, ticket.assignee = route.team, route.assignee
    audit.record(
        actor=None,
        obj=ticket,
        action="ticket.route",
        reason=_REASONS[route.how],
        changes={
            "team": [None, route.team.pk if route.team else None],
            "assignee": [None, route.assignee.pk if route.assignee else None],
        },
    )


def route_queue(*, limit: int = QUEUE_BATCH) -> int:
    """Hand new tickets that wait unassigned in a team's queue (nobody was there when they
    came in) to the customer's owner if the owner may take them now, else to a member
    who is online, oldest first; away members get none from the queue. Tickets someone
    handed back (no longer new) stay for a person to pick. Returns how many were handed."""
    waiting = Q(assignee__isnull=True, status=Ticket.Status.NEW)
    team_ids = list(
        Ticket.objects.filter(waiting, team__isnull=False).values_list("team_id", flat=True)
    )
    handed = 0
    for team in Team.objects.filter(pk__in=set(team_ids)).order_by("position", "id"):
        while handed < limit:
            with transaction.atomic():
                ticket = (
                    Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(waiting, team=team)
                    .select_related("customer__owner", "shop")
                    .order_by("created_at", "id")
                    .first()
                )
                if ticket is None:
                    break
                member, how = owner_for(ticket), "owner"
                if member is None:
                    member, how = pick_member(team, allow_away=False)
                if member is None:
                    break
                Ticket.objects.filter(pk=ticket.pk).update(assignee=member)
                audit.record(
                    actor=None,
                    obj=ticket,
                    action="ticket.route",
                    reason=f"{_REASONS[how]} (from the queue)",
                    changes={"assignee": [None, member.pk]},
                )
            handed += 1
    return handed


def set_presence(*, actor: User, user: User, presence: str) -> User:
    """Set someone's presence (online, away, offline): their own, or anyone's for a lead
    or admin (who assign cases, 003). Audited."""
    if presence not in Presence.values:
        raise DomainError(
            _("Choose online, away or offline."),
            fields={"presence": [", ".join(Presence.values)]},
            code="validation_error",
        )
    if actor.pk != user.pk and not can(actor, "customers.assign"):
        raise NotAllowed(_("Only a lead or an admin may set someone else's presence."))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = locked.presence
        if before != presence:
            User.objects.filter(pk=locked.pk).update(presence=presence)
            audit.record(
                actor=actor,
                obj=locked,
                action="user.presence",
                from_state=before,
                to_state=presence,
            )
    user.presence = presence
    return user
