"""The admin's Policies screen: every declared rule with its default, its value for all shops
and the shops that set their own; and the form that sets a value through
:func:`kefu.core.policies.set_value` so the rule validates it and the change is audited."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.apps import apps
from django.urls import get_resolver
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kefu.core import policies
from kefu.core.models import Policy, Shop

# The rule's prefix names the feature it belongs to.
GROUP_NAMES = {
    "tickets": _("Tickets"),
    "portal": _("Customer portal"),
    "aftersales": _("After-sales"),
    "complaints": _("Complaints"),
    "followups": _("Follow-up calls"),
    "reviews": _("Reviews"),
    "retention": _("Keeping customers"),
    "claims": _("Carrier claims"),
    "customers": _("Customers"),
    "orders": _("Orders"),
    "core": _("General"),
}

KIND_NAMES = {
    int: _("whole number"),
    Decimal: _("number"),
    bool: _("yes or no"),
    str: _("text"),
}

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


@functools.cache
def declare_all() -> None:
    """Import every kefu module that declares rules, so the screen lists all of them.

    Rules are declared when their module is imported; most are imported by the apps'
    ready() or the URLconf, but a module nobody has imported yet would be missing.
    """
    get_resolver().url_patterns  # noqa: B018  (the screens' modules declare rules too)
    for config in apps.get_app_configs():
        if not config.name.startswith("kefu."):
            continue
        for module in pkgutil.iter_modules([config.path]):
            if module.ispkg or module.name.startswith("test"):
                continue
            source = Path(config.path, f"{module.name}.py")
            try:
                declares = "declare(" in source.read_text(encoding="utf-8")
            except OSError:
                continue
            if declares:
                importlib.import_module(f"{config.name}.{module.name}")


def group_of(key: str) -> str:
    return key.split(".", 1)[0] if "." in key else "core"


def group_name(group: str) -> str:
    name = GROUP_NAMES.get(group)
    return str(name) if name is not None else group


def show(rule: policies.Rule, value: Any) -> str:
    """A value as an admin reads it."""
    if rule.kind is bool:
        try:
            value = rule.clean(value)
        except ValueError:
            return str(value)
        return gettext("yes") if value else gettext("no")
    return str(value)


def as_input(rule: policies.Rule, value: Any) -> str:
    """A value as it goes back into the form's text field."""
    if rule.kind is bool:
        return "yes" if rule.clean(value) else "no"
    return str(value)


@dataclass
class Override:
    row: Policy
    value: str


@dataclass
class RuleRow:
    rule: policies.Rule
    label: str
    default: str
    limits: str
    kind: str
    everywhere: Override | None = None
    shops: list[Override] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.rule.key


@dataclass
class Group:
    slug: str
    name: str
    rules: list[RuleRow]


def limits_of(rule: policies.Rule) -> str:
    low, high = rule.minimum, rule.maximum
    if low is not None and high is not None:
        return gettext("%(low)s to %(high)s") % {"low": low, "high": high}
    if low is not None:
        return gettext("at least %(low)s") % {"low": low}
    if high is not None:
        return gettext("at most %(high)s") % {"high": high}
    return ""


def rule_table(group: str = "", query: str = "") -> tuple[list[Group], list[tuple[str, str]]]:
    """Every declared rule (of one group, or matching a search), grouped by prefix, with the
    values admins set; and the list of all groups as (slug, name) for the filter."""
    declare_all()
    rules = policies.declared()
    all_groups = sorted({group_of(key) for key in rules}, key=lambda g: group_name(g).lower())
    needle = query.strip().lower()
    rows: dict[str, RuleRow] = {}
    for key, rule in rules.items():
        label = gettext(rule.label)
        if group and group_of(key) != group:
            continue
        if needle and needle not in key.lower() and needle not in label.lower():
            continue
        rows[key] = RuleRow(
            rule=rule,
            label=label,
            default=show(rule, rule.default),
            limits=limits_of(rule),
            kind=str(KIND_NAMES.get(rule.kind, rule.kind.__name__)),
        )
    stored = Policy.objects.filter(key__in=rows).select_related("shop", "updated_by")
    for row in stored.order_by("key", "shop__name", "shop__slug"):
        entry = rows[row.key]
        override = Override(row=row, value=show(entry.rule, row.value))
        if row.shop_id is None:
            entry.everywhere = override
        else:
            entry.shops.append(override)
    grouped: dict[str, list[RuleRow]] = {}
    for key, entry in rows.items():
        grouped.setdefault(group_of(key), []).append(entry)
    groups = [
        Group(slug=slug, name=group_name(slug), rules=grouped[slug])
        for slug in all_groups
        if slug in grouped
    ]
    return groups, [(slug, group_name(slug)) for slug in all_groups]


def rule_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    declare_all()
    grouped: dict[str, list[tuple[str, str]]] = {}
    for key, rule in policies.declared().items():
        grouped.setdefault(group_of(key), []).append((key, f"{key} — {gettext(rule.label)}"))
    return [
        (group_name(slug), grouped[slug])
        for slug in sorted(grouped, key=lambda g: group_name(g).lower())
    ]


class PolicyForm(forms.Form):
    """Set one rule's value, for all shops or for one shop."""

    key = forms.ChoiceField(label=_("Rule"))
    shop = forms.ModelChoiceField(
        label=_("Shop"),
        queryset=Shop.objects.order_by("name"),
        required=False,
        empty_label=_("All shops"),
        help_text=_("Leave on “All shops” to set the value every shop uses unless it has its own."),
    )
    value = forms.CharField(
        label=pgettext_lazy("policy", "Value"),
        max_length=500,
        strip=True,
        help_text=_(
            "Checked against the rule: its kind (whole number, number, yes/no, text) "
            "and its limits."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [("", "---------"), *rule_choices()]

    def clean(self):
        data = super().clean()
        rule = policies.declared().get(data.get("key") or "")
        raw = data.get("value")
        if rule is None or raw is None:
            return data
        try:
            data["value"] = self.check(rule, raw)
        except forms.ValidationError as error:
            self.add_error("value", error)
        return data

    @staticmethod
    def check(rule: policies.Rule, raw: str) -> Any:
        """The value as the rule takes it, or a ValidationError saying what is wrong."""
        if rule.kind is bool:
            word = raw.strip().lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise forms.ValidationError(_("Enter yes or no."), code="invalid")
            return word in TRUE_WORDS
        try:
            typed = rule.kind(raw.strip())
        except (TypeError, ValueError, ArithmeticError):
            typed = None
        if typed is None or (isinstance(typed, Decimal) and not typed.is_finite()):
            message = {
                int: _("Enter a whole number."),
                Decimal: _("Enter a number."),
            }.get(rule.kind, _("Enter a valid value."))
            raise forms.ValidationError(message, code="invalid")
        if rule.minimum is not None and typed < rule.minimum:
            raise forms.ValidationError(
                _("Must be at least %(minimum)s."),
                code="min_value",
                params={"minimum": rule.minimum},
            )
        if rule.maximum is not None and typed > rule.maximum:
            raise forms.ValidationError(
                _("Must be at most %(maximum)s."),
                code="max_value",
                params={"maximum": rule.maximum},
            )
        try:
            return rule.clean(typed)
        except ValueError as error:  # a rule's own check we did not foresee
            raise forms.ValidationError(str(error), code="invalid") from None
