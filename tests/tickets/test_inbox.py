"""The agent's inbox: views, filters, sorts, pages without counts, bulk actions, and query
plans that stay index-only on SQLite."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.db import connection
from django.utils import timezone, translation

from kefu.core.roles import Role
from kefu.customers.models import Tag
from kefu.tickets import search, selectors
from kefu.tickets.models import Category, Channel, Message, Team, Ticket
from kefu.tickets.selectors import TicketFilters
from tests.factories import make_customer, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


S = Ticket.Status
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def other_agent(make_user):
    return make_user(Role.AGENT, "agent-b")


@pytest.fixture
def make(shop):
    """make(**fields) → a ticket with one inbound message, created ``age`` minutes ago."""
    customer = make_customer(name="周杰")

    def build(age: int = 0, body: str = "我要退款", **fields) -> Ticket:
        created = fields.pop("created_at", NOW - dt.timedelta(minutes=age))
        fields.setdefault("shop", shop)
        fields.setdefault("customer", customer)
        fields.setdefault("subject", body[:40])
        ticket = Ticket.objects.create(created_at=created, last_message_at=created, **fields)
        Message.objects.create(ticket=ticket, kind="inbound", body=body, created_at=created)
        search.reindex([ticket.pk])
        return ticket

    return build


def ids(user, **filters) -> list[int]:
    return [t.pk for t in selectors.ticket_list(user, TicketFilters(**filters), NOW)[0:500]]


# ---------------------------------------------------------------- views


def test_each_view_holds_the_tickets_it_names(agent, other_agent, make):
    team = Team.objects.create(name="售后组")
    team.members.add(agent)
    mine_new = make(1, assignee=agent)
    mine_waiting = make(2, assignee=agent, status=S.PENDING_CUSTOMER)
    mine_solved = make(3, assignee=agent, status=S.SOLVED)
    free = make(4)
    free_closed = make(5, status=S.CLOSED)
    theirs_in_team = make(6, assignee=other_agent, team=team, status=S.OPEN)
    late = make(
        7,
        assignee=other_agent,
        status=S.OPEN,
        resolution_due=NOW - dt.timedelta(minutes=1),
    )
    unanswered = make(8, status=S.NEW, first_response_due=NOW - dt.timedelta(minutes=5))
    answered_in_time = make(
        9,
        status=S.OPEN,
        first_response_due=NOW - dt.timedelta(minutes=5),
        first_response_at=NOW - dt.timedelta(minutes=6),
    )
    paused = make(
        10,
        status=S.PENDING_CUSTOMER,
        resolution_due=NOW - dt.timedelta(minutes=1),
        sla_paused_at=NOW - dt.timedelta(minutes=30),
    )

    assert ids(agent, view="mine") == [mine_new.pk, mine_waiting.pk]
    assert ids(agent, view="unassigned") == [free.pk, unanswered.pk, answered_in_time.pk, paused.pk]
    assert ids(agent, view="team") == [theirs_in_team.pk]
    assert ids(agent, view="waiting") == [mine_waiting.pk]
    assert set(ids(agent, view="overdue")) == {late.pk, unanswered.pk}
    assert len(ids(agent, view="all")) == 10
    assert ids(agent, view="mine", statuses=(S.SOLVED,)) == [mine_solved.pk]
    assert ids(agent, view="all", statuses=(S.CLOSED, S.SOLVED)) == [
        mine_solved.pk,
        free_closed.pk,
    ]


def test_an_agent_without_a_team_has_an_empty_team_view(agent, make):
    make(1, team=Team.objects.create(name="韩国组"))
    assert ids(agent, view="team") == []
    assert selectors.view_counts(agent)["team"] == 0


def test_filters_narrow_any_view(agent, other_agent, make, shop):
    shop2 = make_shop(name="쿠팡")
    parent = Category.objects.create(name="售后")
    child = Category.objects.create(name="退款", parent=parent)
    other = Category.objects.create(name="物流")
    tag = Tag.objects.create(name="VIP投诉")
    a = make(1, channel=Channel.PHONE, kind="complaint", priority=4, category=child)
    a.tags.add(tag)
    b = make(2, shop=shop2, channel=Channel.EMAIL, language="ko", category=other)
    c = make(3, assignee=other_agent, priority=1, created_at=NOW - dt.timedelta(days=40))
    d = make(4, customer=make_customer(name="김민지"), assignee=agent)

    assert ids(agent, shop=shop2.pk) == [b.pk]
    assert ids(agent, channel=Channel.PHONE) == [a.pk]
    assert ids(agent, kind="complaint") == [a.pk]
    assert ids(agent, priority=4) == [a.pk]
    assert ids(agent, category=parent.pk) == [a.pk]  # the sub-category counts
    assert ids(agent, tag=tag.pk) == [a.pk]
    assert ids(agent, language="ko") == [b.pk]
    assert ids(agent, assignee="me") == [d.pk]
    assert ids(agent, assignee="none") == [a.pk, b.pk]
    assert ids(agent, assignee=other_agent.pk) == [c.pk]
    assert ids(agent, customer=d.customer_id) == [d.pk]
    assert ids(agent, created_from=NOW - dt.timedelta(days=30)) == [a.pk, b.pk, d.pk]
    assert ids(agent, created_to=NOW - dt.timedelta(days=30)) == [c.pk]


# ---------------------------------------------------------------- sorts and pages


def _expected(tickets, sort: selectors.Sort) -> list[int]:
    def key_of(t, terms):
        key = []
        for term in terms:
            value = getattr(t, term.lstrip("-"))
            if isinstance(value, dt.datetime):
                value = value.timestamp()
            key.append(-value if term.startswith("-") else value)
        return key

    if sort.nullable is None:
        return [t.pk for t in sorted(tickets, key=lambda t: key_of(t, sort.order))]
    with_value = [t for t in tickets if getattr(t, sort.nullable) is not None]
    without = [t for t in tickets if getattr(t, sort.nullable) is None]
    newest = selectors.SORTS["newest"].order
    return [t.pk for t in sorted(with_value, key=lambda t: key_of(t, sort.order))] + [
        t.pk for t in sorted(without, key=lambda t: key_of(t, newest))
    ]


@pytest.mark.parametrize("sort", list(selectors.SORTS))
def test_every_sort_merges_the_statuses_in_order_page_by_page(agent, make, sort):
    rng = random.Random(7)
    tickets = []
    for i in range(60):
        due = NOW + dt.timedelta(minutes=rng.randint(-300, 300)) if rng.random() < 0.6 else None
        tickets.append(
            make(
                created_at=NOW - dt.timedelta(minutes=rng.randint(0, 50)),  # ties on purpose
                status=rng.choice(S.values),
                priority=rng.randint(1, 4),
                resolution_due=due,
                first_response_due=due,
                body=f"第{i}个问题",
            )
        )
    for t in tickets:  # last_message_at with ties and gaps
        if rng.random() < 0.2:
            Ticket.objects.filter(pk=t.pk).update(last_message_at=None)
            t.last_message_at = None
    expected = _expected(tickets, selectors.SORTS[sort])
    listing = selectors.ticket_list(agent, TicketFilters(view="all", sort=sort), NOW)
    pages = [[t.pk for t in listing[start : start + 7]] for start in range(0, 63, 7)]
    assert [pk for page in pages for pk in page] == expected
    assert all(len(p) == 7 for p in pages[:-1]) and len(pages[-1]) == 4


def test_pages_read_at_most_what_they_show(agent, make, django_assert_max_num_queries):
    for i in range(30):
        make(i, status=S.values[i % 6])
    listing = selectors.ticket_list(agent, TicketFilters(view="all"), NOW)
    # one query per status, one for the rows, one for their tags; never a COUNT
    with django_assert_max_num_queries(8) as captured:
        rows = listing[10:21]
    assert len(rows) == 11
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_tab_counts_stop_at_the_cap(agent, make):
    for i in range(5):
        make(i, assignee=agent)
    listing = selectors.ticket_list(agent, TicketFilters(view="mine"), NOW)
    assert listing.count(cap=3) == 4  # "3+"
    assert listing.count(cap=10) == 5


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
@pytest.mark.parametrize("view", [v for v in selectors.VIEWS if v != "overdue"])
def test_every_view_and_sort_walks_an_index_in_order(agent, make, view):
    """No query of an inbox page scans the ticket table or sorts: at a million tickets
    that is the difference between milliseconds and seconds."""
    team = Team.objects.create(name="售前组")
    team.members.add(agent)
    parent = Category.objects.create(name="售后")
    child = Category.objects.create(name="退款", parent=parent)
    ticket = make(1, assignee=agent, team=team, category=child)
    narrowing = [{}, {"shop": ticket.shop_id}, {"category": parent.pk}, {"priority": 3}]
    for (key, sort), extra in itertools.product(selectors.SORTS.items(), narrowing):
        if extra and key != "newest":
            continue  # a filter with the default sort; the sorts without filters
        filters = TicketFilters(view=view, sort=key, **extra)
        listing = selectors.ticket_list(agent, filters, NOW)
        for branch in listing.branches():
            queries = [branch]
            if sort.nullable:
                queries = [
                    branch.filter(**{f"{sort.nullable}__isnull": False}),
                    branch.filter(**{f"{sort.nullable}__isnull": True}),
                ]
            for number, qs in enumerate(queries):
                order = sort if number == 0 else selectors.SORTS["newest"]
                sql, params = (
                    qs.order_by(*order.order)
                    .values_list(*order.fields)[:51]
                    .query.sql_with_params()
                )
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                    plan = [row[-1] for row in cursor.fetchall()]
                assert not any("TEMP B-TREE" in step for step in plan), (view, key, extra, plan)
                assert not any(step.startswith("SCAN") for step in plan), (view, key, extra, plan)


# ---------------------------------------------------------------- the inbox page


def test_the_inbox_page_lists_filters_and_pages(agent, login, make, django_assert_max_num_queries):
    for i in range(55):
        make(i, assignee=agent, body=f"订单问题{i}")
    client = login(agent)
    with django_assert_max_num_queries(40):
        page = client.get("/tickets/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("data-ticket-row") == 50
    assert 'rel="next"' in html and "?view=mine&amp;page=2" not in html
    second = client.get("/tickets/?page=2")
    assert second.content.decode().count("data-ticket-row") == 5
    partial = client.get(
        "/tickets/?view=mine&q=订单问题5",
        headers={"HX-Request": "true", "HX-Target": "ticket-results"},
    )
    body = partial.content.decode()
    assert "<html" not in body
    assert body.count("data-ticket-row") == 6  # 5 and 50…54


def test_the_inbox_documents_its_keyboard_shortcuts(agent, login):
    html = login(agent).get("/tickets/").content.decode()
    assert 'id="key-help"' in html
    for key in ("<kbd>j</kbd>", "<kbd>k</kbd>", "<kbd>x</kbd>", "<kbd>a</kbd>", "<kbd>s</kbd>"):
        assert key in html


def test_visitors_sign_in_and_back_office_reads_without_bulk_actions(client, finance, login):
    response = client.get("/tickets/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    html = login(finance).get("/tickets/").content.decode()
    assert 'id="bulk-form"' not in html
    assert login(finance).post("/tickets/bulk/", {"operation": "assign"}).status_code == 403


def test_bulk_assign_and_bulk_status_report_what_they_refused(lead, agent, login, make):
    a, b = make(1), make(2)
    closed = make(3, status=S.CLOSED)
    client = login(lead)
    response = client.post(
        "/tickets/bulk/",
        {
            "operation": "assign",
            "assignee": str(agent.pk),
            "ticket": [a.pk, b.pk, closed.pk],
            "next": "/tickets/?view=all",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/tickets/?view=all"
    assert set(Ticket.objects.filter(assignee=agent).values_list("pk", flat=True)) == {a.pk, b.pk}
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any(f"#{closed.pk}" in m for m in shown)

    client.post(
        "/tickets/bulk/", {"operation": "status", "action": "solve", "ticket": [a.pk, b.pk]}
    )
    assert set(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        S.SOLVED
    }


def test_an_agent_may_take_free_tickets_in_bulk_but_not_give_them_away(
    agent, other_agent, login, make
):
    free, theirs = make(1), make(2, assignee=other_agent)
    client = login(agent)
    client.post("/tickets/bulk/", {"operation": "assign", "assignee": "me", "ticket": [free.pk]})
    client.post("/tickets/bulk/", {"operation": "assign", "assignee": "me", "ticket": [theirs.pk]})
    client.post(
        "/tickets/bulk/",
        {"operation": "assign", "assignee": str(other_agent.pk), "ticket": [free.pk]},
    )
    free.refresh_from_db()
    theirs.refresh_from_db()
    assert free.assignee == agent
    assert theirs.assignee == other_agent


def test_the_dashboard_counts_my_open_and_overdue_tickets(agent, login, make):
    make(1, assignee=agent)
    make(2, assignee=agent, status=S.OPEN, resolution_due=NOW - dt.timedelta(minutes=1))
    make(3, assignee=agent, status=S.SOLVED)
    html = login(agent).get("/").content.decode()
    values = [v.strip() for v in __import__("re").findall(r'class="stat-value">([^<]+)<', html)]
    assert values[:2] == ["2", "1"]
