from django.contrib import admin

from kefu.aftersales.models import AftersalesCase, CaseItem, Evidence, PostagePolicyRow, Refund
from kefu.core.adminsite import AuditedAdmin


class CaseItemInline(admin.TabularInline):
    model = CaseItem
    extra = 0
    raw_id_fields = ("order_item",)


@admin.register(AftersalesCase)
class AftersalesCaseAdmin(admin.ModelAdmin):
    list_display = ("id", "shop", "order", "kind", "reason", "status", "handler", "created_at")
    list_filter = ("status", "kind", "shop")
    search_fields = ("order__external_id", "return_waybill", "customer__name")
    raw_id_fields = ("order", "customer", "ticket", "handler")
    # States move only through the transition tables (the case page and the API).
    readonly_fields = ("status", "refund_due", "quote", "quote_explanation")
    inlines = [CaseItemInline]
    list_select_related = ("shop", "order", "handler")


@admin.register(PostagePolicyRow)
class PostagePolicyRowAdmin(AuditedAdmin):
    """The postage and fee table (002 篇4): rows without a shop are the default."""

    audit_name = "postage_row"

    list_display = (
        "shop",
        "store_type",
        "situation",
        "kind",
        "outbound_payer",
        "return_payer",
        "reship_payer",
        "deduct_outbound",
        "fee_percent",
        "invoice_percent",
    )
    list_filter = ("shop", "store_type", "situation", "kind")


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("reference", "case", "amount", "currency", "confirmed_by", "confirmed_at")
    search_fields = ("reference",)
    readonly_fields = ("case", "amount", "currency", "reference", "confirmed_by", "confirmed_at")

    def has_add_permission(self, request):
        return False  # refunds are confirmed on the finance screen


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "stage", "name", "added_by", "added_at")
    raw_id_fields = ("case",)
