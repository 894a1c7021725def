from django.urls import path

from kefu.followups import views_survey

app_name = "survey"

urlpatterns = [
    path("<str:token>/", views_survey.answer, name="answer"),
]
