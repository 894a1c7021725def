"""Writes on the customer archive; each in one transaction with its audit entry.

Every service that changes what the search index holds (name, phones, emails, marketplace
IDs, a merge and its reversal) reindexes the customers it touched in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kefu.core import audit
from kefu.core.context import request_id
from kefu.core.errors import Conflict, DomainError, NotFound
from kefu.core.models import AuditEntry, Shop, User
from kefu.core.roles import Role, can
from kefu.customers import bulk, normalize, search, segments
from kefu.customers import merge as merging
from kefu.customers.models import (
    Address,
    AttributeDefinition,
    ContactChannel,
    Customer,
    CustomerEmail,
    CustomerNote,
    CustomerPhone,
    MarketplaceIdentity,
    MergeRecord,
    Segment,
    Tag,
)

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
AUTO_SEGMENT = "auto"  # "let the rule decide" in forms and the API
MAX_PHONES = MAX_EMAILS = MAX_IDENTITIES = MAX_ADDRESSES = 20
MAX_TAGS = 30
MAX_TEXT_ATTRIBUTE = 500
CHUNK = 1000

Errors = dict[str, list[str]]


def _invalid(errors: Errors, message: str | None = None) -> DomainError:
    return DomainError(
        message or _("The customer has invalid fields."), fields=errors, code="validation_error"
    )


def _no_nul(value: str) -> str:
    return (value or "").replace("\x00", "")


# ---------------------------------------------------------------- cleaning input


@dataclass
class PhoneIn:
    number: str
    normalized: str
    label: str = ""


def clean_phones(raw: Iterable[Any], country_code: str, errors: Errors) -> list[PhoneIn]:
    """Phones as typed (strings, or {"number", "label"}), normalised, without repeats."""
    out: dict[str, PhoneIn] = {}
    for item in raw or ():
        if isinstance(item, dict):
            number, label = str(item.get("number") or ""), str(item.get("label") or "")
        else:
            number, label = str(item or ""), ""
        number, label = _no_nul(number).strip()[:40], _no_nul(label).strip()[:20]
        if not number:
            continue
        normal = normalize.phone(number, country_code)
        if not normal or len(normal) > 24:
            errors.setdefault("phones", []).append(
                _("“%(value)s” is not a phone number.") % {"value": number}
            )
            continue
        out.setdefault(normal, PhoneIn(number, normal, label))
    if len(out) > MAX_PHONES:
        errors.setdefault("phones", []).append(_("At most %(n)d phones.") % {"n": MAX_PHONES})
    return list(out.values())


def clean_emails(raw: Iterable[Any], errors: Errors) -> list[tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for item in raw or ():
        value = _no_nul(str(item or "")).strip()
        if not value:
            continue
        try:
            if len(value) > 254:
                raise ValidationError("too long")
            validate_email(value)
        except ValidationError:
            errors.setdefault("emails", []).append(
                _("“%(value)s” is not an email address.") % {"value": value[:80]}
            )
            continue
        out.setdefault(normalize.email(value), (value, normalize.email(value)))
    if len(out) > MAX_EMAILS:
        errors.setdefault("emails", []).append(_("At most %(n)d emails.") % {"n": MAX_EMAILS})
    return list(out.values())


def clean_identities(
    raw: Iterable[Any], errors: Errors, *, customer: Customer | None = None
) -> list[tuple[int, str]]:
    """Marketplace IDs as (shop id, ID), from dicts {"shop_id"/"shop", "external_id"} or
    pairs; each may belong to one customer only."""
    pairs: dict[tuple[int, str], None] = {}
    for item in raw or ():
        if isinstance(item, dict):
            shop, external = item.get("shop_id", item.get("shop")), item.get("external_id")
        else:
            shop, external = item
        shop_id = shop.pk if isinstance(shop, Shop) else shop
        external = _no_nul(str(external or "")).strip()
        if not external and not shop_id:
            continue
        if not external:
            errors.setdefault("identities", []).append(_("Give the marketplace ID."))
            continue
        if len(external) > 120:
            errors.setdefault("identities", []).append(
                _("A marketplace ID is 120 characters at most.")
            )
            continue
        try:
            shop_id = int(shop_id)
        except (TypeError, ValueError):
            errors.setdefault("identities", []).append(_("Choose the shop of each marketplace ID."))
            continue
        pairs[(shop_id, external)] = None
    if not pairs:
        return []
    if len(pairs) > MAX_IDENTITIES:
        errors.setdefault("identities", []).append(
            _("At most %(n)d marketplace IDs.") % {"n": MAX_IDENTITIES}
        )
        return []
    shops = set(Shop.objects.filter(pk__in={s for s, _ in pairs}).values_list("pk", flat=True))
    for shop_id, _external in pairs:
        if shop_id not in shops:
            errors.setdefault("identities", []).append(
                _("There is no shop %(shop)s.") % {"shop": shop_id}
            )
    taken = MarketplaceIdentity.objects.filter(
        shop_id__in=shops, external_id__in={e for _, e in pairs}
    ).select_related("customer", "shop")
    if customer is not None:
        taken = taken.exclude(customer=customer)
    for identity in taken:
        if (identity.shop_id, identity.external_id) in pairs:
            errors.setdefault("identities", []).append(
                _("%(id)s on %(shop)s already belongs to %(customer)s (#%(pk)s).")
                % {
                    "id": identity.external_id,
                    "shop": identity.shop,
                    "customer": identity.customer,
                    "pk": identity.customer_id,
                }
            )
    return list(pairs)


ADDRESS_FIELDS = ("recipient", "phone", "country", "region", "city", "line", "postcode")
ADDRESS_LIMITS = {
    "recipient": 120,
    "phone": 40,
    "country": 2,
    "region": 80,
    "city": 80,
    "line": 255,
    "postcode": 20,
}


def clean_addresses(raw: Iterable[Any], errors: Errors, *, default_name: str) -> list[dict]:
    out = []
    for item in raw or ():
        data = item if isinstance(item, dict) else {}
        row = {f: _no_nul(str(data.get(f) or "")).strip() for f in ADDRESS_FIELDS}
        if not any(row[f] for f in ("line", "city", "region", "postcode")):
            continue
        if not row["line"]:
            errors.setdefault("addresses", []).append(_("Give the street address."))
            continue
        for f, limit in ADDRESS_LIMITS.items():
            if len(row[f]) > limit:
                errors.setdefault("addresses", []).append(
                    _("%(field)s is %(n)d characters at most.") % {"field": f, "n": limit}
                )
        row["country"] = (row["country"] or "CN").upper()
        row["recipient"] = row["recipient"] or default_name
        row["is_default"] = bool(data.get("is_default"))
        out.append(row)
    if len(out) > MAX_ADDRESSES:
        errors.setdefault("addresses", []).append(
            _("At most %(n)d addresses.") % {"n": MAX_ADDRESSES}
        )
    if out and not any(a["is_default"] for a in out):
        out[0]["is_default"] = True
    seen_default = False
    for a in out:  # one default address
        a["is_default"] = a["is_default"] and not seen_default
        seen_default = seen_default or a["is_default"]
    return out


def clean_tags(raw: Iterable[Any], errors: Errors) -> list[str]:
    names: dict[str, None] = {}
    for item in raw or ():
        name = _no_nul(str(item or "")).strip()
        if not name:
            continue
        if len(name) > 40:
            errors.setdefault("tags", []).append(_("A tag is 40 characters at most."))
            continue
        names[name] = None
    if len(names) > MAX_TAGS:
        errors.setdefault("tags", []).append(_("At most %(n)d tags.") % {"n": MAX_TAGS})
    return list(names)


def active_definitions() -> dict[str, AttributeDefinition]:
    return {d.key: d for d in AttributeDefinition.objects.filter(is_active=True)}


def choice_values(definition: AttributeDefinition) -> list[str]:
    values = []
    for choice in definition.choices or []:
        if isinstance(choice, dict):
            values.append(str(choice.get("value", "")))
        elif isinstance(choice, list | tuple) and choice:
            values.append(str(choice[0]))
        else:
            values.append(str(choice))
    return values


_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n"}


def _attribute_value(definition: AttributeDefinition, raw: Any) -> Any:
    """The stored form of one attribute value; ValueError with the reason if invalid."""
    kind = definition.kind
    K = AttributeDefinition.Kind
    if kind == K.TEXT:
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise ValueError(_("Enter text."))
        text = _no_nul(str(raw)).strip()
        if len(text) > MAX_TEXT_ATTRIBUTE:
            raise ValueError(_("%(n)d characters at most.") % {"n": MAX_TEXT_ATTRIBUTE})
        return text
    if kind in (K.INTEGER, K.DECIMAL):
        if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
            raise ValueError(_("Enter a number."))
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(
                _("Enter a whole number.") if kind == K.INTEGER else _("Enter a number.")
            )
        if kind == K.INTEGER and number != number.to_integral_value():
            raise ValueError(_("Enter a whole number."))
        if abs(number) >= Decimal("1e12"):
            raise ValueError(_("This number is too large."))
        if definition.minimum is not None and number < definition.minimum:
            raise ValueError(_("Must be at least %(min)s.") % {"min": _plain(definition.minimum)})
        if definition.maximum is not None and number > definition.maximum:
            raise ValueError(_("Must be at most %(max)s.") % {"max": _plain(definition.maximum)})
        if kind == K.INTEGER:
            return int(number)
        number = number.normalize()
        as_float = float(number)
        return as_float if Decimal(repr(as_float)) == number else str(number)
    if kind == K.DATE:
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            day = parse_date(str(raw).strip()) if isinstance(raw, str) else None
        except ValueError:
            day = None
        if day is None:
            raise ValueError(_("Enter a date as YYYY-MM-DD."))
        return day.isoformat()
    if kind == K.CHOICE:
        value = str(raw).strip() if isinstance(raw, str | int) else None
        allowed = choice_values(definition)
        if value not in allowed:
            raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)})
        return value
    if kind == K.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(_("Answer yes or no."))
    raise ValueError(_("Unknown attribute type."))


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def clean_attributes(
    values: dict | None,
    *,
    current: dict | None = None,
    definitions: dict[str, AttributeDefinition] | None = None,
    errors: Errors,
) -> dict:
    """``current`` with ``values`` applied (None or "" removes a value), checked against the
    active attribute definitions: type, minimum, maximum, choices, required.

    Field errors are reported as ``attributes.<key>``. Values of attributes an admin has
    since switched off are kept as they are.
    """
    definitions = active_definitions() if definitions is None else definitions
    result = dict(current or {})
    if values is not None and not isinstance(values, dict):
        errors.setdefault("attributes", []).append(_("Give the attributes as key: value."))
        return result
    for key, raw in (values or {}).items():
        key = str(key)
        definition = definitions.get(key)
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if definition is None:
            if empty:
                result.pop(key, None)
            elif (current or {}).get(key) != raw:
                errors.setdefault(f"attributes.{key}", []).append(_("There is no such attribute."))
            continue
        if empty:
            result.pop(key, None)
            continue
        try:
            result[key] = _attribute_value(definition, raw)
        except ValueError as exc:
            errors.setdefault(f"attributes.{key}", []).append(str(exc))
    for key, definition in definitions.items():
        field_name = f"attributes.{key}"
        if definition.required and result.get(key) in (None, "") and field_name not in errors:
            errors.setdefault(field_name, []).append(_("This is required."))
    return result


# ---------------------------------------------------------------- audit in bulk


def _audit_customers(
    actor,
    rows: Iterable[tuple[int, str, str, str, dict]],
    action: str,
    reason: str = "",
) -> None:
    """One audit entry per customer, written in bulk: rows of (id, name, from, to, changes).

    Same fields as kefu.core.audit.record(); used where one action touches many customers
    (bulk assignment, balance, segment sweep), so each customer's history stays complete.
    """
    bulk.insert(AuditEntry, _audit_rows(actor, rows, action, reason))


def _audit_rows(actor, rows, action: str, reason: str = "") -> list[dict]:
    """Audit entries as column values for :func:`kefu.customers.bulk.insert`."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit entries must be written inside the service's transaction")
    actor_id = getattr(actor, "pk", None)
    label = getattr(actor, "username", None) or ("system" if actor is None else str(actor))
    rid = request_id.get()
    object_type = Customer._meta.label_lower
    return [
        {
            "actor_id": actor_id,
            "actor_label": label,
            "object_type": object_type,
            "object_id": str(pk),
            "object_repr": str(name)[:200],
            "action": action,
            "from_state": str(before or ""),
            "to_state": str(after or ""),
            "reason": reason,
            "changes": changes or {},
            "request_id": rid,
        }
        for pk, name, before, after, changes in rows
    ]


# ---------------------------------------------------------------- create and edit


def _set_tags(customer: Customer, names: list[str]) -> None:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name] = Tag.objects.create(name=name)
    customer.tags.set([existing[n] for n in names])


def create_customer(
    *,
    actor,
    name: str,
    phones: Iterable[Any] = (),
    emails: Iterable[str] = (),
    identities: Iterable[Any] = (),
    addresses: Iterable[dict] = (),
    language: str = "zh-hans",
    time_zone: str = "",
    segment: str | None = None,
    no_calls: bool = False,
    no_marketing: bool = False,
    attributes: dict | None = None,
    tags: Iterable[str] = (),
    notes: str = "",
    country_code: str | None = None,
) -> Customer:
    """Open a customer record (客户档案). Phones and emails are kept as typed and normalised;
    numbers typed without a country code get the customer's language's (86, 82, 1)."""
    name = _no_nul(name).strip()
    errors: Errors = {}
    if not name:
        errors["name"] = [_("Give the customer's name.")]
    elif len(name) > 120:
        errors["name"] = [_("The name is 120 characters at most.")]
    code = country_code or normalize.country_code_for(language)
    phone_rows = clean_phones(phones, code, errors)
    email_rows = clean_emails(emails, errors)
    identity_rows = clean_identities(identities, errors)
    address_rows = clean_addresses(addresses, errors, default_name=name)
    tag_names = clean_tags(tags, errors)
    if language not in LANGUAGES:
        errors["language"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)}]
    if segment in ("", AUTO_SEGMENT):
        segment = None
    if segment is not None and segment not in Segment.values:
        errors["segment"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Segment.values)}
        ]
    cleaned_attributes = clean_attributes(attributes or {}, errors=errors)
    if errors:
        raise _invalid(errors)
    with transaction.atomic():
        customer = Customer.objects.create(
            name=name,
            language=language,
            time_zone=_no_nul(time_zone)[:64],
            segment=segment or Segment.POTENTIAL,
            segment_is_manual=segment is not None,
            no_calls=bool(no_calls),
            no_marketing=bool(no_marketing),
            attributes=cleaned_attributes,
            notes=_no_nul(notes),
            first_contact_at=timezone.now(),
        )
        CustomerPhone.objects.bulk_create(
            CustomerPhone(
                customer=customer, number=p.number, normalized=p.normalized, label=p.label
            )
            for p in phone_rows
        )
        CustomerEmail.objects.bulk_create(
            CustomerEmail(customer=customer, email=raw, normalized=normal)
            for raw, normal in email_rows
        )
        MarketplaceIdentity.objects.bulk_create(
            MarketplaceIdentity(customer=customer, shop_id=shop_id, external_id=external)
            for shop_id, external in identity_rows
        )
        Address.objects.bulk_create(Address(customer=customer, **row) for row in address_rows)
        if tag_names:
            _set_tags(customer, tag_names)
        search.reindex([customer.pk])
        audit.record(actor=actor, obj=customer, action="customer.create", to_state=customer.segment)
    return customer


def _sync_rows(model, customer: Customer, key: str, wanted: dict[Any, dict]) -> bool:
    """Make ``customer``'s rows of ``model`` match ``wanted`` ({key value: fields}); rows
    whose key stays are kept (and updated), so their ids survive edits. True if changed."""
    changed = False
    existing = {getattr(row, key): row for row in model.objects.filter(customer=customer)}
    gone = [row.pk for k, row in existing.items() if k not in wanted]
    if gone:
        model.objects.filter(pk__in=gone).delete()
        changed = True
    for k, fields in wanted.items():
        row = existing.get(k)
        if row is None:
            model.objects.create(customer=customer, **{key: k}, **fields)
            changed = True
            continue
        dirty = [f for f, v in fields.items() if getattr(row, f) != v]
        if dirty:
            for f in dirty:
                setattr(row, f, fields[f])
            row.save(update_fields=dirty)
            changed = True
    return changed


SNAPSHOT_FIELDS = (
    "name",
    "language",
    "time_zone",
    "segment",
    "segment_is_manual",
    "no_calls",
    "no_marketing",
    "attributes",
    "notes",
    "owner_id",
    "owner_assigned_at",
    "owner_contacted_at",
    "first_contact_at",
    "last_contact_at",
)


def _fields(customer: Customer, names: Iterable[str] = SNAPSHOT_FIELDS) -> dict[str, Any]:
    return {f: audit._jsonable(getattr(customer, f)) for f in names}


def _contacts(customer: Customer) -> dict[str, Any]:
    return {
        "phones": sorted(customer.phones.values_list("number", flat=True)),
        "emails": sorted(customer.emails.values_list("email", flat=True)),
        "identities": sorted(
            f"{shop}:{ext}"
            for shop, ext in customer.identities.values_list("shop_id", "external_id")
        ),
        "addresses": sorted(str(a) for a in customer.addresses.all()),
        "tags": sorted(customer.tags.values_list("name", flat=True)),
    }


def update_customer(*, actor, customer: Customer, **changes: Any) -> Customer:
    """Change the given fields of a customer; lists (phones, emails, identities, addresses,
    tags) are replaced as a whole, ``attributes`` are merged (None removes one).

    ``segment`` sets the segment by hand; ``"auto"`` hands it back to the rule.
    """
    allowed = {
        "name",
        "language",
        "time_zone",
        "phones",
        "emails",
        "identities",
        "addresses",
        "attributes",
        "tags",
        "notes",
        "no_calls",
        "no_marketing",
        "segment",
        "country_code",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    errors: Errors = {}
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.merged_into_id:
            raise Conflict(_("This customer was merged into another record; edit that one."))
        before = {**_fields(customer), **_contacts(customer)}
        if "name" in changes:
            name = _no_nul(str(changes["name"] or "")).strip()
            if not name:
                errors["name"] = [_("Give the customer's name.")]
            elif len(name) > 120:
                errors["name"] = [_("The name is 120 characters at most.")]
            customer.name = name
        if changes.get("language"):
            if changes["language"] not in LANGUAGES:
                errors["language"] = [
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)}
                ]
            else:
                customer.language = changes["language"]
        if "time_zone" in changes:
            customer.time_zone = _no_nul(str(changes["time_zone"] or ""))[:64]
        if "notes" in changes:
            customer.notes = _no_nul(str(changes["notes"] or ""))
        for flag in ("no_calls", "no_marketing"):
            if flag in changes and changes[flag] is not None:
                setattr(customer, flag, bool(changes[flag]))
        refresh_rule = False
        if "segment" in changes and changes["segment"] is not None:
            segment = changes["segment"]
            if segment in ("", AUTO_SEGMENT):
                refresh_rule = customer.segment_is_manual
                customer.segment_is_manual = False
            elif segment in Segment.values:
                customer.segment, customer.segment_is_manual = segment, True
            else:
                errors["segment"] = [
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join([*Segment.values, AUTO_SEGMENT])}
                ]
        if "attributes" in changes and changes["attributes"] is not None:
            customer.attributes = clean_attributes(
                changes["attributes"], current=customer.attributes, errors=errors
            )
        code = changes.get("country_code") or normalize.country_code_for(customer.language)
        phones = emails = identities = addresses = tags = None
        if changes.get("phones") is not None:
            phones = clean_phones(changes["phones"], code, errors)
        if changes.get("emails") is not None:
            emails = clean_emails(changes["emails"], errors)
        if changes.get("identities") is not None:
            identities = clean_identities(changes["identities"], errors, customer=customer)
        if changes.get("addresses") is not None:
            addresses = clean_addresses(changes["addresses"], errors, default_name=customer.name)
        if changes.get("tags") is not None:
            tags = clean_tags(changes["tags"], errors)
        if errors:
            raise _invalid(errors)
        customer.save()
        if phones is not None:
            _sync_rows(
                CustomerPhone,
                customer,
                "normalized",
                {p.normalized: {"number": p.number, "label": p.label} for p in phones},
            )
        if emails is not None:
            _sync_rows(
                CustomerEmail, customer, "normalized", {n: {"email": raw} for raw, n in emails}
            )
        if identities is not None:
            wanted = set(identities)
            current = {(i.shop_id, i.external_id): i.pk for i in customer.identities.all()}
            MarketplaceIdentity.objects.filter(
                pk__in=[pk for pair, pk in current.items() if pair not in wanted]
            ).delete()
            MarketplaceIdentity.objects.bulk_create(
                MarketplaceIdentity(customer=customer, shop_id=s, external_id=e)
                for s, e in identities
                if (s, e) not in current
            )
        if addresses is not None:
            _sync_address_rows(customer, addresses)
        if tags is not None:
            _set_tags(customer, tags)
        after = {**_fields(customer), **_contacts(customer)}
        changed = audit.diff(before, after)
        if {"name", "phones", "emails", "identities"} & set(changed):
            search.reindex([customer.pk])
        if refresh_rule:
            refresh_segments([customer.pk], actor=actor)
            customer.refresh_from_db()
        if changed:
            audit.record(
                actor=actor,
                obj=customer,
                action="customer.update",
                from_state=before["segment"] if "segment" in changed else "",
                to_state=customer.segment if "segment" in changed else "",
                changes=changed,
            )
    return customer


def _sync_address_rows(customer: Customer, rows: list[dict]) -> None:
    """Keep the addresses that stay (their ids survive edits), drop the others, add new."""

    def key(values) -> tuple:
        return tuple(values[f] for f in ADDRESS_FIELDS)

    wanted = {key(r): r for r in rows}
    kept: dict[tuple, Address] = {}
    drop = []
    for address in customer.addresses.all():
        k = key({f: getattr(address, f) for f in ADDRESS_FIELDS})
        if k in wanted and k not in kept:
            kept[k] = address
        else:
            drop.append(address.pk)
    Address.objects.filter(pk__in=drop).delete()
    for k, row in wanted.items():
        address = kept.get(k)
        if address is None:
            Address.objects.create(customer=customer, **row)
        elif address.is_default != row["is_default"]:
            address.is_default = row["is_default"]
            address.save(update_fields=["is_default"])


# ---------------------------------------------------------------- notes and contacts


def record_contact(
    *, actor, customer: Customer, at: dt.datetime | None = None, channel: str = ""
) -> Customer:
    """A contact with the customer happened (a call, a chat, a visit…): keep the contact
    dates, and if the owner made it, the owner's first contact after assignment (003 ch.2
    §3: the owner contacts a newly assigned customer within a week and records it).

    Later features (tickets, follow-up calls) call this when their agent reaches the buyer.
    """
    at = at or timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        before = _fields(customer, ("first_contact_at", "last_contact_at", "owner_contacted_at"))
        if customer.last_contact_at is None or at > customer.last_contact_at:
            customer.last_contact_at = at
        if customer.first_contact_at is None or at < customer.first_contact_at:
            customer.first_contact_at = at
        if (
            customer.owner_id
            and getattr(actor, "pk", None) == customer.owner_id
            and customer.owner_contacted_at is None
            and (customer.owner_assigned_at is None or at >= customer.owner_assigned_at)
        ):
            customer.owner_contacted_at = at
        after = _fields(customer, ("first_contact_at", "last_contact_at", "owner_contacted_at"))
        changed = audit.diff(before, after)
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
            audit.record(
                actor=actor,
                obj=customer,
                action="customer.contact",
                to_state=channel,
                changes=changed,
            )
    return customer


def add_note(*, actor, customer: Customer, body: str, contact_channel: str = "") -> CustomerNote:
    """A note on the customer; with a contact channel it also records that contact."""
    body = _no_nul(body or "").strip()
    errors: Errors = {}
    if not body:
        errors["body"] = [_("Write the note.")]
    elif len(body) > 5000:
        errors["body"] = [_("A note is 5000 characters at most.")]
    if contact_channel and contact_channel not in ContactChannel.values:
        errors["contact_channel"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(ContactChannel.values)}
        ]
    if errors:
        raise _invalid(errors, _("The note has invalid fields."))
    with transaction.atomic():
        if Customer.objects.filter(pk=customer.pk, merged_into__isnull=False).exists():
            raise Conflict(_("This customer was merged into another record; add notes there."))
        note = CustomerNote.objects.create(
            customer=customer, author=actor, body=body, contact_channel=contact_channel
        )
        audit.record(
            actor=actor,
            obj=customer,
            action="customer.note",
            to_state=contact_channel,
            changes={"note": note.pk},
        )
        if contact_channel:
            record_contact(
                actor=actor, customer=customer, at=note.created_at, channel=contact_channel
            )
    return note


# ---------------------------------------------------------------- ownership


def _check_owner(owner: User) -> None:
    if owner is None or not owner.is_active or not can(owner, "customers.edit"):
        raise DomainError(
            _("%(user)s cannot own customers (an active agent, lead or admin can).")
            % {"user": owner},
            fields={"owner_id": [_("Choose an active agent.")]},
        )


def assign_customers(
    *, actor, customer_ids: Iterable[int], owner: User | None, reason: str = ""
) -> int:
    """Give these customers to ``owner`` (None: take them away); how many changed hands.

    A customer who gets a new owner restarts the first-contact window (003 ch.2 §3).
    """
    if owner is not None:
        _check_owner(owner)
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = Customer.objects.select_for_update().filter(
                pk__in=chunk, merged_into__isnull=True
            )
            if owner is not None:
                rows = rows.exclude(owner=owner)
            else:
                rows = rows.filter(owner__isnull=False)
            rows = list(rows.values_list("pk", "name", "owner_id"))
            if not rows:
                continue
            Customer.objects.filter(pk__in=[r[0] for r in rows]).update(
                owner=owner,
                owner_assigned_at=now if owner is not None else None,
                owner_contacted_at=None,
                updated_at=now,
            )
            new_id = owner.pk if owner is not None else None
            _audit_customers(
                actor,
                [
                    (pk, name, before, new_id, {"owner_id": [before, new_id]})
                    for pk, name, before in rows
                ],
                "customer.assign",
                reason,
            )
            changed += len(rows)
    return changed


def eligible_agents(agents: Iterable[User] | None = None) -> list[User]:
    """Who balance hands customers to: active agents with a capacity above zero."""
    pool = (
        list(agents)
        if agents is not None
        else list(User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk"))
    )
    return sorted(
        (a for a in pool if a.is_active and a.capacity > 0 and can(a, "customers.edit")),
        key=lambda a: a.pk,
    )


def balance_unowned(
    *, actor, agents: Iterable[User] | None = None, limit: int | None = None
) -> dict[int, list[int]]:
    """Give unowned customers to agents so each one's load approaches their share by
    capacity weight (002/003: the lead balances how many each agent holds against their
    ability). Returns {agent id: [customer ids given]}.

    Deterministic: customers in id order, each to the agent whose load after taking it,
    divided by their capacity, is lowest (ties: lower user id). Agents already above their
    share get none until the others catch up; nobody's customers are taken away.

    Audit: one entry per customer (action customer.assign, reason "balance"), written in
    bulk, so each customer's history tells who owns it since when — the first-contact rule
    counts from there — and the shared request id ties the batch together.
    """
    pool = eligible_agents(agents)
    if not pool:
        raise DomainError(_("There is no active agent with a capacity to give customers to."))
    now = timezone.now()
    given: dict[int, list[int]] = defaultdict(list)
    with transaction.atomic():
        unowned_qs = (
            Customer.objects.select_for_update()
            .filter(merged_into__isnull=True, owner__isnull=True)
            .order_by("pk")
        )
        if limit is not None:
            unowned_qs = unowned_qs[:limit]
        unowned = list(unowned_qs.values_list("pk", "name"))
        if not unowned:
            return {}
        loads = dict(
            Customer.objects.filter(merged_into__isnull=True, owner__in=pool)
            .values("owner")
            .annotate(n=Count("id"))
            .values_list("owner", "n")
        )
        heap = [((loads.get(a.pk, 0) + 1) / a.capacity, a.pk) for a in pool]
        heapq.heapify(heap)
        capacity = {a.pk: a.capacity for a in pool}
        count = {a.pk: loads.get(a.pk, 0) for a in pool}
        names = {}
        for pk, name in unowned:
            _ratio, agent_id = heapq.heappop(heap)
            given[agent_id].append(pk)
            names[pk] = name
            count[agent_id] += 1
            heapq.heappush(heap, ((count[agent_id] + 1) / capacity[agent_id], agent_id))
        for agent_id, ids in given.items():
            for start in range(0, len(ids), CHUNK):
                Customer.objects.filter(pk__in=ids[start : start + CHUNK]).update(
                    owner_id=agent_id,
                    owner_assigned_at=now,
                    owner_contacted_at=None,
                    updated_at=now,
                )
            _audit_customers(
                actor,
                [(pk, names[pk], "", agent_id, {"owner_id": [None, agent_id]}) for pk in ids],
                "customer.assign",
                "balance",
            )
    return dict(given)


# ---------------------------------------------------------------- segments


def refresh_segments(
    ids: Iterable[int] | None = None, *, actor=None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Apply the segment rule to these customers (None: everyone); hand-set segments stay.

    Idempotent: a customer already in the rule's segment is not touched. Does nothing
    while no purchase source is registered (nothing would say who bought).
    """
    if not segments.has_sources():
        return {"changed": 0, "skipped": 1}
    now = now or timezone.now()
    id_list = None if ids is None else list(dict.fromkeys(ids))
    changed = 0
    chunks = (
        [None]
        if id_list is None
        else [id_list[i : i + CHUNK] for i in range(0, len(id_list), CHUNK)]
    )
    for chunk in chunks:
        target = segments.target_segments(chunk, now)
        with transaction.atomic():
            rows = Customer.objects.filter(merged_into__isnull=True, segment_is_manual=False)
            if chunk is not None:
                rows = rows.filter(pk__in=chunk)
            moves: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
            for pk, name, segment in rows.values_list("pk", "name", "segment").iterator(
                chunk_size=5000
            ):
                want = target.get(pk, Segment.POTENTIAL)
                if want != segment:
                    moves[(segment, want)].append((pk, name))
            for (before, after), members in moves.items():
                ids_ = [pk for pk, _ in members]
                for start in range(0, len(ids_), CHUNK):
                    Customer.objects.filter(
                        pk__in=ids_[start : start + CHUNK], segment_is_manual=False
                    ).update(segment=after, updated_at=now)
                _audit_customers(
                    actor,
                    [(pk, name, before, after, {}) for pk, name in members],
                    "customer.segment",
                    "rule",
                )
                changed += len(members)
    return {"changed": changed}


# ---------------------------------------------------------------- merge


def _parse(customer: Customer, name: str, value: Any) -> Any:
    if name == "owner_id":
        return value
    return Customer._meta.get_field(name).to_python(value)


def merge_customers(
    *, actor, survivor: Customer, merged: Customer, reason: str = ""
) -> MergeRecord:
    """Make two records of one buyer one: everything that points at ``merged`` (orders,
    tickets, notes, phones, emails, marketplace IDs, addresses, tags, and whatever later
    apps hang on a customer) moves to ``survivor``; ``merged`` stays, hidden, pointing at
    the survivor. The MergeRecord lists exactly what moved, so :func:`unmerge` can undo it.

    The survivor takes the stricter consent (no calls / no marketing if either said so),
    the earlier first and later last contact, the merged record's owner if it had none,
    its attributes where it had none, and the higher of the two segments.
    """
    reason = _no_nul(reason or "").strip()
    if len(reason) > 2000:
        raise DomainError(
            _("The reason is 2000 characters at most."), fields={"reason": ["≤ 2000"]}
        )
    with transaction.atomic():
        pair = {
            c.pk: c
            for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])
        }
        if survivor.pk == merged.pk:
            raise DomainError(_("A customer cannot be merged into itself."), code="same_customer")
        if len(pair) != 2:
            raise NotFound(_("Customer not found."))
        survivor, merged = pair[survivor.pk], pair[merged.pk]
        for c in (survivor, merged):
            if c.merged_into_id:
                raise Conflict(
                    _("%(name)s (#%(pk)s) was already merged into another record.")
                    % {"name": c.name, "pk": c.pk},
                    code="already_merged",
                )
        snapshot_merged = _fields(merged)
        before = _fields(survivor)

        moved: dict[str, list[int]] = {}
        left: dict[str, list[int]] = {}
        for relation in merging.relations():
            move_ids, stay_ids = merging.plan(relation, survivor.pk, merged.pk)
            if move_ids:
                merging.move(relation, move_ids, from_id=merged.pk, to_id=survivor.pk)
                moved[relation.key] = move_ids
            if stay_ids:
                left[relation.key] = stay_ids

        survivor.no_calls = survivor.no_calls or merged.no_calls
        survivor.no_marketing = survivor.no_marketing or merged.no_marketing
        if merged.first_contact_at and (
            survivor.first_contact_at is None or merged.first_contact_at < survivor.first_contact_at
        ):
            survivor.first_contact_at = merged.first_contact_at
        if merged.last_contact_at and (
            survivor.last_contact_at is None or merged.last_contact_at > survivor.last_contact_at
        ):
            survivor.last_contact_at = merged.last_contact_at
        if survivor.owner_id is None and merged.owner_id is not None:
            survivor.owner_id = merged.owner_id
            survivor.owner_assigned_at = merged.owner_assigned_at
            survivor.owner_contacted_at = merged.owner_contacted_at
        survivor.attributes = {**(merged.attributes or {}), **(survivor.attributes or {})}
        if merged.notes.strip() and merged.notes.strip() not in survivor.notes:
            parts = (survivor.notes.strip(), merged.notes.strip())
            survivor.notes = "\n".join(p for p in parts if p)
        if not survivor.segment_is_manual:
            survivor.segment = segments.higher(survivor.segment, merged.segment)
        survivor.save()
        merged.merged_into = survivor
        merged.save(update_fields=["merged_into", "updated_at"])

        after = _fields(survivor)
        record = MergeRecord.objects.create(
            survivor=survivor,
            merged=merged,
            moved=moved,
            snapshot={
                "merged": snapshot_merged,
                "survivor_changes": audit.diff(before, after),
                "left_behind": left,
            },
            reason=reason,
            merged_by=actor,
        )
        counts = {key: len(ids) for key, ids in moved.items()}
        search.reindex([survivor.pk, merged.pk])
        audit.record(
            actor=actor,
            obj=survivor,
            action="customer.merge",
            reason=reason,
            changes={"merge_record": record.pk, "merged_id": merged.pk, "moved": counts},
        )
        audit.record(
            actor=actor,
            obj=merged,
            action="customer.merged_into",
            to_state=str(survivor.pk),
            reason=reason,
            changes={"merge_record": record.pk, "survivor_id": survivor.pk, "moved": counts},
        )
        if not survivor.segment_is_manual:
            refresh_segments([survivor.pk], actor=actor)
    return record


def unmerge(*, actor, record: MergeRecord, reason: str = "") -> MergeRecord:
    """Undo a merge from its record: exactly the rows it moved go back (those still on the
    survivor), the survivor's fields the merge changed go back unless edited since, and
    the merged record is live again. Refused if already reversed, or while the survivor
    is itself merged into a third record (undo that merge first)."""
    reason = _no_nul(reason or "").strip()[:2000]
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().get(pk=record.pk)
        if record.reversed_at is not None:
            raise Conflict(_("This merge was already reversed."), code="already_reversed")
        pair = {
            c.pk: c
            for c in Customer.objects.select_for_update().filter(
                pk__in=[record.survivor_id, record.merged_id]
            )
        }
        survivor, merged = pair[record.survivor_id], pair[record.merged_id]
        if survivor.merged_into_id:
            raise Conflict(
                _(
                    "%(name)s (#%(pk)s) was itself merged into another record since; "
                    "reverse that merge first."
                )
                % {"name": survivor.name, "pk": survivor.pk},
                code="survivor_merged",
            )
        if merged.merged_into_id != survivor.pk:
            raise Conflict(
                _("The merged record no longer points at the survivor."), code="conflict"
            )
        back: dict[str, int] = {}
        missing: dict[str, int] = {}
        for key, ids in (record.moved or {}).items():
            relation = merging.relation_for(key)
            if relation is None:
                missing[key] = len(ids)
                continue
            n = merging.move(relation, list(ids), from_id=survivor.pk, to_id=merged.pk)
            back[key] = n
            if n != len(ids):
                missing[key] = len(ids) - n
        changes = (record.snapshot or {}).get("survivor_changes", {})
        restored = {}
        for name, (old, new) in changes.items():
            if audit._jsonable(getattr(survivor, name)) == new:
                setattr(survivor, name, _parse(survivor, name, old))
                restored[name] = [new, old]
        survivor.save()
        merged.merged_into = None
        merged.save(update_fields=["merged_into", "updated_at"])
        record.reversed_at = timezone.now()
        record.reversed_by = actor
        record.save(update_fields=["reversed_at", "reversed_by"])
        search.reindex([survivor.pk, merged.pk])
        details = {"merge_record": record.pk, "moved_back": back, "not_found": missing}
        audit.record(
            actor=actor,
            obj=survivor,
            action="customer.unmerge",
            reason=reason,
            changes={**details, "restored": restored, "merged_id": merged.pk},
        )
        audit.record(
            actor=actor,
            obj=merged,
            action="customer.unmerged",
            from_state=str(survivor.pk),
            reason=reason,
            changes={**details, "survivor_id": survivor.pk},
        )
        refresh_segments([survivor.pk, merged.pk], actor=actor)
    return record


# ---------------------------------------------------------------- bulk loading


@dataclass
class NewCustomer:
    """One customer for :func:`bulk_create_customers` (imports, demo data, benchmarks)."""

    name: str
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()
    identities: Sequence[tuple[int, str]] = ()  # (shop id, marketplace ID)
    language: str = "zh-hans"
    first_contact_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other Customer columns (attnames)


def bulk_create_customers(
    *, actor, rows: Iterable[NewCustomer], batch_size: int = 5000, reason: str = ""
) -> int:
    """Create many customers fast: one transaction per batch with their phones, emails and
    marketplace IDs, their search index entries and one audit entry each.

    Input is trusted more than in :func:`create_customer`: a phone that does not normalise
    is dropped, emails are only lower-cased, and a marketplace ID that already belongs to
    someone is skipped. Returns how many customers were created.
    """
    total = 0
    batch: list[NewCustomer] = []

    def flush() -> None:
        nonlocal total
        if not batch:
            return
        now = timezone.now()
        with transaction.atomic():
            ids = bulk.reserve_ids(Customer, len(batch))
            customers, phones, emails, identities, docs = [], [], [], [], []
            for pk, r in zip(ids, batch, strict=True):
                name = _no_nul(r.name).strip()[:120] or "?"
                customers.append(
                    {
                        "id": pk,
                        "name": name,
                        "language": r.language,
                        "first_contact_at": r.first_contact_at or now,
                        **r.extra,
                    }
                )
                code = normalize.country_code_for(r.language)
                normals: list[str] = []
                for number in r.phones:
                    normal = normalize.phone(number, code)
                    if normal and normal not in normals:
                        normals.append(normal)
                        phones.append(
                            {"customer_id": pk, "number": number[:40], "normalized": normal}
                        )
                email_normals: list[str] = []
                for email in r.emails:
                    normal = normalize.email(email)
                    if normal and normal not in email_normals:
                        email_normals.append(normal)
                        emails.append({"customer_id": pk, "email": email, "normalized": normal})
                for shop_id, external in r.identities:
                    identities.append(
                        {"customer_id": pk, "shop_id": shop_id, "external_id": external}
                    )
                externals = [e for _shop, e in r.identities]
                docs.append((pk, search.document_text(name, normals, email_normals, externals)))
            bulk.insert(Customer, customers, with_pk=True)
            bulk.insert(CustomerPhone, phones)
            bulk.insert(CustomerEmail, emails)
            bulk.insert(MarketplaceIdentity, identities, skip_conflicts=True)
            search.index_new_documents(docs)
            bulk.insert(
                AuditEntry,
                _audit_rows(
                    actor,
                    [
                        (c["id"], c["name"], "", c.get("segment", Segment.POTENTIAL), {})
                        for c in customers
                    ],
                    "customer.create",
                    reason,
                ),
            )
        total += len(batch)
        batch.clear()

    with bulk.big_cache():
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
        flush()
    return total
