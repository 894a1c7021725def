from django.contrib import admin

from kefu.retention.models import Campaign, MessageTemplate, WaitlistEntry


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "language")
    list_filter = ("kind", "language")


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ("customer", "shop", "style_no", "size", "status", "created_at")
    list_filter = ("status", "shop")
    search_fields = ("style_no",)
    raw_id_fields = ("customer",)
    readonly_fields = ("status", "notified_at", "message", "language")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "segment", "shop", "scheduled_for", "status")
    list_filter = ("status", "segment")
    readonly_fields = ("status", "last_run_at")
