from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "kefu.aftersales"
    label = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        from kefu.aftersales import rules, selectors, tasks  # noqa: F401  (policies, sweeps)
        from kefu.customers import timeline
        from kefu.web import overdue

        timeline.register("return", selectors.timeline_items)
        overdue.register("aftersales", _("After-sales deadlines"), selectors.overdue_items)
