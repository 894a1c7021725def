"""Complaints in the Django admin (admin role): read-only, since every change must go
through the workflow and its audit trail."""

from __future__ import annotations

from django.contrib import admin

from kefu.complaints.models import Complaint, Solution


class SolutionInline(admin.TabularInline):
    model = Solution
    extra = 0
    can_delete = False
    readonly_fields = ("description", "proposed_by", "proposed_at")


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("id", "shop", "customer", "category", "severity", "status", "due_at")
    list_filter = ("status", "category", "severity", "shop")
    search_fields = ("content", "complainant_name", "customer__name")
    inlines = [SolutionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
