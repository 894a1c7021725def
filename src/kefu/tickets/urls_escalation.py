"""Escalation screens, in the ``tickets`` URL namespace.

tickets/urls.py (``app_name = "tickets"``) includes them under /tickets/escalations/:

    path("escalations/", include("kefu.tickets.urls_escalation")),
"""

from django.urls import path

from kefu.tickets import views_escalation as views

urlpatterns = [
    path("", views.escalation_list, name="escalations"),
    path("ticket/<int:ticket_id>/", views.escalate, name="escalate"),
    path("ticket/<int:ticket_id>/panel/", views.panel, name="escalation_panel"),
    path("<int:pk>/answer/", views.answer, name="escalation_answer"),
    path("<int:pk>/told/", views.told, name="escalation_told"),
]
