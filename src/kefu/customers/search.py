"""The customer search index: name, phones, emails and marketplace IDs, in any language."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from kefu.core.search import SearchIndex
from kefu.customers.models import Customer

CUSTOMER_INDEX = SearchIndex("customers")


def phone_terms(normalized: str) -> list[str]:
    """A phone is found by its full number, its number without country code, or its last
    four digits (what a caller reads out): 8613812345678 → 13812345678, 5678."""
    out = [normalized]
    for code_len in (1, 2, 3):
        national = normalized[code_len:]
        if len(national) >= 7:
            out.append(national)
            out.append("0" + national)  # as dialled nationally, 010-… in Korea
    if len(normalized) >= 4:
        out.append(normalized[-4:])
    return out


def document(customer: Customer) -> str:
    """The text indexed for one customer; reads prefetched phones, emails, identities."""
    parts = [customer.name]
    for phone in customer.phones.all():
        parts.extend(phone_terms(phone.normalized))
    parts.extend(email.normalized for email in customer.emails.all())
    parts.extend(identity.external_id for identity in customer.identities.all())
    return " ".join(p for p in parts if p)


def reindex(customer_ids: Iterable[int]) -> None:
    """Bring the index in step with these customers (call inside the writing transaction)."""
    ids = list(customer_ids)
    if not ids:
        return
    customers = Customer.objects.filter(pk__in=ids).prefetch_related(
        "phones", "emails", "identities"
    )
    live = [(c.pk, document(c)) for c in customers if c.merged_into_id is None]
    CUSTOMER_INDEX.remove(connection, [pk for pk in ids if pk not in {pk for pk, _ in live}])
    CUSTOMER_INDEX.put_many(connection, live)
