from django.contrib import admin

from kefu.orders.models import ImportBatch, Order, OrderItem, WebhookDelivery


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
