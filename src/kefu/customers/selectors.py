"""Reads of the customer archive, shaped once per screen or endpoint."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.customers.models import Customer


def customer_list() -> QuerySet[Customer]:
    return (
        Customer.objects.filter(merged_into__isnull=True)
        .select_related("owner")
        .prefetch_related("phones", "emails")
        .order_by("-id")
    )
