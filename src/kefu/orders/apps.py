from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "kefu.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from kefu.customers import segments, timeline
        from kefu.orders import selectors, services  # noqa: F401  (services declares policies)
        from kefu.orders.timeline import order_items

        timeline.register("order", order_items)

        from kefu.orders import carrier

        carrier.connect()  # claims on the customer timeline and the Today page
        segments.register_purchases("orders", selectors.purchases)
