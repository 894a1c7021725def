"""Rules of the trade with numbers: declared once with default and source, editable by admins.

    OWNER_CONTACT_DAYS = policies.declare(
        "customers.owner_contact_days", 7, int,
        _("Days an owner has to contact a newly assigned customer"), source="003 ch.2 §3")
    days = OWNER_CONTACT_DAYS.get(shop=order.shop)

A shop's own value wins over the global one, which wins over the declared default.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from kefu.core import audit, refcache

_declared: dict[str, Rule] = {}


@dataclass(frozen=True)
class Rule:
    key: str
    default: Any
    kind: type
    label: str
    source: str = ""
    minimum: Any = None
    maximum: Any = None

    def clean(self, value: Any) -> Any:
        try:
            if self.kind is bool:
                if isinstance(value, str):
                    value = value.strip().lower() in {"1", "true", "yes", "on"}
                return bool(value)
            cleaned = self.kind(str(value).strip()) if self.kind is Decimal else self.kind(value)
        except (TypeError, ValueError, ArithmeticError):
            raise ValueError(f"{self.key}: {value!r} is not a {self.kind.__name__}") from None
        if self.minimum is not None and cleaned < self.minimum:
            raise ValueError(f"{self.key}: must be at least {self.minimum}")
        if self.maximum is not None and cleaned > self.maximum:
            raise ValueError(f"{self.key}: must be at most {self.maximum}")
        return cleaned

    def get(self, shop=None) -> Any:
        from kefu.core.models import Policy

        table = refcache.cached("policies", _all_values)
        if table is not None:
            values = table.get(self.key, {})
        else:
            rows = Policy.objects.filter(key=self.key)
            if shop is None:
                rows = rows.filter(shop__isnull=True)
            else:
                rows = rows.filter(Q(shop__isnull=True) | Q(shop=shop))
            values = dict(rows.values_list("shop_id", "value"))
        if shop is not None and shop.pk in values:
            return self.clean(values[shop.pk])
        if None in values:
            return self.clean(values[None])
        return self.default


def _all_values() -> dict[str, dict[int | None, Any]]:
    """Every stored policy value by key and shop (None: all shops)."""
    from kefu.core.models import Policy

    table: dict[str, dict[int | None, Any]] = {}
    for key, shop_id, value in Policy.objects.values_list("key", "shop_id", "value"):
        table.setdefault(key, {})[shop_id] = value
    return table


def declare(
    key: str, default: Any, kind: type, label: str, *, source: str = "", minimum=None, maximum=None
) -> Rule:
    rule = Rule(key, default, kind, str(label), source, minimum, maximum)
    existing = _declared.get(key)
    if existing is not None and existing != rule:
        raise ValueError(f"policy {key!r} declared twice")
    _declared[key] = rule
    return rule


def declared() -> dict[str, Rule]:
    return dict(sorted(_declared.items()))


def set_value(*, actor, key: str, value: Any, shop=None) -> Any:
    """Set an admin's value for a rule (globally, or for one shop); audited."""
    from kefu.core.models import Policy

    rule = _declared[key]
    cleaned = rule.clean(value)
    stored = str(cleaned) if isinstance(cleaned, Decimal) else cleaned
    with transaction.atomic():
        row = Policy.objects.select_for_update().filter(key=key, shop=shop).first()
        before = row.value if row else rule.default
        if row is None:
            row = Policy.objects.create(key=key, shop=shop, value=stored, updated_by=actor)
        else:
            row.value = stored
            row.updated_by = actor
            row.save()
        audit.record(
            actor=actor,
            obj=row,
            action="policy.set",
            changes={"value": [audit._jsonable(before), audit._jsonable(stored)]},
        )
    return cleaned


def reset_value(*, actor, key: str, shop=None) -> Any:
    """Remove an admin's value (globally or for one shop); audited. Returns the value in force
    afterwards: for a shop the value for all shops if there is one, else the default."""
    from kefu.core.models import Policy

    rule = _declared[key]
    with transaction.atomic():
        row = Policy.objects.select_for_update().filter(key=key, shop=shop).first()
        if row is not None:
            fallback = rule.default
            if shop is not None:
                common = Policy.objects.filter(key=key, shop__isnull=True).first()
                if common is not None:
                    fallback = common.value
            audit.record(
                actor=actor,
                obj=row,
                action="policy.reset",
                changes={"value": [audit._jsonable(row.value), audit._jsonable(fallback)]},
            )
            row.delete()
    return rule.get(shop)
