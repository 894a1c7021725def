from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.core import policies
from kefu.core.models import ApiToken, AuditEntry, JobRecord, Policy, Shop, SweepRun, User
from kefu.core.policy_forms import PolicyForm, as_input, group_of, rule_table, show
from kefu.core.roles import can


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


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    """The Policies screen: every declared rule, not only those with a stored value.

    Values are set and removed through kefu.core.policies, which validates them against the
    rule and writes the audit log; the stock add/change/delete pages lead there too.
    """

    actions = None

    def has_view_permission(self, request, obj=None):
        return can(request.user, "policies.edit")

    def has_add_permission(self, request):
        return can(request.user, "policies.edit")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "policies.edit")

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "policies.edit")

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("set/", self.admin_site.admin_view(self.set_view), name=f"{prefix}_set"),
            path(
                "<int:object_id>/reset/",
                self.admin_site.admin_view(self.reset_view),
                name=f"{prefix}_reset",
            ),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args, **query) -> str:
        url = reverse(f"admin:core_policy_{name}", args=args, current_app=self.admin_site.name)
        query = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{url}?{urlencode(query)}" if query else url

    def _back_to(self, key: str) -> str:
        return self._url("changelist", group=group_of(key)) + f"#rule-{key}"

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            **extra,
        }

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        group = request.GET.get("group", "")
        query = request.GET.get("q", "")
        groups, all_groups = rule_table(group, query)
        context = self._context(
            request,
            title=gettext("Policies"),
            groups=groups,
            all_groups=all_groups,
            group=group,
            query=query,
            count=sum(len(g.rules) for g in groups),
            set_url=self._url("set"),
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/core/policy/change_list.html", context)

    def add_view(self, request, form_url="", extra_context=None):
        return redirect(self._url("set", key=request.GET.get("key")))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        row = get_object_or_404(Policy, pk=object_id)
        return redirect(self._url("set", key=row.key, shop=row.shop_id))

    def delete_view(self, request, object_id, extra_context=None):
        row = get_object_or_404(Policy, pk=object_id)
        return redirect(self._url("reset", row.pk))

    def set_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = PolicyForm(request.POST)
            if form.is_valid():
                key, shop = form.cleaned_data["key"], form.cleaned_data["shop"]
                value = policies.set_value(
                    actor=request.user, key=key, value=form.cleaned_data["value"], shop=shop
                )
                rule = policies.declared()[key]
                self.message_user(
                    request,
                    gettext("%(key)s is now %(value)s for %(shop)s.")
                    % {
                        "key": key,
                        "value": show(rule, value),
                        "shop": shop.name if shop else gettext("all shops"),
                    },
                    messages.SUCCESS,
                )
                return redirect(self._back_to(key))
            rule = policies.declared().get(request.POST.get("key", ""))
        else:
            key = request.GET.get("key", "")
            rule = policies.declared().get(key)
            shop_id = request.GET.get("shop", "")
            shop = Shop.objects.filter(pk=shop_id).first() if shop_id.isdigit() else None
            initial = {"key": key if rule else "", "shop": shop}
            if rule is not None:
                initial["value"] = as_input(rule, rule.get(shop))
            form = PolicyForm(initial=initial)
        context = self._context(
            request,
            title=gettext("Set a policy value"),
            form=form,
            rule=rule,
            rule_default=show(rule, rule.default) if rule else "",
            back_url=self._back_to(rule.key) if rule else self._url("changelist"),
        )
        return TemplateResponse(request, "admin/core/policy/set.html", context)

    def reset_view(self, request, object_id):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        row = get_object_or_404(Policy.objects.select_related("shop"), pk=object_id)
        rule = policies.declared().get(row.key)
        if rule is None:
            self.message_user(
                request,
                gettext("%(key)s is not a rule kefu knows; it cannot be reset here.")
                % {"key": row.key},
                messages.ERROR,
            )
            return redirect(self._url("changelist"))
        shop_name = row.shop.name if row.shop else gettext("all shops")
        if request.method == "POST":
            value = policies.reset_value(actor=request.user, key=row.key, shop=row.shop)
            self.message_user(
                request,
                gettext("%(key)s for %(shop)s is back to %(value)s.")
                % {"key": row.key, "shop": shop_name, "value": show(rule, value)},
                messages.SUCCESS,
            )
            return redirect(self._back_to(row.key))
        common = None
        if row.shop_id is not None:
            common = Policy.objects.filter(key=row.key, shop__isnull=True).first()
        fallback = common.value if common is not None else rule.default
        context = self._context(
            request,
            title=gettext("Reset a policy value"),
            row=row,
            rule=rule,
            label=gettext(rule.label),
            shop_name=shop_name,
            current=show(rule, row.value),
            fallback=show(rule, fallback),
            falls_back_to_common=common is not None,
            back_url=self._back_to(row.key),
        )
        return TemplateResponse(request, "admin/core/policy/reset.html", context)
