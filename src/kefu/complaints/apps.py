from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "kefu.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from kefu.complaints import selectors, services  # noqa: F401  (declares the policies)
        from kefu.customers import timeline
        from kefu.web import overdue

        timeline.register("complaint", selectors.timeline_items)
        overdue.register("complaint", _("Complaints"), selectors.overdue_items)
