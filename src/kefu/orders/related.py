"""What the team is doing about one order, for the order page: its tickets, after-sales
cases and complaints (newest first), and which of them the viewer may start."""

from __future__ import annotations

from kefu.core.roles import can
from kefu.orders.models import Order

LIMIT = 20


def work_on(order: Order, user) -> dict:
    from kefu.aftersales.models import AftersalesCase
    from kefu.complaints.models import Complaint
    from kefu.tickets.models import Ticket

    tickets = (
        list(Ticket.objects.filter(order=order).order_by("-created_at", "-id")[:LIMIT])
        if can(user, "tickets.view")
        else []
    )
    cases = (
        list(AftersalesCase.objects.filter(order=order).order_by("-created_at", "-id")[:LIMIT])
        if can(user, "aftersales.view")
        else []
    )
    complaints = (
        list(Complaint.objects.filter(order=order).order_by("-registered_at", "-id")[:LIMIT])
        if can(user, "complaints.view")
        else []
    )
    return {
        "tickets": tickets,
        "cases": cases,
        "complaints": complaints,
        "can_ticket": can(user, "tickets.work"),
        "can_case": can(user, "aftersales.work"),
        "can_complain": can(user, "complaints.work"),
    }
