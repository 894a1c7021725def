from django.urls import path

from kefu.complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("export/", views.complaint_export, name="export"),
    path("classification/", views.classification, name="classification"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.complaint_act, name="act"),
]
