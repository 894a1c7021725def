"""Django admin of the customer archive (admin role only).

Admins define the trade-specific attributes and the tags here. Customers and merges are
shown read-only: they change through the customer screens and the API, whose services
keep the search index, the audit log and the merge records right.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.core.adminsite import AuditedAdmin
from kefu.customers.models import AttributeDefinition, Customer, MergeRecord, Tag


class AttributeDefinitionForm(forms.ModelForm):
    class Meta:
        model = AttributeDefinition
        fields = "__all__"  # noqa: DJ007  (every field of a definition is the admin's)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        choices = data.get("choices") or []
        if kind == AttributeDefinition.Kind.CHOICE:
            if not isinstance(choices, list) or not choices:
                self.add_error("choices", _('List the choices, e.g. ["S", "M", "L"].'))
        elif choices:
            self.add_error("choices", _("Only the choice type has choices."))
        low, high = data.get("minimum"), data.get("maximum")
        if low is not None and high is not None and low > high:
            self.add_error("maximum", _("The maximum is below the minimum."))
        if kind not in (AttributeDefinition.Kind.INTEGER, AttributeDefinition.Kind.DECIMAL) and (
            low is not None or high is not None
        ):
            self.add_error("minimum", _("Only numbers have a minimum and a maximum."))
        return data


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(AuditedAdmin):
    audit_name = "attribute"
    form = AttributeDefinitionForm
    list_display = (
        "key",
        "label",
        "label_zh",
        "label_ko",
        "kind",
        "group",
        "required",
        "is_active",
    )
    list_filter = ("group", "kind", "is_active")
    list_editable = ("is_active",)
    search_fields = ("key", "label", "label_zh", "label_ko")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "color")
    search_fields = ("name",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnly):
    list_display = ("id", "name", "segment", "owner", "no_calls", "no_marketing", "merged_into")
    list_filter = ("segment", "no_calls", "no_marketing")
    search_fields = ("name", "phones__normalized", "emails__normalized", "identities__external_id")
    list_select_related = ("owner", "merged_into")
    show_full_result_count = False


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnly):
    list_display = ("id", "survivor", "merged", "merged_by", "merged_at", "reversed_at")
    list_select_related = ("survivor", "merged", "merged_by")
