from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from kefu.customers import timeline
        from kefu.tickets.timeline import ticket_items

        timeline.register("ticket", ticket_items)
