from django.urls import path

from kefu.orders import carrier
from kefu.orders import carrier_views as views

app_name = "carrier"

carrier.connect()  # the customer timeline and the Today page (also done at start-up)

urlpatterns = [
    path("claims/", views.claim_list, name="claims"),
    path("claims/new/", views.claim_new, name="claim_new"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/actions/<slug:action>/", views.claim_action, name="claim_action"),
    path("claims/<int:pk>/photos/", views.claim_photos, name="claim_photos"),
    path("claims/<int:pk>/photos/<int:photo_pk>/", views.claim_photo, name="claim_photo"),
    path("claims/<int:pk>/report.pdf", views.claim_report, name="claim_report"),
    path("register/", views.register, name="register"),
    path("register/export.<str:fmt>", views.register_export, name="register_export"),
    path("tracking/", views.tracking, name="tracking"),
    path("tracking/new/", views.tracking_new, name="tracking_new"),
]
