"""Django admin of the tickets' settings (admin role only): business calendars with their
holidays and make-up working days, SLA policies, teams and their routing, quick replies
and the category tree. Every save and delete is written to the audit log."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.core.adminsite import AuditedAdmin
from kefu.tickets.calendar import CalendarError, format_hours, parse_hours, parse_week, zone_of
from kefu.tickets.models import (
    BusinessCalendar,
    CalendarDay,
    Category,
    QuickReply,
    SLAPolicy,
    Team,
    Ticket,
)

WEEKDAYS = [
    _("Mon"),
    _("Tue"),
    _("Wed"),
    _("Thu"),
    _("Fri"),
    _("Sat"),
    _("Sun"),
]


# ---------------------------------------------------------------- calendars


class CalendarForm(forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ("name", "time_zone", "weekly_hours")
        help_texts = {
            "weekly_hours": _(
                'Monday is "0", Sunday "6"; each day a list of [start, end] times, e.g. '
                '{"0": [["09:00", "12:00"], ["13:00", "18:00"]], …, "6": []}. A missing '
                "day is closed."
            ),
            "time_zone": _("A time zone name such as Asia/Shanghai or Asia/Seoul."),
        }

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        try:
            zone_of(value)
        except CalendarError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    def clean_weekly_hours(self):
        value = self.cleaned_data["weekly_hours"]
        try:
            week = parse_week(value)
        except CalendarError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not any(week):
            raise forms.ValidationError(_("Give at least one day working hours."))
        return value


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "name", "hours")
        help_texts = {
            "hours": _(
                "Empty list [] for a holiday; the hours of a make-up working day, e.g. "
                '[["09:00", "18:00"]].'
            )
        }

    def clean_hours(self):
        value = self.cleaned_data["hours"]
        try:
            parse_hours(value)
        except CalendarError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value or []


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    form = CalendarDayForm
    extra = 1
    ordering = ("-date",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedAdmin):
    audit_name = "calendar"
    form = CalendarForm
    inlines = [CalendarDayInline]
    list_display = ("name", "time_zone", "week")
    search_fields = ("name",)

    @admin.display(description=_("weekly hours"))
    def week(self, obj: BusinessCalendar) -> str:
        try:
            days = parse_week(obj.weekly_hours)
        except CalendarError:
            return "?"
        return "; ".join(
            f"{WEEKDAYS[i]} {format_hours(hours)}" for i, hours in enumerate(days) if hours
        )


# ---------------------------------------------------------------- SLA policies


class SLAPolicyForm(forms.ModelForm):
    class Meta:
        model = SLAPolicy
        fields = (
            "name",
            "shop",
            "channel",
            "priority",
            "calendar",
            "first_response_minutes",
            "resolution_minutes",
            "position",
            "is_active",
        )
        help_texts = {
            "position": _(
                "Tickets take the first active policy that matches, lowest position first; "
                "at equal positions the more specific one wins. An empty shop, channel or "
                "priority matches all."
            ),
            "first_response_minutes": _("Business minutes, on the calendar's hours."),
            "resolution_minutes": _("Business minutes, on the calendar's hours."),
        }

    def clean(self):
        data = super().clean()
        first, resolution = data.get("first_response_minutes"), data.get("resolution_minutes")
        if first is not None and resolution is not None and resolution < first:
            self.add_error(
                "resolution_minutes", _("Resolution cannot be due before the first response.")
            )
        return data


@admin.register(SLAPolicy)
class SLAPolicyAdmin(AuditedAdmin):
    audit_name = "sla_policy"
    form = SLAPolicyForm
    list_display = (
        "name",
        "position",
        "shop",
        "channel",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "calendar",
        "is_active",
    )
    list_filter = ("is_active", "channel", "priority", "shop")
    list_select_related = ("shop", "calendar")
    ordering = ("position", "id")


# ---------------------------------------------------------------- teams


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ("name", "routing", "position", "shops", "languages", "kinds", "members")

    def _codes(self, field: str, allowed: list[str]) -> list[str]:
        value = self.cleaned_data.get(field) or []
        if not isinstance(value, list) or any(v not in allowed for v in value):
            raise forms.ValidationError(
                _("A list of these codes: %(codes)s") % {"codes": ", ".join(allowed)}
            )
        return value

    def clean_languages(self):
        return self._codes("languages", [code for code, _name in settings.LANGUAGES])

    def clean_kinds(self):
        return self._codes("kinds", list(Ticket.Kind.values))


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    audit_name = "team"
    form = TeamForm
    list_display = ("name", "position", "routing", "languages", "kinds", "member_count")
    filter_horizontal = ("members", "shops")
    ordering = ("position", "id")

    @admin.display(description=_("members"))
    def member_count(self, obj: Team) -> int:
        return obj.members.count()


# ---------------------------------------------------------------- quick replies, categories


@admin.register(QuickReply)
class QuickReplyAdmin(AuditedAdmin):
    audit_name = "quick_reply"
    list_display = ("shortcut", "title", "owner", "shop", "updated_at")
    list_filter = ("shop",)
    search_fields = ("shortcut", "title", "body_en", "body_zh", "body_ko")
    list_select_related = ("owner", "shop")


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    audit_name = "category"
    list_display = ("__str__", "parent")
    search_fields = ("name",)
    list_select_related = ("parent",)
