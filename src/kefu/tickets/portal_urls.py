"""The customer portal, mounted at /portal/ (see kefu.urls)."""

from django.urls import path

from kefu.tickets import portal_views as views

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("verify/", views.verify, name="verify"),
    path("link/", views.link_request, name="link_request"),
    path("link/sent/", views.link_sent, name="link_sent"),
    path("link/<str:token>/", views.link_open, name="link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="new"),
    path("requests/thanks/", views.thanks, name="thanks"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/reply/", views.request_reply, name="reply"),
    path("requests/<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
]
