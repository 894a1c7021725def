"""Django admin, for the admin role only. Other signed-in staff get 403, not a login loop."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from kefu.core.roles import can


class KefuAdminSite(admin.AdminSite):
    site_header = _("kefu administration")
    site_title = _("kefu")
    index_title = _("Administration")

    def has_permission(self, request) -> bool:
        return can(request.user, "admin.site")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied("admin.site")
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied("admin.site")
        return super().login(request, extra_context)


class KefuAdminConfig(AdminConfig):
    default_site = "kefu.core.adminsite.KefuAdminSite"


def _plain(value):
    """A form value as the audit log keeps it: records by id, querysets as id lists."""
    from kefu.core import audit

    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return audit._jsonable(value)


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes in one transaction with their audit entry (for every admin page
    of settings: calendars, SLA policies, postage rows, call scripts …)."""

    audit_name = ""

    def save_model(self, request, obj, form, change):
        from kefu.core import audit

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                obj=obj,
                action=f"{self.audit_name}.{'update' if change else 'create'}",
                changes={f: _plain(form.cleaned_data.get(f)) for f in form.changed_data},
            )

    def delete_model(self, request, obj):
        from kefu.core import audit

        with transaction.atomic():
            audit.record(actor=request.user, obj=obj, action=f"{self.audit_name}.delete")
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        from kefu.core import audit

        with transaction.atomic():
            for obj in queryset:
                audit.record(actor=request.user, obj=obj, action=f"{self.audit_name}.delete")
            super().delete_queryset(request, queryset)
