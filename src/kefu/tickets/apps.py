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

        # A new ticket is created with its SLA due times (services.create_ticket), then
        # routed (owner, team member).
        from kefu.core import refcache
        from kefu.tickets import escalation, routing, services, sla  # noqa: F401
        from kefu.tickets.models import BusinessCalendar, CalendarDay, Category, SLAPolicy, Team

        refcache.watch(SLAPolicy, BusinessCalendar, CalendarDay, Team, Category)

        for hook in (routing.route_new_ticket,):
            if hook not in services.NEW_TICKET_HOOKS:
                services.NEW_TICKET_HOOKS.append(hook)
