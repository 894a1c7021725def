"""Routing of new tickets (tickets.routing): the customer's owner first, else a team member
by round robin or by load against capacity, only among people who are there."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from kefu.core import jobs, policies
from kefu.core.audit import history
from kefu.core.errors import DomainError, NotAllowed
from kefu.core.models import User
from kefu.core.roles import Role
from kefu.tickets import routing, services
from kefu.tickets.models import Team, Ticket
from tests.factories import make_customer, make_shop

ONLINE, AWAY, OFFLINE = User.Presence.ONLINE, User.Presence.AWAY, User.Presence.OFFLINE


@pytest.fixture
def shop(db):
    return make_shop()


@pytest.fixture
def person(make_user):
    def make(name: str, presence: str = ONLINE, capacity: int = 10, role: str = Role.AGENT):
        return make_user(role, name, presence=presence, capacity=capacity)

    return make


@pytest.fixture
def team_of(db):
    def make(*members, routing_rule=Team.Routing.LEAST_LOADED, **kw) -> Team:
        team = Team.objects.create(name=kw.pop("name", f"team{Team.objects.count()}"), **kw)
        team.routing = routing_rule
        team.save()
        team.members.add(*members)
        return team

    return make


def new_ticket(shop, customer=None, **kw) -> Ticket:
    return services.create_ticket(
        actor=None,
        customer=customer or make_customer(),
        shop=shop,
        subject="咨询",
        body=kw.pop("body", "在吗?"),
        **kw,
    )


def reason_of(ticket: Ticket) -> str:
    return history(ticket).get(action="ticket.route").reason


# ---------------------------------------------------------------- the owner


def test_the_customers_owner_gets_the_ticket_first(shop, person, team_of):
    owner, other = person("owner"), person("other")
    team_of(owner, other)
    customer = make_customer(owner=owner)
    ticket = new_ticket(shop, customer)
    assert ticket.assignee == owner
    assert Ticket.objects.get(pk=ticket.pk).assignee == owner
    assert reason_of(ticket) == "the customer's owner"
    created = history(ticket).get(action="ticket.create")
    assert created.changes["assignee"] == [None, owner.pk]


def test_an_away_owner_still_gets_it(shop, person):
    owner = person("owner", AWAY)
    assert new_ticket(shop, make_customer(owner=owner)).assignee == owner


def test_an_offline_owner_does_not_unless_the_policy_says_so(shop, person, team_of, admin_user):
    owner, on_duty = person("owner", OFFLINE), person("on_duty")
    team_of(owner, on_duty)
    customer = make_customer(owner=owner)
    assert new_ticket(shop, customer).assignee == on_duty
    policies.set_value(actor=admin_user, key="tickets.route_to_offline_owner", value=True)
    assert new_ticket(shop, customer).assignee == owner


def test_a_deactivated_owner_falls_back_to_the_team(shop, person, team_of):
    owner, on_duty = person("owner"), person("on_duty")
    team = team_of(owner, on_duty)
    owner.is_active = False
    owner.save()
    ticket = new_ticket(shop, make_customer(owner=owner))
    assert ticket.assignee == on_duty
    assert ticket.team == team


def test_an_owner_whose_role_does_not_work_tickets_falls_back(shop, person, team_of):
    owner = person("finance", role=Role.FINANCE)
    on_duty = person("on_duty")
    team_of(on_duty)
    assert new_ticket(shop, make_customer(owner=owner)).assignee == on_duty


# ---------------------------------------------------------------- least loaded


def test_capacity_weights_share_many_tickets_about_one_to_two(shop, person, team_of):
    small, large = person("small", capacity=10), person("large", capacity=20)
    team_of(small, large)
    given = Counter(new_ticket(shop).assignee.username for _ in range(60))
    assert given == {"small": 20, "large": 40}


def test_least_loaded_counts_the_tickets_already_held(shop, person, team_of):
    busy, free = person("busy"), person("free")
    team_of(busy, free)
    for _ in range(4):
        Ticket.objects.create(
            shop=shop,
            customer=make_customer(),
            subject="旧单",
            created_at=shop.created_at,
            assignee=busy,
            status=Ticket.Status.OPEN,
        )
    Ticket.objects.create(
        shop=shop,
        customer=make_customer(),
        subject="已解决",
        created_at=shop.created_at,
        assignee=free,
        status=Ticket.Status.SOLVED,
    )
    given = [new_ticket(shop).assignee.username for _ in range(6)]
    assert given[:4] == ["free"] * 4  # the solved one does not count
    assert Counter(given) == {"free": 5, "busy": 1}


def test_capacity_zero_takes_no_new_tickets(shop, person, team_of):
    resting, working = person("resting", capacity=0), person("working")
    team_of(resting, working)
    assert {new_ticket(shop).assignee.username for _ in range(5)} == {"working"}


# ---------------------------------------------------------------- round robin


def test_round_robin_takes_turns_in_order(shop, person, team_of):
    a, b, c = person("a"), person("b"), person("c")
    team = team_of(c, a, b, routing_rule=Team.Routing.ROUND_ROBIN)
    given = [new_ticket(shop).assignee.username for _ in range(7)]
    assert given == ["a", "b", "c", "a", "b", "c", "a"]
    team.refresh_from_db()
    assert team.last_assignee == a
    assert reason_of(Ticket.objects.latest("pk")) == "round robin in the team"


def test_round_robin_skips_who_is_away_while_someone_is_online(shop, person, team_of):
    a, b, c = person("a"), person("b", AWAY), person("c")
    team_of(a, b, c, routing_rule=Team.Routing.ROUND_ROBIN)
    assert [new_ticket(shop).assignee.username for _ in range(4)] == ["a", "c", "a", "c"]


# ---------------------------------------------------------------- presence


def test_away_members_get_tickets_only_when_nobody_is_online(shop, person, team_of):
    away, offline = person("away", AWAY), person("offline", OFFLINE)
    team_of(away, offline)
    assert new_ticket(shop).assignee == away


def test_with_nobody_there_the_ticket_waits_in_the_team_queue(shop, person, team_of, lead):
    first, second = person("first", OFFLINE), person("second", OFFLINE)
    team = team_of(first, second)
    ticket = new_ticket(shop)
    assert ticket.assignee is None
    assert ticket.team == team
    assert reason_of(ticket) == "nobody online in the team: waits in the team queue"

    # Someone away does not get the queue; someone online does, at the next sweep.
    routing.set_presence(actor=second, user=second, presence=AWAY)
    assert routing.route_queue() == 0
    routing.set_presence(actor=lead, user=first, presence=ONLINE)
    result = jobs.run_due_sweeps(only={"tickets.route_queue"})
    assert result["tickets.route_queue"] == {"routed": 1}
    assert Ticket.objects.get(pk=ticket.pk).assignee == first


def test_the_queue_goes_to_the_owner_first_and_keeps_tickets_handed_back(
    shop, person, team_of, lead
):
    owner, member = person("owner", OFFLINE), person("member", OFFLINE)
    team_of(owner, member)
    owned = new_ticket(shop, make_customer(owner=owner))
    handed_back = new_ticket(shop)
    services.change_ticket_status(actor=lead, ticket=handed_back, action="open")
    assert owned.assignee is None and handed_back.assignee is None

    routing.set_presence(actor=owner, user=owner, presence=ONLINE)
    assert routing.route_queue() == 1
    assert Ticket.objects.get(pk=owned.pk).assignee == owner
    assert reason_of_queue(owned) == "the customer's owner (from the queue)"
    assert Ticket.objects.get(pk=handed_back.pk).assignee is None


def reason_of_queue(ticket: Ticket) -> str:
    return history(ticket).filter(action="ticket.route").last().reason


def test_presence_changes_are_checked_and_audited(person, lead):
    me, colleague = person("me", OFFLINE), person("colleague", OFFLINE)
    routing.set_presence(actor=me, user=me, presence=ONLINE)
    me.refresh_from_db()
    assert me.presence == ONLINE
    entry = history(me).get(action="user.presence")
    assert (entry.from_state, entry.to_state) == (OFFLINE, ONLINE)
    with pytest.raises(NotAllowed):
        routing.set_presence(actor=me, user=colleague, presence=ONLINE)
    with pytest.raises(DomainError):
        routing.set_presence(actor=me, user=me, presence="asleep")
    routing.set_presence(actor=lead, user=colleague, presence=AWAY)
    colleague.refresh_from_db()
    assert colleague.presence == AWAY


# ---------------------------------------------------------------- which team


def test_the_team_is_the_first_whose_shops_languages_and_types_match(shop, person, team_of):
    korean = team_of(person("kim"), name="한국팀", languages=["ko"], position=10)
    pre_sales = team_of(person("wang"), name="售前组", kinds=["pre_sales"], position=20)
    other_shop = make_shop()
    shop_team = team_of(person("li"), name="专卖店组", position=5)
    shop_team.shops.add(other_shop)
    everyone = team_of(person("zhao"), name="售后组", position=100)

    assert new_ticket(shop, language="ko", kind="pre_sales").team == korean
    assert new_ticket(shop, language="zh-hans", kind="pre_sales").team == pre_sales
    assert new_ticket(shop, language="zh-hans", kind="after_sales").team == everyone
    assert new_ticket(other_shop, language="ko").team == shop_team


def test_no_team_and_no_owner_leaves_the_ticket_unrouted(shop):
    Team.objects.all().delete()
    ticket = new_ticket(shop)
    assert ticket.assignee is None and ticket.team is None
    assert reason_of(ticket) == "no team takes this ticket"


# ---------------------------------------------------------------- at the same moment


@pytest.mark.django_db(transaction=True)
def test_two_tickets_routed_at_once_never_read_the_same_pointer(monkeypatch):
    shop = make_shop()
    a = User.objects.create_user("rr-a", role=Role.AGENT, presence=ONLINE)
    b = User.objects.create_user("rr-b", role=Role.AGENT, presence=ONLINE)
    team = Team.objects.create(name="轮流组", routing=Team.Routing.ROUND_ROBIN)
    team.members.add(a, b)
    customers = [make_customer(), make_customer()]

    slow_turn = routing._next_in_turn

    def dawdle(pool, last_id):
        # Widen the window between reading the pointer and moving it.
        threading.Event().wait(0.3)
        return slow_turn(pool, last_id)

    monkeypatch.setattr(routing, "_next_in_turn", dawdle)
    start = threading.Barrier(2)
    chosen: list[str] = []
    errors: list[BaseException] = []

    def work(customer):
        try:
            start.wait()
            chosen.append(new_ticket(shop, customer).assignee.username)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(chosen) == ["rr-a", "rr-b"]
