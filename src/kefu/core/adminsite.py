"""Django admin, for the admin role only. Other signed-in staff get 403, not a login loop."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
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
