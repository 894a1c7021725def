from django.urls import path

from kefu.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.home, name="home"),
    path("waitlists/", views.waitlists, name="waitlists"),
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/<int:pk>/done/", views.reminder_done, name="reminder_done"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
]
