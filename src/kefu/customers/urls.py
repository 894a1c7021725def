from django.urls import path

from kefu.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("mine/", views.my_customers, name="mine"),
    path("assign/", views.assignment, name="assign"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/", views.merge, name="merge"),
    path("merges/<int:pk>/reverse/", views.reverse_merge, name="reverse_merge"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/notes/", views.add_note, name="add_note"),
]
