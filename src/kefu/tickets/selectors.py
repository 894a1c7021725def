"""Reads of tickets shaped for the inbox, the ticket page, search and the API.

The inbox must answer in a few milliseconds over a million tickets, so every list is
built from queries an index serves in order:

- A list over several statuses (the views "mine", "unassigned", "all" …) is read as one
  query per status, each walking an index led by ``status`` (or ``assignee, status`` /
  ``team, status``) in the order of the sort, and the few rows each returns are merged
  here. One ``status IN (…) ORDER BY …`` query would read and sort every matching row.
- A sort on a column that may be empty (due times) reads the rows that have a value
  first, then the others newest first, so NULLs sort the same on SQLite and PostgreSQL.
- Pages are "next page" links: a page reads at most offset + size + 1 ids per branch and
  never counts the table; the view tabs show counts capped at :data:`COUNT_CAP`.
- Search walks the full-text index newest first in growing windows and stops once a page
  is full (SQLite), so a common word does not make the database collect every match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cmp_to_key

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core import refcache
from kefu.core.models import User
from kefu.customers import search as customer_search
from kefu.customers.models import Customer, MarketplaceIdentity, Tag
from kefu.orders.models import Order, OrderItem
from kefu.tickets import links
from kefu.tickets.models import Attachment, Category, Message, Team, Ticket
from kefu.tickets.search import TICKET_INDEX
from kefu.tickets.sla import RUNNING

S = Ticket.Status
ACTIVE = (S.NEW, S.OPEN, S.PENDING_CUSTOMER, S.PENDING_INTERNAL)
COUNT_CAP = 999
MAX_OFFSET = 10_000  # deeper than this, narrow the filters instead of paging
MAX_QUERY = 200
NARROW = 3000  # filters leaving at most this many tickets are read first when searching


@dataclass(frozen=True)
class View:
    key: str
    label: str
    help: str


VIEWS: dict[str, View] = {
    v.key: v
    for v in (
        View("mine", _("My tickets"), _("Assigned to you and not solved yet.")),
        View("unassigned", _("Unassigned"), _("Not solved, and nobody has picked them up.")),
        View("team", _("My teams"), _("Not solved, in the teams you belong to.")),
        View(
            "overdue",
            _("Overdue"),
            _("The SLA clock runs and the first-response or resolution time has passed."),
        ),
        View("waiting", _("Waiting on customer"), _("Your tickets waiting for the customer.")),
        View("all", _("All tickets"), _("Every ticket, solved and closed ones too.")),
    )
}


@dataclass(frozen=True)
class Sort:
    """An order of rows; the last term is the id, in the direction the index stores it
    (an index entry ends with the row id ascending), so no step of SQLite's plan sorts."""

    key: str
    label: str
    order: tuple[str, ...]
    nullable: str | None = None  # rows without it follow, newest first

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(term.lstrip("-") for term in self.order)


SORTS: dict[str, Sort] = {
    s.key: s
    for s in (
        Sort("newest", _("Newest first"), ("-created_at", "id")),
        Sort("oldest", _("Oldest first"), ("created_at", "-id")),
        Sort("priority", _("Most urgent first"), ("-priority", "-created_at", "id")),
        Sort(
            "due",
            _("Resolution due soonest"),
            ("resolution_due", "id"),
            nullable="resolution_due",
        ),
        Sort(
            "response_due",
            _("First response due soonest"),
            ("first_response_due", "id"),
            nullable="first_response_due",
        ),
        Sort(
            "activity",
            _("Latest activity first"),
            ("-last_message_at", "id"),
            nullable="last_message_at",
        ),
    )
}
DEFAULT_SORT = {"overdue": "due"}


@dataclass
class TicketFilters:
    """What an inbox, a search or an API list asks for. Unknown values were refused
    before (forms, API schema); ids are plain ints."""

    view: str = "all"
    statuses: tuple[str, ...] = ()
    assignee: int | str | None = None  # a user id, "me" or "none"
    team: int | None = None
    shop: int | None = None
    channel: str = ""
    kind: str = ""
    priority: int | None = None
    category: int | None = None  # with its sub-categories
    tag: int | None = None
    customer: int | None = None
    order: int | None = None
    language: str = ""
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    q: str = ""
    sort: str = ""

    def sort_key(self) -> str:
        if self.sort in SORTS:
            return self.sort
        return DEFAULT_SORT.get(self.view, "newest")


# ---------------------------------------------------------------- building the branches


def _category_ids(pk: int) -> list[int]:
    """The category and everything under it (the tree is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in Category.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(cid)
    out, todo = [], [pk]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def _base(f: TicketFilters) -> QuerySet[Ticket]:
    qs = Ticket.objects.all()
    if f.shop:
        qs = qs.filter(shop_id=f.shop)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.tag:
        qs = qs.filter(pk__in=Ticket.tags.through.objects.filter(tag_id=f.tag).values("ticket_id"))
    if f.customer:
        qs = qs.filter(customer_id=f.customer)
    if f.order:
        qs = qs.filter(order_id=f.order)
    if f.language:
        qs = qs.filter(language=f.language)
    if f.created_from:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__lt=f.created_to)
    return qs


def _overdue(now: dt.datetime) -> list[Q]:
    """The SLA clock runs and the resolution time passed, or the first-response time passed
    unanswered (as :func:`kefu.tickets.sla.overdue_q`, without the breach flags of tickets
    whose clock stands still: each alternative is one walk of a ``status, due`` index)."""
    running = Q(sla_paused_at__isnull=True)
    return [
        running & Q(resolution_due__lt=now),
        running & Q(first_response_at__isnull=True, first_response_due__lt=now),
    ]


def _parts(user, f: TicketFilters, now: dt.datetime) -> tuple[list[str], list[Q], Q] | None:
    """(statuses, alternative conditions, condition) of the view and filters; None: empty."""
    view = f.view if f.view in VIEWS else "all"
    statuses = [s for s in dict.fromkeys(f.statuses) if s in S.values]
    alternatives = [Q()]
    cond = Q()
    if view in ("mine", "waiting"):
        cond &= Q(assignee_id=user.pk)
    elif view == "unassigned":
        cond &= Q(assignee__isnull=True)
    if view == "waiting":
        statuses = [S.PENDING_CUSTOMER]
    elif view == "overdue":  # only where the SLA clock runs
        statuses = [s for s in statuses if s in RUNNING] if statuses else list(RUNNING)
    elif view in ("mine", "unassigned", "team") and not statuses:
        statuses = list(ACTIVE)  # a status filter shows e.g. my solved tickets instead
    elif not statuses:
        statuses = list(S.values)
    if view == "overdue":
        alternatives = _overdue(now)
    if f.assignee == "me":
        cond &= Q(assignee_id=user.pk)
    elif f.assignee == "none":
        cond &= Q(assignee__isnull=True)
    elif f.assignee:
        assignee = int(f.assignee)
        if not 1 <= assignee <= 2**63 - 1:
            return None
        cond &= Q(assignee_id=assignee)
    teams: list[int | None] = [None]
    if view == "team":
        teams = list(user.teams.values_list("pk", flat=True)) if user is not None else []
        if f.team:
            teams = [t for t in teams if t == f.team]
    elif f.team:
        teams = [f.team]
    if not statuses or not teams:
        return None
    if teams != [None]:
        alternatives = [a & Q(team_id=t) for t in teams for a in alternatives]
    if f.category:  # one walk of the category index per category of the sub-tree
        categories = _category_ids(f.category)
        alternatives = [a & Q(category_id=c) for c in categories for a in alternatives]
    return statuses, alternatives, cond


def _row_key(sort: Sort):
    """Compare two value rows (the sort's fields, the last being the id) in its order."""
    descending = [term.startswith("-") for term in sort.order]

    def compare(a, b) -> int:
        for x, y, desc in zip(a, b, descending, strict=True):
            if x != y:
                before = (x > y) if desc else (x < y)
                return -1 if before else 1
        return 0

    return cmp_to_key(compare)


def _merge(branches: list[QuerySet], sort: Sort, need: int) -> list[int]:
    """The first ``need`` ids over all branches in the sort's order (duplicates once)."""
    rows = []
    for branch in branches:
        rows.extend(branch.order_by(*sort.order).values_list(*sort.fields)[:need])
    if len(branches) > 1:
        rows.sort(key=_row_key(sort))
    out, seen = [], set()
    for row in rows:
        if row[-1] not in seen:
            seen.add(row[-1])
            out.append(row[-1])
    return out[:need]


def _ordered_ids(branches: list[QuerySet], sort: Sort, need: int) -> list[int]:
    if sort.nullable is None:
        return _merge(branches, sort, need)
    has_value = Q(**{f"{sort.nullable}__isnull": False})
    found = _merge([b.filter(has_value) for b in branches], sort, need)
    if len(found) < need:
        rest = [b.filter(**{f"{sort.nullable}__isnull": True}) for b in branches]
        found += _merge(rest, SORTS["newest"], need - len(found))
    return found


# ---------------------------------------------------------------- search


def clean_query(q: str) -> str:
    return (q or "").replace("\x00", "").strip()[:MAX_QUERY]


def _index_query(q: str) -> str:
    """Chinese or Korean glued to letters or digits ("订单问题5") is searched as its parts:
    the index keeps a CJK run's last character as a term of its own, so the glued phrase
    would never match."""
    return customer_search.split_scripts(q)


def matching_customer_ids(q: str, limit: int = 20) -> list[int] | None:
    """Live customers matching ``q`` (name, phone in any form, email, marketplace ID), at
    most ``limit``; None when more match (too broad to list their tickets too)."""
    ids = customer_search.newest_ids(q, limit + 1)
    return None if len(ids) > limit else ids


FEW_MATCHES = 2000
"""PostgreSQL: a word with at most this many tickets is looked up in the GIN index and
its tickets checked against the filters; a commoner one is found by walking the newest."""


def _search_ids(qs: QuerySet[Ticket], q: str, need: int, *, narrow: bool = False) -> list[int]:
    """Ids of tickets in ``qs`` whose text matches ``q``, highest (newest) first.

    SQLite: the full-text table drives the join, newest match first, and each match is
    looked up by its id and tested against the filters; the read stops once ``need`` rows
    passed, so a common word never makes SQLite collect all its matches. When the filters
    are ``narrow`` (one person's, one team's, one customer's tickets: an index finds the
    few), those few are read and checked against the match list instead. PostgreSQL: the
    planner combines the GIN index with the filters' indexes by itself.
    """
    found = TICKET_INDEX.ids_sql(connection, _index_query(q))
    if found is None:
        return []
    sql, params = found
    if connection.vendor == "postgresql" and not narrow:
        few = TICKET_INDEX.few_ids(connection, _index_query(q), FEW_MATCHES)
        if few is not None:  # a rare word: check its few tickets against the filters
            return list(qs.filter(pk__in=few).order_by("-pk").values_list("pk", flat=True)[:need])
    query = qs.query
    joined = [alias for alias, refs in query.alias_refcount.items() if refs]
    if connection.vendor != "sqlite" or narrow or len(joined) > 1:
        return list(
            qs.filter(pk__in=RawSQL(sql, params))
            .order_by("-pk")
            .values_list("pk", flat=True)[:need]
        )
    table = connection.ops.quote_name(Ticket._meta.db_table)
    try:
        where, where_params = query.get_compiler(connection=connection).compile(query.where)
    except FullResultSet:
        where, where_params = "1 = 1", []
    except EmptyResultSet:
        return []
    fts = TICKET_INDEX.table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {table}.id FROM {fts} CROSS JOIN {table} ON {table}.id = {fts}.rowid "
            f"WHERE {fts} MATCH %s AND ({where}) ORDER BY {fts}.rowid DESC LIMIT %s",
            [*params, *where_params, need],
        )
        return [row[0] for row in cursor.fetchall()]


# ---------------------------------------------------------------- the list


class TicketList:
    """A lazily read list of tickets; slice it (``tickets[0:51]``) to read one page.

    Slicing is what :func:`kefu.core.api.paginate` and the inbox do; each slice runs the
    branch queries for ``stop`` rows and one query for the rows themselves.
    """

    def __init__(self, user, filters: TicketFilters, now: dt.datetime | None = None):
        self.user = user
        self.filters = replace(filters, q=clean_query(filters.q))
        self.now = now or timezone.now()
        self.sort = SORTS[self.filters.sort_key()]
        self._parts = _parts(user, self.filters, self.now)
        self.customer_ids: list[int] | None = []

    def branches(self) -> list[QuerySet]:
        if self._parts is None:
            return []
        statuses, alternatives, cond = self._parts
        base = _base(self.filters).filter(cond)
        return [base.filter(alt, status=s) for s in statuses for alt in alternatives]

    def combined(self) -> QuerySet[Ticket]:
        """All of it as one queryset (counting, bulk actions on "everything shown")."""
        if self._parts is None:
            return Ticket.objects.none()
        statuses, alternatives, cond = self._parts
        either = Q()
        for alt in alternatives:
            either |= alt
        return _base(self.filters).filter(cond, either, status__in=statuses)

    def ids(self, stop: int) -> list[int]:
        if self._parts is None or stop <= 0:
            return []
        q = self.filters.q
        if not q:
            return _ordered_ids(self.branches(), self.sort, stop)
        qs = self.combined()
        if self.sort.key != "newest":
            found = TICKET_INDEX.ids_sql(connection, _index_query(q))
            if found is None:
                return []
            qs = qs.filter(pk__in=RawSQL(*found))
            return _ordered_ids([qs], self.sort, stop)
        ids = _search_ids(qs, q, stop, narrow=self._narrow(qs))
        self.customer_ids = matching_customer_ids(q)
        if self.customer_ids:
            theirs = list(
                qs.filter(customer_id__in=self.customer_ids)
                .order_by("-pk")
                .values_list("pk", flat=True)[:stop]
            )
            ids = sorted(set(ids) | set(theirs), reverse=True)[:stop]
        return ids

    def _narrow(self, qs: QuerySet[Ticket]) -> bool:
        """Whether the filters leave few enough tickets to read them all and check each
        against the matches, rather than walk the matches: one person's, team's,
        customer's or order's tickets always; a shop's, category's, status's or period's
        when an index counts fewer than NARROW tickets in it."""
        f = self.filters
        if f.view in ("mine", "waiting", "team", "unassigned"):
            return True
        if f.assignee or f.team or f.customer or f.order:
            return True
        if f.statuses or f.shop or f.category or f.tag or f.created_from or f.created_to:
            return qs.values("pk")[: NARROW + 1].count() <= NARROW
        return False

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("TicketList supports [start:stop] slices only")
        start = max(item.start or 0, 0)
        stop = item.stop if item.stop is not None else start + 50
        if start > MAX_OFFSET:
            return []
        ids = self.ids(stop)[start:stop]
        return rows_in_order(ids)

    def count(self, cap: int = COUNT_CAP) -> int:
        """How many, counting no further than ``cap`` + 1."""
        if self._parts is None:
            return 0
        qs = self.combined()
        if self.filters.q:
            return len(self.ids(cap + 1))
        return qs.values("pk")[: cap + 1].count()


ROW_FIELDS = (
    *(f.attname for f in Ticket._meta.concrete_fields),
    "customer__name",
    "assignee__username",
    "assignee__display_name",
    "assignee__first_name",
    "assignee__last_name",
    "shop__name",
    "shop__currency",
    "team__name",
    "order__external_id",
    "category__name",
    "category__parent_id",
    "category__parent__name",
    "category__parent__parent_id",
)


def list_rows() -> QuerySet[Ticket]:
    """What a list row shows of a ticket (and of its customer, assignee, shop, team, order
    and category: their names only, which halves the time a page of rows takes to read)."""
    return (
        Ticket.objects.select_related(
            "customer", "assignee", "shop", "team", "order", "category", "category__parent"
        )
        .only(*ROW_FIELDS)
        .prefetch_related("tags")
    )


def rows_in_order(ids: list[int]) -> list[Ticket]:
    if not ids:
        return []
    found = {t.pk: t for t in list_rows().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def ticket_list(user, filters: TicketFilters, now: dt.datetime | None = None) -> TicketList:
    return TicketList(user, filters, now)


def view_counts(user, views: Iterable[str] = ("mine", "unassigned", "team", "overdue", "waiting")):
    """{view: count} for the inbox tabs, each capped at COUNT_CAP + 1 rows."""
    now = timezone.now()
    return {key: TicketList(user, TicketFilters(view=key), now).count() for key in views}


# ---------------------------------------------------------------- the ticket page


@dataclass
class TicketPage:
    ticket: Ticket
    messages: list[Message]
    earlier_messages: bool
    customer: Customer
    recent_orders: list[Order]
    other_tickets: list[Ticket]
    link_domains: frozenset[str]
    has_more_tickets: bool = False
    extra: dict = field(default_factory=dict)


MESSAGE_LIMIT = 300
RECENT_ORDERS = 5
OTHER_TICKETS = 6


def ticket_detail() -> QuerySet[Ticket]:
    """A ticket with what its page shows of it and of its customer."""
    return Ticket.objects.select_related(
        "shop",
        "customer",
        "customer__owner",
        "order",
        "assignee",
        "team",
        "category",
        "category__parent",
        "sla_policy",
    ).prefetch_related(
        "tags",
        "customer__phones",
        "customer__emails",
        "customer__tags",
        Prefetch("customer__identities", MarketplaceIdentity.objects.select_related("shop")),
    )


def messages_of(ticket: Ticket, limit: int = MESSAGE_LIMIT) -> tuple[list[Message], bool]:
    """The newest ``limit`` messages oldest first, with authors and attachments."""
    rows = list(
        Message.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", Attachment.objects.order_by("id")))
        .order_by("-created_at", "-id")[: limit + 1]
    )
    more = len(rows) > limit
    return rows[:limit][::-1], more


def customer_panel() -> QuerySet[Customer]:
    return Customer.objects.select_related("owner").prefetch_related(
        "phones",
        "emails",
        "tags",
        Prefetch("identities", MarketplaceIdentity.objects.select_related("shop")),
    )


def recent_orders(customer_id: int, limit: int = RECENT_ORDERS) -> list[Order]:
    return list(
        Order.objects.filter(customer_id=customer_id)
        .select_related("shop")
        .prefetch_related(Prefetch("items", OrderItem.objects.order_by("id")))
        .order_by("-placed_at", "-id")[:limit]
    )


def ticket_page(pk: int) -> TicketPage:
    """Everything the ticket page shows, in a fixed number of queries however long the
    thread or the customer's history: the ticket, its messages and files, the customer's
    profile, recent orders and other tickets."""
    ticket = ticket_detail().get(pk=pk)
    messages, earlier = messages_of(ticket)
    customer = ticket.customer
    others = list(
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .select_related("shop")
        .order_by("-created_at", "-id")[: OTHER_TICKETS + 1]
    )
    return TicketPage(
        ticket=ticket,
        messages=messages,
        earlier_messages=earlier,
        customer=customer,
        recent_orders=recent_orders(ticket.customer_id),
        other_tickets=others[:OTHER_TICKETS],
        has_more_tickets=len(others) > OTHER_TICKETS,
        link_domains=links.allowed_domains(ticket.shop),
    )


# ---------------------------------------------------------------- choices for forms


def category_choices() -> list[tuple[int, str]]:
    """(id, "Parent / Child") of every category, in tree order (kept per process)."""
    return refcache.value("category_choices", _category_choices)


def _category_choices() -> list[tuple[int, str]]:
    rows = list(Category.objects.values_list("id", "name", "parent_id"))
    by_id = {cid: (name, parent) for cid, name, parent in rows}

    def path(cid: int) -> list[str]:
        out, seen = [], set()
        while cid is not None and cid not in seen:
            seen.add(cid)
            name, parent = by_id[cid]
            out.append(name)
            cid = parent
        return out[::-1]

    return sorted(((cid, " / ".join(path(cid))) for cid in by_id), key=lambda r: r[1])


def assignable_users() -> QuerySet[User]:
    from kefu.core.roles import roles_for

    return User.objects.filter(is_active=True, role__in=roles_for("tickets.work")).order_by(
        "display_name", "username"
    )


def teams() -> list[Team]:
    """Every team by name (kept per process)."""
    return refcache.value("teams_by_name", _teams_by_name)


def _teams_by_name() -> list[Team]:
    return list(Team.objects.order_by("name"))


def tag_choices() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")
