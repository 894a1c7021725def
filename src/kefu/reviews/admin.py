from django.contrib import admin

from kefu.core.adminsite import AuditedAdmin
from kefu.reviews.models import Review


@admin.register(Review)
class ReviewAdmin(AuditedAdmin):
    audit_name = "review"
    list_display = ("platform_review_id", "shop", "rating", "status", "cause", "flagged_at")
    list_filter = ("status", "cause", "shop")
    search_fields = ("platform_review_id", "text")
    readonly_fields = ("status",)
    raw_id_fields = ("order", "customer")
