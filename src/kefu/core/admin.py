from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kefu.core.models import ApiToken, AuditEntry, JobRecord, Shop, SweepRun, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "is_active", "language", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("kefu"), {"fields": ("role", "display_name", "language", "time_zone", "capacity")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("kefu"), {"fields": ("role", "display_name")}),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
        "from_state",
        "to_state",
    )
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "object_repr", "actor_label", "reason", "request_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False  # tokens are made with `kefu token create`, which shows them once


@admin.register(JobRecord)
class JobRecordAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "status", "attempts", "created_at", "finished_at")
    list_filter = ("status", "name")


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ("sweep", "slot", "started_at", "finished_at")
    list_filter = ("sweep",)


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "platform", "store_type", "currency", "time_zone", "is_active")
    list_filter = ("platform", "store_type", "is_active")
    prepopulated_fields = {"slug": ("name",)}
