from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "kefu.retention"
    label = "retention"
    verbose_name = _("Keeping customers")

    def ready(self) -> None:
        from kefu.customers import timeline
        from kefu.retention.timeline import retention_items

        timeline.register("retention", retention_items)
