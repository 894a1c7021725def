from django.contrib import admin

from kefu.core.adminsite import AuditedAdmin
from kefu.orders.models import (
    DamageClaim,
    ImportBatch,
    Order,
    OrderItem,
    TrackingQuery,
    WebhookDelivery,
)


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ("title", "sku", "style_no", "size", "color", "quantity", "unit_price", "amount")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("external_id", "shop", "customer", "status", "total_amount", "placed_at")
    list_filter = ("shop", "status")
    search_fields = ("external_id", "waybill", "customer__name")
    date_hierarchy = "placed_at"
    raw_id_fields = ("customer",)
    inlines = [OrderItemInline]
    list_select_related = ("shop", "customer")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "shop",
        "filename",
        "layout",
        "status",
        "orders_created",
        "orders_updated",
        "rows_failed",
    )
    list_filter = ("status", "shop", "layout")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False  # imports start from the upload page or `kefu import orders`


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "shop", "topic", "delivery_id", "order")
    list_filter = ("shop", "topic")
    readonly_fields = ("shop", "delivery_id", "topic", "received_at", "order")

    def has_add_permission(self, request):
        return False


@admin.register(TrackingQuery)
class TrackingQueryAdmin(AuditedAdmin):
    audit_name = "tracking_query"
    list_display = ("queried_at", "waybill", "carrier", "outcome", "handler", "order")
    list_filter = ("outcome", "carrier")
    search_fields = ("waybill", "carrier_agent_id", "order__external_id")
    raw_id_fields = ("order", "handler")


@admin.register(DamageClaim)
class DamageClaimAdmin(AuditedAdmin):
    """Claims move through their workflow on the claim page; here they are read and their
    free-text fields corrected."""

    audit_name = "damage_claim"
    list_display = ("id", "report_date", "waybill", "carrier", "parcel_state", "status")
    list_filter = ("status", "parcel_state", "carrier")
    search_fields = ("waybill", "carrier_agent_id", "order__external_id")
    readonly_fields = ("status",)
    raw_id_fields = ("order", "handler")
