from django.urls import path

from kefu.orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/edit/", views.order_edit, name="edit"),
    path("import/", views.import_page, name="import"),
    path("imports/<int:pk>/", views.import_result, name="import_result"),
    path("imports/<int:pk>/refused.csv", views.import_refused_csv, name="import_refused"),
]
