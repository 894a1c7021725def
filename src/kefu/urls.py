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
    ("kefu.aftersales.api", "/aftersales"),
    ("kefu.orders.api_carrier", "/carrier"),
    ("kefu.complaints.api", "/complaints"),
    ("kefu.followups.api", "/followups"),
    ("kefu.followups.api_surveys", "/surveys"),
    ("kefu.reviews.api", "/reviews"),
    ("kefu.retention.api_waitlists", "/waitlists"),
    ("kefu.retention.api_campaigns", "/campaigns"),
]


def _optional(module_name: str):
    """The module, or None while the feature that provides it is not built."""
    try:
        return import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None


for module_name, prefix in API_ROUTERS:
    if (module := _optional(module_name)) is not None:
        api.add_router(prefix, module.router)

# Screens of each domain app: (URL prefix, urls module with app_name).
APP_URLS = [
    ("portal/", "kefu.tickets.portal_urls"),
    ("customers/", "kefu.customers.urls"),
    ("orders/", "kefu.orders.urls"),
    ("tickets/", "kefu.tickets.urls"),
    ("aftersales/", "kefu.aftersales.urls"),
    ("carrier/", "kefu.orders.carrier_urls"),
    ("complaints/", "kefu.complaints.urls"),
    ("followups/", "kefu.followups.urls"),
    ("survey/", "kefu.followups.survey_urls"),
    ("reviews/", "kefu.reviews.urls"),
    ("retention/", "kefu.retention.urls"),
    ("reports/", "kefu.reports.urls"),
]

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    *(
        path(prefix, include(module_name))
        for prefix, module_name in APP_URLS
        if _optional(module_name) is not None
    ),
    path("", include("kefu.web.urls")),
]
