"""The registration form and the fields each step's form shows."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.complaints.models import Category, Severity
from kefu.core.models import Shop
from kefu.customers.models import Customer
from kefu.orders.models import Order
from kefu.tickets.models import Channel, Ticket


class RegisterForm(forms.Form):
    customer = forms.IntegerField(
        label=_("Customer number"),
        min_value=1,
        help_text=_("The number on the customer's page (prefilled from a ticket)."),
    )
    complainant_name = forms.CharField(
        label=_("Complainant"),
        max_length=120,
        required=False,
        help_text=_("Who complains, if not the customer themselves."),
    )
    occurred_at = forms.DateTimeField(
        label=_("Complaint time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now."),
    )
    shop = forms.ModelChoiceField(
        label=_("Shop"),
        queryset=Shop.objects.order_by("name"),
        required=False,
        empty_label=_("From the order or ticket"),
    )
    order = forms.CharField(label=_("Order number"), max_length=64, required=False)
    ticket = forms.IntegerField(widget=forms.HiddenInput, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    content = forms.CharField(
        label=_("Content"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the customer complains about and what they ask for, in their words."),
    )

    def clean_customer(self):
        pk = self.cleaned_data["customer"]
        customer = Customer.objects.filter(pk=pk, merged_into__isnull=True).first()
        if customer is None:
            raise forms.ValidationError(_("No customer has this number."))
        return customer

    def clean_ticket(self):
        pk = self.cleaned_data.get("ticket")
        if not pk:
            return None
        ticket = Ticket.objects.select_related("shop").filter(pk=pk).first()
        if ticket is None:
            raise forms.ValidationError(_("No ticket has this number."))
        return ticket

    def clean(self):
        data = super().clean()
        number = (data.get("order") or "").strip()
        data["order"] = None
        customer = data.get("customer")
        if number and customer is not None:
            orders = Order.objects.filter(customer=customer, external_id=number)
            if data.get("shop"):
                orders = orders.filter(shop=data["shop"])
            order = orders.select_related("shop").first()
            if order is None:
                self.add_error("order", _("This customer has no order with this number."))
            data["order"] = order
        when = data.get("occurred_at")
        if when is not None and timezone.is_naive(when):
            data["occurred_at"] = timezone.make_aware(when)
        return data


@dataclass(frozen=True)
class StepField:
    name: str
    label: str
    kind: str = "textarea"  # textarea, text, datetime, owner, solution
    required: bool = True
    help: str = ""


STEP_FIELDS: dict[str, list[StepField]] = {
    "judge_founded": [
        StepField("department", _("Responsible department"), "text"),
        StepField(
            "investigation_due",
            _("Investigation promised by"),
            "datetime",
            False,
            _("What you told the customer; empty: the shop's usual investigation time."),
        ),
        StepField("reply", _("What you told the customer"), required=False),
    ],
    "dismiss": [
        StepField("reply", _("Tactful answer to the customer")),
        StepField("reason", _("Why the complaint is unfounded")),
    ],
    "record_cause": [
        StepField("cause", _("Cause")),
        StepField(
            "owner",
            _("Owner"),
            "owner",
            help=_("Quality problem: the responsible person; service problem: a specialist."),
        ),
    ],
    "propose": [StepField("description", _("Solution"))],
    "choose_solution": [
        StepField("solution", _("Best solution"), "solution"),
        StepField("instruction", _("Instruction")),
    ],
    "send_back": [StepField("reason", _("What to look at again"))],
    "implement": [
        StepField("implementation_note", _("What was done")),
        StepField("accountable", _("Accountable person / department"), "text"),
        StepField("accountability_measure", _("Accountability measure")),
    ],
    "confirm": [
        StepField(
            "acceptance",
            _("Customer's acceptance"),
            help=_("How the customer confirmed (signed) that they accept the solution."),
        ),
        StepField("customer_feedback", _("Customer's feedback"), required=False),
    ],
    "customer_declines": [StepField("reason", _("What the customer said"))],
    "record_followup": [StepField("followup_note", _("Follow-up call"))],
    "close": [],
    "reopen": [StepField("reason", _("Why reopen"))],
}

ACTION_LABELS = {
    "judge_founded": _("Founded: start the investigation"),
    "dismiss": _("Unfounded: reply and close"),
    "record_cause": _("Record the cause and owner"),
    "propose": _("Propose a solution"),
    "choose_solution": _("Choose the solution and instruct"),
    "send_back": _("Send back to investigation"),
    "implement": _("Record the implementation"),
    "confirm": _("Customer accepted"),
    "customer_declines": _("Customer declined"),
    "record_followup": _("Record the follow-up call"),
    "close": _("Close the complaint file"),
    "reopen": _("Reopen"),
}
