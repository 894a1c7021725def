from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "kefu.reviews"
    label = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from kefu.customers import timeline
        from kefu.reviews import selectors
        from kefu.web import overdue

        timeline.register("review", selectors.timeline_items)
        overdue.register("review", _("Reviews to contact"), selectors.overdue_items)
