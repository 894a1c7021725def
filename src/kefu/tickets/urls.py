from django.urls import include, path

from kefu.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk/", views.bulk, name="bulk"),
    path("search/", views.search, name="search"),
    path("new/", views.new_ticket, name="new"),
    path("new/customers/", views.customer_lookup, name="customer_lookup"),
    path("escalations/", include("kefu.tickets.urls_escalation")),
    path("quick-replies/", views.quick_reply_list, name="quick_replies"),
    path("quick-replies/<int:pk>/", views.quick_reply_list, name="quick_reply_edit"),
    path("quick-replies/<int:pk>/delete/", views.quick_reply_delete, name="quick_reply_delete"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/messages/", views.post_message, name="post_message"),
    path("<int:pk>/calls/", views.log_call, name="log_call"),
    path("<int:pk>/status/", views.change_status, name="change_status"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/expand/", views.expand, name="expand"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
]
