"""Admin of the follow-up rules, call scripts and events (admin role only); audited."""

from __future__ import annotations

from django.contrib import admin

from kefu.core.adminsite import AuditedAdmin
from kefu.followups.models import CallScript, Event, FollowUpRule, Invitation


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(AuditedAdmin):
    audit_name = "followup_rule"
    list_display = ("reason", "shop", "is_active", "offset_days", "window_days", "segment")
    list_filter = ("reason", "is_active", "shop")


@admin.register(CallScript)
class CallScriptAdmin(AuditedAdmin):
    audit_name = "call_script"
    list_display = ("reason", "shop", "updated_at")
    list_filter = ("reason", "shop")


class InvitationInline(admin.TabularInline):
    model = Invitation
    raw_id_fields = ("customer",)
    extra = 0


@admin.register(Event)
class EventAdmin(AuditedAdmin):
    audit_name = "followup_event"
    list_display = ("title", "shop", "starts_at")
    list_filter = ("shop",)
    inlines = [InvitationInline]
