from importlib import import_module

from django.contrib import admin
from django.urls import include, path

from kefu.core.api import api

# Each domain app that has an api.py contributes a ninja Router named `router`,
# mounted under /api/v1/<prefix>.
API_ROUTERS = [
    ("kefu.customers.api", "/customers"),
    ("kefu.orders.api", "/"),
    ("kefu.tickets.api", "/tickets"),
    ("kefu.tickets.api_escalation", "/escalations"),
]
for module_name, prefix in API_ROUTERS:
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    api.add_router(prefix, module.router)

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("portal/", include("kefu.tickets.portal_urls")),
    path("customers/", include("kefu.customers.urls")),
    path("orders/", include("kefu.orders.urls")),
    path("tickets/", include("kefu.tickets.urls")),
    path("", include("kefu.web.urls")),
]
