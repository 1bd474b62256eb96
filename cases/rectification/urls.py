from django.urls import path

from cases.rectification import circular_views, notification_views, views, visit_views

app_name = "rectification"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("bulk/", views.case_bulk, name="bulk"),
    path("open/", views.case_open, name="open"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/do/<slug:action>/", views.case_action, name="action"),
    path("<int:pk>/plan/", views.case_plan, name="plan"),
    path("<int:pk>/commitments/", views.commitment_add, name="commitment_add"),
    path("<int:pk>/care/", views.case_care, name="care"),
    path("<int:pk>/talks/new/", views.talk_create, name="talk_create"),
    path("commitments/<int:pk>/done/", views.commitment_done, name="commitment_done"),
    path("talks/<int:pk>/", views.talk_detail, name="talk_detail"),
    path("talks/<int:pk>/sign/", views.talk_sign, name="talk_sign"),
    path("my-talks/", views.my_talks, name="my_talks"),
    path("mine/", views.own_list, name="own_list"),
    path("mine/<int:pk>/", views.own_detail, name="own_detail"),
    path("mine/talks/<int:pk>/", views.talk_acknowledge, name="acknowledge"),
    path("<int:pk>/visits/", visit_views.case_visits, name="case_visits"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/seal/", visit_views.visit_seal, name="visit_seal"),
    path("visits/<int:pk>/observations/", visit_views.visit_observe, name="visit_observe"),
    path("visits/<int:pk>/execute/", visit_views.visit_execute, name="visit_execute"),
    path("visits/attachments/<int:pk>/", visit_views.attachment_download, name="visit_attachment"),
    path("my-visits/", visit_views.my_visits, name="my_visits"),
    path("circulars/", circular_views.circular_list, name="circular_list"),
    path("circulars/new/", circular_views.circular_create, name="circular_create"),
    path("circulars/<int:pk>/", circular_views.circular_detail, name="circular_detail"),
    path("circulars/<int:pk>/do/<slug:action>/", circular_views.circular_action, name="circular_action"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notifications_read, name="notifications_read"),
]
