"""Writes on the customer archive; each in one transaction with its audit entry."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from kefu.core import audit
from kefu.core.errors import DomainError
from kefu.customers import normalize, search
from kefu.customers.models import Customer, CustomerEmail, CustomerPhone, Segment


def create_customer(
    *,
    actor,
    name: str,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    language: str = "zh-hans",
    segment: str | None = None,
    no_calls: bool = False,
    no_marketing: bool = False,
    attributes: dict | None = None,
    notes: str = "",
    country_code: str = normalize.DEFAULT_COUNTRY_CODE,
) -> Customer:
    """Open a customer record (客户档案). Phones and emails are kept as typed and normalised."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the customer's name."]
    phone_rows = []
    for raw in phones:
        normal = normalize.phone(raw, country_code)
        if not normal:
            errors.setdefault("phones", []).append(f"{raw!r} is not a phone number.")
        phone_rows.append((raw.strip(), normal))
    email_rows = []
    for raw in emails:
        try:
            validate_email(raw.strip())
        except ValidationError:
            errors.setdefault("emails", []).append(f"{raw!r} is not an email address.")
        email_rows.append((raw.strip(), normalize.email(raw)))
    if segment is not None and segment not in Segment.values:
        errors["segment"] = [f"Choose one of: {', '.join(Segment.values)}."]
    if errors:
        raise DomainError(
            "The customer has invalid fields.", fields=errors, code="validation_error"
        )
    with transaction.atomic():
        customer = Customer.objects.create(
            name=name,
            language=language,
            segment=segment or Segment.POTENTIAL,
            segment_is_manual=segment is not None,
            no_calls=no_calls,
            no_marketing=no_marketing,
            attributes=attributes or {},
            notes=notes,
            first_contact_at=timezone.now(),
        )
        CustomerPhone.objects.bulk_create(
            CustomerPhone(customer=customer, number=raw, normalized=normal)
            for raw, normal in phone_rows
        )
        CustomerEmail.objects.bulk_create(
            CustomerEmail(customer=customer, email=raw, normalized=normal)
            for raw, normal in email_rows
        )
        search.reindex([customer.pk])
        audit.record(actor=actor, obj=customer, action="customer.create", to_state=customer.segment)
    return customer
