"""Forms of the ticket screens. They check the shape of what was typed; the rules live in
the services, whose DomainError fields the views put back on the form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.models import Shop
from kefu.tickets import selectors
from kefu.tickets.models import Channel, Message, Ticket
from kefu.tickets.services import CallOutcome

MAX_ID = 2**63 - 1
LANGUAGE_CHOICES = [("", _("Any")), *settings.LANGUAGES]


def _id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filters_from(params, *, default_view: str = "mine") -> tuple[selectors.TicketFilters, dict]:
    """The list's filters from a query string; a value that is not valid is left out.

    Returns the filters and what the filter form shows (strings as typed, once checked).
    """
    g = params
    view = g.get("view") if g.get("view") in selectors.VIEWS else default_view
    statuses = tuple(s for s in g.getlist("status") if s in Ticket.Status.values)
    assignee = g.get("assignee", "")
    if assignee not in ("", "me", "none") and _id(assignee) is None:
        assignee = ""
    priority = _id(g.get("priority"))
    if priority not in Ticket.Priority.values:
        priority = None
    day_from, day_to = _day(g.get("from")), _day(g.get("to"))
    shown = {
        "view": view,
        "status": list(statuses),
        "assignee": assignee,
        "team": _id(g.get("team")),
        "shop": _id(g.get("shop")),
        "channel": g.get("channel") if g.get("channel") in Channel.values else "",
        "kind": g.get("kind") if g.get("kind") in Ticket.Kind.values else "",
        "priority": priority,
        "category": _id(g.get("category")),
        "tag": _id(g.get("tag")),
        "customer": _id(g.get("customer")),
        "language": g.get("language") if g.get("language") in dict(settings.LANGUAGES) else "",
        "from": day_from.isoformat() if day_from else "",
        "to": day_to.isoformat() if day_to else "",
        "q": selectors.clean_query(g.get("q", "")),
        "sort": g.get("sort") if g.get("sort") in selectors.SORTS else "",
    }
    filters = selectors.TicketFilters(
        view=view,
        statuses=statuses,
        assignee=assignee or None,
        team=shown["team"],
        shop=shown["shop"],
        channel=shown["channel"],
        kind=shown["kind"],
        priority=priority,
        category=shown["category"],
        tag=shown["tag"],
        customer=shown["customer"],
        language=shown["language"],
        created_from=_start_of(day_from) if day_from else None,
        created_to=_start_of(day_to + dt.timedelta(days=1)) if day_to else None,
        q=shown["q"],
        sort=shown["sort"],
    )
    return filters, shown


class MessageForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(Message.Kind.REPLY, _("Reply")), (Message.Kind.NOTE, _("Internal note"))],
        initial=Message.Kind.REPLY,
    )
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=50_000,
        strip=True,
        error_messages={"required": _("Write the message first.")},
    )
    then = forms.CharField(required=False, max_length=40)


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=1440, initial=0)
    seconds = forms.IntegerField(
        label=_("Seconds"), min_value=0, max_value=59, initial=0, required=False
    )
    body = forms.CharField(
        label=_("What was said"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=50_000,
        error_messages={"required": _("Write down what was said on the call.")},
    )

    def duration(self) -> int:
        return self.cleaned_data["minutes"] * 60 + (self.cleaned_data.get("seconds") or 0)


class TicketEditForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    kind = forms.ChoiceField(label=_("Type"), choices=Ticket.Kind.choices)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Ticket.Priority.choices, coerce=int
    )
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    language = forms.ChoiceField(label=_("Customer's language"), choices=settings.LANGUAGES)
    order = forms.TypedChoiceField(label=_("Order"), coerce=int, required=False, empty_value=None)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=900,
        help_text=_("Separate tags with commas."),
    )

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *selectors.category_choices()]
        self.fields["team"].choices = [("", "—")] + [(t.pk, t.name) for t in selectors.teams()]
        self.fields["order"].choices = [("", "—")] + [
            (o.pk, f"{o.external_id} · {o.shop.name}") for o in orders
        ]

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()]


class NewTicketForm(forms.Form):
    """An inquiry an agent records: a phone call, a walk-in, a message from elsewhere."""

    customer = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    new_name = forms.CharField(label=_("Name"), required=False, max_length=120)
    new_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    new_email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    kind = forms.ChoiceField(label=_("Type"), choices=Ticket.Kind.choices)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=Ticket.Priority.choices,
        coerce=int,
        initial=Ticket.Priority.NORMAL,
    )
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    order = forms.IntegerField(label=_("Order"), required=False, min_value=1, max_value=MAX_ID)
    language = forms.ChoiceField(
        label=_("Customer's language"),
        choices=[("", _("The customer's own")), *settings.LANGUAGES],
        required=False,
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=255)
    body = forms.CharField(
        label=_("What the customer said"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=50_000,
        error_messages={"required": _("Write down what the customer asked or said.")},
    )
    assign_to_me = forms.BooleanField(label=_("Assign to me"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = Shop.objects.filter(is_active=True).order_by("name")
        self.fields["category"].choices = [("", "—"), *selectors.category_choices()]

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not (data.get("new_name") or "").strip():
            self.add_error(
                "new_name", _("Choose the customer, or give the name of a new customer.")
            )
        return data


class QuickReplyForm(forms.Form):
    shortcut = forms.CharField(
        label=_("Shortcut"),
        max_length=40,
        help_text=_("What you type after “/”, e.g. refund7."),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    body_zh = forms.CharField(
        label=_("Text (简体中文)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body_ko = forms.CharField(
        label=_("Text (한국어)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body_en = forms.CharField(
        label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    shared = forms.BooleanField(label=_("Shared with the whole team"), required=False)
    shop = forms.ModelChoiceField(
        label=_("Only for the shop"),
        queryset=Shop.objects.none(),
        required=False,
        empty_label=_("Every shop"),
    )

    def __init__(self, *args, may_share: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = Shop.objects.order_by("name")
        self.fields["shared"].disabled = not may_share
