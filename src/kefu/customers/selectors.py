"""Reads of the customer archive, shaped once per screen or endpoint.

Consent: every list of people to *call* must start from :func:`callable_customers` (or
filter its own rows with :func:`callable_filter`), every list of people to send offers
to from :func:`marketable_customers`, so a "no calls" / "no marketing" customer is never
on one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.db.models import BooleanField, Count, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.reverse_related import ManyToOneRel
from django.utils import timezone
from django.utils.translation import get_language

from kefu.core.models import Shop, User
from kefu.core.roles import Role
from kefu.customers import rules, search
from kefu.customers.models import (
    AttributeDefinition,
    Customer,
    CustomerEmail,
    CustomerPhone,
    MarketplaceIdentity,
    MergeRecord,
    Segment,
    Tag,
)

CONSENT_FILTERS = {
    "calls_ok": Q(no_calls=False),
    "no_calls": Q(no_calls=True),
    "marketing_ok": Q(no_marketing=False),
    "no_marketing": Q(no_marketing=True),
}


def with_contacts(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """What a list row or the API shows of each customer, in one query per kind of row."""
    return qs.select_related("owner").prefetch_related(
        "phones",
        "emails",
        Prefetch("identities", MarketplaceIdentity.objects.select_related("shop")),
        Prefetch("addresses", queryset=_addresses()),
        "tags",
    )


def customer_list() -> QuerySet[Customer]:
    """Live customers with what a list row or the API shows, newest first."""
    return with_contacts(Customer.objects.live()).order_by("-id")


def any_customer() -> QuerySet[Customer]:
    """Every customer, merged ones too (they name their survivor in merged_into)."""
    return with_contacts(Customer.objects.all())


def _shop_links() -> list[tuple[type, str]]:
    """(model, foreign key to customer) of every model that ties a customer to a shop:
    marketplace IDs, orders, tickets and whatever comes later."""
    out = []
    for rel in Customer._meta.related_objects:
        if not isinstance(rel, ManyToOneRel):
            continue
        try:
            shop = rel.related_model._meta.get_field("shop")
        except FieldDoesNotExist:
            continue
        if getattr(shop, "related_model", None) is Shop:
            out.append((rel.related_model, rel.field.attname))
    return out


def list_base() -> QuerySet[Customer]:
    """Live customers, newest first, with their owner: the rows of a list or search page
    (their contacts come from :func:`attach_contacts`, cheaper than prefetching)."""
    return Customer.objects.live().select_related("owner").order_by("-id")


def attach_contacts(customers: list[Customer]) -> list[Customer]:
    """Give each customer of a page ``phone_numbers``, ``email_addresses``,
    ``identity_labels`` ((shop, ID) pairs) and ``tag_list`` ((name, colour) pairs).

    One query of plain values for the whole page (a UNION of the four tables), not four
    prefetches: on a search page, building the ORM's prefetch queries would cost more
    than the search itself.
    """
    ids = [c.pk for c in customers]
    found: dict[str, dict[int, list]] = {k: defaultdict(list) for k in "peit"}
    if ids:
        qn = connection.ops.quote_name
        marks = ", ".join(["%s"] * len(ids))
        phone, email = CustomerPhone._meta.db_table, CustomerEmail._meta.db_table
        ident, shop = MarketplaceIdentity._meta.db_table, Shop._meta.db_table
        link, tag = Customer.tags.through._meta.db_table, Tag._meta.db_table
        sql = (
            f"SELECT customer_id, 'p', number, '', id, '' FROM {qn(phone)} "
            f"WHERE customer_id IN ({marks}) "
            f"UNION ALL SELECT customer_id, 'e', email, '', id, '' FROM {qn(email)} "
            f"WHERE customer_id IN ({marks}) "
            f"UNION ALL SELECT i.customer_id, 'i', i.external_id, s.name, i.id, '' "
            f"FROM {qn(ident)} i JOIN {qn(shop)} s ON s.id = i.shop_id "
            f"WHERE i.customer_id IN ({marks}) "
            f"UNION ALL SELECT l.customer_id, 't', t.name, t.color, 0, t.name "
            f"FROM {qn(link)} l JOIN {qn(tag)} t ON t.id = l.tag_id "
            f"WHERE l.customer_id IN ({marks}) "
            "ORDER BY 2, 6, 5"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, ids * 4)
            for customer_id, kind, value, extra, _id, _name in cursor.fetchall():
                found[kind][customer_id].append((value, extra))
    for c in customers:
        c.phone_numbers = [v for v, _x in found["p"][c.pk]]
        c.email_addresses = [v for v, _x in found["e"][c.pk]]
        c.identity_labels = [(shop_name, v) for v, shop_name in found["i"][c.pk]]
        c.tag_list = found["t"][c.pk]
    return customers


def page_of(qs: QuerySet[Customer], *, offset: int = 0, size: int = 20) -> tuple[list, bool]:
    """One page of a list or search, contacts attached; and whether more follow."""
    rows = list(qs[offset : offset + size + 1])
    page = rows[:size]
    attach_contacts(page)
    return page, len(rows) > size


def search_customers(
    q: str = "",
    *,
    segment: str | None = None,
    owner: User | int | None = None,
    unowned: bool = False,
    tag: Tag | int | str | None = None,  # a Tag, its id, or its name
    shop: Shop | int | None = None,
    consent: str | None = None,
    awaiting_contact: bool = False,
    overdue: bool = False,
    base: QuerySet[Customer] | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Customer]:
    """Live customers matching ``q`` (name, phone in any form, email, marketplace ID, in
    Chinese, Korean or English) and the filters, newest first.

    ``q`` becomes a sub-query on the search index (``pk IN (SELECT … MATCH …)``), so it
    combines with any filter and with ``base`` (e.g. :func:`callable_customers`).
    """
    qs = (base if base is not None else list_base()).filter(merged_into__isnull=True)
    q = (q or "").replace("\x00", "").strip()
    if q and _is_email(q):
        # A whole email address: an exact look-up (an address's domain is in every other
        # customer's too, which would make it the slowest thing to find in the index).
        normal = q.lower()
        ids = set(
            CustomerEmail.objects.filter(normalized=normal).values_list("customer_id", flat=True)
        )
        ids |= set(
            MarketplaceIdentity.objects.filter(external_id=q).values_list("customer_id", flat=True)
        )
        qs = qs.filter(pk__in=sorted(ids))
    elif q:
        found = search.ids_sql(q)
        if found is None:
            return qs.none()
        qs = qs.filter(_matching(*found))
    if segment:
        qs = qs.filter(segment=segment) if segment in Segment.values else qs.none()
    if unowned:
        qs = qs.filter(owner__isnull=True)
    elif owner is not None:
        qs = qs.filter(owner=owner)
    if tag is not None and tag != "":
        if isinstance(tag, str):  # a tag's name
            tag_ids = Tag.objects.filter(name=tag).values("pk")
        else:
            tag_ids = [tag.pk if isinstance(tag, Tag) else int(tag)]
        qs = qs.filter(
            pk__in=Customer.tags.through.objects.filter(tag_id__in=tag_ids).values("customer_id")
        )
    if shop:
        shop_id = shop.pk if isinstance(shop, Shop) else int(shop)
        linked = Q()
        for model, attname in _shop_links():
            linked |= Q(pk__in=model._base_manager.filter(shop_id=shop_id).values(attname))
        qs = qs.filter(linked)
    if consent:
        qs = qs.filter(CONSENT_FILTERS[consent]) if consent in CONSENT_FILTERS else qs.none()
    if awaiting_contact or overdue:
        qs = qs.filter(
            owner__isnull=False, owner_assigned_at__isnull=False, owner_contacted_at__isnull=True
        )
    if overdue:
        qs = qs.filter(owner_assigned_at__lt=first_contact_cutoff(now))
    return qs


def _matching(sql: str, params: list) -> Q | RawSQL:
    """``pk IN (the index's matches)``.

    SQLite looks each match up by rowid, then sorts: right for rare and common terms
    alike. PostgreSQL cannot estimate how many rows a tsquery matches; for a rare term (a
    phone number) it would walk the whole table in id order to fill a page, or merge-join
    all of it. ``id = ANY(ARRAY(…))`` makes it ask the GIN index first (an InitPlan) and
    then read just the page's rows from the primary key, newest first.
    """
    if connection.vendor != "postgresql":
        return Q(pk__in=RawSQL(sql, params))
    table = connection.ops.quote_name(Customer._meta.db_table)
    return RawSQL(f"{table}.id = ANY(ARRAY({sql}))", params, output_field=BooleanField())


def _is_email(text: str) -> bool:
    if " " in text or text.count("@") != 1 or len(text) > 254:
        return False
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


# ---------------------------------------------------------------- consent


def callable_customers(base: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """Customers kefu may phone: live, not "no calls", with at least one phone number.

    Every call list (follow-up calls, event invitations, review recovery by phone) MUST
    start from this queryset (or filter with :func:`callable_filter`).
    """
    return (base if base is not None else Customer.objects.all()).callable()


def callable_filter(prefix: str = "customer") -> Q:
    """The same rule for rows that point at a customer, e.g. follow-up tasks:
    ``FollowUp.objects.filter(callable_filter("customer"))``."""
    return Q(
        **{
            f"{prefix}__merged_into__isnull": True,
            f"{prefix}__no_calls": False,
            f"{prefix}__in": CustomerPhone.objects.values("customer_id"),
        }
    )


def marketable_customers(base: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """Customers kefu may send offers, event notices and greetings to (not "no marketing")."""
    return (base if base is not None else Customer.objects.all()).marketable()


def marketable_filter(prefix: str = "customer") -> Q:
    return Q(**{f"{prefix}__merged_into__isnull": True, f"{prefix}__no_marketing": False})


# ---------------------------------------------------------------- ownership


def contact_days() -> int:
    return rules.OWNER_CONTACT_DAYS.get()


def first_contact_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Assigned before this and not contacted yet: overdue (003 ch.2 §3)."""
    return (now or timezone.now()) - dt.timedelta(days=contact_days())


def contact_due(customer: Customer, days: int | None = None) -> dt.datetime | None:
    """When the owner must have contacted this customer by, or None if nothing is due."""
    if not customer.owner_id or customer.owner_assigned_at is None or customer.owner_contacted_at:
        return None
    return customer.owner_assigned_at + dt.timedelta(days=days or contact_days())


def awaiting_first_contact(owner: User | None = None) -> QuerySet[Customer]:
    """Assigned customers the owner has not contacted yet, oldest assignment first."""
    qs = Customer.objects.live().filter(
        owner__isnull=False, owner_assigned_at__isnull=False, owner_contacted_at__isnull=True
    )
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs.select_related("owner").prefetch_related("phones").order_by("owner_assigned_at", "pk")


def overdue_first_contacts(
    owner: User | None = None, now: dt.datetime | None = None
) -> QuerySet[Customer]:
    """Assigned longer ago than the contact window and still not contacted."""
    return awaiting_first_contact(owner).filter(owner_assigned_at__lt=first_contact_cutoff(now))


@dataclass
class AgentLoad:
    user: User
    owned: int
    awaiting: int
    overdue: int
    share: float  # customers the capacity weight entitles them to, of all owned + unowned
    eligible: bool  # takes part in "balance"

    @property
    def percent_of_share(self) -> int:
        return round(100 * self.owned / self.share) if self.share else 0


def agent_loads(now: dt.datetime | None = None) -> tuple[list[AgentLoad], int]:
    """Per person who can own customers: how many they own, await and are late on, and
    their share by capacity; and how many customers have no owner."""
    from kefu.customers.services import eligible_agents

    cutoff = first_contact_cutoff(now)

    def per_owner(qs) -> dict[int, int]:
        return dict(qs.values("owner").annotate(n=Count("id")).values_list("owner", "n"))

    # Counted from the indexes: everything owned, less the few merged records; the
    # waiting ones from the partial "to contact" index.
    owned = per_owner(Customer.objects.filter(owner__isnull=False))
    for owner_id, n in per_owner(
        Customer.objects.filter(owner__isnull=False, merged_into__isnull=False)
    ).items():
        owned[owner_id] -= n
    waiting = Customer.objects.live().filter(
        owner__isnull=False, owner_assigned_at__isnull=False, owner_contacted_at__isnull=True
    )
    awaiting = per_owner(waiting)
    overdue = per_owner(waiting.filter(owner_assigned_at__lt=cutoff))
    users = list(
        User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.LEAD, Role.ADMIN])
        .filter(Q(role=Role.AGENT) | Q(pk__in=list(owned)))
        .order_by("role", "pk")
    )
    for u in users:
        u.owned, u.awaiting, u.overdue = (
            owned.get(u.pk, 0),
            awaiting.get(u.pk, 0),
            overdue.get(u.pk, 0),
        )
    unowned = Customer.objects.filter(owner__isnull=True, merged_into__isnull=True).count()
    eligible = {u.pk for u in eligible_agents(u for u in users if u.role == Role.AGENT)}
    pool = [u for u in users if u.pk in eligible]
    total = sum(u.owned for u in pool) + unowned
    weight = sum(u.capacity for u in pool) or 1
    rows = [
        AgentLoad(
            user=u,
            owned=u.owned,
            awaiting=u.awaiting,
            overdue=u.overdue,
            share=total * u.capacity / weight if u.pk in eligible else 0.0,
            eligible=u.pk in eligible,
        )
        for u in users
        if u.owned or u.pk in eligible
    ]
    return rows, unowned


def assignable_users() -> QuerySet[User]:
    """Who a lead may give customers to."""
    return User.objects.filter(
        is_active=True, role__in=[Role.AGENT, Role.LEAD, Role.ADMIN]
    ).order_by("role", "display_name", "username")


# ---------------------------------------------------------------- the customer page


def customer_detail() -> QuerySet[Customer]:
    """One customer with everything the page header and side panels show: one query per
    kind of row, however much history the customer has."""
    return Customer.objects.select_related("owner", "merged_into").prefetch_related(
        "phones",
        "emails",
        Prefetch(
            "identities", MarketplaceIdentity.objects.select_related("shop").order_by("shop__name")
        ),
        Prefetch("addresses", queryset=_addresses()),
        "tags",
        Prefetch(
            "merges_won",
            MergeRecord.objects.filter(reversed_at__isnull=True)
            .select_related("merged", "merged_by")
            .order_by("-merged_at"),
            to_attr="live_merges",
        ),
    )


def _addresses():
    from kefu.customers.models import Address

    return Address.objects.order_by("-is_default", "pk")


def attribute_label(definition: AttributeDefinition, language: str | None = None) -> str:
    language = (language or get_language() or "en").lower()
    if language.startswith("zh") and definition.label_zh:
        return definition.label_zh
    if language.startswith("ko") and definition.label_ko:
        return definition.label_ko
    return definition.label


@dataclass
class AttributeRow:
    definition: AttributeDefinition
    label: str
    value: object


@dataclass
class AttributeGroup:
    name: str
    rows: list[AttributeRow] = field(default_factory=list)


def attribute_groups(
    customer: Customer | None, definitions=None, language: str | None = None
) -> list[AttributeGroup]:
    """Active attribute definitions grouped (apparel, car…) with this customer's values."""
    definitions = (
        list(AttributeDefinition.objects.filter(is_active=True))
        if definitions is None
        else definitions
    )
    values = (customer.attributes if customer is not None else None) or {}
    groups: dict[str, AttributeGroup] = {}
    for d in definitions:
        group = groups.setdefault(d.group, AttributeGroup(d.group))
        group.rows.append(AttributeRow(d, attribute_label(d, language), values.get(d.key)))
    return list(groups.values())


def merge_record(pk: int) -> MergeRecord:
    return MergeRecord.objects.select_related("survivor", "merged", "merged_by", "reversed_by").get(
        pk=pk
    )


def recent_merges(limit: int = 20) -> QuerySet[MergeRecord]:
    return MergeRecord.objects.select_related(
        "survivor", "merged", "merged_by", "reversed_by"
    ).order_by("-merged_at", "-pk")[:limit]


# ---------------------------------------------------------------- duplicates


@dataclass
class DuplicateGroup:
    """Live customers that share a normalised phone, email or marketplace ID."""

    customers: list[Customer]
    reasons: list[tuple[str, str]]  # (kind: phone/email/marketplace_id, shared value)


MAX_SHARED = 10
"""A phone, email or ID that more customers share is not one buyer's: a shop's own number,
a placeholder like 13800000000, a family's landline. It is left out of the duplicates."""


def _shared(model, key: str, limit: int) -> dict[str, set[int]]:
    """{value: customer ids} of values 2 to MAX_SHARED customers have; one query, read
    from the value's index alone (merged records are dropped afterwards: joining every
    row to its customer would cost more than the whole rest)."""
    keys = (
        model.objects.values(key)
        .annotate(n=Count("id"))
        .filter(n__gt=1, n__lte=MAX_SHARED)
        .order_by("-n", key)
        .values(key)[:limit]
    )
    out: dict[str, set[int]] = defaultdict(set)
    rows = model.objects.filter(**{f"{key}__in": keys}, customer__merged_into__isnull=True)
    for value, customer_id in rows.values_list(key, "customer_id"):
        out[value].add(customer_id)
    return {value: ids for value, ids in out.items() if len(ids) > 1}


def duplicate_groups(limit: int = 50) -> list[DuplicateGroup]:
    """Likely duplicates: customers linked by a shared phone, email or marketplace ID (on
    the same platform), clustered so one buyer's records form one group."""
    links: list[tuple[str, str, set[int]]] = []
    for value, ids in _shared(CustomerPhone, "normalized", limit * 2).items():
        links.append(("phone", value, ids))
    for value, ids in _shared(CustomerEmail, "normalized", limit * 2).items():
        links.append(("email", value, ids))
    # The same ID on two shops of one platform is one account; on different platforms it
    # may be two people. Grouped by ID from its index first, platforms told apart after.
    shared_ids = (
        MarketplaceIdentity.objects.values("external_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1, n__lte=MAX_SHARED)
        .order_by("-n", "external_id")
        .values("external_id")[: limit * 2]
    )
    by_platform: dict[tuple[str, str], set[int]] = defaultdict(set)
    for platform, external, customer_id in MarketplaceIdentity.objects.filter(
        external_id__in=shared_ids, customer__merged_into__isnull=True
    ).values_list("shop__platform", "external_id", "customer_id"):
        by_platform[(platform, external)].add(customer_id)
    for (platform, external), ids in by_platform.items():
        if len(ids) > 1:
            links.append(("marketplace_id", f"{platform}:{external}", ids))

    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _kind, _value, ids in links:
        first, *rest = sorted(ids)
        for other in rest:
            parent[find(other)] = find(first)
    clusters: dict[int, set[int]] = defaultdict(set)
    for x in list(parent):
        clusters[find(x)].add(x)
    reasons: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for kind, value, ids in links:
        reasons[find(next(iter(ids)))].append((kind, value))
    ordered = sorted(clusters.items(), key=lambda item: (-len(item[1]), min(item[1])))[:limit]
    wanted = {pk for _root, members in ordered for pk in members}
    customers = {
        c.pk: c
        for c in Customer.objects.filter(pk__in=wanted)
        .select_related("owner")
        .prefetch_related(
            "phones",
            "emails",
            Prefetch("identities", MarketplaceIdentity.objects.select_related("shop")),
        )
    }
    return [
        DuplicateGroup(
            customers=[customers[pk] for pk in sorted(members) if pk in customers],
            reasons=sorted(set(reasons[root])),
        )
        for root, members in ordered
    ]
