from django.urls import path

from . import views

app_name = "aftersales"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/action/", views.action, name="action"),
    path("<int:case_id>/registration/", views.registration, name="registration"),
    path("<int:case_id>/evidence/", views.evidence, name="evidence"),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence_file"),
    path("warehouse/", views.warehouse, name="warehouse"),
    path("warehouse/<int:case_id>/", views.warehouse_receive, name="warehouse_receive"),
    path("finance/", views.finance, name="finance"),
    path("finance/<int:case_id>/", views.finance_confirm, name="finance_confirm"),
]
