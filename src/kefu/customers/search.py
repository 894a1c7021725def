"""The customer search index: name, phones, emails and marketplace IDs, in any language.

Every service that changes what is indexed (name, phones, emails, marketplace IDs, a merge
or its reversal) calls :func:`reindex` in its own transaction, so the index never lags.
Bulk loaders that already hold the values index them with :func:`index_documents`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL

from kefu.core import search as core_search
from kefu.core.search import SearchIndex
from kefu.customers import normalize
from kefu.customers.models import Customer

CUSTOMER_INDEX = SearchIndex("customers")
CHUNK = 1000  # ids per query: well under every database's limit of query parameters
_CJK_RUN = re.compile(f"([{core_search._CJK}]+)")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def split_letters_digits(text: str) -> str:
    """'brown575692' → 'brown.575692': letters and digits become separate terms, so a
    name typed as a prefix ('brown') does not fan out over every 'brown<number>' handle in
    the index, and the number still matches right after the name ('brown575692')."""
    return _LETTER_DIGIT.sub(".", text or "")


def phone_terms(normalized: str) -> list[str]:
    """A phone is found by its full number, its number without country code (also with the
    national trunk 0), or its last four digits (what a caller reads out):
    8613812345678 → 8613812345678, 13812345678, 013812345678, 5678."""
    if not normalized:
        return []
    out = [normalized]
    code, national = normalize.split_country_code(normalized)
    if code:
        out.extend([national, "0" + national])
    if len(normalized) >= 4:
        out.append(normalized[-4:])
    return list(dict.fromkeys(out))


def document_text(
    name: str, phones: Iterable[str], emails: Iterable[str], external_ids: Iterable[str]
) -> str:
    """The text indexed for one customer, from normalised phones and emails."""
    parts = [split_letters_digits(name or "")]
    for phone in phones:
        parts.extend(phone_terms(phone))
    parts.extend(split_letters_digits(e) for e in emails)
    parts.extend(split_letters_digits(e) for e in external_ids)
    return " ".join(p for p in parts if p)


def document(customer: Customer) -> str:
    """The text indexed for one customer; reads prefetched phones, emails, identities."""
    return document_text(
        customer.name,
        [phone.normalized for phone in customer.phones.all()],
        [email.normalized for email in customer.emails.all()],
        [identity.external_id for identity in customer.identities.all()],
    )


def reindex(customer_ids: Iterable[int]) -> None:
    """Bring the index in step with these customers (call inside the writing transaction).

    A customer that no longer exists, or was merged into another, leaves the index.
    """
    ids = list(dict.fromkeys(customer_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        customers = Customer.objects.filter(pk__in=chunk).prefetch_related(
            "phones", "emails", "identities"
        )
        live = [(c.pk, document(c)) for c in customers if c.merged_into_id is None]
        live_ids = {pk for pk, _ in live}
        CUSTOMER_INDEX.remove(connection, [pk for pk in chunk if pk not in live_ids])
        CUSTOMER_INDEX.put_many(connection, live)


def index_new_documents(rows: Iterable[tuple[int, str]]) -> None:
    """Index ``(id, document_text(...))`` of customers a bulk loader has just created
    (ids never indexed before: nothing to replace, so this only inserts)."""
    from kefu.customers.bulk import write_rows

    if connection.vendor == "sqlite":
        rows = [(pk, core_search.index_text(text)) for pk, text in rows]
        write_rows(CUSTOMER_INDEX.table, ["rowid", "terms"], rows)
    else:
        rows = [(pk, core_search.pg_tsvector(text)) for pk, text in rows]
        write_rows(CUSTOMER_INDEX.table, ["id", "terms"], rows)


def ids_sql(query: str) -> tuple[str, list] | None:
    """``(sql, params)`` selecting the ids of the customers matching ``query``, or None.

    A query that is only a phone number in any form ('+86 138 1234 5678', '010-1234-5678',
    '13812345678', the last four digits) is looked up by its digits; anything else (names
    in Chinese, Korean or English, emails, marketplace IDs, a name and digits) goes to the
    index as typed.
    """
    return CUSTOMER_INDEX.ids_sql(connection, index_query(query))


FEW_CUSTOMERS = 2000
"""PostgreSQL: a query at most this many customers match is listed from the GIN index."""


def newest_ids(query: str, limit: int) -> list[int]:
    """The newest ``limit`` live customers matching ``query``.

    PostgreSQL, asked for the newest few matches, walks the customers backwards testing
    each against the index unless many match early: for a word no customer has (a
    ticket word like 退款, an order number) that reads every customer, 160-180 ms at a
    million. A query with at most ``FEW_CUSTOMERS`` matches is read from the GIN index
    first, then ordered.
    """
    from kefu.customers.models import Customer

    live = Customer.objects.live()
    if connection.vendor == "postgresql":
        few = CUSTOMER_INDEX.few_ids(connection, index_query(query), FEW_CUSTOMERS)
        if few is not None:
            live = live.filter(pk__in=few)
            return list(live.order_by("-pk").values_list("pk", flat=True)[:limit])
    found = ids_sql(query)
    if found is None:
        return []
    live = live.filter(pk__in=RawSQL(*found))
    return list(live.order_by("-pk").values_list("pk", flat=True)[:limit])


def index_query(query: str) -> str:
    """What the index is asked for ``query``: a phone number's digits, else the text."""
    digits = normalize.phone_query(query)
    return digits if digits is not None else split_scripts(split_letters_digits(query))


def split_scripts(query: str) -> str:
    """Put spaces between Chinese/Korean runs and the letters or digits glued to them
    ('tb_小芳2023' → 'tb_ 小芳 2023'), so each part must match on its own: the index keeps
    a CJK run's last character as a term of its own, so a glued phrase would not match."""
    return _CJK_RUN.sub(r" \1 ", query or "")
