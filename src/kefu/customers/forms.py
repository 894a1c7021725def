"""Forms of the customer screens. They only collect what was typed: checking it is the
services' job (one set of rules for the screens and the API); their field errors come
back onto these forms."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kefu.core.models import Shop
from kefu.customers import selectors
from kefu.customers.models import (
    AttributeDefinition,
    ContactChannel,
    Customer,
    Segment,
)
from kefu.customers.services import ADDRESS_FIELDS, AUTO_SEGMENT, choice_values

SEGMENT_CHOICES = [(AUTO_SEGMENT, _("By rule")), *Segment.choices]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    return [w.strip() for w in (text or "").replace("，", ",").split(",") if w.strip()]


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        initial=Customer._meta.get_field("language").default,
    )
    phones = forms.CharField(
        label=_("Phones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line. Without a country code, the language's is assumed."),
    )
    emails = forms.CharField(
        label=_("Emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    segment = forms.ChoiceField(
        label=_("Segment"),
        choices=SEGMENT_CHOICES,
        initial=AUTO_SEGMENT,
        help_text=_("“By rule” follows the customer's purchases; any other choice is kept."),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate with commas."), max_length=1000
    )
    no_calls = forms.BooleanField(label=_("No calls"), required=False)
    no_marketing = forms.BooleanField(label=_("No marketing"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    @classmethod
    def initial_for(cls, customer: Customer) -> dict:
        return {
            "name": customer.name,
            "language": customer.language,
            "phones": "\n".join(p.number for p in customer.phones.all()),
            "emails": "\n".join(e.email for e in customer.emails.all()),
            "segment": customer.segment if customer.segment_is_manual else AUTO_SEGMENT,
            "tags": ", ".join(t.name for t in customer.tags.all()),
            "no_calls": customer.no_calls,
            "no_marketing": customer.no_marketing,
            "notes": customer.notes,
        }


@dataclass
class AttributeField:
    definition: AttributeDefinition
    label: str
    value: str
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"attr_{self.definition.key}"

    @property
    def choices(self) -> list[str]:
        return choice_values(self.definition)


@dataclass
class CustomerEditor:
    """Everything the create/edit screen shows and posts: the form, the marketplace IDs
    and addresses (rows, as many as typed), the attributes of the admin's definitions."""

    form: CustomerForm
    identities: list[dict]
    addresses: list[dict]
    attribute_groups: list[tuple[str, list[AttributeField]]]
    shops: list[Shop]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, customer: Customer | None = None, data=None, language: str = ""
    ) -> CustomerEditor:
        """``language``: a new customer's preselected language (the agent's own)."""
        definitions = list(AttributeDefinition.objects.filter(is_active=True))
        shops = list(Shop.objects.filter(is_active=True).order_by("name"))
        if data is not None:
            form = CustomerForm(data)
            identities = [
                {"shop_id": s, "external_id": e}
                for s, e in zip(
                    data.getlist("identity_shop"), data.getlist("identity_id"), strict=False
                )
            ]
            rows = zip(*(data.getlist(f"address_{f}") for f in ADDRESS_FIELDS), strict=False)
            default = data.get("address_default", "")
            addresses = [
                {**dict(zip(ADDRESS_FIELDS, row, strict=True)), "is_default": str(i) == default}
                for i, row in enumerate(rows)
            ]
            values = {d.key: data.get(f"attr_{d.key}", "") for d in definitions}
        else:
            initial = CustomerForm.initial_for(customer) if customer is not None else {}
            if customer is None and language:
                initial["language"] = language
            form = CustomerForm(initial=initial)
            identities = (
                [
                    {"shop_id": str(i.shop_id), "external_id": i.external_id}
                    for i in customer.identities.all()
                ]
                if customer is not None
                else []
            )
            addresses = (
                [
                    {**{f: getattr(a, f) for f in ADDRESS_FIELDS}, "is_default": a.is_default}
                    for a in customer.addresses.all()
                ]
                if customer is not None
                else []
            )
            current = (customer.attributes if customer is not None else None) or {}
            values = {d.key: _as_text(current.get(d.key)) for d in definitions}
        identities = [i for i in identities if i["external_id"].strip()] + [
            {"shop_id": "", "external_id": ""}
        ]
        addresses = [a for a in addresses if (a.get("line") or "").strip()] + [
            {**dict.fromkeys(ADDRESS_FIELDS, ""), "is_default": False}
        ]
        groups: dict[str, list[AttributeField]] = {}
        for d in definitions:
            groups.setdefault(d.group, []).append(
                AttributeField(d, selectors.attribute_label(d), values.get(d.key, ""))
            )
        return cls(form, identities, addresses, list(groups.items()), shops)

    def service_kwargs(self) -> dict:
        data = self.form.cleaned_data
        attributes = {}
        for _group, fields in self.attribute_groups:
            for f in fields:
                attributes[f.definition.key] = f.value
        return {
            "name": data["name"],
            "language": data["language"],
            "phones": _lines(data["phones"]),
            "emails": _lines(data["emails"]),
            "identities": [i for i in self.identities if i["external_id"].strip()],
            "addresses": [a for a in self.addresses if (a.get("line") or "").strip()],
            "segment": data["segment"],
            "tags": _words(data["tags"]),
            "no_calls": data["no_calls"],
            "no_marketing": data["no_marketing"],
            "notes": data["notes"],
            "attributes": attributes,
        }

    def add_errors(self, fields: dict[str, list[str]]) -> None:
        by_key = {f.definition.key: f for _g, fs in self.attribute_groups for f in fs}
        for name, messages in fields.items():
            if name.startswith("attributes.") and name[11:] in by_key:
                by_key[name[11:]].errors.extend(messages)
            elif name in self.form.fields:
                for message in messages:
                    self.form.add_error(name, message)
            else:
                self.errors.setdefault(name, []).extend(messages)


def _as_text(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_channel = forms.ChoiceField(
        label=_("This note records"),
        required=False,
        choices=[("", _("Just a note")), *ContactChannel.choices],
    )


class MergeForm(forms.Form):
    survivor = forms.IntegerField(min_value=1)
    merged = forms.CharField()  # comma-separated ids of the records merged into the survivor
    reason = forms.CharField(required=False, max_length=2000)

    def merged_ids(self) -> list[int]:
        out = []
        for part in self.cleaned_data["merged"].split(","):
            part = part.strip()
            if part.isdigit() and int(part) != self.cleaned_data["survivor"]:
                out.append(int(part))
        return out
