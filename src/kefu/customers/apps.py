from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from kefu.customers import rules, timeline  # noqa: F401  (rules declare policies)

        timeline.register("note", timeline.note_items)
