from django.urls import path

from kefu.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_new, name="new"),
    path("import/", views.review_import, name="import"),
    path("measures/", views.review_measures, name="measures"),
    path("<int:pk>/", views.review_detail, name="detail"),
]
