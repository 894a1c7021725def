from django.urls import path

from kefu.followups import views

app_name = "followups"

urlpatterns = [
    path("", views.calls, name="calls"),
    path("<int:pk>/", views.task_detail, name="task"),
    path("<int:pk>/<slug:action>/", views.task_action, name="task_action"),
    path("measures/", views.measures, name="measures"),
    path("tickets/<int:ticket_id>/survey/", views.ticket_survey, name="ticket_survey"),
]
