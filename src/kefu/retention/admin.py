from django.contrib import admin

from kefu.core.adminsite import AuditedAdmin
from kefu.retention.models import Campaign, MessageTemplate, WaitlistEntry


@admin.register(MessageTemplate)
class MessageTemplateAdmin(AuditedAdmin):
    audit_name = "message_template"
    list_display = ("kind", "language")
    list_filter = ("kind", "language")


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(AuditedAdmin):
    audit_name = "waitlist"
    list_display = ("customer", "shop", "style_no", "size", "status", "created_at")
    list_filter = ("status", "shop")
    search_fields = ("style_no",)
    raw_id_fields = ("customer",)
    readonly_fields = ("status", "notified_at", "message", "language")


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    audit_name = "campaign"
    list_display = ("name", "segment", "shop", "scheduled_for", "status")
    list_filter = ("status", "segment")
    readonly_fields = ("status", "last_run_at")
